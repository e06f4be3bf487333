"""Redacting a unified diff so that it still applies to the real, unredacted parent commit.

A patch's context and removed lines must match the parent's bytes, or `git apply` refuses it; only its added
lines are the pair's own text. So a placeholder may replace a secret on an added line, and a secret on a context
or removed line (or in a header) cannot be hidden without breaking the patch: the caller drops such a pair
(`secret_in_context`) rather than export either a leak or a patch that lies about its parent. Detection runs on
the whole patch, as `redact` does, so multi-line secrets (PEM blocks) are seen whole.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass

from codemill.redact.core import candidates, resolve

# Files that list people (and so their addresses): a change's own edit of them teaches nothing, and their context
# lines are other people's addresses, which a patch cannot hide and still apply.
PEOPLE_LISTS = re.compile(r"(?:^|/)(?:(?:authors|contributors|maintainers|credits|thanks|backers|owners|codeowners)"
                          r"(?:\.[\w.]+)?|\.mailmap)$", re.I)


def is_people_list(path: str) -> bool:
    return bool(PEOPLE_LISTS.search(path))


@dataclass(frozen=True)
class RedactedPatch:
    text: str
    counts: Counter[str]
    in_context: int  # secrets on context, removed or header lines: the patch cannot be made both safe and true


def redact_patch(diff: str, path: str | None = None) -> RedactedPatch:
    """`diff` with the secrets of its added lines replaced by typed placeholders; the others counted."""
    spans = resolve(candidates(diff, path))
    if not spans:
        return RedactedPatch(diff, Counter(), 0)
    starts = _line_starts(diff)
    pieces: list[str] = []
    counts: Counter[str] = Counter()
    in_context = pos = 0
    for c in spans:
        if not _on_added_lines(diff, starts, c.start, c.end):
            in_context += 1
            continue
        pieces += [diff[pos:c.start], c.kind.placeholder]
        counts[c.kind.value] += 1
        pos = c.end
    pieces.append(diff[pos:])
    return RedactedPatch("".join(pieces), counts, in_context)


def _line_starts(text: str) -> list[int]:
    return [0, *(i + 1 for i, ch in enumerate(text) if ch == "\n")]


def _on_added_lines(text: str, starts: list[int], start: int, end: int) -> bool:
    """Every line the span touches is an added line (`+`, not the `+++` header)."""
    first = bisect.bisect_right(starts, start) - 1
    last = bisect.bisect_right(starts, max(start, end - 1)) - 1
    for i in range(first, last + 1):
        line = text[starts[i]:starts[i] + 3]
        if not line.startswith("+") or line.startswith("+++"):
            return False
    return True
