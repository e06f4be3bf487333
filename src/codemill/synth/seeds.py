"""Seed snippets (OSS-Instruct): short spans of real code that a synthesis prompt starts from.

The spans come from the post-change side of kept pairs' diffs (context and added lines of each hunk): code the
run already decided it may train on (license policy, redaction and decontamination applied by `pairs`). Only
train-split repositories may give seeds; the caller filters, because a validation or test repository's code in
a synthetic training problem would leak the evaluation data.

A seed is chosen from its key alone, never from the order rows were read in: the pool is ordered by a hash of
(seed, category, hunk key) and the span inside a hunk by a generator seeded the same way, so the same kept code
and config give the same prompts on any machine. Hunk keys use the repository's name, not its id (a local
repository's id is its absolute path), so prompts do not change when a checkout moves.
"""

from __future__ import annotations

import hashlib
import random
import re
import textwrap
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from codemill.languages import language_of

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(?P<start>\d+)(?:,\d+)? @@")


@dataclass(frozen=True)
class Hunk:
    """The new-side lines of one diff hunk, with the provenance a seed carries."""

    repo_id: str
    repo_name: str
    commit_sha: str
    pair_id: str
    license: str | None
    path: str
    language: str
    start_line: int  # 1-based line of `lines[0]` in the file after the change
    lines: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.repo_name}\x1f{self.commit_sha}\x1f{self.path}\x1f{self.start_line}"


@dataclass(frozen=True)
class Seed:
    """A span of a hunk: the snippet a prompt shows, and where it comes from."""

    hunk: Hunk
    start_line: int
    text: str

    @property
    def lines(self) -> int:
        return self.text.count("\n") + 1


def hunks_of(pair: dict, languages: Iterable[str] = ()) -> Iterator[Hunk]:
    """The hunks of a pair's unified diff (`response`), new side only, in files of `languages` (all if empty).

    Deleted files give nothing; binary or unparseable patches are skipped, never an error (seeds are optional).
    """
    wanted = set(languages)
    path: str | None = None
    lines: list[str] = []
    start = 0

    def flush() -> Iterator[Hunk]:
        if path is not None and any(line.strip() for line in lines):
            lang = language_of(path)
            if lang is not None and (not wanted or lang in wanted):
                yield Hunk(pair["repo_id"], pair.get("repo_name") or pair["repo_id"], pair["commit_sha"],
                           pair["pair_id"], pair.get("license"), path, lang, start, tuple(lines))

    for raw in (pair.get("response") or "").splitlines():
        if raw.startswith("diff --git "):
            yield from flush()
            path, lines = None, []
        elif raw.startswith("+++ "):
            target = raw[4:].strip()
            path = None if target == "/dev/null" else target.removeprefix("b/")
        elif (m := _HUNK.match(raw)) is not None:
            yield from flush()
            lines, start = [], int(m["start"])
        elif path is not None and raw[:1] in (" ", "+") and not raw.startswith("+++"):
            lines.append(raw[1:])
        elif raw.startswith("\\"):  # "\ No newline at end of file"
            continue
    yield from flush()


def _rank(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8", "surrogatepass")).hexdigest()


def pool_order(hunks: Iterable[Hunk], seed: int, category: str) -> list[Hunk]:
    """The distinct hunks in this category's seeded order (a different shuffle per category)."""
    unique = {h.key: h for h in hunks}
    return sorted(unique.values(), key=lambda h: (_rank(seed, category, h.key), h.key))


def pick_span(hunk: Hunk, rng: random.Random, min_lines: int, max_lines: int) -> Seed:
    """A random span of `min_lines`..`max_lines` lines of the hunk (all of it when shorter), trimmed of blank
    edge lines and dedented, so the prompt shows code, not indentation from the middle of a class."""
    lines = list(hunk.lines)
    n = rng.randint(min_lines, max_lines)
    first = rng.randint(0, max(0, len(lines) - n))
    span = lines[first:first + n]
    while span and not span[0].strip():
        span.pop(0)
        first += 1
    while span and not span[-1].strip():
        span.pop()
    if not span:  # a blank stretch: show the whole hunk instead
        first, span = 0, [line for line in lines]
        while span and not span[0].strip():
            span.pop(0)
            first += 1
    return Seed(hunk, hunk.start_line + first, textwrap.dedent("\n".join(span)).strip("\n"))


def seed_for(order: list[Hunk], *, seed: int, category: str, slot: int, min_lines: int, max_lines: int) -> Seed:
    """The seed of request slot `slot` of a category: hunks in pool order, wrapping around when there are fewer
    hunks than slots (then a hunk gives another span)."""
    hunk = order[slot % len(order)]
    rng = random.Random(_rank(seed, category, slot, hunk.key))
    return pick_span(hunk, rng, min_lines, max_lines)
