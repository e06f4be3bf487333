"""The code a change touches, before it: the innermost definition around each changed line."""

from __future__ import annotations

from codemill.render.around import changed_lines, excerpts, within

BEFORE = "import os\n\n\ndef _ceil(a, b):\n    return a // b\n\n\ndef f():\n    x = 1\n    return x\n"
DIFF = ("diff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n@@ -4,3 +4,3 @@\n def _ceil(a, b):\n-    return a // b\n"
        "+    return -(-a // b)\n \n@@ -8,3 +8,4 @@\n def f():\n     x = 1\n+    x += 1\n     return x\n")


def test_a_replacement_and_an_insertion_show_the_functions_they_are_in():
    assert changed_lines(DIFF) == [5, 9]
    found = excerpts("m.py", BEFORE, DIFF)
    assert [(e.start, e.end) for e in found] == [(4, 5), (8, 10)]
    assert found[0].code == "def _ceil(a, b):\n    return a // b\n"


def test_outside_a_definition_the_lines_around_are_shown_and_the_budget_holds():
    diff = "diff --git a/m.txt b/m.txt\n--- a/m.txt\n+++ b/m.txt\n@@ -1,1 +1,1 @@\n-import os\n+import sys\n"
    [e] = excerpts("m.txt", BEFORE, diff, context=2)
    assert (e.start, e.end) == (1, 3)
    [cut] = within(excerpts("m.py", BEFORE, DIFF), 20)
    assert cut.code == "def _ceil(a, b):\n" and (cut.start, cut.end) == (4, 4)
