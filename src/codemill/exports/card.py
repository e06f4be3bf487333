"""The dataset card shared by the SFT exports: one README for every trainer format written side by side.

The YAML header is what the Hub reads (license, task, size category, and a config per Parquet format so
the viewer and `load_dataset(folder, name)` find the data); the body says what the rows are, where each
format lives and how its trainer loads it, and what the data is made of (categories, score quantiles,
licenses, and the pipeline funnel from `codemill.exports.hf`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from codemill.engine.artifacts import Artifact
from codemill.exports.hf import funnel_table
from codemill.exports.hub import card_header, configs_from


class Format(NamedTuple):
    path: str  # data files, relative to the export folder
    consumer: str
    use: str  # how the consumer is pointed at it
    parquet: bool = False


FORMATS: dict[str, Format] = {
    "trl-messages": Format("trl-messages/train-*.parquet", "TRL SFTTrainer (conversational language modeling)",
                           '`load_dataset("parquet", data_files=...)`, column `messages`', True),
    "trl-prompt-completion": Format("trl-prompt-completion/train-*.parquet",
                                    "TRL SFTTrainer (conversational prompt-completion)",
                                    "columns `prompt` / `completion`; loss on the completion only", True),
    "llamafactory-alpaca": Format("llamafactory/alpaca_train/*.json", "LLaMA-Factory (alpaca)",
                                  "`dataset_dir: llamafactory`, `dataset: codemill_alpaca_train`"),
    "llamafactory-sharegpt": Format("llamafactory/sharegpt_train/*.json", "LLaMA-Factory (sharegpt)",
                                    "`dataset_dir: llamafactory`, `dataset: codemill_sharegpt_train`"),
    "axolotl": Format("axolotl/train-*.jsonl", "Axolotl (`type: chat_template`)",
                      "the `datasets:` snippet in `axolotl/axolotl.yaml`"),
    "openai": Format("openai/train-*.jsonl", "OpenAI fine-tuning (chat)",
                     "upload the folder's `*.jsonl`; provenance per line in `openai-metadata/`"),
}


def report_link() -> list[str]:
    """A card's pointer to the run report: cards sit one folder below the run directory, the report in
    `report/` beside them (`codemill.runreport`)."""
    return ["## Run report", "",
            "Plots and tables of the run that made this data (funnel, drop reasons, mixes, scores, timings):",
            "[report/index.html](../report/index.html) in the run directory, built by `codemill report DIR`.", ""]


def _mix_table(name: str, mix: dict[str, int]) -> list[str]:
    total = sum(mix.values()) or 1
    rows = sorted(mix.items(), key=lambda kv: (-kv[1], kv[0]))
    return [f"| {name} | rows | share |", "|---|---:|---:|",
            *(f"| {k} | {v} | {v / total:.1%} |" for k, v in rows)]


def sft_card(title: str, rows: int, files: int, category_mix: dict[str, int], score_quantiles: dict[str, float],
             license_mix: dict[str, int], funnel: list[dict], formats: list[str],
             splits: dict[str, int] | None = None, composition: dict[str, int] | None = None,
             notice: str | None = None, artifacts: Sequence[Artifact] = (), folder: str = "") -> str:
    """The README.md for an export folder holding `formats` (keys of `FORMATS`, laid out as its paths say);
    `artifacts` are the files the run wrote, `folder` the card's folder (run-relative), for the header's digests
    and sizes (`exports.hub`)."""
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"unknown formats {unknown}; known: {sorted(FORMATS)}")
    parquet = [f for f in formats if FORMATS[f].parquet]
    split_rows = splits or {"train": rows}
    configs = [configs_from(key, {split: FORMATS[key].path.replace("train-", f"{split}-") for split in split_rows},
                            split_rows, artifacts, folder, default=i == 0) for i, key in enumerate(parquet)]
    lines = [
        card_header(title, ["code", "sft", "codemill"], configs, rows, license_mix),
        f"# {title}", "",
        "Supervised fine-tuning pairs mined from git history by codemill: an instruction written by a",
        "developer (a commit message, an issue, a review comment) and the code change that answered it.",
        "Every format below holds the same rows, with their provenance (`pair_id`, repository, commit, license).",
        "", f"- rows: {rows}" + (" (" + ", ".join(f"{v} {k}" for k, v in composition.items() if v) + ")"
                                 if composition else ""), f"- files: {files}",
        *(f"- {split}: {n} rows" for split, n in (splits or {}).items()), "",
        *([f"> **Splits:** {notice}.", ""] if notice else []),
        "## Formats", "", "| format | for | files | use |", "|---|---|---|---|",
        *(f"| {k} | {FORMATS[k].consumer} | `{FORMATS[k].path}` | {FORMATS[k].use} |" for k in formats), "",
        "## Categories", "", *_mix_table("category", category_mix), "",
        "## Scores", "", "| quantile | score |", "|---|---:|",
        *(f"| {q} | {v:.3f} |" for q, v in score_quantiles.items()), "",
        "## Licenses", "", *_mix_table("license", license_mix), "",
        "## Funnel", "", *funnel_table(funnel), "",
        *report_link(),
        "Licenses are recorded per row; check them before redistribution.", "",
    ]
    return "\n".join(lines)
