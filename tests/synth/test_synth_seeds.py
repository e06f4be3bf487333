"""Seeds and requests: hunks from real diffs, spans in bounds, and a request list that depends on nothing but
the kept code and the config."""

from __future__ import annotations

import random

from codemill.categorize import CATEGORIES
from codemill.config import SynthConfig
from codemill.synth import hunks_of, lacking, plan_requests
from codemill.synth.prompts import STYLES, messages
from codemill.synth.seeds import pick_span, pool_order

DIFF = """diff --git a/src/pages.py b/src/pages.py
--- a/src/pages.py
+++ b/src/pages.py
@@ -1,2 +1,4 @@
 def page(items, n):
+    if not items:
+        return []
     return items[:n]
@@ -10,3 +12,3 @@ def other():
-    return 1
+    return 2
\\ No newline at end of file
diff --git a/README.md b/README.md
--- a/README.md
+++ b/README.md
@@ -1 +1 @@
-old
+new
diff --git a/src/gone.py b/src/gone.py
deleted file mode 100644
--- a/src/gone.py
+++ /dev/null
@@ -1 +0,0 @@
-x = 1
"""
PAIR = {"pair_id": "p1", "repo_id": "/tmp/x/alpha", "repo_name": "alpha", "commit_sha": "c" * 40, "license": "MIT",
        "response": DIFF}
LLM = {"base_url": "http://127.0.0.1:9/v1", "model": "m"}


def test_hunks_are_the_new_side_of_code_files():
    hunks = list(hunks_of(PAIR, ["Python"]))
    assert [(h.path, h.start_line, h.lines) for h in hunks] == [
        ("src/pages.py", 1, ("def page(items, n):", "    if not items:", "        return []", "    return items[:n]")),
        ("src/pages.py", 12, ("    return 2",)),
    ]
    assert {h.language for h in hunks_of(PAIR)} == {"Python", "Markdown"}  # no language filter: any
    assert hunks[0].repo_name == "alpha" and hunks[0].license == "MIT" and hunks[0].pair_id == "p1"
    assert "/tmp/x" not in hunks[0].key  # keys use the repository's name, not its (path) id


def test_spans_stay_in_bounds_and_point_at_their_lines():
    [hunk, _] = hunks_of(PAIR, ["Python"])
    for i in range(50):
        seed = pick_span(hunk, random.Random(i), 1, 3)
        assert 1 <= seed.lines <= 3 and seed.text.strip()
        first = hunk.lines.index(next(line for line in hunk.lines if line.strip().startswith(
            seed.text.splitlines()[0].strip())))
        assert seed.start_line == hunk.start_line + first
        assert any(not line.startswith(" ") for line in seed.text.splitlines())  # dedented


def test_pool_order_ignores_input_order_and_differs_by_category():
    pairs = [PAIR | {"commit_sha": f"{i:040x}", "pair_id": f"p{i}"} for i in range(20)]
    hunks = [h for p in pairs for h in hunks_of(p, ["Python"])]
    a = pool_order(hunks, 0, "bugfix")
    assert a == pool_order(list(reversed(hunks)) + hunks, 0, "bugfix")  # order and repeats do not matter
    assert [h.key for h in a] != [h.key for h in pool_order(hunks, 0, "debugging")]
    assert [h.key for h in a] != [h.key for h in pool_order(hunks, 1, "bugfix")]


def test_requests_follow_the_shortfall_and_share_seeds_per_sample():
    cfg = SynthConfig(enabled=True, llm=LLM, max_requests_per_category=3, samples_per_seed=2)
    shortfall = {"categories": {"feature": {"lacking": 0}, "debugging": {"lacking": 5}, "bugfix": {"lacking": 2}}}
    assert lacking(shortfall) == {"bugfix": 2, "debugging": 5} and lacking({}) == {}
    hunks = list(hunks_of(PAIR, ["Python"]))
    reqs = plan_requests(shortfall, hunks, cfg)
    assert [(r.category, r.index, r.sample) for r in reqs] == [
        ("bugfix", 0, 0), ("bugfix", 1, 1), ("debugging", 0, 0), ("debugging", 1, 1), ("debugging", 2, 0)]
    assert reqs[0].messages == reqs[1].messages and reqs[0].request_seed != reqs[1].request_seed
    assert len({r.synth_id for r in reqs}) == len(reqs) and len({r.request_seed for r in reqs}) == len(reqs)
    assert reqs == plan_requests(shortfall, list(reversed(hunks)), cfg)  # reproducible
    assert reqs[0].llm_request(cfg) == {"messages": reqs[0].messages, "temperature": 0.7, "max_tokens": 1024,
                                        "seed": reqs[0].request_seed}
    assert "```python\n" in reqs[2].messages[1]["content"] and "traceback" in reqs[2].messages[1]["content"]
    orphan = plan_requests(shortfall, [], cfg)
    assert len(orphan) == 5 and all(r.seed is None and r.messages == [] for r in orphan)


def test_every_category_has_a_style_and_unknown_ones_fall_back():
    assert set(STYLES) == set(CATEGORIES)
    [hunk, _] = hunks_of(PAIR, ["Python"])
    seed = pick_span(hunk, random.Random(0), 1, 15)
    assert STYLES["other"] in messages("my_custom_category", seed)[1]["content"]
