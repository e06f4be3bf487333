"""Pretraining documents: repo-level layout ordered by import dependencies, per-family special tokens, FIM.

- `imports`: `dependency_edges`, which repository files each file imports (Python, JS/TS, Java, Go, C/C++).
- `order`: `dependency_order`, a deterministic dependencies-first order with import cycles broken.
- `families`: `Family`, `FAMILIES` (starcoder, qwen2.5-coder, deepseek-coder) and `family` (also "custom").
- `layout`: `file_document`, `repo_documents` / `layout_repo` (StarCoder2 layout, split at `max_chars`).
- `fim`: `apply_fim` / `fim` (PSM or SPM, character or token level), `file_fim` for layout-time FIM, `unfim`.
"""

from codemill.documents.families import FAMILIES, Family, family, special_tokens_in
from codemill.documents.fim import FimResult, apply_fim, file_fim, fim, split_points, unfim
from codemill.documents.imports import dependency_edges
from codemill.documents.layout import RepoDocument, file_document, layout_repo, path_comment, repo_documents
from codemill.documents.order import dependency_order

__all__ = [
    "FAMILIES",
    "Family",
    "FimResult",
    "RepoDocument",
    "apply_fim",
    "dependency_edges",
    "dependency_order",
    "family",
    "file_document",
    "file_fim",
    "fim",
    "layout_repo",
    "path_comment",
    "repo_documents",
    "special_tokens_in",
    "split_points",
    "unfim",
]
