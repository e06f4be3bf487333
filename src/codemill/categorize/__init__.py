"""Categories of SFT pairs (bugfix, feature, docs, ui, …) from message, labels, paths and diff shape.

`categorize` is a multinomial logistic model (`model.py`) over the answers of explainable rules (`rules.py`) and
the change's shape (`features.py`); the result names the rule that agrees with it. Accuracy against hand-labelled
commits, leaving whole repositories out, is measured by tests/categorize and bench/category_accuracy.py.
"""

from __future__ import annotations

from codemill.categories import CATEGORIES, KINDS, TEACHING
from codemill.categorize.model import categorize, classify, teaching_probability
from codemill.categorize.paths import Role, role
from codemill.categorize.rules import RULES, Categorized, change_of, decide

__all__ = ["CATEGORIES", "KINDS", "RULES", "TEACHING", "Categorized", "Role", "categorize", "change_of", "classify",
           "decide", "role", "teaching_probability"]
