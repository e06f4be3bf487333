"""Axolotl `chat_template` datasets: JSONL rows with a `messages` list of role/content turns, and the config.

Per Axolotl's conversation docs (https://docs.axolotl.ai/docs/dataset-formats/conversation.html) and its
dataset config reference (`field_messages`, default "messages"; `message_property_mappings`, default
role->role, content->content; `roles_to_train`, default ["assistant"]), the YAML states every mapping
explicitly so the file keeps working if a default moves. Metadata keys ride along on each row.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import BinaryIO

from codemill.exports.openai import Row, chat, metadata


def write_axolotl(f: BinaryIO, rows: Iterable[Row]) -> int:
    """The JSONL file; returns the number of rows."""
    n = 0
    for row in rows:
        record = {**metadata(row), "messages": chat(row)}
        f.write((json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n").encode())
        n += 1
    return n


def axolotl_yaml(path: str, chat_template: str | None = None) -> str:
    """The `datasets:` snippet for an Axolotl config; `chat_template` (e.g. chatml) overrides the tokenizer's."""
    head = f"chat_template: {chat_template}\n" if chat_template else ""
    return head + (
        "datasets:\n"
        f"  - path: {json.dumps(path)}\n"
        "    ds_type: json\n"
        "    type: chat_template\n"
        "    field_messages: messages\n"
        "    message_property_mappings:\n"
        "      role: role\n"
        "      content: content\n"
        "    roles_to_train: [\"assistant\"]\n"
    )
