"""What the patch text says that a message and a list of paths cannot: which changed lines are comments,
layout, version strings, dependency pins or test code.

Everything here reads only the unified diff (`git show` / libgit2 output, 3 lines of context), so it
must guess the state a hunk starts in (inside a block comment or docstring?) from the hunk itself.
The guesses err towards "code": a rule built on them then declines and the message-based rules decide.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TypeVar

from codemill.categorize.paths import Role, role

_role = functools.lru_cache(maxsize=4096)(role)  # asked for every changed line by some rules
_T = TypeVar("_T")


@dataclass
class Hunk:
    context: str  # the function/section name git prints after the second @@
    lines: list[tuple[str, str]] = field(default_factory=list)  # (" " | "-" | "+", text)

    def side(self, op: str) -> list[tuple[bool, str]]:
        """The old ("-") or new ("+") version of the hunk as (changed, text) rows."""
        return [(o == op, t) for o, t in self.lines if o in {" ", op}]


@dataclass
class FileDiff:
    """One file of a parsed diff; read-only once `parse` returns it (its changed lines and the facts of
    `per_file` are kept after their first use, since the rules and the features ask for the same ones)."""

    path: str
    hunks: list[Hunk] = field(default_factory=list)
    binary: bool = False
    status: str = "M"  # A (new file), D (deleted) or M, from the mode lines
    facts: dict[str, object] = field(default_factory=dict, repr=False, compare=False)

    @property
    def role(self) -> Role:
        return _role(self.path)

    def changed(self, op: str | None = None) -> Iterator[str]:
        """The removed ("-"), added ("+") or all changed lines, in diff order."""
        lines = self.facts.get(op or "")
        if lines is None:
            lines = self.facts[op or ""] = [t for h in self.hunks for o, t in h.lines
                                            if o != " " and (op is None or o == op)]
        return iter(lines)  # type: ignore[call-overload]


def per_file(fact: Callable[[FileDiff], _T]) -> Callable[[FileDiff], _T]:
    """`fact` computed once per file: the rules and the model's features read the same facts of a diff."""
    key = fact.__name__

    @functools.wraps(fact)
    def once(f: FileDiff) -> _T:
        if key not in f.facts:
            f.facts[key] = fact(f)
        return f.facts[key]  # type: ignore[return-value]

    return once


_GIT_HEADER = re.compile(r"^diff --git a/(.*) b/(.*)$")
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@ ?(.*)$")
_BODY_MARKS = frozenset(" -+")


def parse(diff: str) -> list[FileDiff]:
    """Files and hunks of a unified diff; headers, mode lines and "\\ No newline" markers are dropped."""
    files: list[FileDiff] = []
    cur: FileDiff | None = None
    hunk: Hunk | None = None
    for line in diff.splitlines():
        if hunk is not None and line[:1] in _BODY_MARKS:  # most lines (no header starts with these)
            hunk.lines.append((line[0], line[1:]))
            continue
        m = _GIT_HEADER.match(line) if line.startswith("diff --git ") else None
        if m:
            cur, hunk = FileDiff(m.group(2)), None
            files.append(cur)
            continue
        if cur is None:
            continue
        if hunk is None:
            if line.startswith("+++ ") and line[4:] != "/dev/null":
                cur.path = line[4:].removeprefix("b/")
            elif line.startswith("Binary files ") or line == "GIT binary patch":
                cur.binary = True
            elif line.startswith(("new file mode", "deleted file mode")):
                cur.status = "A" if line[0] == "n" else "D"
        m = _HUNK.match(line) if line.startswith("@@ ") else None
        if m:
            hunk = Hunk(m.group(1))
            cur.hunks.append(hunk)
        elif hunk is not None and line == "":  # some producers drop the space of an empty context line
            hunk.lines.append((" ", ""))
    return files


# ---------------------------------------------------------------- comments and docstrings

_C_LIKE = {".c", ".h", ".cc", ".cpp", ".cxx", ".hpp", ".hh", ".hxx", ".ipp", ".java", ".kt", ".kts", ".scala",
           ".groovy", ".gradle", ".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx", ".go", ".rs",
           ".swift", ".cs", ".dart", ".php", ".m", ".mm", ".proto", ".css", ".scss", ".less", ".vue", ".svelte"}
_HASH = {".py", ".pyi", ".pyx", ".rb", ".sh", ".bash", ".zsh", ".fish", ".yml", ".yaml", ".toml", ".pl", ".pm",
         ".r", ".cmake", ".mk", ".cfg", ".ini", ".conf", ".nix", ".ps1", ".tcl", ".awk", ".jl", ".ex", ".exs"}
_HASH_NAMES = {"makefile", "gnumakefile", "cmakelists.txt", "dockerfile", ".gitignore", ".gitattributes",
               "build", "workspace", "gemfile", "rakefile", "procfile", ".editorconfig"}
_DASH = {".sql", ".lua", ".hs", ".elm"}
_MARKUP = {".html", ".htm", ".xml", ".vue", ".svelte", ".xhtml", ".svg"}
_PY = {".py", ".pyi", ".pyx"}


@functools.lru_cache(maxsize=4096)
def _ext(path: str) -> str:
    return PurePosixPath(path.lower()).suffix


@functools.lru_cache(maxsize=4096)
def _line_comment(path: str) -> tuple[str, ...]:
    ext, name = _ext(path), PurePosixPath(path.lower()).name
    markers: tuple[str, ...] = ()
    if ext in _C_LIKE:
        markers += ("//",)
    if ext in _HASH or name in _HASH_NAMES:
        markers += ("#",)
    if ext in _DASH:
        markers += ("--",)
    if ext in {".ini", ".el", ".lisp", ".clj", ".asm", ".s"}:
        markers += (";",)
    return markers


def has_comment_syntax(path: str) -> bool:
    ext = _ext(path)
    return bool(_line_comment(path)) or ext in _MARKUP or ext in _PY


_TRIPLE = re.compile(r"\"\"\"|'''")
_OPENS_STRING = re.compile(r"[=(,\[{:]\s*[rbuf]{0,2}$|\breturn\s*[rbuf]{0,2}$", re.I)


def _docstring_start(rows: list[tuple[bool, str]]) -> bool:
    """Does this hunk side start inside a docstring? Judged from its first triple quote.

    An opener follows a `def …:`/`class …:` line or code (an assignment, a call), or has text after it; a
    closer ends a line of prose. With no triple quote at all the hunk is taken as code.
    """
    texts = [t for _, t in rows]
    for i, t in enumerate(texts):
        m = _TRIPLE.search(t)
        if not m:
            continue
        before, after = t[: m.start()], t[m.end():]
        if before.strip():
            return not _OPENS_STRING.search(before.rstrip())
        prev = next((p for p in reversed(texts[:i]) if p.strip()), None)
        if prev is not None and prev.rstrip().endswith(":"):
            return False
        if after.strip() and not _TRIPLE.search(after):  # text after the quote: an opener (or a one-liner)
            return False
        # a bare quote line: an odd number of quotes in the hunk means one boundary lies outside it
        if prev is None:
            return sum(len(_TRIPLE.findall(x)) for x in texts) % 2 == 1 and not after.strip()
        return True
    return False


def _comment_line(s: str, markers: tuple[str, ...], c_like: bool, markup: bool) -> bool:
    if any(s.startswith(m) for m in markers) and not s.startswith(("#!", "#[", "#![")):
        return True
    if c_like and (s.startswith("/*") or (s.startswith("*") and not s.endswith((";", "{", "}", ")")))):
        return True  # a block comment's opening or `*` continuation line
    return markup and s.startswith("<!--")


def _classify_side(path: str, rows: list[tuple[bool, str]]) -> Iterator[str]:
    """'comment', 'blank' or 'code' for each changed row of one hunk side."""
    markers = _line_comment(path)
    ext = _ext(path)
    c_like, markup, python = ext in _C_LIKE, ext in _MARKUP, ext in _PY
    in_block = False
    if c_like:
        first_open = next((i for i, (_, t) in enumerate(rows) if "/*" in t), len(rows))
        first_close = next((i for i, (_, t) in enumerate(rows) if "*/" in t), len(rows))
        in_block = first_close < first_open or (first_close == first_open < len(rows)
                                                 and rows[first_close][1].find("*/") < rows[first_close][1].find("/*"))
    in_markup = False
    if markup:
        first_open = next((i for i, (_, t) in enumerate(rows) if "<!--" in t), len(rows))
        first_close = next((i for i, (_, t) in enumerate(rows) if "-->" in t), len(rows))
        in_markup = first_close < first_open
    py_state = "doc" if python and _docstring_start(rows) else "code"  # "code" | "doc" | "str"
    prev = ""
    for changed, text in rows:
        s = text.strip()
        kind = "code"
        if not s:
            kind = "blank"
        elif py_state != "code":
            kind = "comment" if py_state == "doc" else "code"
        elif in_block or in_markup or _comment_line(s, markers, c_like, markup):
            kind = "comment"
        elif python and _TRIPLE.match(s) and not _OPENS_STRING.search(prev):
            kind = "comment"  # a string statement of its own: a docstring
        if c_like:
            opened, closed = text.rfind("/*"), text.rfind("*/")
            in_block = opened > closed or (in_block and closed < 0)
        if markup:
            opened, closed = text.rfind("<!--"), text.rfind("-->")
            in_markup = opened > closed or (in_markup and closed < 0)
        if python and len(_TRIPLE.findall(text)) % 2:
            py_state = ("doc" if kind == "comment" else "str") if py_state == "code" else "code"
        if s:
            prev = s
        if changed:
            yield kind


# String literals, matched in linear time (no nested lazy quantifiers: long minified lines must not backtrack).
_STRING = re.compile(r""""(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|`(?:\\.|[^`\\])*`""")
_TWO_WORDS = re.compile(r"[A-Za-z]{2,} +[A-Za-z]{2,}")


def _mask_literal(m: re.Match[str]) -> str:
    """A literal holding prose (two words in a row) becomes `""`; identifiers and keys in quotes stay."""
    return '""' if _TWO_WORDS.search(m.group(0)) else m.group(0)


def _mask_prose(lines: list[str]) -> str:
    return _joined([_layout_key(_STRING.sub(_mask_literal, t)) for t in lines])


_KEYWORDS = ("import", "from", "use", "return", "if", "elif", "else", "for", "while", "case", "class", "def", "fn",
             "let", "var", "const", "pub", "type", "package", "namespace", "include", "select", "with", "assert",
             "raise", "throw", "yield", "await", "print", "echo", "export", "async", "static", "public", "private",
             "protected", "final", "new", "delete", "go", "defer", "func", "mod", "impl", "struct", "enum", "and",
             "or", "not", "in", "is", "del", "global", "lambda", "try", "except", "catch", "do", "then", "fi",
             "unsafe", "extern", "where", "match", "loop", "break", "continue", "using", "template", "typedef",
             "virtual", "inline", "abstract", "val", "when", "object", "interface", "trait", "end", "module")
_PROSE_LINE = re.compile(r"^\s*[:>*-]*\s*([A-Za-z][\w'’-]*)[.,:;]?(\s+[\w'’(),.:;!?`/\\-]+){2,}\s*$")


def _prose(text: str) -> bool:
    """A line of three or more plain words that no language parses as code: the inside of a docstring or a
    multi-line string whose quotes lie outside the hunk."""
    m = _PROSE_LINE.match(text)
    return bool(m) and m.group(1).lower() not in _KEYWORDS and not re.search(r"[=;{}]\s*$|\w\(", text)


def _code_part(line: str, markers: tuple[str, ...]) -> str:
    """A line without its trailing line comment (`x = 1  # why` -> `x = 1`), outside string literals."""
    masked = _STRING.sub(lambda m: "_" * len(m.group(0)), line)
    cut = min((i for m in markers if (i := masked.find(m)) > 0), default=len(line))
    return line[:cut].rstrip()


@per_file
def trailing_comment_only(f: FileDiff) -> bool:
    """Removed and added lines pair up, one for one, with the same code and a different trailing comment."""
    markers = _line_comment(f.path)
    if not markers:
        return False
    old = [t for t in f.changed("-") if t.strip()]
    new = [t for t in f.changed("+") if t.strip()]
    return bool(old) and len(old) == len(new) and old != new and \
        [_code_part(t, markers) for t in old] == [_code_part(t, markers) for t in new] and \
        all(_code_part(t, markers).strip() for t in old)


@per_file
def comment_only(f: FileDiff) -> bool:
    """Every changed line of a code file is a comment, docstring or blank, or changes only the words of a
    prose string literal (a message, help text) or of a trailing comment; at least one such line changed."""
    if f.binary or not f.hunks or not has_comment_syntax(f.path):
        return False
    if trailing_comment_only(f):
        return True
    seen = False
    code: dict[str, list[str]] = {"-": [], "+": []}
    for h in f.hunks:
        for op in "-+":
            rows = h.side(op)
            texts = [t for changed, t in rows if changed]
            for kind, text in zip(_classify_side(f.path, rows), texts, strict=True):
                if kind == "code" and _prose(text):
                    kind = "comment"
                seen = seen or kind == "comment"
                if kind == "code":
                    code[op].append(text)
    if code["-"] or code["+"]:
        plain = [_joined([_layout_key(t) for t in code[op]]) for op in "-+"]
        if _mask_prose(code["-"]) != _mask_prose(code["+"]) or plain[0] == plain[1]:
            return False
        seen = True
    return seen


# ---------------------------------------------------------------- layout

_PRAGMA = re.compile(
    r"\s*(#\s*(noqa|type:\s*ignore|pylint:\s*disable|pragma:\s*no\s*cover|fmt:\s*(on|off|skip)|isort:\s*skip)\b.*"
    r"|//\s*(nolint|NOLINT|eslint-disable|eslint-enable|prettier-ignore|@ts-(ignore|expect-error)|clang-format)\b.*"
    r"|/\*\s*(eslint|prettier-ignore|NOLINT|clang-format)\b.*?\*/)\s*$"
)
_LINT_LINE = re.compile(r"^\s*(#!?\[allow\([\w:, ]+\)\]|@SuppressWarnings\(.*\)|#\s*pragma\s+warning\b.*)\s*$")


@functools.lru_cache(maxsize=8192)
def _layout_key(line: str) -> str:
    """The line as a formatter sees it. A pragma holds `#` or `/` and a lint line `#` or `@`: a line with none
    skips both regexes (`_PRAGMA` is tried at every position). Cached: a context line sits on both hunk sides."""
    if "#" in line or "/" in line:
        line = _PRAGMA.sub("", line)
    if ("#" in line or "@" in line) and _LINT_LINE.match(line):
        return ""
    return "".join(line.split()).replace("'", '"')


_TRAILING_COMMA = re.compile(r",([)\]}>])")


def _joined(lines: list[str]) -> str:
    text = "".join(lines)
    return _TRAILING_COMMA.sub(r"\1", text) if "," in text else text


@per_file
def layout_only(f: FileDiff) -> bool:
    """Old and new text differ only in whitespace, quote style, trailing commas, line breaks, line order,
    or lint-silencing pragmas: what formatters, import sorters and warning fixes change."""
    if f.binary or not f.hunks or not any(True for _ in f.changed()):
        return False
    for h in f.hunks:  # whole hunk sides, context included, so a line moved past its neighbours counts
        old = [k for k in (_layout_key(t) for _, t in h.side("-")) if k]
        new = [k for k in (_layout_key(t) for _, t in h.side("+")) if k]
        if _joined(old) == _joined(new):
            continue
        # reordered lines are layout only when they are imports (what isort/goimports do): statements run in order
        changed = [t for o, t in h.lines if o != " " and t.strip()]
        if sorted(old) != sorted(new) or not all(_IMPORT.match(t) for t in changed):
            return False
    return True


_IMPORT = re.compile(r"^\s*(import\b|from\s+\S+\s+import\b|use\s|#\s*include\b|(const|let|var)\s+.*=\s*require\(|"
                     r"\w+\s*=\s*require\(|\)?\s*$|\s*\"[\w./-]+\"\s*$|\s*\w+\s+\"[\w./-]+\"\s*$)")


_INDENT_SENSITIVE = {".py", ".pyi", ".yml", ".yaml", ".coffee", ".pug", ".sass", ".haml", ".nim"}


@per_file
def indent_changed(f: FileDiff) -> bool:
    """Did a changed line of an indentation-sensitive file move in or out? Then layout can be behaviour."""
    if _ext(f.path) not in _INDENT_SENSITIVE and PurePosixPath(f.path.lower()).name not in {"makefile"}:
        return False
    old = {t.strip(): len(t) - len(t.lstrip()) for t in f.changed("-") if t.strip()}
    return any(t.strip() in old and old[t.strip()] != len(t) - len(t.lstrip()) for t in f.changed("+"))


# ---------------------------------------------------------------- versions and dependencies

_NUM_VERSION = r"v?\d+(\.\d+)+([.-]?(a|b|rc|alpha|beta|dev|post|pre|snapshot|final)\.?\d*)?"
VERSION_LINE = re.compile(
    r"""^\s*(export\s+)?((pub\s+)?(const|static|let|var|val|final|readonly)\s+)?(\w+\s+)?["']?(__version__|"""
    r"""version|VERSION|Version|\w*_VERSION(_\w+)?|version_info|__version_info__|release)["']?\s*"""
    r"""(:\s*[\w&'\[\]]+\s*)?[:=]\s*.*\d"""
    r"""|^\s*#\s*define\s+\w*VERSION\w*\s+\S*\d"""
    r"""|^\s*(project\s*\(.*\bVERSION\s+|set\s*\(\s*\w*VERSION\w*\s+)["']?\d""",
)


def version_line(line: str) -> bool:
    """`VERSION_LINE.search(line)`, with a substring test in front (the regex costs microseconds per line)."""
    return _names_version(line) and VERSION_LINE.search(line) is not None


def _names_version(text: str) -> bool:
    """Every `VERSION_LINE` and `_XML_VERSION` match names a version or a release: the cheap test before them."""
    return "ersion" in text or "ERSION" in text or "release" in text


_DEP_LINE = re.compile(
    r"""^\s*"(@[\w.-]+/)?[\w.-]+"\s*:\s*"[~^<>=\s]*(v|npm:|workspace:)?\d[^"]*"\s*,?\s*$"""  # package.json
    r"""|^\s*[\w-]+\s*=\s*["'][~^<>=\s]*\d[^"']*["']\s*$"""  # Cargo.toml / poetry: name = "1.2"
    r"""|^\s*[\w-]+\s*=\s*\{.*\bversion\s*=\s*["']"""  # Cargo.toml table
    r"""|^\s*["']?[\w.-]+(\[[\w,.-]+\])?\s*(===|==|>=|<=|~=|!=|<|>)\s*v?\d[^"']*["']?\s*,?\s*(#.*)?$"""  # PEP 508
    r"""|^\s*(require\s+)?[\w.-]+\.[a-z]{2,}/\S+\s+v\d\S*(\s*//\s*indirect)?\s*$"""  # go.mod
    r"""|^\s*(-\s*)?uses:\s*[\w.-]+/[\w./-]+@\S+\s*$"""  # GitHub actions
    r"""|^\s*(-\s*)?rev:\s*["']?v?[\w.-]+["']?\s*(#.*)?$"""  # pre-commit hooks
    r"""|^\s*(go|toolchain)\s+(go)?\d+\.\d+(\.\d+)?\s*$"""  # go.mod go directive
    r"""|^\s*<version>[^<]*\d[^<]*</version>\s*$""",  # maven dependency versions
)
_DATE = (r"\d{4}-\d{2}-\d{2}|"
         r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(st|nd|rd|th)?,?\s+\d{4}")
_RELEASE_HEADING = re.compile(
    rf"^\W*(version|release[sd]?|v)?\s*({_NUM_VERSION})?\W*({_DATE}|unreleased|released|in development|tbd)?\W*$"
    r"|^[\s=~^*#-]+$",
    re.I,
)


def _meaningful(f: FileDiff) -> list[str]:
    return [t for t in f.changed() if t.strip()]


def version_only(files: list[FileDiff]) -> bool:
    """A release: some changed line sets a version string; every other changed line is a version string,
    a changelog line, or a docs line that names a version."""
    saw_version = False
    for f in files:
        r = f.role
        for t in _meaningful(f):
            if version_line(t):
                saw_version = saw_version or r is not Role.CHANGELOG
            elif r is Role.CHANGELOG or (r is Role.DOCS and re.search(_NUM_VERSION, t)):
                continue
            else:
                return False
    return saw_version


def release_heading_only(files: list[FileDiff]) -> bool:
    """Only changelog headings changed (a version, a date, "Unreleased" → date): the changelog side of a release."""
    lines = [t for f in files for t in _meaningful(f)]
    return (bool(lines) and all(f.role is Role.CHANGELOG for f in files)
            and all(_RELEASE_HEADING.match(t.strip()) for t in lines)
            and any(re.search(_NUM_VERSION, t) for t in lines) and any(re.search(_DATE, t, re.I) for t in lines))


# the package's own name/version, and toolchain requirements (MSRV, `go 1.21`, Python/Node ranges): not deps
_NOT_A_DEP = re.compile(
    r"""["']?(version|name|rust-version|edition|python_requires|requires-python|node|npm|engines?)["']?\s*[:=]"""
    r"""|(go|toolchain)\s""",
    re.I,
)
_DEP_FILE_ROLES = {Role.LOCK, Role.REQS, Role.MANIFEST, Role.CI, Role.BUILD}


def dependency_only(files: list[FileDiff]) -> bool:
    """Only dependency pins change: lockfiles/requirement lists wholesale, and in manifests, CI workflows and
    hook configs only lines that name a package at a version (`"x": "^1.2"`, `uses: a/b@v4`, `rev: v1.0`)."""
    if not files or any(f.role not in _DEP_FILE_ROLES for f in files):
        return False
    saw_pin = False
    for f in files:
        if f.role in {Role.LOCK, Role.REQS}:
            saw_pin = True
            continue
        for t in _meaningful(f):
            s = t.strip()
            if _DEP_LINE.search(t) and not _NOT_A_DEP.match(s):
                saw_pin = True
            elif not _line_comment(f.path) or not s.startswith(_line_comment(f.path)):
                return False
    return saw_pin


# ---------------------------------------------------------------- tests inside source files

_TEST_CONTEXT = re.compile(
    r"\bmod\s+tests?\b|#\[cfg\(test\)\]|\bclass\s+Test\w*|\bdef\s+test_?\w*|\bfunc\s+(\([^)]*\)\s*)?Test\w*|"
    r"\bfn\s+test_\w*|\b(describe|it|test)\s*\(\s*['\"`]"
)
_TEST_MARK = re.compile(
    r"^\s*(#\[(tokio::)?test\]|#\[cfg\(test\)\]|@Test\b|@pytest\.|def\s+test_?\w*\s*\(|func\s+Test\w*\s*\(|"
    r"fn\s+test_\w*\s*\(|(describe|it|test)\s*\(\s*['\"`]|mod\s+tests?\s*\{)"
)


@per_file
def test_hunks_only(f: FileDiff) -> bool:
    """Every hunk of a source file sits in test code: git names a test module/function as its context, or a
    test marker (`#[test]`, `@Test`, `def test_`) precedes its first change within the hunk."""
    if f.binary or not f.hunks:
        return False
    for h in f.hunks:
        if _TEST_CONTEXT.search(h.context):
            continue
        first = next(i for i, (o, _) in enumerate(h.lines) if o != " ") if any(o != " " for o, _ in h.lines) else 0
        upto = [t for _, t in h.lines[: first + 1]] + [t for o, t in h.lines if o == "+"][:1]
        if not any(_TEST_MARK.search(t) for t in upto):
            return False
    return True


# ---------------------------------------------------------------- code shape

_GUARD = re.compile(
    r"^\s*(\}?\s*(else\s+)?if\b.*(\bis\s+(not\s+)?None\b|[!=]==?\s*(null|nil|undefined|None|0|-1)\b|"
    r"\b(null|nil|None)\s*[!=]==?|\blen\s*\(|\.len\(\)|\.length\b|\.size\(\)|\.is_empty\(\)|\bisinstance\b|"
    r"\btypeof\b|\binstanceof\b|\(\s*!|\bnot\s|[<>]=?\s*\d|\bhasattr\b|\bin\b)"
    r"|\s*(try\s*[:{]|\}?\s*(except|catch|rescue|finally)\b)"
    r"|\s*if\s+err\s*!=\s*nil"
    r"|.*\?\?|.*\?\.\w|.*\.(unwrap_or|unwrap_or_default|unwrap_or_else|ok_or|get)\()"
)
_DEF = re.compile(
    r"^\s*((pub(\([\w:]+\))?\s+)?(async\s+)?fn|(async\s+)?def|func|(export\s+)?(default\s+)?(async\s+)?function\*?|"
    r"class|struct|enum|trait|interface|type)\s+(\([^)]*\)\s*)?(?P<name>[A-Za-z_$][\w$]*)"
)


def code_files(files: list[FileDiff]) -> list[FileDiff]:
    return [f for f in files if f.role in {Role.CODE, Role.FRONTEND}]


def adds_guard(files: list[FileDiff], max_lines: int = 30) -> bool:
    """A small edit of existing code that adds a condition, a null/bounds check or an exception handler:
    the usual shape of a fix. New definitions make it a feature instead."""
    code = code_files(files)
    added = [t for f in code for t in f.changed("+") if t.strip()]
    deleted = [t for f in code for t in f.changed("-") if t.strip()]
    if not added or len(added) + len(deleted) > max_lines or new_definitions(files):
        return False
    old = {_layout_key(t) for t in deleted}
    return any(_GUARD.match(t) and _layout_key(t) not in old for t in added)


@per_file
def _definitions(f: FileDiff) -> tuple[set[str], set[str]]:
    """Names the file's added and its removed lines define (`_DEF`)."""
    return ({m.group("name") for t in f.changed("+") if (m := _DEF.match(t))},
            {m.group("name") for t in f.changed("-") if (m := _DEF.match(t))})


def new_definitions(files: list[FileDiff]) -> set[str]:
    """Names of functions/classes/types the change defines that it did not define before (not moves or renames
    within the diff)."""
    code = code_files(files)
    added = {n for f in code for n in _definitions(f)[0]}
    deleted = {n for f in code for n in _definitions(f)[1]}
    return {n for n in added - deleted if not n.startswith(("test", "Test"))}


# ---------------------------------------------------------------- release bookkeeping and API changes

_HEADING_VERSION = re.compile(
    rf"^\s*(#+\s*|\*\*|=+\s*)?\[?(version\s+|release\s+|v\s*)?{_NUM_VERSION}\]?(\*\*)?\s*"
    rf"([-–—(:/,]|\s+\(?({_DATE})|\s*$)", re.I)


def changelog_version_heading(files: list[FileDiff]) -> bool:
    """A changelog gains a heading naming a version (`## 1.4.0 (2024-05-01)`, `Version 2.1`, `[0.9.1] - …`):
    the changelog side of cutting that release, whatever entries come with it."""
    return any(_HEADING_VERSION.match(t) for f in files if f.role is Role.CHANGELOG for t in f.changed("+"))


def sets_version(files: list[FileDiff]) -> bool:
    """A version string of the project changes (a `version =`/`"version":`/`<version>`-style line replaced by
    another) in a manifest, a version file or code, not in a changelog or the docs."""
    for f in files:
        if f.role in {Role.CHANGELOG, Role.DOCS, Role.LOCK}:
            continue
        old, new = _version_lines(f)
        if old and new:
            return True
    return False


@per_file
def _version_lines(f: FileDiff) -> tuple[bool, bool]:
    """Does a removed, does an added line of the file set a version (`VERSION_LINE` or an XML version tag)?"""
    return _sets_version(list(f.changed("-"))), _sets_version(list(f.changed("+")))


def _sets_version(lines: list[str]) -> bool:
    """Does one of `lines` set a version? Lines that, joined, name no version (`_names_version`) are not asked one
    by one."""
    return _names_version("\n".join(lines)) and any(version_line(t) or _XML_VERSION.search(t) for t in lines)


_XML_VERSION = re.compile(r"^\s*<(version|Version|VersionPrefix|PackageVersion)>\s*v?\d[^<]*</")
_DIGITS = re.compile(r"\d+")


def docs_version_only(files: list[FileDiff]) -> bool:
    """Docs/README lines that change only in their numbers (`okio:1.12.0` → `okio:1.13.0` in an install
    snippet): what a release does to the docs."""
    docs = [f for f in files if f.role in {Role.DOCS, Role.META}]
    if not docs:
        return False
    for f in docs:
        old = [_DIGITS.sub("0", t) for t in f.changed("-") if t.strip()]
        new = [_DIGITS.sub("0", t) for t in f.changed("+") if t.strip()]
        if not old or sorted(old) != sorted(new):
            return False
    return True


def added_prose(files: list[FileDiff], roles: set[Role]) -> str:
    """The added lines of files in `roles` (a changelog's new entries say what kind of change it was)."""
    return "\n".join(t for f in files if f.role in roles for t in f.changed("+") if t.strip())


def removed_definitions(files: list[FileDiff]) -> set[str]:
    """Names of functions/classes/types the change deletes and does not define again (an API removed, or dead
    code dropped)."""
    code = code_files(files)
    added = {n for f in code for n in _definitions(f)[0]}
    deleted = {n for f in code for n in _definitions(f)[1]}
    return {n for n in deleted - added if not n.startswith(("test", "Test"))}


_WORD_RE = re.compile(r"[A-Za-z_]\w*")


def rename_like(files: list[FileDiff], max_lines: int = 400) -> float:
    """Share of changed code lines that pair up with a line on the other side differing in one identifier only:
    the shape of renames and moves (refactors) rather than of new or fixed logic. Read on the first `max_lines`
    changed lines of each side (a sample: a rename shows in its first lines as well as in all of them)."""
    code = code_files(files)
    old = [t.strip() for f in code for t in f.changed("-") if t.strip()][:max_lines]
    new = [t.strip() for f in code for t in f.changed("+") if t.strip()][:max_lines]
    if not old or not new:
        return 0.0
    same = set(old)
    shapes = {_shape(t, m) for t in old for m in _WORD_RE.finditer(t[:200])}
    paired = sum(t in same or any(_shape(t, m) in shapes for m in _WORD_RE.finditer(t[:200])) for t in new)
    return paired / max(len(old), len(new))


def _shape(line: str, m: re.Match[str]) -> str:
    return f"{line[:m.start()]}\0{line[m.end():200]}"
