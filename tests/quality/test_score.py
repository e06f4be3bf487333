from __future__ import annotations

import pytest
from pydantic import ValidationError

from codemill.quality.authors import AuthorStats
from codemill.quality.coherence import FileChange
from codemill.quality.score import COMPONENTS, Weights, combine, score_pair

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


def test_default_weights_sum_to_one_and_reject_negatives() -> None:
    assert sum(Weights().model_dump().values()) == pytest.approx(1.0)
    assert tuple(Weights().model_dump()) == COMPONENTS
    with pytest.raises(ValidationError):
        Weights(tests=-0.1)


def test_combine_is_a_weighted_mean_over_present_components() -> None:
    w = Weights(specificity=0.5, coherence=0.3, tests=0.2, labels=0.0, author=0.0)
    parts = {"specificity": 1.0, "coherence": 0.5, "tests": 0.0, "labels": None, "author": 0.9}
    assert combine(parts, w) == pytest.approx((0.5 * 1.0 + 0.3 * 0.5) / 1.0)
    # A missing component renormalises the weights instead of counting as zero.
    assert combine({"specificity": 0.8, "coherence": 0.6, "labels": None}, w) == pytest.approx(
        (0.5 * 0.8 + 0.3 * 0.6) / 0.8)
    assert combine({"labels": None}, w) == 0.0


def test_score_pair_keeps_components_beside_the_score() -> None:
    files = [FileChange("src/shop/pages.py", "M", 3, 1, FIX_DIFF), FileChange("tests/test_pages.py", "M", 4, 0,
                                                                                  TEST_DIFF)]
    q = score_pair("Return [] from page() when offset is past the end", files, labels=["type: bug"],
                   author=AuthorStats(30, 400.0, 0))
    assert set(q.components()) == set(COMPONENTS)
    assert q.tests == 1.0
    assert q.labels == 0.8
    assert q.author is not None
    assert q.score == pytest.approx(combine(q.components(), Weights()))
    assert q.score > 0.8


def test_a_good_pair_outranks_a_sprawling_generic_one() -> None:
    good = score_pair("Return [] from page() when offset is past the end",
                      [FileChange("src/shop/pages.py", "M", 3, 1, FIX_DIFF)])
    sprawl = [FileChange(f"pkg{i % 9}/mod{i}.py", "M", 30, 12) for i in range(40)]
    bad = score_pair("fix stuff", [*sprawl, FileChange("yarn.lock", "M", 200, 180)])
    assert good.labels is None and good.author is None
    assert good.score > 0.75 > 0.25 > bad.score
