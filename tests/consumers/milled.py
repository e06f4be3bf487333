"""The run every consumer check reads: three real repositories (tests/corpus_repos.py) milled by the real pipeline,
a tokenizer trained on it by the CLI and the run again with it (the corpus tokenized: Megatron, nanoGPT, packed);
with `rl`, also a repository whose tested functions become RL tasks (tests/spans_task.py: needs bubblewrap and a
package index)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from codemill import pipeline
from codemill.cli import main as cli_main
from codemill.config import Config

from corpus_repos import build_alpha, build_beta, build_gamma
from spans_task import TESTS, make

SEQ_LEN = 64


def config(**extra: Any) -> Config:
    return Config.model_validate({"run": {"workers": 1}, "license": {"keep_missing": True, "keep_unknown": True},
                                  "select": {"targets": {}, "min_score": 0}, "corpus": {"seq_len": SEQ_LEN},
                                  **extra})


def mill(root: Path, rl: bool = False) -> Path:
    """The run directory (`root/out`); the tokenizer is in `root/tok`."""
    repos = [str(build(root / name).path) for name, build in
             (("alpha", build_alpha), ("beta", build_beta), ("gamma", build_gamma))]
    extra: dict[str, Any] = {"rl": {"enabled": True}} if rl else {}
    if rl:
        repos.append(str(make(root, "spans", TESTS).path))
    out = root / "out"
    summary = pipeline.run(out, config(**extra), repos)
    assert summary.ok, {k: v for k, v in summary.errors.items() if v}
    try:
        cli_main(["tokenizer", "train", str(out), "--out", str(root / "tok"), "--vocab-size", "600"])
    except SystemExit as done:
        assert done.code in (0, None)
    assert pipeline.run(out, config(tokenizer={"path": str(root / "tok")}, **extra), []).ok
    return out
