"""The unified diff a commit record stores per file: concatenating it, reading its hunks, applying them.

Parsing lives here so that every other rendering (edit blocks, whole files) is derived from the same patch
text the pairs stage already keeps, rather than from a second diff that could disagree with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_HEADER = re.compile(r"^diff --git (?:\"?a/(.*?)\"?) (?:\"?b/(.*?)\"?)$")


@dataclass
class Hunk:
    """One `@@` section. `lines` are (tag, text) with tag in " -+"; text keeps its newline unless git marked
    the line with `\\ No newline at end of file`."""

    old_start: int
    old_count: int
    new_start: int
    new_count: int
    lines: list[tuple[str, str]] = field(default_factory=list)

    @property
    def old(self) -> list[str]:
        return [text for tag, text in self.lines if tag != "+"]

    @property
    def new(self) -> list[str]:
        return [text for tag, text in self.lines if tag != "-"]


def unified_diff(files: list[dict]) -> str:
    """The commit's unified diff: the file patches in libgit2's order (what the pairs stage stores today)."""
    return "".join(f["diff"] for f in files if f.get("diff"))


def split_lines(text: str) -> list[str]:
    """Lines as git counts them: split on `\\n` only (not on `\\r` or form feeds, as `str.splitlines` would),
    each keeping it; a last line may lack one."""
    parts = text.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    return [*lines, parts[-1]] if parts[-1] else lines


def parse_hunks(diff: str) -> list[Hunk]:
    """The hunks of one file's patch; header lines (`diff --git`, `index`, `---`, `+++`) are skipped."""
    hunks: list[Hunk] = []
    lines = split_lines(diff)
    i = 0
    while i < len(lines):
        m = _HUNK.match(lines[i])
        i += 1
        if not m:
            continue
        old_count = 1 if m[2] is None else int(m[2])
        new_count = 1 if m[4] is None else int(m[4])
        hunk = Hunk(int(m[1]), old_count, int(m[3]), new_count)
        seen_old = seen_new = 0
        while i < len(lines) and (seen_old < old_count or seen_new < new_count or lines[i].startswith("\\")):
            line = lines[i]
            i += 1
            if line.startswith("\\"):  # "\ No newline at end of file" applies to the line before it
                tag, text = hunk.lines[-1]
                hunk.lines[-1] = (tag, text.removesuffix("\n"))
                continue
            tag, text = (" ", line) if line == "\n" else (line[:1], line[1:])  # a context line stripped bare
            hunk.lines.append((tag, text))
            seen_old += tag != "+"
            seen_new += tag != "-"
        hunks.append(hunk)
    return hunks


def apply_hunks(before: str, diff: str, *, reverse: bool = False) -> str:
    """`before` with the patch applied (or un-applied with `reverse`); raises if the context disagrees."""
    src = split_lines(before)
    out: list[str] = []
    pos = 0
    for h in parse_hunks(diff):
        old, new, start, count = (h.new, h.old, h.new_start, h.new_count) if reverse else \
            (h.old, h.new, h.old_start, h.old_count)
        at = start - 1 if count else start
        if src[at:at + len(old)] != old or at < pos:
            raise ValueError(f"hunk at line {start} does not match the file")
        out += src[pos:at] + new
        pos = at + len(old)
    return "".join(out + src[pos:])


def new_content(file: dict) -> str | None:
    """The file after the change: stored `after`, else rebuilt from `before` (or nothing, for an added file)
    and the patch; None for a deleted file or when neither is stored."""
    if file["status"] == "D":
        return None
    if file.get("after") is not None:
        return file["after"]
    base = "" if file["status"] == "A" else file.get("before")
    return None if base is None else apply_hunks(base, file.get("diff") or "")


def old_content(file: dict) -> str | None:
    """The file before the change: stored `before`, else rebuilt from `after` (or nothing, for a deleted
    file) by un-applying the patch; None when neither is stored."""
    if file["status"] == "A":
        return None
    if file.get("before") is not None:
        return file["before"]
    base = "" if file["status"] == "D" else file.get("after")
    return None if base is None else apply_hunks(base, file.get("diff") or "", reverse=True)


def file_paths(chunk: str) -> tuple[str, ...]:
    """Old and new paths of one file's diff: from ---/+++ and rename/copy lines, the header only as a fallback
    (its split is ambiguous when paths contain ' b/')."""
    paths: list[str] = []
    for line in chunk.splitlines():
        if line.startswith(("--- a/", "+++ b/")):
            paths.append(line[6:].rstrip("\t"))
        elif line.startswith(("rename from ", "rename to ", "copy from ", "copy to ")):
            paths.append(line.split(" ", 2)[2])
        elif line.startswith("@@"):
            break
    if not paths and (match := _HEADER.match(chunk.split("\n", 1)[0])):
        paths = [match.group(1), match.group(2)]
    return tuple(dict.fromkeys(p.strip('"') for p in paths))


def file_chunks(diff: str) -> list[str]:
    """One string per file, each starting at its `diff --git` line; anything before the first is dropped."""
    chunks: list[str] = []
    for line in diff.splitlines(keepends=True):
        if line.startswith("diff --git "):
            chunks.append(line)
        elif chunks:
            chunks[-1] += line
    return chunks
