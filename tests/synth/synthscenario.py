"""The scenario the `synth` stage is tested on, shared by the stage test, the recorder and the live test.

Three small real repositories: `inventory` and `textkit` (five pairs each) are always train, and `holdout` (one
pair, with a marker in its code) is always the test split: with `test_fraction` 0.1 of eleven eligible pairs only
a one-pair repository fits the test budget, whatever the hash order of the repository ids (which are the
temporary paths). The histories have fixed dates, so their shas, the seeds and therefore the prompts are the same
on every run: that is what lets recorded answers be matched by request.

`select` targets feature, bugfix, debugging, code_review and other with 40 pairs and no upsampling: feature lacks
1, bugfix 4, debugging, code_review and other 8 each. Decoding is greedy (temperature 0, as OSS-Instruct
generated), which is also what a 0.5B model does best with.
"""

from __future__ import annotations

from pathlib import Path

from codemill.config import Config

from gitrepo import MIT, Repo

MODEL = "qwen2.5-coder-0.5b-instruct"  # the alias the recorded server was started with
HOLDOUT_MARKER = "holdout_marker_score"

LEDGER = '''"""Stock levels: a dict of item name -> quantity."""


def add_stock(stock, item, qty):
    stock[item] = stock.get(item, 0) + qty
    return stock


def remove_stock(stock, item, qty):
    stock[item] = stock.get(item, 0) - qty
    return stock
'''
LEDGER_FIXED = LEDGER.replace(
    "    stock[item] = stock.get(item, 0) - qty\n",
    "    if stock.get(item, 0) < qty:\n        raise ValueError(\"not enough stock\")\n"
    "    stock[item] = stock.get(item, 0) - qty\n")
EXPORT = '''def total_quantity(stock):
    """The number of items in stock, all kinds together."""
    return sum(stock.values())
'''
REORDER = '''def needs_reorder(qty, threshold):
    """Whether an item with `qty` in stock is below its reorder threshold."""
    return qty < threshold
'''
VALUATION = '''def line_total(price, qty):
    """The value of `qty` items at unit `price`."""
    return int(price) * qty
'''
VALUATION_FIXED = VALUATION.replace("return int(price) * qty", "return round(price * qty, 2)")

SLUG = '''def slugify(title):
    """A URL slug: the lowercase words of the title joined by hyphens."""
    return "-".join(title.lower().split(" "))
'''
SLUG_FIXED = SLUG.replace('title.lower().split(" ")', "title.lower().split()")
WRAP = '''def count_words(text):
    """The number of words in the text."""
    return len(text.split(" "))
'''
WRAP_FIXED = WRAP.replace('text.split(" ")', "text.split()")
TRUNCATE = '''def truncate(text, limit):
    """At most `limit` characters, ending in "..." when anything was cut."""
    if len(text) <= limit:
        return text
    return text[: limit - 3] + "..."
'''
HOLDOUT = f'''def {HOLDOUT_MARKER}(answers, key):
    """Share of answers equal to the key, for the held-out evaluation."""
    right = sum(1 for a, k in zip(answers, key) if a == k)
    return right / len(key) if key else 0.0
'''


def build_repos(root: Path) -> list[Path]:
    inv = Repo(root / "inventory")
    inv.commit("Add stock levels with add and remove operations",
               {"LICENSE": MIT, "inventory/ledger.py": LEDGER})
    inv.commit("Add a total quantity of the items in stock", {"inventory/export.py": EXPORT})
    inv.commit("Fix negative stock when removing more items than are available",
               {"inventory/ledger.py": LEDGER_FIXED})
    inv.commit("Add a reorder check for items below their threshold", {"inventory/reorder.py": REORDER})
    inv.commit("Add line totals at unit prices", {"inventory/valuation.py": VALUATION})
    inv.commit("Fix truncated unit prices in the line total", {"inventory/valuation.py": VALUATION_FIXED})

    text = Repo(root / "textkit")
    text.commit("Add a slugify helper for page titles", {"LICENSE": MIT, "textkit/slug.py": SLUG})
    text.commit("Add a word counter for the editor status bar", {"textkit/words.py": WRAP})
    text.commit("Fix slugify producing double hyphens for repeated spaces", {"textkit/slug.py": SLUG_FIXED})
    text.commit("Add a truncate helper for long titles", {"textkit/truncate.py": TRUNCATE})
    text.commit("Fix the word counter counting empty text as one word", {"textkit/words.py": WRAP_FIXED})

    hold = Repo(root / "holdout")
    hold.commit("Add a scoring helper for the held-out evaluation", {"LICENSE": MIT, "holdout/score.py": HOLDOUT})
    return [inv.path, text.path, hold.path]


def config(base_url: str, *, cap: int = 6, model: str = MODEL, **synth: object) -> Config:
    llm = {"base_url": base_url, "model": model, "max_concurrency": 1, "max_retries": 0, "timeout_s": 600,
           **synth.pop("llm", {})}  # type: ignore[dict-item]
    return Config.model_validate({
        "run": {"workers": 1},
        "select": {"targets": {"feature": 1, "bugfix": 1, "debugging": 1, "code_review": 1, "other": 1},
                   "total": 40,
                   "max_upsample": 1.0, "min_score": 0.0, "validation_fraction": 0.0, "test_fraction": 0.1},
        "synth": {"enabled": True, "llm": llm, "max_requests_per_category": cap, "temperature": 0.0,
                  "max_tokens": 768, **synth},
    })

