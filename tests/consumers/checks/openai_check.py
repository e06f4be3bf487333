"""The OpenAI cookbook's "Data preparation and analysis for chat model fine-tuning" format checks, error by error,
on `export/openai/` (the token counts of that notebook need tiktoken's encodings, which it downloads: not here)."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from common import main


def format_errors(dataset: list[Any]) -> dict[str, int]:
    """The notebook's loop, as published."""
    format_errors: defaultdict[str, int] = defaultdict(int)
    for ex in dataset:
        if not isinstance(ex, dict):
            format_errors["data_type"] += 1
            continue
        messages = ex.get("messages", None)
        if not messages:
            format_errors["missing_messages_list"] += 1
            continue
        for message in messages:
            if "role" not in message or "content" not in message:
                format_errors["message_missing_key"] += 1
            if any(k not in ("role", "content", "name", "function_call", "weight") for k in message):
                format_errors["message_unrecognized_key"] += 1
            if message.get("role", None) not in ("system", "user", "assistant", "function"):
                format_errors["unrecognized_role"] += 1
            content = message.get("content", None)
            function_call = message.get("function_call", None)
            if (not content and not function_call) or not isinstance(content, str):
                format_errors["missing_content"] += 1
        if not any(message.get("role", None) == "assistant" for message in messages):
            format_errors["example_missing_assistant_message"] += 1
    return dict(format_errors)


def check(run: Path, work: Path, facts: dict[str, Any]) -> dict[str, Any]:
    folder = run / "export" / "openai"
    files = sorted(folder.iterdir())
    dataset = [json.loads(line) for f in files for line in f.read_text(encoding="utf-8").splitlines()]
    return {"files": [f.name for f in files], "examples": len(dataset), "errors": format_errors(dataset),
            "planted": format_errors([[1], {"messages": [{"role": "user", "content": "hi"}]}])}


if __name__ == "__main__":
    main({"export/openai": check})
