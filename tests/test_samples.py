"""`codemill inspect --best`: the best-scored rows of each category, from a real run."""

from __future__ import annotations

from pathlib import Path

import pytest

from codemill import pipeline
from codemill.config import Config
from codemill.samples import InspectError, best_rows

from gitrepo import Repo
from readback import kept_rows


def test_best_rows_are_the_top_of_each_category(tmp_path: Path, small_repo: Repo):
    out = tmp_path / "out"
    assert pipeline.run(out, Config.model_validate({"run": {"workers": 1}}), [str(small_repo.path)]).ok
    rows, total = best_rows(out, "pairs", n=1)
    pairs = kept_rows(out, "pairs")
    assert total == len(pairs)
    best = {}
    for p in pairs:
        best[p["category"]] = max(best.get(p["category"], 0.0), p["score"])
    assert [r["category"] for r in rows] == sorted(best)
    assert all(r["score"] == best[r["category"]] for r in rows)
    with pytest.raises(InspectError, match="no category and score"):
        best_rows(out, "commits")
