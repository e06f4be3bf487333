"""Self-containment: can a model act on the instruction from the prompt alone, without history it never sees?

A pair teaches only what its prompt determines. "Fixed a bug with the version flag introduced last commit",
"Address review comments", "as discussed", "Fix #793" or a bare `Revert "…"` point at a commit, a thread or an
issue the model is not shown; "WIP", "tmp", "." or a version number are placeholders, not tasks. Each hit
multiplies the score down (the strongest decides most); a message with none scores 1.
"""

from __future__ import annotations

import re

# (what, pattern, the score a message matching it keeps)
PENALTIES: tuple[tuple[str, re.Pattern[str], float], ...] = tuple((name, re.compile(p, re.I | re.M), keep) for
                                                                   name, p, keep in (
    ("placeholder", r"^\W*(wip|tmp|temp|test(ing)?|asdf\w*|foo|xxx|todo|fixup!?.*|squash!?.*|oops\w*|\.+|-+|"
                    r"misc|stuff|changes?|updates?|minor|cleanup|save|commit|work|more|again|done|"
                    r"v?\d+(\.\d+)*)\W*$", 0.1),
    ("bare_revert", r"\A(\s*(revert(ing|ed|s)?(\([^)\n]*\))?:?(\s+(\"[^\n]*\"|\S+))?[.!]?|this reverts commit "
                    r"[0-9a-f]{7,40}\.?)[ \t]*(\n|\Z))+\Z", 0.25),
    ("issue_only", r"^\W*(fix(e[sd])?|close[sd]?|resolve[sd]?|address(es|ed)?|see|for|re|issue)?\s*:?\s*"
                   r"(#|gh-)\d+\W*$", 0.2),
    ("review_followup", r"\b(address(ed|es|ing)?|apply|applied|incorporat\w*|respond\w*)\s+(the\s+|some\s+|all\s+)?"
                        r"(pr\s+|code\s+)?(review|feedback|comments?|suggestions?|nits?)\b"
                        r"|\b(review|pr)\s+(comments?|feedback|fixes|changes)\b|\bper\s+review\b", 0.3),
    ("unseen_history", r"\b(introduced|added|made|broken|caused)\s+(in|by)\s+(the\s+)?(last|previous|prior|"
                       r"earlier|above|recent)\s+(commit|change|pr|patch|merge)\b|\bafter\s+(the\s+)?[\w-]+(\s+[\w-]+)?"
                       r"\s+(merge|refactor|rename|change)\b"
                       r"|\b(last|previous|prior|earlier)\s+commit\b|\bas\s+discussed\b|\bsee\s+(above|previous)\b"
                       r"|\b(forgot|forgotten|missed)\s+(to\s+)?(add|commit|include|file|change)\w*\b"
                       r"|\bfollow[- ]?up\s+(to|of|for|on)\b|\bmerge\s+conflicts?\b|\bre-?apply\b", 0.4),
    ("vague_fix", r"^\W*(fix(e[sd]|ing)?|correct(ed|s)?|repair(ed|s)?|tweak(ed|s)?|improve[ds]?|update[ds]?|"
                  r"adjust(ed|s)?|skip(s|ped)?)\s+(a\s+|the\s+|some\s+|small\s+|minor\s+|another\s+|broken\s+|"
                  r"failing\s+|flaky\s+)*(bug|bugs|issue|issues|problem|problems|thing|things|error|errors|it|this|"
                  r"that|build|builds|tests?|specs?|ci|stuff|typo|warnings?|lint)\b", 0.35),
    ("issue_as_object", r"\b(for|on|of|in|from|re|about|per|see|fix(e[sd])?|close[sd]?|resolve[sd]?)\s+(issue\s+)?"
                        r"(#|gh-)\d+\s*\)?\W*$|\bhttps?://\S+", 0.45),
    ("tentative", r"^\W*(try(ing)?|attempt(ing|ed)?|tried|maybe|perhaps|hopefully|possibly|probably)\b"
                  r"|\b(trying|attempt(ing)?)\s+to\b|\bworking\s+on\b|\b(first|second|initial|another)\s+"
                  r"(pass|attempt|stab|try)\b|\b(yet\s+)?more\s+(work|cleanup|fixes|changes|tweaks)\b"
                  r"|\bpart\s+\d+\s+of\b|\bwip\b|\bdo not merge\b|\bderp\b|\bsanity\b|\b(some|my|few)\s+thoughts\b"
                  r"|\bexperiment(s|al|ing)?\b|\bproof[- ]of[- ]concept\b|\bplayground\b|\bscratch\b", 0.4),
))


_WHOLE_MESSAGE = {"bare_revert", "review_followup", "unseen_history"}  # the others read the subject only
_KEEP = {name: keep for name, _pattern, keep in PENALTIES}


def dependencies(instruction: str) -> list[str]:
    """The names of the penalties an instruction triggers."""
    text = instruction.strip()
    subject = text.partition("\n")[0]
    return [name for name, pattern, _ in PENALTIES if pattern.search(text if name in _WHOLE_MESSAGE else subject)]


def self_contained(instruction: str) -> float:
    """1.0 for an instruction that stands on its own; less for each kind of dependency on what is not shown."""
    if not instruction.strip():
        return 0.0
    score = 1.0
    for name in dependencies(instruction):
        score *= _KEEP[name]
    return score
