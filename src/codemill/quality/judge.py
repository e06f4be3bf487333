"""Category and score of one candidate pair, as `pairs` computes them and the labelled-set tools measure them.

One function, so the numbers a benchmark reports are the numbers the pipeline produces: the category model reads
the instruction, the paths and the (redacted) response; the score reads the instruction, the commit's files and
the category model's probability that the change is code work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from codemill.categorize import Categorized, categorize, teaching_probability
from codemill.learn.digest import source_digest
from codemill.quality.authors import AuthorStats
from codemill.quality.score import Quality, score_pair
from codemill.quality.weights import Weights


@dataclass(frozen=True)
class Judgement:
    category: Categorized
    quality: Quality


def judge(instruction: str, response: str, files: Sequence[dict], *, labels: Sequence[str] = (),
          kind: str = "commit", author: AuthorStats | None = None, weights: Weights | None = None) -> Judgement:
    """`files` are `commits` file records (path, status, added, deleted, diff, binary); counts may be null for a
    file whose blob a partial clone did not fetch (nothing known is nothing changed)."""
    files = [{**f, "added": f.get("added") or 0, "deleted": f.get("deleted") or 0} for f in files]
    stats = [(f["path"], f.get("status") or "M", f["added"], f["deleted"]) for f in files]
    cat = categorize(instruction, [s[0] for s in stats], file_stats=stats, labels=labels, kind=kind, diff=response)
    quality = score_pair(instruction, files, labels=labels, author=author, code_work=teaching_probability(cat),
                         weights=weights)
    return Judgement(cat, quality)


# The modules whose code decides the features and components the fitted models read. Their digest is stored with
# the models and with the labelled set's features, so a change to any of them that is not followed by a refit
# fails the tests (tests/train/test_pairs_models.py) instead of silently serving weights fitted to other features.
EXTRACTOR_MODULES = (
    "codemill.instruction", "codemill.categorize.rules", "codemill.categorize.diff", "codemill.categorize.paths",
    "codemill.categorize.features", "codemill.quality.specificity", "codemill.quality.coherence",
    "codemill.quality.tests_signal", "codemill.quality.authors", "codemill.quality.payload",
    "codemill.quality.self_contained", "codemill.paths",
)


def extractor_digest() -> str:
    """The digest the fitted models and the stored features carry (see `EXTRACTOR_MODULES`)."""
    return source_digest(EXTRACTOR_MODULES)
