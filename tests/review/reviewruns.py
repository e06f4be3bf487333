"""A real run for the review desk's tests: a small Python repository milled through `select` and `clean`, with
an `origin` on github.com (so pairs link to their commits), and helpers to fingerprint the run directory."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from codemill import pipeline
from codemill.config import Config
from codemill.engine.manifest import Manifest, ShardEntry, load_manifest
from codemill.engine.stage import ShardOutput
from codemill.review.labels import REVIEW_DIR
from codemill.swe.split import split_patch

from gitrepo import MIT, Repo, git
from readback import kept_rows, through

ORIGIN = "https://github.com/ada/paging.git"
CONFIG = {"run": {"workers": 1}, "select": {"targets": {}, "min_score": 0.0}}

PAGES = "def page(items, n):\n    return items[:n]\n"
PAGES_FIXED = "def page(items, n):\n    if not items:\n        return []\n    return items[:n]\n"
COUNT = PAGES_FIXED + "\n\ndef page_count(total, size):\n    return total // size\n"
COUNT_FAST = PAGES_FIXED + "\n\ndef page_count(total, size):\n    return -(-total // size)\n"
CURSOR = "def cursor(items, after):\n    return [i for i in items if i >= after]\n"
CURSOR_FIXED = "def cursor(items, after):\n    return [i for i in items if i > after]\n"
CLI = ("import sys\n\nfrom paging.pages import page\n\n\ndef main(argv):\n    path, size = argv[1], int(argv[2])\n"
       "    lines = open(path).read().splitlines()\n    print('\\n'.join(page(lines, size)))\n")
CLI_FIXED = CLI.replace("    path, size = argv[1], int(argv[2])\n", "    path, size = argv[1], int(argv[2])\n"
                        "    if size <= 0:\n        raise SystemExit('size > 0')\n")
TEST_PAGES = "from paging.pages import page\n\n\ndef test_empty():\n    assert page([], 2) == []\n"
TEST_CURSOR = "from paging.cursor import cursor\n\n\ndef test_unsorted():\n    assert cursor([3, 1, 2], 1) == {}\n"
TEST_CLI = ("import pytest\n\nfrom paging.cli import main\n\n\ndef test_zero():\n    with pytest.raises(SystemExit):\n"
            "        main(['x', 'README.md', '0'])\n")


def build_repo(path: Path) -> Repo:
    """Sixteen commits of a paging library: features, fixes with tests, docs, a rename, and commits the pairs rules
    drop (a lockfile, a generic message, a bot, a merge)."""
    r = Repo(path)
    r.commit("Add pagination helper for list endpoints", {"src/paging/pages.py": PAGES, "LICENSE": MIT})
    r.commit("Fix off-by-one in page() when the list is empty\n\nCloses #12",
             {"src/paging/pages.py": PAGES_FIXED, "tests/test_pages.py": TEST_PAGES})
    r.commit("Add page_count() to compute the number of pages",
             {"src/paging/pages.py": COUNT, "tests/test_count.py":
              "from paging.pages import page_count\n\n\ndef test_exact():\n    assert page_count(20, 10) == 2\n"})
    r.commit("Update lockfile", {"poetry.lock": "[[package]]\nname = 'x'\n"})
    r.commit("wip", {"src/paging/pages.py": COUNT + "\n# todo\n"})
    r.commit("Document page() and page_count() in the README",
             {"README.md": "# paging\n\n`page(items, n)`: the first page; `page_count(total, size)`: the pages.\n"})
    r.commit("Add cursor-based pagination for the API", {"src/paging/cursor.py": CURSOR})
    r.commit("Test cursor pagination with unsorted ids",
             {"tests/test_cursor.py": TEST_CURSOR.format([3, 1, 2])})
    r.commit("Fix cursor() returning the item equal to the cursor",
             {"src/paging/cursor.py": CURSOR_FIXED, "tests/test_cursor.py": TEST_CURSOR.format([3, 2])})
    r.commit("Round page_count() up so a partial last page counts", {"src/paging/pages.py": COUNT_FAST})
    r.branch("cli")
    r.commit("Add a command line that prints one page of a file", {"src/paging/cli.py": CLI})
    r.checkout("main")
    r.merge("cli", "Merge branch 'cli'")
    r.commit("Fix the command line crashing when the page size is zero",
             {"src/paging/cli.py": CLI_FIXED, "tests/test_cli.py": TEST_CLI})
    r.commit("Rename the pages module to core", {"src/paging/core.py": COUNT_FAST}, remove=["src/paging/pages.py"])
    r.commit("Describe the cursor API in the README", {"README.md": "# paging\n\nUse `cursor(items, after)`.\n"})
    r.commit("Bump deps", {"package.json": '{"name": "x"}\n'},
             author=("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com"))
    git(r.path, "remote", "add", "origin", ORIGIN)
    return r


def config() -> Config:
    return Config.model_validate(json.loads(json.dumps(CONFIG)))


def build_run(root: Path) -> Path:
    repo = build_repo(root / "paging")
    out = root / "run"
    stages = sorted(set(through("select")) | set(through("clean")))
    res = pipeline.run(out, config(), [str(repo.path)], only=stages)
    assert res.ok, res.errors
    return out


def copy_run(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, symlinks=True)
    return dst


def add_tasks_stage(run_dir: Path) -> dict:
    """A `tasks` stage written by the engine's own writer (real schema, manifest, checksums) from the run's
    cursor fix: the instance as the stage would record it, with test outcomes stated here, not measured (the
    real stage needs a package index and the sandbox)."""
    from codemill.stages.tasks import SCHEMA, TasksStage

    pair = next(p for p in kept_rows(run_dir, "pairs") if p["instruction"].startswith("Fix cursor()"))
    code, tests = split_patch(pair["response"])
    row = {name: None for name in SCHEMA.names} | {
        "instance_id": f"ada__paging-{pair['commit_sha'][:12]}", "pair_id": pair["pair_id"], "kind": pair["kind"],
        "category": pair["category"], "score": pair["score"], "repo_id": pair["repo_id"], "repo": "ada/paging",
        "base_commit": pair["commit_sha"], "commit_sha": pair["commit_sha"], "patch": code, "test_patch": tests,
        "problem_statement": pair["instruction"], "hints_text": "", "created_at": "2024-01-01T09:00:00Z",
        "version": "0.1", "FAIL_TO_PASS": ["tests/test_cursor.py::test_unsorted"], "PASS_TO_PASS":
        ["tests/test_pages.py::test_empty", "tests/test_count.py::test_exact"], "flaky": [],
        "environment_setup_commit": pair["commit_sha"], "env_recipe": json.dumps({"python": "3.11", "install":
                                                                                   ["pip install -e .[test]"]}),
        "requirements": ["paging==0.1", "pytest==8.3.4"]}
    out = ShardOutput(run_dir, "tasks", 0, SCHEMA, 256)
    out.keep(row)
    out.drop({**row, "instance_id": row["instance_id"] + "-flaky", "FAIL_TO_PASS": [], "flaky":
              ["tests/test_cursor.py::test_unsorted"]}, "all_flaky", "every FAIL_TO_PASS test is flaky")
    out.close()
    key = pair["repo_id"]
    m = Manifest("tasks", TasksStage.code_version(), TasksStage.config_digest(config()),
                 {u: load_manifest(run_dir / u).digest() for u in TasksStage.upstream}, complete=True)
    m.shards = {key: ShardEntry(key, 0, "fixture", out.artifacts, out.rows_in, out.kept, dict(out.drop_reasons), 0.0)}
    m.save(run_dir / "tasks")
    return row


def fingerprint(run_dir: Path) -> dict[str, str]:
    """sha256 of every file in the run directory outside the desk's own folder."""
    out = {}
    for p in sorted(run_dir.rglob("*")):
        rel = p.relative_to(run_dir)
        if p.is_file() and rel.parts[0] != REVIEW_DIR:
            out[rel.as_posix()] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out
