"""Syntax-highlighted HTML for the desk: a stored unified diff as side-by-side and unified tables, a file's
content with line numbers. Pygments does the lexing; the diff is parsed by `codemill.render` (the same parser
every other rendering of a pair uses), so what a reviewer sees is the patch the pipeline stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from markupsafe import Markup, escape
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import TextLexer, get_lexer_by_name, get_lexer_for_filename, guess_lexer_for_filename
from pygments.util import ClassNotFound

from codemill.render.diff import Hunk, parse_hunks
from codemill.render.pair import split_files

MAX_DIFF_LINES = 4000  # per page: a larger diff is cut, with a note
MAX_FILE_CHARS = 400_000
STYLE = "default"


def css() -> str:
    """The Pygments token colours, scoped to `.hl`."""
    return HtmlFormatter(style=STYLE).get_style_defs(".hl")


@lru_cache(maxsize=256)
def _lexer_by_name(path: str) -> Lexer:
    try:
        return get_lexer_for_filename(path, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return TextLexer(stripnl=False, ensurenl=False)


def lexer_for(path: str, text: str | None = None) -> Lexer:
    """The lexer for a path (by its name, else guessed from the text, else plain text)."""
    lexer = _lexer_by_name(path or "")
    if isinstance(lexer, TextLexer) and text:
        try:
            return guess_lexer_for_filename(path or "", text[:20_000], stripnl=False, ensurenl=False)
        except ClassNotFound:
            pass
    return lexer


_INLINE = HtmlFormatter(nowrap=True, style=STYLE)


def line_html(text: str, lexer: Lexer) -> Markup:
    """One line of code as highlighted spans (no wrapper, no trailing newline)."""
    if not text.strip():
        return Markup(escape(text))
    return Markup(highlight(text, lexer, _INLINE).rstrip("\n"))


@dataclass
class Cell:
    number: int | None
    kind: str  # ctx | add | del | empty
    html: Markup


@dataclass
class DiffRow:
    kind: str  # ctx | add | del | hunk
    old: int | None
    new: int | None
    html: Markup


@dataclass
class FileDiff:
    path: str
    old_path: str | None
    status: str
    added: int = 0
    deleted: int = 0
    unified: list[DiffRow] = field(default_factory=list)
    split: list[tuple[Cell, Cell] | str] = field(default_factory=list)  # a str is a hunk header row
    note: str | None = None  # binary, mode change, cut


_EMPTY = Cell(None, "empty", Markup(""))


def _pair_up(split: list, dels: list[Cell], adds: list[Cell]) -> None:
    """A run of deleted lines beside the run of added lines that replaced it, row by row."""
    for i in range(max(len(dels), len(adds))):
        split.append((dels[i] if i < len(dels) else _EMPTY, adds[i] if i < len(adds) else _EMPTY))
    dels.clear()
    adds.clear()


def _add_hunk(fd: FileDiff, h: Hunk, lexer: Lexer) -> int:
    """Append one hunk's rows to both renderings of `fd`; returns its line count."""
    header = f"@@ -{h.old_start},{h.old_count} +{h.new_start},{h.new_count} @@"
    fd.unified.append(DiffRow("hunk", None, None, Markup(escape(header))))
    fd.split.append(header)
    old, new = h.old_start, h.new_start
    dels: list[Cell] = []
    adds: list[Cell] = []
    for tag, text in h.lines:
        code = line_html(text.rstrip("\n"), lexer)
        if tag == "-":
            fd.unified.append(DiffRow("del", old, None, code))
            dels.append(Cell(old, "del", code))
            fd.deleted += 1
            old += 1
        elif tag == "+":
            fd.unified.append(DiffRow("add", None, new, code))
            adds.append(Cell(new, "add", code))
            fd.added += 1
            new += 1
        else:
            _pair_up(fd.split, dels, adds)
            fd.unified.append(DiffRow("ctx", old, new, code))
            fd.split.append((Cell(old, "ctx", code), Cell(new, "ctx", code)))
            old += 1
            new += 1
    _pair_up(fd.split, dels, adds)
    return len(h.lines)


def file_diffs(diff: str, max_lines: int = MAX_DIFF_LINES) -> tuple[list[FileDiff], bool]:
    """Per-file highlighted renderings of a unified diff; and whether it was cut at `max_lines`."""
    out: list[FileDiff] = []
    budget = max_lines
    for f in split_files(diff or ""):
        fd = FileDiff(f["path"], f["old_path"], f["status"])
        out.append(fd)
        hunks = parse_hunks(f["diff"])
        if not hunks:
            fd.note = "binary file, or only its mode or name changed"
        lexer = lexer_for(f["path"])
        for h in hunks:
            if budget <= 0:
                fd.note = f"cut: the diff has more than {max_lines} lines"
                return out, True
            budget -= _add_hunk(fd, h, lexer)
    return out, False


_BLOCK = HtmlFormatter(style=STYLE, linenos="table", cssclass="hl", wrapcode=True)


def file_html(path: str, content: str | None) -> tuple[Markup, bool]:
    """A file's content highlighted with line numbers; and whether it was cut at MAX_FILE_CHARS."""
    if content is None:
        return Markup('<p class="muted">no text: binary, undecodable or not read</p>'), False
    cut = len(content) > MAX_FILE_CHARS
    text = content[:MAX_FILE_CHARS]
    return Markup(highlight(text, lexer_for(path, text), _BLOCK)), cut


def text_html(text: str | None, language: str = "text") -> Markup:
    """A block of prose or a patch (language `diff`), highlighted, no line numbers."""
    if not text:
        return Markup('<p class="muted">(empty)</p>')
    try:
        lexer = get_lexer_by_name(language, stripnl=False)
    except ClassNotFound:
        lexer = TextLexer(stripnl=False)
    return Markup(highlight(text, lexer, HtmlFormatter(style=STYLE, cssclass="hl", wrapcode=True)))
