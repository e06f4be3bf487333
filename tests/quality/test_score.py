from __future__ import annotations

import json
import math

import pytest
from pydantic import ValidationError

from codemill.quality.authors import AuthorStats
from codemill.quality.coherence import FileChange
from codemill.quality.score import combine, score_pair
from codemill.quality.weights import COMPONENTS, WEIGHTS_FILE, Weights

FIX_DIFF = """diff --git a/src/shop/pages.py b/src/shop/pages.py
--- a/src/shop/pages.py
+++ b/src/shop/pages.py
@@ -10,4 +10,6 @@ def page(items, offset, size):
-    end = offset + size - 1
+    if offset >= len(items):
+        return []
+    end = offset + size
     return items[offset:end]
"""
TEST_DIFF = """diff --git a/tests/test_pages.py b/tests/test_pages.py
--- a/tests/test_pages.py
+++ b/tests/test_pages.py
@@ -1,2 +1,6 @@
 from shop.pages import page
+
+
+def test_page_past_the_end_is_empty():
+    assert page([1, 2], offset=5, size=2) == []
"""


def test_default_weights_come_from_the_fitted_file_and_reject_negatives() -> None:
    fitted = json.loads(WEIGHTS_FILE.read_text())["weights"]
    assert Weights().model_dump() == pytest.approx(fitted)
    assert tuple(Weights().model_dump()) == ("bias", *COMPONENTS)
    with pytest.raises(ValidationError):
        Weights(tests=-0.1)


def test_combine_is_a_logistic_model_over_centred_components() -> None:
    w = Weights(bias=-1.0, specificity=4.0, coherence=2.0, tests=0.0, labels=0.0, author=0.0, code_work=0.0,
                self_contained=0.0, payload=0.0)
    parts = {"specificity": 1.0, "coherence": 0.25, "tests": 0.0, "labels": None, "author": 0.9}
    assert combine(parts, w) == pytest.approx(1 / (1 + math.exp(-(-1.0 + 4.0 * 0.5 + 2.0 * -0.25))))
    # A missing component is "no evidence": exactly as if it sat at the neutral 0.5.
    assert combine({"specificity": 0.8, "coherence": None}, w) == combine({"specificity": 0.8, "coherence": 0.5}, w)
    assert combine({"labels": None}, w) == pytest.approx(1 / (1 + math.e))


def test_score_pair_keeps_components_beside_the_score() -> None:
    files = [FileChange("src/shop/pages.py", "M", 3, 1, FIX_DIFF), FileChange("tests/test_pages.py", "M", 4, 0,
                                                                                  TEST_DIFF)]
    q = score_pair("Return [] from page() when offset is past the end", files, labels=["type: bug"],
                   author=AuthorStats(30, 400.0, 0), code_work=0.95)
    assert set(q.components()) == set(COMPONENTS)
    assert q.tests == 1.0
    assert q.labels == 0.8
    assert q.author is not None
    assert q.score == pytest.approx(combine(q.components(), Weights()))
    assert q.score > 0.8


def test_a_good_pair_outranks_a_sprawling_generic_one() -> None:
    # code_work as the category model gives it: a fix of code, and a sprawl it cannot place
    good = score_pair("Return [] from page() when offset is past the end",
                      [FileChange("src/shop/pages.py", "M", 3, 1, FIX_DIFF)], code_work=0.95)
    sprawl = [FileChange(f"pkg{i % 9}/mod{i}.py", "M", 30, 12) for i in range(40)]
    bad = score_pair("fix stuff", [*sprawl, FileChange("yarn.lock", "M", 200, 180)], code_work=0.5)
    assert good.labels is None and good.author is None
    assert good.score > 0.75 > 0.25 > bad.score
