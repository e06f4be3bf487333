"""LLaMA-Factory datasets: alpaca and sharegpt JSON files, and their `dataset_info.json` descriptions.

Shapes and descriptions follow LLaMA-Factory's data/README.md
(https://github.com/hiyouga/LLaMA-Factory/blob/main/data/README.md): alpaca rows have `instruction`,
`input`, `output`, `system`, `history`; sharegpt rows a `conversations` list of `from`/`value` turns
(human/gpt) and a `system` column. LLaMA-Factory reads only the dataset files named in `dataset_info.json`
(in its `dataset_dir`), mapping columns and tags through it, so each file ships with its entry. Files are
JSON arrays, as in the README; extra metadata keys ride along and are dropped by its loader.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, BinaryIO, Literal

from codemill.exports.openai import Row, chat, metadata

Formatting = Literal["alpaca", "sharegpt"]


def alpaca_record(row: Row) -> dict[str, Any]:
    """The instruction as the prompt, no separate input, the response as output; an empty system lets the
    model's template use its default."""
    *_, user, assistant = chat(row, multi_turn=False)
    return {**metadata(row), "instruction": user["content"], "input": "", "output": assistant["content"],
            "system": row.get("system") or "", "history": []}


def sharegpt_record(row: Row) -> dict[str, Any]:
    """Human and gpt turns alternating (human in odd, gpt in even positions, as the README requires): one of
    each, or a debugging session's turns."""
    turns = [t for t in chat(row) if t["role"] != "system"]
    return {**metadata(row), "conversations": [{"from": "human" if t["role"] == "user" else "gpt",
                                                "value": t["content"]} for t in turns],
            "system": row.get("system") or ""}


def write_llamafactory(f: BinaryIO, rows: Iterable[Row], formatting: Formatting) -> int:
    """One JSON array file of `formatting`; written record by record, so rows may be a stream."""
    record = alpaca_record if formatting == "alpaca" else sharegpt_record
    n = 0
    f.write(b"[")
    for row in rows:
        f.write((",\n" if n else "\n").encode() + json.dumps(record(row), ensure_ascii=False, sort_keys=True).encode())
        n += 1
    f.write(b"\n]\n")
    return n


def dataset_info_entry(file_name: str, formatting: Formatting) -> dict[str, Any]:
    """The dataset description for a file written by `write_llamafactory` (README's SFT examples)."""
    if formatting == "alpaca":
        return {"file_name": file_name, "formatting": "alpaca",
                "columns": {"prompt": "instruction", "query": "input", "response": "output", "system": "system",
                            "history": "history"}}
    return {"file_name": file_name, "formatting": "sharegpt",
            "columns": {"messages": "conversations", "system": "system"},
            "tags": {"role_tag": "from", "content_tag": "value", "user_tag": "human", "assistant_tag": "gpt"}}


def dataset_info(entries: dict[str, dict[str, Any]]) -> str:
    """`dataset_info.json`: dataset name -> description; train with `dataset: <name>`."""
    return json.dumps(entries, indent=2, sort_keys=True) + "\n"
