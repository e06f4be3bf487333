"""Counts of kinds of code lines (imports, function definitions, prints, asserts, `pass`, `main`, preprocessor
directives) by per-language line patterns, for RefineCode's language-specific rules.

RefineCode (OpenCoder) computes these with parsers for eight languages; here each is a multiline regular
expression counted over the code with comments blanked (see `syntax.scan`), so one C-speed `findall` per
pattern and no per-line Python. A language without a pattern gets None, not 0: "unknown" must not read as
"none".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_M = re.MULTILINE
_JS = ("JavaScript", "TypeScript", "TSX", "Vue", "Svelte")
_C = ("C", "C++", "Objective-C", "Objective-C++", "CUDA")


def _by_language(table: dict[tuple[str, ...], str], flags: int = _M) -> dict[str, re.Pattern[str]]:
    return {name: re.compile(pattern, flags) for names, pattern in table.items() for name in names}


_IMPORT = _by_language({
    ("Python", "Cython"): r"\n[ \t]*(?:import[ \t]+[\w.]|from[ \t]+[\w.]+[ \t]+import\b)",
    _JS: r"\n[ \t]*(?:import\b[^\n(]|export[ \t]+(?:\*|\{[^}\n]*\})[ \t]+from\b"
         r"|(?:const|let|var)[ \t]+[\w${}, \t]+=[ \t]*require\()",
    ("Java", "Kotlin", "Scala", "Groovy", "Swift", "Dart"): r"\n[ \t]*import\b",
    ("Go",): r"\n[ \t]*import\b|\n[ \t]*(?:[\w.]+[ \t]+)?\"[\w./-]+\"[ \t]*$",
    _C: r"\n[ \t]*#[ \t]*(?:include|import)\b",
    ("C#",): r"\n[ \t]*(?:global[ \t]+)?using[ \t]+(?:static[ \t]+)?[\w.]+[ \t]*(?:=[^;\n]*)?;",
    ("Rust",): r"\n[ \t]*(?:pub(?:\([^)\n]*\))?[ \t]+)?(?:use|extern[ \t]+crate)\b",
    ("PHP",): r"\n[ \t]*(?:use[ \t]+[\w\\]|(?:require|include)(?:_once)?\b)",
    ("Ruby",): r"\n[ \t]*require(?:_relative)?\b",
    ("Perl",): r"\n[ \t]*(?:use|require)[ \t]+\w",
    ("R",): r"\n[ \t]*(?:library|require)\(",
    ("Haskell",): r"\nimport\b",
    ("Elixir",): r"\n[ \t]*(?:import|alias|use|require)[ \t]+[A-Z]",
})

_CONTROL = r"(?:if|for|while|switch|catch|return|else|do|sizeof|new|delete|case|throw|using|typedef)\b"
_FUNCTION = _by_language({
    ("Python", "Cython", "Starlark"): r"\n[ \t]*(?:async[ \t]+)?def[ \t]+\w",
    ("Go",): r"\nfunc\b",
    ("Rust",): r"\n[ \t]*(?:pub(?:\([^)\n]*\))?[ \t]+)?(?:(?:async|const|unsafe|extern(?:[ \t]+\"\w+\")?)[ \t]+)*"
               r"fn[ \t]+\w",
    _JS: r"function(?<![\w$]function)[ \t]*\*?[ \t]*[\w$]*[ \t]*\([^\n]*"
         r"|\n[ \t]*(?:export[ \t]+)?(?:const|let|var)[ \t]+[\w$]+[ \t]*=[ \t]*(?:async[ \t]*)?"
         r"(?:\([^)\n]*\)|[\w$]+)[ \t]*=>",
    ("Ruby", "Scala", "Crystal", "Elixir"): r"\n[ \t]*(?:private[ \t]+|override[ \t]+)*defp?[ \t]+\w",
    ("PHP",): r"function(?<!\wfunction)[ \t]+&?\w[^\n]*",
    ("Kotlin",): r"fun(?<!\wfun)[ \t]+(?:<[^>\n]*>[ \t]*)?[\w.]+[ \t]*\([^\n]*",
    ("Swift",): r"func(?<!\wfunc)[ \t]+\w[^\n]*",
    ("Lua",): r"function(?<!\wfunction)\b[^\n]*",
    ("Shell",): r"\n[ \t]*(?:function[ \t]+[\w:-]+|[\w:-]+[ \t]*\([ \t]*\))[ \t]*\{?[ \t]*$",
    # C family and Java/C#: a line that reads "<type and modifiers> name(<params>) [const] [throws ...] [{]",
    # not ending in ";" (a declaration or a call) and not starting with a control keyword.
    (*_C, "Java", "C#"): rf"\n[ \t]*(?!{_CONTROL})(?:[\w:<>,*&\[\]~]+[ \t]+)+[*&]*[\w:~]+[ \t]*\([^;{{}}\n]*\)"
                         r"[ \t]*(?:const\b[ \t]*|noexcept\b[ \t]*|override\b[ \t]*|throws[^;{}\n]*)*\{?[ \t]*$",
})

# Anywhere in a line: literal-led branches (a fixed-width lookbehind stands in for a leading \b) let `re` skip
# ahead by first character, and the trailing [^\n]* consumes the line so each line counts once.
_PRINT = re.compile(
    r"print(?<!\wprint)(?:ln|f|k)?\b[^\n]*|eprint(?<!\weprint)(?:ln)?!\b[^\n]*|puts(?<!\wputs)\b[^\n]*"
    r"|echo(?<!\wecho)\b[^\n]*|console\.(?:log|info|debug|warn|error)\b[^\n]*|System\.(?:out|err)\.[^\n]*"
    r"|Console\.Write[^\n]*|cout(?<!\wcout)\b[^\n]*|cerr(?<!\wcerr)\b[^\n]*|fmt\.(?:Print|Fprint)[^\n]*"
    r"|fprintf(?<!\wfprintf)\b[^\n]*")
_ASSERT = re.compile(r"[aA][sS][sS][eE][rR][tT][^\n]*")  # RefineCode: 'assert' anywhere in the line, any case
_PASS = re.compile(r"\n[ \t]*pass[ \t]*$", _M)
_MAIN = re.compile(r"int(?<!\wint)[ \t]+main[ \t]*\(|void(?<!\wvoid)[ \t]+main[ \t]*\(")
_PREPROCESSOR = re.compile(r"\n[ \t]*#[ \t]*[a-z]", _M)

_PRINT_LANGUAGES = frozenset({
    "Python", "Cython", "JavaScript", "TypeScript", "TSX", "Vue", "Svelte", "Java", "Kotlin", "Scala", "Groovy",
    "Swift", "Dart", "Go", "Rust", "C", "C++", "Objective-C", "Objective-C++", "CUDA", "C#", "PHP", "Ruby", "Perl",
    "Lua", "R", "Julia", "Elixir", "Haskell", "Shell",
})
_ASSERT_LANGUAGES = _PRINT_LANGUAGES - {"Shell"}


@dataclass(frozen=True, slots=True)
class Statements:
    """Line counts of a file's code (None where the language has no pattern for that kind)."""

    imports: int | None
    functions: int | None
    prints: int | None
    asserts: int | None
    passes: int | None  # Python only
    mains: int | None  # C family only
    preprocessor: int | None  # C family only


def count_statements(code: str, language: str | None) -> Statements:
    """Count import, function, print, assert, pass, main and preprocessor lines of comment-free code."""
    lang = language or ""
    c_family = lang in _C
    code = "\n" + code  # line-start patterns begin with a literal newline, which `re` finds by fast search
    return Statements(
        imports=_count(_IMPORT.get(lang), code),
        functions=_count(_FUNCTION.get(lang), code),
        prints=_count(_PRINT, code) if lang in _PRINT_LANGUAGES else None,
        asserts=_count(_ASSERT, code) if lang in _ASSERT_LANGUAGES else None,
        passes=_count(_PASS, code) if lang in ("Python", "Cython") else None,
        mains=_count(_MAIN, code) if c_family else None,
        preprocessor=_count(_PREPROCESSOR, code) if c_family or lang == "C#" else None,
    )


def _count(pattern: re.Pattern[str] | None, code: str) -> int | None:
    return None if pattern is None else len(pattern.findall(code))
