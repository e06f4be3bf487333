"""Names in a run directory that one stage writes and something else reads (another stage, the report): files
beside a stage's parts and manifest counters. They live here, below the stages, so their readers need not import
the stage that writes them; like every output path, they are a public contract (`docs/architecture.md`)."""

from __future__ import annotations

SELECT_SHORTFALL = "shortfall.json"  # select/: what each category lacked against its target
SELECT_SPLITS = "splits.json"  # select/: how train, validation and test were cut
MEGATRON_PREFIX = "megatron/codemill_text_document"  # corpus/: the Megatron-LM indexed dataset, .bin and .idx
TOKENIZED = "tokenized."  # corpus manifest counters `tokenized.{documents,tokens,packed_sequences}`
