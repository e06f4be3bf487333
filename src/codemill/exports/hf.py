"""A Hugging Face dataset folder: `data/train-NNNNN-of-NNNNN.parquet` plus a `README.md` dataset card.

`datasets.load_dataset("parquet", data_dir=...)` and `load_dataset(folder)` both read it; the card's YAML
header declares the split so the Hub viewer does too.
"""

from __future__ import annotations

from typing import BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq

from codemill.engine.artifacts import PARQUET_OPTS, ROW_GROUP_ROWS
from codemill.exports.hub import HubConfig, card_header

MESSAGE = pa.struct([("role", pa.string()), ("content", pa.large_string())])
SCHEMA = pa.schema([
    ("messages", pa.list_(MESSAGE)),
    ("pair_id", pa.string()),
    ("kind", pa.string()),
    ("repo", pa.string()),
    ("repo_id", pa.string()),
    ("commit_sha", pa.string()),
    ("base_sha", pa.string()),  # the commit the response (a unified diff) applies to
    ("pr_number", pa.int64()),
    ("license", pa.string()),
    ("languages", pa.list_(pa.string())),
    ("web_url", pa.string()),
])


def small_strings(t: pa.DataType) -> pa.DataType:
    """`t` with every `large_string` as `string`, inside lists and structs too."""
    if t == pa.large_string():
        return pa.string()
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return pa.list_(small_strings(t.value_type))
    if pa.types.is_struct(t):
        return pa.struct([pa.field(f.name, small_strings(f.type), f.nullable) for f in t])
    return t


def write_parquet(table: pa.Table, f: BinaryIO, row_group_rows: int = ROW_GROUP_ROWS) -> None:
    """`table` as Parquet for trainers and the Hub: strings written as `string`, the type chat datasets on the Hub
    have (a `large_string` content column cannot be concatenated with them without a cast). Rows are built as
    `large_string` (a file of long diffs can pass 2 GB of text) and cast one row group at a time, which stays far
    below that."""
    schema = pa.schema([pa.field(f.name, small_strings(f.type), f.nullable) for f in table.schema])
    with pq.ParquetWriter(f, schema, **PARQUET_OPTS) as writer:
        for start in range(0, max(table.num_rows, 1), row_group_rows):
            writer.write_table(table.slice(start, row_group_rows).cast(schema), row_group_size=row_group_rows)


def shard_name(i: int, n: int, ext: str = "parquet") -> str:
    return f"train-{i:05d}-of-{n:05d}.{ext}"


def dataset_card(title: str, config: HubConfig, rows: int, files: int, funnel: list[dict], code_version: str,
                 license_mix: dict[str, int]) -> str:
    """The card: the Hub header (`exports.hub`: one config, a split per pattern, keyed by content), then what is
    inside and how it was filtered."""
    lines = [
        card_header(title, ["code", "sft", "codemill"], [config], rows, license_mix),
        f"# {title}",
        "",
        "Supervised pairs mined from git history by codemill: the commit message is the instruction, the",
        "commit's unified diff the response, in the conversational `messages` format (system, user, assistant).",
        "Every row carries its provenance (`repo`, `commit_sha`, `license`, `web_url`).",
        "",
        f"- rows: {rows}",
        f"- files: {files}",
        f"- produced by: codemill {code_version}",
        "",
        "## Funnel",
        "",
        *funnel_table(funnel),
    ]
    lines += ["", "Licenses are recorded per row; check them before redistribution.", ""]
    return "\n".join(lines)


def funnel_table(funnel: list[dict]) -> list[str]:
    """The funnel as a Markdown table: each stage's rows in, kept, dropped and the drop reasons."""
    lines = ["| stage | in | kept | dropped | drop reasons |", "|---|---:|---:|---:|---|"]
    for f in funnel:
        reasons = ", ".join(f"{k}: {v}" for k, v in f["drop_reasons"].items()) or "-"
        copies = f.get("counters", {}).get("upsampled_copies", 0)
        kept = f"{f['kept']} (+{copies} copies = {f['kept'] + copies} rows)" if copies else f"{f['kept']}"
        lines.append(f"| {f['stage']} | {f['in']} | {kept} | {f['dropped']} | {reasons} |")
    return lines
