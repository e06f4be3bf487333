"""Instruction specificity: does the message name concrete things and a behaviour, or could it caption any diff?

An instruction is what the model is conditioned on; "fix bug" conditions on nothing, so the pair teaches the
model to emit arbitrary edits. "Return an empty page when `offset` exceeds the total" names a symbol and the
behaviour that changes, which is the mapping we want learned. Sub-features, each in [0, 1]:

- length: words in the message; one or two words say too little, a changelog of hundreds of words is a
  squash of many concerns (rises to 1 at 5 words, falls slowly past 250).
- identifiers: distinct concrete names: snake_case, camelCase/PascalCase, dotted names, `code`, calls,
  file names, numbers, versions and error codes (saturating in their count).
- content: distinct words that are neither function words nor generic change vocabulary ("pagination",
  "timeout", "header"): domain nouns name what changed even without code identifiers.
- behaviour: a condition or effect phrase ("when", "if", "instead of", "so that", "raises", "returns",
  "no longer", "fails"...), which states what the change does rather than that something changed.

The score is a weighted mean of these, then capped: a message made only of generic change words ("update",
"fix bug", "changes", "wip") is capped near 0 and a templated bot message ("Bump x from 1.2 to 1.3",
"[pre-commit.ci] auto fixes") is capped low; those say nothing a diff would not.
"""

from __future__ import annotations

import math
import re


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# General English function words: they carry no information about the change.
STOPWORDS = _words("""
a an the and or but nor of to in on at by for from with without into onto over under about as is are was were be
been being it its this that these those there here than then so such not no yes do does did done can could should
would will shall may might must we you i he she they them our your their my me us also just only very too all any
some each every both either neither other more most less least via per after before while up down out off new old
""")

# Words of change itself: they say that something changed, not what. Alone they make a generic message.
GENERIC = _words("""
update updates updated updating fix fixes fixed fixing bug bugs bugfix bugfixes change changes changed changing
minor misc miscellaneous stuff thing things wip tmp temp cleanup clean cleaned cleaning refactor refactored
refactoring tweak tweaks tweaked typo typos small various several some improve improved improvements improvement
work working code file files commit save saved again final finally done oops test tests testing init initial
first version latest patch patches issue issues problem problems edit edits edited modify modified modification
modifications adjust adjusted adjustments add added adding remove removed removing delete deleted stuffs lint
linting format formatting formatted style docs doc readme comment comments todo misc. asdf foo bar qwe review
feedback address addressed pr merge merged rework reworked polish polished try trying attempt another
""")

# Conditions, contrasts and effects: the words that state a behaviour rather than an activity.
_BEHAVIOUR = re.compile(
    r"\b(when|whenever|if|unless|instead of|rather than|so that|in order to|because|otherwise|only if|"
    r"raises?|raising|throws?|returns?|returning|yields?|no longer|now|fails?|failing|crash(es|ed)?|hangs?|"
    r"leaks?|instead|without|before|after|until|empty|missing|null|none|nil|undefined|negative|overflows?|"
    r"timeouts?|timed out|deadlock|race|off-by-one|regression|incorrect(ly)?|wrong(ly)?|invalid|duplicated?|"
    r"ignores?|ignored|skips?|skipped|prevents?|avoids?|ensures?|handles?|respects?|honou?rs?|preserves?)\b",
    re.I)

_IDENTIFIERS = [
    re.compile(r"`[^`\n]+`"),                                               # `code`
    re.compile(r"\b[A-Za-z_][A-Za-z0-9]*_[A-Za-z0-9_]+\b"),                 # snake_case, SCREAMING_CASE
    re.compile(r"\b[a-z]+[A-Z][A-Za-z0-9]*\b"),                             # camelCase
    re.compile(r"\b[A-Z][a-z0-9]+[A-Z][A-Za-z0-9]*\b"),                     # PascalCase with an inner capital
    re.compile(r"\b[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)+(?:\(\))?"),        # dotted names, file names
    re.compile(r"\b[A-Za-z_]\w*\(\)"),                                      # calls
    re.compile(r"(?<![\w#])--?[a-z][\w-]+\b"),                              # command-line flags
    re.compile(r"\bv?\d+(?:\.\d+)+\b|\b[A-Z]{1,4}-?\d{2,}\b|(?<![\w#])\d{2,}\b"),  # versions, error codes, numbers
]

# Messages written by tools: dependency bumps, formatter and release bots, merge commits.
_TEMPLATED = re.compile(
    r"^(?:build\(deps[\w-]*\):\s*|chore\(deps[\w-]*\):\s*|deps:\s*)?bump\s+\S+.*\bfrom\s+\S+\s+to\s+\S+"
    r"|^(?:chore\(deps\):\s*)?update (?:dependency|module|rust crate|plugin|actions?/)\S*.*\bto\b"
    r"|^\[pre-commit\.ci\]|^pre-commit autoupdate|^auto[- ]?(?:format|fix|update|generated?)"
    r"|^merge (?:pull request|branch|remote-tracking branch|tag)\b|^merged? .* into "
    r"|^(?:deps:\s*)?(?:update|upgrade|bump)\s+\S+\s+(?:to|from)\s+v?\d[\w.-]*(?:\s+to\s+v?\d[\w.-]*)?(?:\s*\(#\d+\))?$"
    r"|^(?:release|bump version|version bump|prepare release|preparing release)\b[\s:v]*\d"
    r"|^\[maven-release-plugin\]|^v?\d+(?:\.\d+)+$|^[\w.-]+-v?\d+(?:\.\d+)+$"
    r"|^translated using weblate|^updated? translations?\s*(?:\(|$)|^apply suggestions? from code review",
    re.I)

_CONVENTIONAL = re.compile(
    r"^\s*(?:feat|feature|fix|bugfix|hotfix|docs?|chore|refactor|perf|tests?|build|ci|style|revert|deps)"
    r"(?:\(([^)]*)\))?!?:\s*", re.I)
_ABBREVIATIONS = frozenset({"e.g", "i.e", "etc.", "vs.", "a.k.a", "n.b"})
_TRAILER = re.compile(r"^(?:[A-Z][\w-]*-by|Change-Id|Reviewed-on|Bug|Fixes|Closes|Refs?|See-also):.*$", re.M | re.I)
_URL = re.compile(r"https?://\S+")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'-]*")

GENERIC_CAP = 0.05
TEMPLATED_CAP = 0.15


def clean_message(instruction: str) -> tuple[str, str]:
    """(subject, body) without trailers, URLs and the conventional-commit type (`fix(parser): ` keeps `parser`):
    those are bookkeeping, not a description of the change."""
    text = _URL.sub(" ", _TRAILER.sub("", instruction)).strip()
    subject, _, body = text.partition("\n")
    subject = _CONVENTIONAL.sub(lambda m: f"{m[1]} " if m[1] else "", subject, count=1)
    return subject.strip(), body.strip()


def identifiers(text: str) -> set[str]:
    """Concrete names in a message (see the module docstring); backticks and call parentheses stripped."""
    found: set[str] = set()
    for pattern in _IDENTIFIERS:
        found.update(m.strip("`").removesuffix("()") for m in pattern.findall(text) if isinstance(m, str))
    # "README.md" or "docs.txt" name a file, but one whose name is itself generic.
    return {f for f in found
            if len(f) > 1 and f.lower() not in _ABBREVIATIONS and f.lower().split(".")[0] not in GENERIC}


def content_words(text: str) -> set[str]:
    """Lower-cased words that are neither function words nor generic change vocabulary."""
    return {w for w in (m.lower().strip("'-") for m in _WORD.findall(text))
            if len(w) > 2 and w not in STOPWORDS and w not in GENERIC}


def length_score(words: int) -> float:
    if words <= 1:
        return 0.1 * words
    if words < 5:
        return 0.1 + 0.9 * (words - 1) / 4
    return 1.0 if words <= 250 else max(0.3, 1.0 - (words - 250) / 750)


def is_templated(subject: str) -> bool:
    return bool(_TEMPLATED.search(subject.strip()))


def is_generic(subject: str, body: str) -> bool:
    """Made only of function words and change words ("fix bug", "minor changes", "update"), body included."""
    text = f"{subject}\n{body}"
    return not identifiers(text) and not content_words(text)


_FIX_VERB = re.compile(r"^\W*(fix(e[sd]|ing)?|correct(ed|s|ing)?|repair(ed|s)?|resolve[sd]?|address(es|ed)?)\b", re.I)
_SYMPTOM = re.compile(r"\b(crash\w*|panic\w*|hang\w*|leak\w*|error|exception|fail\w*|broken|wrong\w*|incorrect\w*|"
                      r"invalid|overflow\w*|deadlock\w*|race|regression|infinite|duplicate[sd]?|missing|empty|null|"
                      r"nil|none|undefined|negative|zero|off-by-one|timeout|not\s+\w+|never|always|twice|instead)\b",
                      re.I)
_MAKE_VERB = re.compile(r"^\W*(add(s|ed|ing)?|support(s|ed|ing)?|implement\w*|introduc\w*|expos\w*|allow\w*|"
                        r"enabl\w*|creat\w*|provid\w*|extract\w*|inline[sd]?|rename[sd]?|move[sd]?|split|group|"
                        r"convert\w*|migrat\w*|replac\w*|use[sd]?|make[s]?)\b", re.I)


_VAGUE_VERB = re.compile(r"^\W*(refactor\w*|rework\w*|clean\w*(\s+up)?|improve[ds]?|improv\w*|tweak\w*|"
                         r"simplif\w*|tidy|polish\w*|update[ds]?|chang\w*|adjust\w*|modif\w*|revis\w*|enhanc\w*)\b",
                         re.I)
_RESULT = re.compile(r"\b(to|into|by|so|instead|with|using|via|as|from|for|when|because)\b", re.I)


def _task_form(subject: str, score: float, *, named: bool, behaviour: bool) -> float:
    """What the labelled set's definition asks of a task: a fix must say what was wrong ("Fix X" alone names a
    place, not a defect), a rework must say what it becomes ("Refactor X", "Improve Y" name a place, not a
    change), while "Add `x`", "Support Y", "Rename A to B" need only name their object."""
    if _FIX_VERB.match(subject) and not behaviour and not _SYMPTOM.search(subject):
        return score * 0.75
    if _VAGUE_VERB.match(subject) and not behaviour and not _RESULT.search(subject):
        return score * 0.75
    if _MAKE_VERB.match(subject) and named:
        return score + 0.25 * (1.0 - score)
    return score


def _saturate(n: float, scale: float) -> float:
    return 1.0 - math.exp(-n / scale)


def specificity(instruction: str) -> float:
    """How concretely the instruction names what changes and how it behaves, in [0, 1]."""
    subject, body = clean_message(instruction)
    if not subject and not body:
        return 0.0
    text = f"{subject}\n{body}"
    n_words = len(_WORD.findall(text))
    ids = identifiers(text)
    content = content_words(text) - {i.lower() for i in ids}
    behaviour = bool(_BEHAVIOUR.search(text))
    score = (0.2 * length_score(n_words)
             + 0.3 * _saturate(len(ids), 1.5)
             + 0.25 * _saturate(len(content), 3.0)
             + 0.25 * (1.0 if behaviour else 0.0))
    score = _task_form(subject, score, named=bool(ids) or len(content) >= 2, behaviour=behaviour)
    if is_generic(subject, body):
        return min(score, GENERIC_CAP)
    if is_templated(instruction.strip().partition("\n")[0]):
        return min(score, TEMPLATED_CAP)
    return score
