"""Label signal: what the maintainers' issue and pull-request labels say about a change.

Labels are a human's triage of the change: "bug" and "regression" mean a defect with a describable behaviour
(the best instruction -> change examples), "good first issue" a small self-contained task, "enhancement" a
feature; "wontfix", "invalid", "duplicate" and "spam" mean the work was rejected or is noise, and
"dependencies" marks tool-generated bumps. Each recognised label has a score; one clearly negative label
outweighs any positive ones (a rejected change is rejected), otherwise the scores are averaged.

Label sets differ between projects ("type: bug", "kind/bug", "C-bug", "🐛 bug"), so a label is reduced to its
words after any "prefix:" or "prefix/" and matched on them. Labels that say nothing recognised (areas,
platforms, priorities) are ignored; `None` means no evidence, which the combiner leaves out of the mean.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# (pattern over the normalised label, score); the first match wins, so specific phrases come first.
LABEL_SCORES: tuple[tuple[str, float], ...] = (
    (r"\bspam\b|\binvalid\b|\bnot (?:a )?bug\b|\bnotabug\b", 0.05),
    (r"\bwon'?t ?fix\b|\bwontfix\b|\bduplicate\b|\brejected\b|\bdo not merge\b|\bdon'?t merge\b", 0.1),
    (r"\bdependenc(?:y|ies)\b|\bdeps\b|\bbump\b", 0.15),
    (r"\bwip\b|\bwork in progress\b|\bdraft\b", 0.2),
    (r"\bquestion\b|\bsupport\b|\bdiscussion\b|\bneeds? (?:more )?info\b|\bstale\b", 0.3),
    (r"\bci\b|\bchore\b|\binfra(?:structure)?\b|\bbuild\b|\brelease\b", 0.35),
    (r"\bdocs?\b|\bdocumentation\b", 0.45),
    (r"\brefactor(?:ing)?\b|\bcleanup\b|\btech(?:nical)? debt\b|\bcode quality\b", 0.6),
    (r"\btests?\b|\btesting\b", 0.65),
    (r"\bhelp wanted\b|\bcontributions? welcome\b", 0.65),
    (r"\benhancement\b|\bfeature\b|\bimprovement\b|\bfeature request\b", 0.7),
    (r"\bperformance\b|\bperf\b|\boptimi[sz]ation\b", 0.75),
    (r"\bgood first (?:issue|bug)\b|\beasy\b|\bbeginner\b|\bstarter\b", 0.8),
    (r"\bbug\b|\bbugfix\b|\bdefect\b|\bfix\b|\bcrash\b|\bsecurity\b", 0.8),
    (r"\bregression\b", 0.85),
)
_RULES = [(re.compile(p), s) for p, s in LABEL_SCORES]
NEGATIVE = 0.2  # a label at or below this decides alone


def normalise(label: str) -> str:
    """"Type: Bug" -> "bug", "kind/feature-request" -> "feature request", "C-bug" -> "bug"."""
    text = label.lower().strip()
    text = re.split(r"[:/]\s*", text)[-1]
    text = re.sub(r"^[a-z]-(?=\w)", "", text)  # rust-lang style "C-bug", "T-compiler"
    return " ".join(re.sub(r"[^\w']+", " ", text.replace("_", " ")).split())


def label_score(label: str) -> float | None:
    text = normalise(label)
    return next((score for pattern, score in _RULES if pattern.search(text)), None)


def label_signal(labels: Sequence[str]) -> float | None:
    """Evidence from labels in [0, 1]; None when there are no recognised labels."""
    scores = [s for s in map(label_score, labels) if s is not None]
    if not scores:
        return None
    if min(scores) <= NEGATIVE:
        return min(scores)
    return sum(scores) / len(scores)
