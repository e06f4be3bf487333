"""Comments and string literals of a source file, found by one regular-expression pass per file.

Comment and string signals (bigcode's comment ratio, RefineCode's string and long-word shares, per-line code
counts) need to know what is code. A real lexer per language would be exact and slow; one alternation of
"string | comment" patterns per syntax family, scanned left to right, gets strings that contain comment
markers and comments that contain quotes right, which is what the ratios need. Heredocs, nested block
comments and regex literals are not modelled; the signals are approximate by design.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DQ = r'"(?:\\.|[^"\\\n])*"'
_SQ = r"'(?:\\.|[^'\\\n])*'"
_CHAR = r"'(?:\\[^'\n]{1,10}|[^'\\\n])'"  # C-family char literal: Rust lifetimes ('a) are not strings
_BACKTICK = r"`(?:\\.|[^`\\])*`"  # JS template literals, Go raw strings
_TRIPLE_DQ = r'"""[\s\S]*?"""'
_TRIPLE_SQ = r"'''[\s\S]*?'''"
_LINE_SLASH = r"//[^\n]*"
_BLOCK_SLASH = r"/\*[\s\S]*?\*/"
_HASH = r"#[^\n]*"


def _syntax(comments: list[str], strings: list[str], docstrings: list[str] | None = None) -> re.Pattern[str]:
    """One alternation, each branch starting with a literal and ending in an empty group naming its kind
    (c: comment, d: triple-quoted string, s: string). Literal-led branches let `re` skip ahead by first
    character, which made the scan about three times faster than one group per kind."""
    branches = [f"{body}(?P<c{i}>)" for i, body in enumerate(comments)]
    branches += [f"{body}(?P<d{i}>)" for i, body in enumerate(docstrings or [])]
    branches += [f"{body}(?P<s{i}>)" for i, body in enumerate(strings)]
    return re.compile("|".join(branches))


# Python: a triple-quoted string alone at the start of a line is a docstring, and bigcode counted docstrings
# as comments. String prefixes (r, b, f) are left to the code: they do not change where a string ends.
_PYTHON = _syntax([_HASH], [_DQ, _SQ], [_TRIPLE_DQ, _TRIPLE_SQ])
_C_FAMILY = _syntax([_LINE_SLASH, _BLOCK_SLASH], [_TRIPLE_DQ, "@" + _DQ, _DQ, _CHAR])
_JS_FAMILY = _syntax([_LINE_SLASH, _BLOCK_SLASH], [_DQ, _SQ, _BACKTICK])
_GO = _syntax([_LINE_SLASH, _BLOCK_SLASH], [_DQ, _CHAR, _BACKTICK])
_PHP = _syntax([_LINE_SLASH, _BLOCK_SLASH, _HASH], [_DQ, _SQ])
_CSS = _syntax([_BLOCK_SLASH], [_DQ, _SQ])
_SCSS = _syntax([_LINE_SLASH, _BLOCK_SLASH], [_DQ, _SQ])
_HASH_FAMILY = _syntax([_HASH], [_DQ, _SQ])
_SQL = _syntax([r"--[^\n]*", _BLOCK_SLASH], [_DQ, _SQ])
_LUA = _syntax([r"--\[\[[\s\S]*?\]\]", r"--[^\n]*"], [_DQ, _SQ, r"\[\[[\s\S]*?\]\]"])
_HASKELL = _syntax([r"\{-[\s\S]*?-\}", r"--[^\n]*"], [_DQ])
_PERCENT = _syntax([r"%[^\n]*"], [_DQ])
_SEMICOLON = _syntax([r";[^\n]*"], [_DQ])
_MARKUP = _syntax([r"<!--[\s\S]*?-->"], [])  # markup has no string literals worth separating

_BY_LANGUAGE: dict[str, re.Pattern[str]] = {"Python": _PYTHON, "Cython": _PYTHON, "Starlark": _PYTHON}
for _names, _pattern in (
    ("C C++ C# Java Kotlin Swift Scala Objective-C Objective-C++ Dart Groovy Rust Solidity Zig CUDA GLSL HLSL "
     "D Apex Hack Haxe ActionScript Processing Verilog SystemVerilog Protocol-Buffer Chapel Pike V", _C_FAMILY),
    ("JavaScript TypeScript TSX JSX CoffeeScript-JS QML JSON-with-Comments", _JS_FAMILY),
    ("Go", _GO),
    ("PHP", _PHP),
    ("CSS", _CSS),
    ("SCSS Less Sass Stylus", _SCSS),
    ("Shell Ruby Perl R YAML TOML Makefile Dockerfile CMake PowerShell Elixir Nim Julia CoffeeScript Raku Tcl "
     "Awk GraphQL Nix HCL Fish Crystal GDScript Meson", _HASH_FAMILY),
    ("SQL PLpgSQL PLSQL TSQL", _SQL),
    ("Lua", _LUA),
    ("Haskell Elm PureScript Agda Idris", _HASKELL),
    ("TeX MATLAB Erlang Prolog BibTeX PostScript", _PERCENT),
    ("Emacs-Lisp Common-Lisp Clojure Scheme Racket Assembly Unix-Assembly INI", _SEMICOLON),
    ("HTML XML SVG Vue Svelte Markdown XSLT", _MARKUP),
):
    for _name in _names.split():
        _BY_LANGUAGE[_name.replace("-", " ")] = _pattern

_NON_BLANK_LINE = re.compile(r"\n[ \t\f\v\r]*(?=\S)")  # over "\n" + text: a literal lead is searched fast
_LONG_WORD = re.compile(r"(?<!\S)\S{21,}")  # RefineCode: a "long word" has more than 20 characters
_TODO_LINE = re.compile(  # \btodo\b, \bfixme\b or "your code here", any case, counted once per line
    r"[tT](?<!\w[tT])[oO][dD][oO]\b[^\n]*|[fF](?<!\w[fF])[iI][xX][mM][eE]\b[^\n]*|[yY][oO][uU][rR] code here[^\n]*")


@dataclass(frozen=True, slots=True)
class Scan:
    """What one pass over a file found: comment and string sizes, and the code with comments blanked."""

    known: bool  # the language's comment syntax is known; otherwise nothing below was separated
    code: str  # the text with every comment replaced by as many newlines as it spanned
    code_lines: int  # non-blank lines of `code`
    comment_chars: int
    comment_lines: int  # non-blank lines that hold only comments
    todo_lines: int  # comment lines that say TODO, FIXME or "your code here"
    string_chars: int
    long_string_word_chars: int  # characters of >20-character words inside strings, URLs excepted


def count_non_blank_lines(text: str) -> int:
    """Lines with at least one non-whitespace character."""
    return len(_NON_BLANK_LINE.findall("\n" + text))


def scan(text: str, language: str | None) -> Scan:
    """Separate comments and strings from code in one regex pass (the text is returned as is if unknown)."""
    pattern = _BY_LANGUAGE.get(language or "")
    if pattern is None:
        return Scan(False, text, count_non_blank_lines(text), 0, 0, 0, 0, 0)
    code_parts: list[str] = []
    comments: list[str] = []
    strings: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        kind = (match.lastgroup or "s")[0]
        start, token = match.start(), match.group()
        if kind == "d" and text[text.rfind("\n", 0, start) + 1:start].strip():
            kind = "s"  # a triple-quoted string after code on its line is a value, not a docstring
        if kind == "s":
            strings.append(token)
            continue
        comments.append(token)
        code_parts.append(text[last:start])
        code_parts.append("\n" * token.count("\n"))
        last = match.end()
    code_parts.append(text[last:])
    code = "".join(code_parts)
    comment_text = "\n".join(comments)
    string_text = "\n".join(strings)
    code_lines = count_non_blank_lines(code)
    long_words = sum(len(word) for word in _LONG_WORD.findall(string_text) if "://" not in word)
    return Scan(
        known=True,
        code=code,
        code_lines=code_lines,
        comment_chars=len(comment_text) - max(len(comments) - 1, 0),
        comment_lines=count_non_blank_lines(text) - code_lines,
        todo_lines=len(_TODO_LINE.findall(comment_text)),
        string_chars=len(string_text) - max(len(strings) - 1, 0),
        long_string_word_chars=long_words,
    )
