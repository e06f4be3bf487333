"""Linguist language name → tree-sitter `Language` and `Parser`, loaded lazily and cached.

The grammar wheels ship compiled grammars, so loading never downloads anything; loading is still deferred to
first use so that importing codemill does not pay for nine shared libraries a run may never touch. Languages
are cached per process; parsers per thread, because a `Parser` holds mutable state and must not be shared by
concurrent parses (the dedup stage may run files on a thread pool).
"""

from __future__ import annotations

import functools
import importlib
import threading
from collections.abc import Iterable

import tree_sitter

# Linguist name → (grammar module, function returning the language pointer). JSX has no grammar of its own: the
# JavaScript grammar parses JSX.
_GRAMMARS: dict[str, tuple[str, str]] = {
    "Python": ("tree_sitter_python", "language"),
    "JavaScript": ("tree_sitter_javascript", "language"),
    "JSX": ("tree_sitter_javascript", "language"),
    "TypeScript": ("tree_sitter_typescript", "language_typescript"),
    "TSX": ("tree_sitter_typescript", "language_tsx"),
    "Java": ("tree_sitter_java", "language"),
    "Go": ("tree_sitter_go", "language"),
    "Rust": ("tree_sitter_rust", "language"),
    "C": ("tree_sitter_c", "language"),
    "C++": ("tree_sitter_cpp", "language"),
}

SUPPORTED: frozenset[str] = frozenset(_GRAMMARS)
"""Linguist names that `extract_functions` and `function_hashes` understand."""

_local = threading.local()


def supported(language: str | None) -> bool:
    """Whether `language` (a Linguist name, or None when detection failed) has a grammar here."""
    return language in _GRAMMARS


@functools.cache
def get_language(language: str) -> tree_sitter.Language:
    """The compiled grammar for a Linguist name; KeyError if unsupported.

    JavaScript and JSX share one `Language` object, so node-kind tables built from it are shared too.
    """
    module, attr = _GRAMMARS[language]
    return _load(module, attr)


@functools.cache
def _load(module: str, attr: str) -> tree_sitter.Language:
    return tree_sitter.Language(getattr(importlib.import_module(module), attr)())


def get_parser(language: str) -> tree_sitter.Parser:
    """A parser for a Linguist name, reused by this thread; KeyError if unsupported."""
    parsers: dict[str, tree_sitter.Parser] | None = getattr(_local, "parsers", None)
    if parsers is None:
        parsers = _local.parsers = {}
    parser = parsers.get(language)
    if parser is None:
        parser = parsers[language] = tree_sitter.Parser(get_language(language))
    return parser


def kind_ids(language: tree_sitter.Language, names: Iterable[str]) -> frozenset[int]:
    """Every named node-kind id whose name is in `names`.

    A grammar may have several symbols with one name (aliases), and `id_for_node_kind` returns only one of
    them, so the set is built by scanning all kinds: comparing `Node.kind_id` against it then never misses.
    """
    wanted = set(names)
    return frozenset(
        i
        for i in range(language.node_kind_count)
        if language.node_kind_is_named(i) and language.node_kind_for_id(i) in wanted
    )
