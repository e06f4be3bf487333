from __future__ import annotations

from pathlib import Path

import pygit2
import pytest

from codemill.config import CommitsConfig
from codemill.quality.coherence import (
    FileChange,
    coherence,
    concern_of,
    concern_score,
    n_hunks,
    size_score,
)
from codemill.stages.commits.diffs import diff_commit

from gitrepo import Repo

PAGES_V1 = "def page(items, n):\n    return items[:n]\n"
PAGES_V2 = "def page(items, n):\n    if not items:\n        return []\n    return items[:n]\n"

FIX_DIFF = """diff --git a/src/shop/pages.py b/src/shop/pages.py
index 3b18e51..a4c2d1f 100644
--- a/src/shop/pages.py
+++ b/src/shop/pages.py
@@ -10,7 +10,9 @@ def page(items, offset, size):
     if size <= 0:
         raise ValueError("size must be positive")
-    end = offset + size - 1
+    if offset >= len(items):
+        return []
+    end = offset + size
     return items[offset:end]
"""


def records(repo: Repo, sha: str) -> list[dict]:
    """The `commits` stage's file records of one commit of a real repository."""
    git = pygit2.Repository(str(repo.path))
    return diff_commit(git, git[sha], CommitsConfig()).files


def sprawl(tmp_path: Path) -> list[dict]:
    r = Repo(tmp_path / "sprawl")
    base = {f"pkg{i % 8}/mod{i}.py": f"x{i} = {i}\n" for i in range(34)}
    r.commit("initial import", {**base, "README.md": "# shop\n", "yarn.lock": "a@1:\n  version 1\n"})
    changed = {p: f"{text}y = {p!r}\n" for p, text in base.items()}
    changed |= {"README.md": "# shop\n\nnew intro\n", "yarn.lock": "a@2:\n  version 2\n", "docs/api.rst": "API\n",
                ".github/workflows/ci.yml": "on: push\n", "assets/logo.svg": "<svg/>\n",
                "package.json": '{"name": "shop"}\n'}
    sha = r.commit("fix stuff", changed)
    return records(r, sha)


def test_record_fields_from_a_real_commit(repo: Repo) -> None:
    repo.commit("Add pagination helper", {"src/pages.py": PAGES_V1})
    sha = repo.commit("Return [] from page() when items is empty", {"src/pages.py": PAGES_V2})
    files = records(repo, sha)
    assert [(f["path"], f["added"], f["deleted"]) for f in files] == [("src/pages.py", 2, 0)]
    assert coherence("Return [] from page() when items is empty", files) > 0.9


def test_focused_fix_beats_a_forty_file_sprawl(repo: Repo, tmp_path: Path) -> None:
    repo.commit("Add pagination helper", {"src/pages.py": PAGES_V1})
    focused = records(repo, repo.commit("Fix page() on empty input", {"src/pages.py": PAGES_V2}))
    spread = sprawl(tmp_path)
    assert len(spread) == 40
    assert coherence("Fix page() on empty input", focused) > 0.85
    assert coherence("fix stuff", spread) < 0.45


def test_hunks_are_counted_from_the_patch() -> None:
    assert n_hunks(FIX_DIFF) == 1
    assert n_hunks(FIX_DIFF + FIX_DIFF.split("\n", 4)[4]) == 2
    assert n_hunks(None) == 0


def test_code_with_its_test_is_one_concern_but_ci_and_lockfiles_are_not() -> None:
    code = FileChange("src/shop/pages.py", "M", 3, 1)
    test = FileChange("tests/test_pages.py", "M", 12, 0)
    assert concern_score([code, test]) == 1.0
    assert concern_score([code, FileChange("CHANGELOG.md", "M", 1, 0)]) == 1.0
    mixed = [code, FileChange(".github/workflows/ci.yml", "M", 2, 2), FileChange("poetry.lock", "M", 80, 70)]
    assert concern_score(mixed) < concern_score([code, FileChange("docs/pagination.md", "M", 4, 0)]) < 1.0


@pytest.mark.parametrize(("path", "kind"), [
    ("src/app/main.go", "code"), ("pkg/api/handler_test.go", "code"), ("docs/index.rst", "docs"),
    ("README.md", "docs"), (".github/workflows/test.yml", "ci"), ("Cargo.lock", "build"), ("pyproject.toml", "build"),
    ("vendor/github.com/x/y/z.go", "vendored"), ("CHANGES.rst", None), ("changelog.d/123.bugfix", None),
    ("static/logo.png", "assets"), (".editorconfig", "config"),
])
def test_concern_of(path: str, kind: str | None) -> None:
    assert concern_of(path) == kind


def test_size_penalises_empty_and_huge_changes() -> None:
    assert size_score(0) < 0.2
    assert size_score(1) == size_score(150) == 1.0
    assert 0.3 < size_score(500) < 0.5
    assert size_score(5000) < 0.1


def test_rename_only_scores_below_a_small_edit() -> None:
    rename = [FileChange("src/paging.py", "R", 0, 0, None)]
    edit = [FileChange("src/shop/pages.py", "M", 3, 1, FIX_DIFF)]
    assert coherence("Rename pages module to paging", rename) < coherence("Return [] when offset >= len(items)", edit)


def test_dict_records_and_dataclasses_agree() -> None:
    as_dict = [{"path": "src/shop/pages.py", "status": "M", "added": 3, "deleted": 1, "diff": FIX_DIFF}]
    as_cls = [FileChange("src/shop/pages.py", "M", 3, 1, FIX_DIFF)]
    assert coherence("Fix page() end index", as_dict) == coherence("Fix page() end index", as_cls)
    assert coherence("anything", []) == 0.0
