"""The `repos` stage decides from stored signals: thresholds drop with the signal's name, and retuning them
re-runs the decision alone, never a read of a repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from codemill import pipeline
from codemill.config import Config
from codemill.pipeline import stage_states

from gitrepo import MIT, Repo
from readback import dropped_rows, kept_rows


@pytest.fixture
def repos(tmp_path: Path) -> dict[str, Path]:
    real = Repo(tmp_path / "real")
    real.commit("Add the CI workflow", {".github/workflows/ci.yml": "on: push\n", "pyproject.toml": "[project]\n",
                                        "LICENSE": MIT})
    for i in range(6):
        who = ("Ada Lovelace", "ada@example.org") if i % 2 else ("Grace Hopper", "grace@example.org")
        real.commit(f"Add feature {i} with its test (#{i + 1})",
                    {f"src/f{i}.py": f"X = {i}\n", f"tests/test_f{i}.py": f"def test():\n    assert {i} == {i}\n"},
                    author=who)
    toy = Repo(tmp_path / "toy")
    toy.commit("Initial commit", {"main.py": "print('hi')\n", "LICENSE": MIT})
    return {"real": real.path, "toy": toy.path}


def run(out: Path, srcs: list[Path], **repos_cfg) -> pipeline.RunSummary:
    cfg = Config.model_validate({"run": {"workers": 1}, "repos": repos_cfg})
    res = pipeline.run(out, cfg, [str(p) for p in srcs], only=["sources", "repos"])
    assert res.ok
    return res


def test_defaults_keep_every_readable_repository(tmp_path: Path, repos):
    run(tmp_path / "out", list(repos.values()))
    assert len(kept_rows(tmp_path / "out", "repos")) == 2


@pytest.mark.parametrize(("key", "value", "reason"), [
    ("min_commits", 2, "too_few_commits"),
    ("min_authors", 2, "too_few_authors"),
    ("min_active_days", 0, None),
    ("min_test_file_share", 0.3, "too_few_tests"),
    ("min_ref_share", 0.5, "too_few_issue_refs"),
    ("require_ci", True, "no_ci"),
    ("require_packaging", True, "no_packaging"),
])
def test_each_threshold_drops_the_toy_with_the_signal_named(tmp_path: Path, repos, key, value, reason):
    out = tmp_path / "out"
    run(out, list(repos.values()), **{key: value})
    kept = {r["repo_id"] for r in kept_rows(out, "repos")}
    assert str(repos["real"]) in kept
    dropped = {r["repo_id"]: (r["drop_reason"], r["drop_detail"]) for r in dropped_rows(out, "repos")}
    if reason is None:
        assert not dropped
    else:
        assert dropped[str(repos["toy"])][0] == reason
        assert key in dropped[str(repos["toy"])][1]


def test_retuning_a_threshold_rereads_no_repository(tmp_path: Path, repos):
    out = tmp_path / "out"
    run(out, list(repos.values()))
    changed = Config.model_validate({"run": {"workers": 1}, "repos": {"min_authors": 2}})
    assert stage_states(out, changed)["sources"].state == "done"
    assert stage_states(out, changed)["repos"].state == "stale"
    again = pipeline.run(out, changed, [], only=["sources", "repos"])
    assert again.ran == {"sources": 0, "repos": 2}  # one decision shard per repository, no read
    assert [r["drop_reason"] for r in dropped_rows(out, "repos")] == ["too_few_authors"]
