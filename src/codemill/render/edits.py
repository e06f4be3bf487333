"""Aider's edit formats rendered from one stored change: SEARCH/REPLACE blocks ("diff") and whole files ("whole").

Blocks follow https://aider.chat/docs/more/edit-formats.html and are built to land the way Aider applies them
(the first exact match of the SEARCH lines, in a file given a final newline if it lacks one; a blank SEARCH
appends): with the pre-change file at hand, a hunk whose lines also occur earlier is widened with context
until its first match is the right one. `apply_search_replace` is that applier, so a rendering can be checked
by replaying it. The format cannot say "no newline at end of file": changes to that alone are lost.
"""

from __future__ import annotations

import re

from codemill.render.diff import new_content, old_content, parse_hunks, split_lines

HEAD = re.compile(r"^<{5,9} SEARCH>?\s*$")
DIVIDER = re.compile(r"^={5,9}\s*$")
UPDATED = re.compile(r"^>{5,9} REPLACE\s*$")
_BINARY = re.compile(r"^(Binary files |GIT binary patch)", re.M)

Edit = tuple[str, str, str]  # (path, search, replace)


class Unrepresentable(ValueError):
    """The change cannot be written in this format (a content line reads as a block marker, or the contents
    the format needs were not stored); callers fall back to the unified diff."""


def fence(*texts: str) -> str:
    """Three backticks, or one more than the longest backtick run opening a line, so contents cannot close it."""
    longest = max((len(m[0]) for t in texts for m in re.finditer(r"^`{3,}", t, re.M)), default=2)
    return "`" * max(3, longest + 1)


def _eol(text: str) -> str:
    return text + "\n" if text and not text.endswith("\n") else text


def _match(whole: list[str], part: list[str]) -> int | None:
    """Index of the first run of `whole` equal to `part` (Aider's `perfect_replace`)."""
    n = len(part)
    return next((i for i in range(len(whole) - n + 1) if whole[i] == part[0] and whole[i:i + n] == part), None)


def _is_binary(f: dict) -> bool:
    return bool(f.get("binary") or _BINARY.search(f.get("diff") or ""))


def _lands(cur: list[str], lo: int, hi: int) -> bool:
    """Would Aider apply SEARCH = cur[lo:hi] at line `lo`? Matching splits with `str.splitlines`, as Aider does."""
    search = "".join(cur[lo:hi])
    if not search.strip():  # Aider appends a blank SEARCH's replacement: right only for an empty file
        return not cur
    at = len("".join(cur[:lo]).splitlines())
    return _match("".join(cur).splitlines(keepends=True), search.splitlines(keepends=True)) == at


def _hunk_edits(path: str, before: str | None, diff: str) -> list[Edit]:
    """One edit per hunk; with `before`, each widened until its first match in the file is its own place."""
    hunks = parse_hunks(diff)
    if before is None:
        edits = [(path, "".join(h.old), "".join(h.new)) for h in hunks]
        if any(not s.strip() for _, s, _ in edits):
            raise Unrepresentable(f"{path}: a hunk has no context lines to search for and the file is not stored")
        return edits
    cur = split_lines(_eol(before))
    edits: list[Edit] = []
    shift = 0
    for h in hunks:
        old, new = [_eol(t) for t in h.old], [_eol(t) for t in h.new]
        at = (h.old_start - 1 if h.old_count else h.old_start) + shift
        if cur[at:at + len(old)] != old:
            raise ValueError(f"{path}: the stored content does not match its patch at line {h.old_start}")
        lo, hi, step = at, at + len(old), 1
        while not _lands(cur, lo, hi):  # widen by 1, 2, 4... lines each side: few tries even in repetitive files
            if lo == 0 and hi == len(cur):
                raise Unrepresentable(f"{path}: no SEARCH text lands on the hunk at line {h.old_start}")
            lo, hi, step = max(lo - step, 0), min(hi + step, len(cur)), step * 2
        replace = cur[lo:at] + new + cur[at + len(old):hi]
        edits.append((path, "".join(cur[lo:hi]), "".join(replace)))
        cur[lo:hi] = replace
        shift += len(new) - len(old)
    return edits


def _need(text: str | None, what: str, path: str) -> str:
    if text is None:
        raise Unrepresentable(f"{path}: the {what} contents are needed and not stored")
    return text


def file_edits(f: dict) -> list[Edit]:
    """The edits for one file: new and copied files are created (empty SEARCH), deleted ones emptied (whole
    file in SEARCH), renames both, since the format has no rename; modifications go hunk by hunk."""
    path, status = f["path"], f["status"]
    if _is_binary(f):
        return []
    if status in ("A", "C"):
        return [(path, "", _need(new_content(f), "new", path))]
    if status in ("D", "R"):
        before = _need(old_content(f), "old", path)
        if not before:
            raise Unrepresentable(f"{path}: an empty file cannot be deleted or moved with edit blocks")
        gone = [(f.get("old_path") or path, before, "")]
        return gone if status == "D" else [*gone, (path, "", _need(new_content(f), "new", path))]
    return _hunk_edits(path, old_content(f), f.get("diff") or "")


def _block(path: str, search: str, replace: str, fence_: str) -> str:
    for line in (_eol(search) + replace).splitlines():
        if HEAD.match(line.strip()) or DIVIDER.match(line.strip()) or UPDATED.match(line.strip()):
            raise Unrepresentable(f"{path}: the line {line!r} would read as an edit-block marker")
    return f"{path}\n{fence_}\n<<<<<<< SEARCH\n{_eol(search)}=======\n{_eol(replace)}>>>>>>> REPLACE\n{fence_}\n"


def search_replace(files: list[dict]) -> str:
    """The change as Aider "diff" edit blocks (binary files and mode-only changes have none)."""
    edits = [e for f in files for e in file_edits(f)]
    fence_ = fence(*(t for _, s, r in edits for t in (s, r)))
    return "\n".join(_block(p, s, r, fence_) for p, s, r in edits)


def parse_search_replace(text: str) -> list[Edit]:
    """The blocks of a response, read as Aider reads them: the path is the last line before the opening fence."""
    lines = text.splitlines(keepends=True)
    edits: list[Edit] = []
    i = 0
    while i < len(lines):
        if not HEAD.match(lines[i].strip()):
            i += 1
            continue
        path = next((x.strip() for x in reversed(lines[max(0, i - 3):i]) if x.strip() and not x.startswith("`")), "")
        j = i + 1
        while j < len(lines) and not DIVIDER.match(lines[j].strip()):
            j += 1
        k = j + 1
        while k < len(lines) and not (UPDATED.match(lines[k].strip()) or DIVIDER.match(lines[k].strip())):
            k += 1
        if not path or k >= len(lines):
            raise ValueError(f"malformed edit block at line {i + 1}")
        edits.append((path, "".join(lines[i + 1:j]), "".join(lines[j + 1:k])))
        i = k + 1
    return edits


def apply_search_replace(before_files: dict[str, str], text: str) -> dict[str, str]:
    """The files after replaying the blocks over `before_files` (path -> content): Aider's exact-match rules,
    a blank SEARCH creates or appends, and a block that empties a whole file deletes it. A touched file that
    lacked a final newline keeps lacking it (Aider would add one)."""
    files = dict(before_files)
    for path, search, replace in parse_search_replace(text):
        content = files.get(path)
        if not search.strip():
            if content is None and search:
                raise ValueError(f"{path}: SEARCH text for a file that does not exist")
            files[path] = (content or "") + replace
            continue
        if content is None:
            raise ValueError(f"{path}: SEARCH text for a file that does not exist")
        whole, part = _eol(content).splitlines(keepends=True), search.splitlines(keepends=True)
        at = _match(whole, part)
        if at is None:
            raise ValueError(f"{path}: SEARCH block does not match:\n{search}")
        files[path] = "".join(whole[:at] + replace.splitlines(keepends=True) + whole[at + len(part):])
        if not files[path] and _eol(content) == search:
            del files[path]
    for path, content in files.items():
        old = before_files.get(path)
        if old and not old.endswith("\n") and content != old and content.endswith("\n"):
            files[path] = content[:-1]
    return files


def full_files(files: list[dict]) -> str:
    """The change as Aider "whole" files: each touched file's complete new contents under its path, with
    deletions, renames and binary files said in a line rather than shown."""
    parts: list[tuple[str, str, str | None]] = []  # (note, path, contents shown or None)
    for f in files:
        path, status = f["path"], f["status"]
        if _is_binary(f):
            parts.append((f"Binary file {path} changed (not shown).\n", path, None))
        elif status == "D":
            parts.append((f"Deleted {path}.\n", path, None))
        elif status != "M" or parse_hunks(f.get("diff") or ""):  # else a mode-only change: nothing to show
            note = f"Renamed {f.get('old_path')} to {path}.\n" if status == "R" else ""
            parts.append((note, path, _need(new_content(f), "new", path)))
    fence_ = fence(*(body for _, _, body in parts if body))
    return "\n".join(note + (f"{path}\n{fence_}\n{_eol(body)}{fence_}\n" if body is not None else "")
                     for note, path, body in parts)
