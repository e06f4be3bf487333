"""The view of stored failure reports a `debugging` pair's prompt shows: the most telling frames of each
report, the first few failing tests in full and the rest by one line, within a budget. A module apart from
`store` so that retuning the view re-runs `debugging` only, never the sandboxed runs that stored the reports.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from codemill.failures.store import Failure, bounded

# pytest's separator between the entries of a long traceback, and the location line ending each entry
_SEPARATOR = re.compile(r"^(?:_ ){2,}_? *$", re.MULTILINE)
_LOCATION = re.compile(r"^(\S+?):(\d+): (.*)$", re.MULTILINE)
_SHORT = re.compile(r"^\S+:\d+: in \S+$", re.MULTILINE)
_INSTALLED = ("site-packages/", "dist-packages/", ".venv/", "/usr/lib/python", "<frozen ")


def _frames(report: str) -> list[str]:
    """The traceback entries of a report: pytest separates long entries by `_ _ _` lines, and runs short ones
    (`path:line: in function` and its source) together, which are split here."""
    frames: list[str] = []
    for entry in _SEPARATOR.split(report):
        if not entry.strip():
            continue
        starts = [m.start() for m in _SHORT.finditer(entry)]
        if not starts or entry[:starts[0]].strip():
            frames.append(entry.strip("\n"))
            continue
        frames += [entry[a:b].strip("\n") for a, b in zip(starts, [*starts[1:], len(entry)], strict=True)]
    return frames


def _installed(frame: str) -> bool:
    """Whether a frame is in installed code (a dependency, the standard library): repository paths are stored
    relative, so an absolute path is outside the repository."""
    where = _LOCATION.findall(frame)
    return bool(where) and (where[-1][0].startswith("/") or any(m in where[-1][0] for m in _INSTALLED))


def trim_report(report: str, max_chars: int, max_frames: int = 4) -> str:
    """The most telling part of one report: the test's own frame (first) and the frame that raised (last),
    with the repository frames nearest to the raise between them; frames in installed code and the rest of the
    middle are replaced by a line saying how many were left out. Then bounded to `max_chars`."""
    frames = _frames(report)
    if len(frames) > 2:
        middle = [i for i in range(1, len(frames) - 1) if not _installed(frames[i])]
        nearest = middle[max(0, len(middle) - (max_frames - 2)):] if max_frames > 2 else []
        chosen = [0, *nearest, len(frames) - 1]
        kept: list[str] = []
        for prev, i in zip([-1, *chosen[:-1]], chosen, strict=True):
            if i - prev > 1:
                kept.append(f"[... {i - prev - 1} frame(s) omitted ...]")
            kept.append(frames[i])
        report = "\n\n".join(kept)
    report = re.sub(r"[ \t]+$", "", report, flags=re.MULTILINE)
    return bounded(report, max_chars, head=max_chars // 4)


def first_error(report: str) -> str:
    """The first `E` line of a report (what it says went wrong), else its last line."""
    for line in report.splitlines():
        if line.startswith("E ") and line[1:].strip():
            return line[1:].strip()[:200]
    lines = [ln for ln in report.splitlines() if ln.strip()]
    return lines[-1].strip()[:200] if lines else ""


def failures_text(failures: Sequence[Failure], *, max_chars: int = 6000, max_tests: int = 3,
                  max_frames: int = 4) -> str:
    """The run's output as pytest's FAILURES section shows it: a header and the trimmed report of each of the
    first `max_tests` failing tests, within `max_chars` together; the other tests by their first error line."""
    shown = failures[:max_tests]
    each = max(800, max_chars // max(1, len(shown)))
    blocks = [f"{'_' * 20} {f.test.split('::')[-1]} {'_' * 20}\n\n{trim_report(f.output, each, max_frames)}"
              for f in shown]
    rest = [f"FAILED {f.test} - {first_error(f.output)}" for f in failures[max_tests:]]
    return "\n\n".join(blocks + (["\n".join(rest)] if rest else []))
