"""TRL `SFTTrainer` datasets as Parquet, in TRL's two conversational types for SFT.

Per https://huggingface.co/docs/trl/dataset_formats: conversational language modeling is a `messages`
column (role/content list); conversational prompt-completion is `prompt` (here the system and user turns)
and `completion` (the assistant turn, as a one-message list). SFTTrainer applies the chat template to both;
with prompt-completion it trains on the completion only by default (`completion_only_loss`), which is
usually what a diff-writing model should learn. Metadata columns ride along; trainers ignore them. A debugging
pair is its whole session in `messages` and its single-turn pair in prompt-completion.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import BinaryIO, Literal

import pyarrow as pa

from codemill.exports.hf import MESSAGE, write_parquet
from codemill.exports.openai import Row, chat, metadata

Form = Literal["messages", "prompt_completion"]
MESSAGES = pa.list_(MESSAGE)


def trl_table(rows: Sequence[Row], form: Form = "messages", metadata_schema: pa.Schema | None = None) -> pa.Table:
    """The rows as a table of `form`; pass `metadata_schema` so that every file of a sharded export has the
    same column types (inferred from these rows otherwise)."""
    chats = [chat(r, multi_turn=form == "messages") for r in rows]
    if form == "messages":
        columns = {"messages": pa.array(chats, MESSAGES)}
    elif form == "prompt_completion":
        columns = {"prompt": pa.array([c[:-1] for c in chats], MESSAGES),
                   "completion": pa.array([c[-1:] for c in chats], MESSAGES)}
    else:
        raise ValueError(f"unknown TRL form {form!r}")
    meta = pa.Table.from_pylist([metadata(r) for r in rows], schema=metadata_schema)
    for name in meta.column_names:
        columns[name] = meta[name]
    return pa.table(columns)


def write_trl(f: BinaryIO, rows: Sequence[Row], form: Form = "messages",
              metadata_schema: pa.Schema | None = None) -> int:
    """One Parquet file of `form`; returns the number of rows."""
    write_parquet(trl_table(rows, form, metadata_schema), f)
    return len(rows)
