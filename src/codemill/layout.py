"""Names in a run directory that one stage (or the pipeline) writes and something else reads (another stage, the
report, `rundir`): files beside a stage's parts, run-level files and manifest counters. They live here, below the
stages, so their readers need not import the stage that writes them; like every output path, they are a public
contract (`docs/architecture.md`)."""

from __future__ import annotations

CONFIG_FILE = "config.toml"  # the effective config of the last run, as it wrote it
SOURCES_FILE = "sources.json"  # every source spec ever registered in the run directory
SELECT_SHORTFALL = "shortfall.json"  # select/: what each category lacked against its target
SELECT_SPLITS = "splits.json"  # select/: how train, validation and test were cut
MEGATRON_PREFIX = "megatron/codemill_text_document"  # corpus/: the Megatron-LM indexed dataset, .bin and .idx
TOKENIZED = "tokenized."  # corpus manifest counters `tokenized.{documents,tokens,packed_sequences}`
