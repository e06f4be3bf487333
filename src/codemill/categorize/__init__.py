"""Categories of SFT pairs (bugfix, feature, docs, ui, …) from message, labels, paths and diff shape.

`categorize` is rule-based and explainable: the result names the rule that decided. Accuracy against a
hand-labelled set of real commits is measured by tests/categorize and bench/category_accuracy.py.
"""

from __future__ import annotations

from codemill.categorize.paths import Role, role
from codemill.categorize.rules import CATEGORIES, KINDS, RULES, Categorized, categorize

__all__ = ["CATEGORIES", "KINDS", "RULES", "Categorized", "Role", "categorize", "role"]
