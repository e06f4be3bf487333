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


_SPEC = (
    "    ds_type: json\n"
    "    type: chat_template\n"
    "    field_messages: messages\n"
    "    message_property_mappings:\n"
    "      role: role\n"
    "      content: content\n"
    "    roles_to_train: [\"assistant\"]\n"
)


def axolotl_yaml(files: dict[str, list[str]], chat_template: str | None = None) -> str:
    """The `datasets:` (train files) and `test_datasets:` (validation files) of an Axolotl config, one entry per
    file: Axolotl does not expand a glob in `path`. `chat_template` (e.g. chatml) overrides the tokenizer's. The
    test split is left out: it is held out from training and from model selection alike."""
    head = f"chat_template: {chat_template}\n" if chat_template else ""
    out = head + "# Paths are relative to the export folder: run axolotl from there.\n"
    for key, split, extra in (("datasets", "train", ""), ("test_datasets", "validation", "    split: train\n")):
        if files.get(split):
            # a JSON file loads as one split called "train", whatever it holds, so an eval entry names that split
            out += f"{key}:\n" + "".join(f"  - path: {json.dumps(path)}\n{_SPEC}{extra}" for path in files[split])
    return out
