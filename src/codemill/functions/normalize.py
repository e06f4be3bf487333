"""Normalised function text and its hash: the key of function-level deduplication.

A function is normalised to its token sequence (tree-sitter leaves) joined by single spaces, without comments
and Python docstrings, so that reformatting or re-commenting a copied function does not hide the copy.
String-like literals stay one token with their text (their contents are behaviour). Choices that code
formatters make for the author are normalised too, since they change with the formatter's configuration and not
with the code: trailing commas before a closing bracket (black, prettier, rustfmt and gofmt add them when they
explode a call) are dropped, except in 1-tuples; optional semicolons (Python, JavaScript/TypeScript, Go) are
dropped; and in Python and JavaScript/TypeScript a single-quoted string with no quote or backslash inside
becomes double-quoted (black, prettier's `singleQuote`). Identifiers are kept
by default, since a renamed function is a different function; `normalize_identifiers=True` replaces each with
a placeholder naming its node kind (`<identifier>`, `<type_identifier>`, ...) to also match renamed copies.

`function_hashes` hashes the outermost definitions only: top-level functions and the methods of classes,
impls and namespaces. A nested function (or a method of a class inside a function) is part of its parent's
text and hash, not a unit of its own, so a copied function is counted once, not once per inner helper. Tiny
functions (fewer than `min_tokens` tokens: getters, stubs, `pass` bodies) are skipped because they are identical
everywhere and so are no evidence of copying.
"""

from __future__ import annotations

from dataclasses import dataclass

import xxhash
from tree_sitter import Node

from codemill.functions.extract import (
    Function,
    LanguageSpec,
    decode,
    definitions,
    function_from_definition,
    parse,
    spec,
)
from codemill.functions.grammars import get_parser, supported

DEFAULT_MIN_TOKENS = 20


@dataclass(frozen=True)
class HashedFunction:
    """An outermost definition with its normalised hash and token count."""

    function: Function
    hash: int
    tokens: int


def _docstring_start(owner: Node, atoms: frozenset[int]) -> int | None:
    """Start byte of the docstring of a Python def or class, if its body opens with one."""
    body = owner.child_by_field_name("body")
    if body is None:
        return None
    for stmt in body.named_children:
        if stmt.type == "comment":
            continue
        if stmt.type == "expression_statement" and stmt.named_child_count == 1:
            expr = stmt.named_children[0]
            if expr.kind_id in atoms:
                return expr.start_byte
        return None
    return None


_CLOSERS = frozenset((b")", b"]", b"}"))


def _requote(text: bytes) -> bytes:
    """`'abc'` → `"abc"` (also with a prefix: `f'x'`) when that cannot change the string; otherwise unchanged."""
    if not text.endswith(b"'"):
        return text
    quote = text.find(b"'")
    body = text[quote + 1 : -1]
    if len(text) - quote < 2 or b"'" in body or b'"' in body or b"\\" in body:
        return text
    return text[:quote] + b'"' + body + b'"'


def tokens(node: Node, src: bytes, language_spec: LanguageSpec, *, normalize_identifiers: bool = False) -> list[bytes]:
    """The normalised tokens of the subtree at `node`: one cursor walk, leaves and atoms only."""
    sp = language_spec
    comments, atoms, squash, tuples = sp.comments, sp.atoms, sp.squash, sp.tuples
    idents = sp.identifiers if normalize_identifiers else {}
    doc_owners = (sp.functions | sp.containers) if sp.docstrings else frozenset()
    semicolon = b";" if sp.optional_semicolons else None
    requote = sp.requote
    docstrings: set[int] = set()
    out: list[bytes] = []
    append = out.append
    cursor = node.walk()
    while True:
        n = cursor.node
        assert n is not None
        kind = n.kind_id
        if kind in comments:
            pass
        elif kind in atoms:
            start = n.start_byte
            if start not in docstrings:
                text = src[start : n.end_byte]
                append(_requote(text) if requote else text)
        elif cursor.goto_first_child():
            if kind in doc_owners:
                doc = _docstring_start(n, atoms)
                if doc is not None:
                    docstrings.add(doc)
            continue
        elif kind in idents:
            append(idents[kind])
        else:
            text = src[n.start_byte : n.end_byte]
            if kind in squash:
                text = b" ".join(text.split())
            if not text or text == semicolon:  # MISSING nodes inserted by error recovery are empty
                pass
            elif text in _CLOSERS and out and out[-1] == b",":
                parent = n.parent
                if parent is not None and parent.kind_id in tuples and parent.named_child_count == 1:
                    append(text)
                else:
                    out[-1] = text  # the trailing comma was the formatter's
            else:
                append(text)
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return out


def _hash(toks: list[bytes]) -> int:
    return xxhash.xxh3_64_intdigest(b" ".join(toks))


def _spanning_definition(root: Node, start: int, end: int, sp: LanguageSpec) -> Node | None:
    """The definition node spanning exactly [start, end), if the parse produced one."""
    node: Node | None = root.descendant_for_byte_range(start, end)
    while node is not None and node.start_byte >= start and node.end_byte <= end:
        if node.kind_id in sp.functions and node.start_byte == start and node.end_byte == end:
            return node
        node = node.parent
    return None


def normalized_function(fn_text: str, language: str, *, normalize_identifiers: bool = False) -> str:
    """`fn_text` (one definition, e.g. `Function.text`) as its normalised token string.

    Agrees with the hashes of `function_hashes`: a method's text alone may not parse as it did in its file (a
    JavaScript method is a call and a block at top level), so when the text does not parse to one clean
    definition it is re-parsed inside a minimal context (`class __W__ { ... }`) and only the definition is
    normalised. Text that is not a definition at all is normalised whole. Unsupported language: the text's
    whitespace-separated words.
    """
    if not supported(language):
        return " ".join(fn_text.split())
    sp = spec(language)
    tree, src = parse(fn_text, language)
    start = len(src) - len(src.lstrip())
    end = len(src.rstrip())
    node = _spanning_definition(tree.root_node, start, end, sp)
    if node is None or node.has_error:
        # The first definition found wins if none parses cleanly (the function may be malformed in its file too).
        fallback = (node, src)
        for prefix, suffix in sp.wrappers:
            wsrc = prefix + src + suffix
            wrapped = get_parser(language).parse(wsrc)
            candidate = _spanning_definition(wrapped.root_node, start + len(prefix), end + len(prefix), sp)
            if candidate is not None and not candidate.has_error:
                fallback = (candidate, wsrc)
                break
            if candidate is not None and fallback[0] is None:
                fallback = (candidate, wsrc)
        node, src = fallback
    toks = tokens(node if node is not None else tree.root_node, src, sp, normalize_identifiers=normalize_identifiers)
    return decode(b" ".join(toks))


def hashed_functions(
    text: str, language: str, *, min_tokens: int = DEFAULT_MIN_TOKENS, normalize_identifiers: bool = False
) -> list[HashedFunction]:
    """The outermost definitions with at least `min_tokens` tokens, with hashes, in source order (one parse)."""
    if not supported(language):
        return []
    sp = spec(language)
    tree, src = parse(text, language)
    out: list[HashedFunction] = []
    for d in definitions(tree.root_node, src, sp, nested=False):
        toks = tokens(d.node, src, sp, normalize_identifiers=normalize_identifiers)
        if len(toks) >= min_tokens:
            out.append(HashedFunction(function_from_definition(d, src), _hash(toks), len(toks)))
    return out


def function_hashes(
    text: str, language: str, *, min_tokens: int = DEFAULT_MIN_TOKENS, normalize_identifiers: bool = False
) -> list[int]:
    """One unsigned 64-bit xxh3 hash of `normalized_function` per outermost definition with ≥ `min_tokens` tokens.

    Source order; a function repeated within the file appears repeatedly (the caller counts). One parse, one
    walk; unsupported language or no definitions: [].
    """
    if not supported(language):
        return []
    sp = spec(language)
    tree, src = parse(text, language)
    out: list[int] = []
    for d in definitions(tree.root_node, src, sp, nested=False):
        toks = tokens(d.node, src, sp, normalize_identifiers=normalize_identifiers)
        if len(toks) >= min_tokens:
            out.append(_hash(toks))
    return out
