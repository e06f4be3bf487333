"""Renderings of one stored change, so a pair's response (and prompt) can take the form a consumer trains on.

The same record (files with status, paths, unified patch and optionally the full `before`/`after` contents)
gives the unified diff, Aider's SEARCH/REPLACE blocks, whole new files, and a prompt with repository context.
"""

from codemill.render.diff import apply_hunks, new_content, old_content, parse_hunks, unified_diff
from codemill.render.edits import (
    Unrepresentable,
    apply_search_replace,
    full_files,
    parse_search_replace,
    search_replace,
)
from codemill.render.prompt import prompt_context

__all__ = [
    "Unrepresentable",
    "apply_hunks",
    "apply_search_replace",
    "full_files",
    "new_content",
    "old_content",
    "parse_hunks",
    "parse_search_replace",
    "prompt_context",
    "search_replace",
    "unified_diff",
]
