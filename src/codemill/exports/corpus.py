"""The dataset card of the pretraining corpus export: what is inside, in which formats, and how it was filtered."""

from __future__ import annotations

from codemill.exports.hf import funnel_table
from codemill.exports.hub import HubConfig, card_header


def _table(head: str, mix: dict[str, int], total: int) -> list[str]:
    lines = [f"| {head} | documents | share |", "|---|---:|---:|"]
    lines += [f"| {k} | {v} | {v / max(total, 1):.1%} |" for k, v in mix.items()]
    return lines


def dataset_card(docs: int, files: int, languages: dict[str, int], licenses: dict[str, int],
                 tokens: dict[str, int], funnel: list[dict], code_version: str, config: HubConfig) -> str:
    """The Hub header (`exports.hub`, `config` naming the `text/` files), then the mixes, token counts and the
    funnel of every stage."""
    lines = [
        card_header("codemill pretraining corpus", ["code", "pretraining", "codemill"], [config], docs, licenses),
        "# codemill pretraining corpus",
        "",
        "Files of permissively licensed repositories at their head, filtered for quality, exact- and",
        "near-deduplicated (file and function level), with secrets and personal data replaced by typed",
        "placeholders and decontaminated against benchmarks, laid out as documents (see `level`).",
        "",
        f"- documents: {docs} in {files} Parquet file(s) under `text/`",
        f"- produced by: codemill {code_version}",
    ]
    if tokens:
        lines += [
            f"- tokens: {tokens['tokens']} over {tokens['documents']} documents",
            f"- packed: {tokens['packed_sequences']} sequences of {tokens['seq_len']} tokens under `packed/`",
            "- Megatron-LM: `megatron/codemill_text_document.{bin,idx}`; nanoGPT: `nanogpt/{train,val}.bin` (uint16) "
            "and `meta.pkl`",
        ]
    else:
        lines.append("- not tokenized (set `tokenizer.path` for Megatron-LM, nanoGPT and packed outputs)")
    lines += ["", "## Languages", "", *_table("language", languages, docs)]
    lines += ["", "## Licenses", "", *_table("license", licenses, docs)]
    lines += ["", "## Funnel", "", *funnel_table(funnel)]
    lines += ["", "Licenses are recorded per document; check them before redistribution.", ""]
    return "\n".join(lines)
