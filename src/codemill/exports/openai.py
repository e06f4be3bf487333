"""OpenAI chat fine-tuning files: JSONL whose every line is exactly `{"messages": [...]}`.

The fine-tuning guide (https://platform.openai.com/docs/guides/supervised-fine-tuning) defines a line as a
`messages` list (plus optional `tools`/`parallel_tool_calls`, which pairs never have); the cookbook's format
check (https://cookbook.openai.com/examples/chat_finetuning_data_prep) rejects unknown message keys, roles
other than system/user/assistant/function, empty or non-string contents, and lines without an assistant
turn. So nothing else goes on a line: provenance is written to a sidecar JSONL, line i describing line i.

The role/content conversation built here is also what the TRL and Axolotl writers emit.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, BinaryIO

Row = Mapping[str, Any]  # pair_id, instruction, response, optional system, and any metadata columns
CONVERSATION_KEYS = ("instruction", "response", "system", "turns")


def chat(row: Row, *, multi_turn: bool = True) -> list[dict[str, str]]:
    """system (when the row has a non-empty one), user, assistant; or, with `multi_turn` and a row that has
    `turns` (a debugging session), system and those turns. Refuses empty turns, which trainers and the OpenAI
    API reject or silently learn nothing from."""
    for key in ("instruction", "response"):
        if not isinstance(row[key], str) or not row[key].strip():
            raise ValueError(f"pair {row.get('pair_id')}: empty {key}")
    system = [{"role": "system", "content": row["system"]}] if row.get("system") else []
    if multi_turn and row.get("turns"):
        if any(not t["content"].strip() for t in row["turns"]):
            raise ValueError(f"pair {row.get('pair_id')}: empty turn")
        return [*system, *({"role": t["role"], "content": t["content"]} for t in row["turns"])]
    return [*system, {"role": "user", "content": row["instruction"]},
            {"role": "assistant", "content": row["response"]}]


def metadata(row: Row) -> dict[str, Any]:
    """Everything in a row but the conversation: pair_id and provenance."""
    return {k: v for k, v in row.items() if k not in CONVERSATION_KEYS}


def _jsonl(f: BinaryIO, records: Iterable[dict]) -> int:
    n = 0
    for record in records:
        f.write((json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n").encode())
        n += 1
    return n


def write_openai(f: BinaryIO, rows: Iterable[Row]) -> int:
    """The training file; returns the number of lines."""
    return _jsonl(f, ({"messages": chat(r)} for r in rows))


def write_openai_metadata(f: BinaryIO, rows: Iterable[Row]) -> int:
    """The sidecar: line i is the metadata of training line i (same rows, same order)."""
    return _jsonl(f, (metadata(r) for r in rows))
