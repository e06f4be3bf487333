"""A hostile repository through the whole mill, tasks and RL exports included: nothing it configures runs.

Its `.git/config` plants a `textconv`, an external diff, a `smudge` filter and an fsmonitor. Each would touch a
marker file on the host if any git CLI command read the repository with its config: `git diff`, `git show` or
`git archive` on the source, or a host-side command in a checkout whose `.git` a build had rewritten. The run
must verify a task and export it, and the marker must never appear.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from codemill import pipeline
from codemill.config import Config
from codemill.sandbox import Sandbox

from gitrepo import MIT, Repo, git
from readback import kept_rows

PYPROJECT = """[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "paging"
version = "0.3"
"""
PAGING = "def page_count(total, size):\n    return total // size\n"
TESTS = "from paging import page_count\n\n\ndef test_exact():\n    assert page_count(20, 10) == 2\n"
# A build step that tries to plant an fsmonitor for the host's next git command in the checkout.
CONFTEST = ("import pathlib\ntry:\n    with open(pathlib.Path(__file__).parent / '.git' / 'config', 'a') as f:\n"
            "        f.write('[core]\\n\\tfsmonitor = touch {marker}\\n')\nexcept OSError:\n    pass\n")


@pytest.mark.index
@pytest.mark.slow
def test_nothing_a_hostile_repository_configures_runs(tmp_path: Path, sandbox: Sandbox) -> None:
    marker = tmp_path / "ran"
    repo = Repo(tmp_path / "paging")
    repo.commit("Add the paging package", {
        "LICENSE": MIT, "pyproject.toml": PYPROJECT, "src/paging/__init__.py": PAGING, "tests/test_paging.py": TESTS,
        ".gitattributes": "*.py diff=evil filter=evil\n", "tests/conftest.py": CONFTEST.format(marker=marker)})
    repo.commit("page_count() rounds down: a partial last page is not counted", {
        "src/paging/__init__.py": PAGING.replace("total // size", "-(-total // size)"),
        "tests/test_paging.py": TESTS + "\n\ndef test_partial():\n    assert page_count(21, 10) == 3\n"})
    command = f"sh -c 'touch {marker}; cat'"
    for key, value in (("diff.evil.textconv", command), ("diff.external", command), ("filter.evil.smudge", command),
                       ("filter.evil.clean", "cat"), ("core.fsmonitor", f"touch {marker}")):
        git(repo.path, "config", key, value)
    cfg = Config.model_validate({"run": {"workers": 1}, "tasks": {"enabled": True}, "rl": {"enabled": True}})
    summary = pipeline.run(tmp_path / "out", cfg, [str(repo.path)])
    assert not marker.exists()
    assert summary.ok, {k: v for k, v in summary.errors.items() if v}
    assert len(kept_rows(tmp_path / "out", "tasks")) == 1  # the mill did its work on this repository
