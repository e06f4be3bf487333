"""Functions and methods extracted with tree-sitter, and normalised function hashes for function-level dedup.

- `grammars`: Linguist language name → cached tree-sitter `Language` (per process) and `Parser` (per thread).
- `extract`: `extract_functions` — every definition (nested ones too) with name, kind, lines, text and scope.
- `normalize`: `normalized_function` (tokens without comments/docstrings, single spaces) and `function_hashes`
  (xxh3 of that, per outermost definition with at least `min_tokens` tokens).
"""

from codemill.functions.extract import Function, extract_functions
from codemill.functions.grammars import SUPPORTED, supported
from codemill.functions.normalize import (
    DEFAULT_MIN_TOKENS,
    HashedFunction,
    function_hashes,
    hashed_functions,
    normalized_function,
)

__all__ = [
    "DEFAULT_MIN_TOKENS",
    "SUPPORTED",
    "Function",
    "HashedFunction",
    "extract_functions",
    "function_hashes",
    "hashed_functions",
    "normalized_function",
    "supported",
]
