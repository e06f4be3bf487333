"""The features the category model reads: every rule's answer, path roles, message words and diff shape.

The rules of `rules.py` stay the explanations: each one that answers becomes a feature `rule:<name>:<category>`,
and so does the precedence order's decision (`first:<category>`). The model learns how much to trust each rule
in the presence of the others, which a fixed order cannot: "fix:" on a README is docs, a subject naming "bugs"
over new code is a feature, tooling configuration is build_ci. Beside the rules: the share of files in each path
role, sizes, the conventional-commit type, the leading verb, keyword groups of the subject and body, and what
the diff says (comment-only, layout-only, version-only, dependency-only, test code only, a guard added, new
definitions). Every feature is generic (English commit vocabulary, ecosystem file conventions), never a
repository's own name or path, so what is learned carries over to repositories never seen.
"""

from __future__ import annotations

import math
import re

from codemill.categorize import diff as patch
from codemill.categorize import rules as r
from codemill.categorize.paths import Role

# Leading words of subjects (after a conventional prefix), folded to a stem: the verb says what kind of work.
LEADS = frozenset({
    "add", "allow", "avoid", "bump", "change", "clarify", "clean", "convert", "correct", "create", "deprecate",
    "disable", "document", "drop", "enable", "ensure", "expose", "extend", "extract", "fix", "handle", "implement",
    "improve", "inline", "introduce", "make", "merge", "migrate", "move", "optimize", "prepare", "prevent",
    "release", "remove", "rename", "reorganize", "replace", "restore", "revert", "rework", "rewrite", "set",
    "simplify", "speed", "split", "support", "switch", "test", "tidy", "tweak", "typo", "update", "upgrade", "use",
})
_STEMS = (("ies", "y"), ("ied", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", ""))
_REF = re.compile(r"#\d+|\bgh-\d+\b", re.I)
_BUGGY = re.compile(r"\b(bug|crash\w*|error|exception|fail\w*|broken|regression|panic|segfault|incorrect|wrong)\b",
                    re.I)
_DOCS_WORDS = re.compile(r"\b(readme|docs?|documentation|typo|comment|docstring|changelog|example)s?\b", re.I)
_HELP_WORDS = re.compile(r"\b(help|usage|install(ation)?|instructions?|man ?page)\b", re.I)
_TOOL_WORDS = re.compile(r"\b(lint\w*|eslint|prettier|ruff|flake8|mypy|pylint|clippy|rustfmt|gofmt|black|isort|"
                         r"editorconfig|gitignore|pre-commit|tox|ci|workflows?|actions?|travis|appveyor|codecov|"
                         r"dependabot|renovate|config(uration)?)\b", re.I)
_REMOVAL = re.compile(r"^\W*(remove|drop|delete)\w*\b.*\b(deprecated|support|api|option|argument|parameter|"
                      r"method|function|class|flag|alias)\b", re.I)
_PROSE_ROLES = {Role.DOCS, Role.CHANGELOG, Role.META}
_DEPRECATION = re.compile(r"deprecat", re.I)
_RAISE = re.compile(r"^\s*(raise|throw)\b|\bpanic!?\(|\berrors?\.New\(|\bfmt\.Errorf\(")
# Code identifiers, numbers and references are masked before words become features: they name the repository's
# own things, which no other repository shares.
_NOT_A_WORD = re.compile(r"`[^`]*`|\b[\w$]+(\.[\w$]+)+(\(\))?|\b[\w$]+\(\)|\b\w+_\w+\b|\b[a-z]+[A-Z]\w*\b|#\d+|"
                         r"\b\d[\w.]*")
_STOPWORDS = frozenset({
    "a", "an", "the", "and", "or", "of", "to", "in", "on", "for", "with", "from", "by", "at", "as", "is", "are",
    "be", "it", "this", "that",
})


def lead_word(subject: str) -> str:
    """The subject's first word after any conventional prefix, stemmed; "" when it is not in `LEADS`."""
    text = r._CONV.sub("", subject, count=1).strip().lower()
    m = re.match(r"[a-z]+", text)
    if not m:
        return ""
    word = m.group(0)
    for end, repl in _STEMS:
        if word.endswith(end) and (stem := word[: -len(end)] + repl) in LEADS:
            return stem
    return word if word in LEADS else ""


def subject_words(subject: str) -> set[str]:
    """The plain English words of a subject (identifiers, numbers and references masked), lower-cased."""
    text = _NOT_A_WORD.sub(" ", r._CONV.sub("", subject, count=1)).lower()
    return {w for w in re.findall(r"[a-z]{2,}", text) if w not in _STOPWORDS}


def _flag(out: dict[str, float], name: str, on: bool | object = True) -> None:
    if on:
        out[name] = 1.0


def rule_answers(c: r.Change) -> dict[str, str]:
    """Every rule's answer (but `kind`'s), in precedence order; rules that do not answer are left out."""
    return {name: answer for name, rule, _confidence in r.RULES if name != "kind" and (answer := rule(c))}


def features(c: r.Change, answers: dict[str, str] | None = None) -> dict[str, float]:
    """Sparse named features of one change (given its `rule_answers` when already computed); absent names are 0."""
    out: dict[str, float] = {"bias_commit": 1.0}
    answers = rule_answers(c) if answers is None else answers
    first = next(iter(answers.values()), None)
    for name, answer in answers.items():
        out[f"rule:{name}:{answer}"] = 1.0
    _flag(out, f"first:{first}", first)
    _roles(out, c)
    _message(out, c)
    _diff(out, c)
    return out


def _roles(out: dict[str, float], c: r.Change) -> None:
    n = len(c.roles)
    if not n:
        _flag(out, "no_paths")
        return
    for role in sorted(set(c.roles)):
        share = c.roles.count(role) / n
        out[f"role_share:{role}"] = share
        _flag(out, f"role_all:{role}", share == 1.0)
    code = sum(role in {Role.CODE, Role.FRONTEND} for role in c.roles)
    _flag(out, "code_and_tests", code and Role.TESTS in c.roles)
    _flag(out, "prose_only", set(c.roles) <= _PROSE_ROLES)
    out["log_files"] = math.log1p(n) / 4
    out["log_added"] = math.log1p(c.added) / 8
    out["log_deleted"] = math.log1p(c.deleted) / 8
    total = c.added + c.deleted
    out["added_share"] = c.added / total if total else 0.5
    _flag(out, "deletion_only", total and not c.added)


def _message(out: dict[str, float], c: r.Change) -> None:
    subject = c.subject
    _flag(out, f"conv:{r._conv_type(subject)}", r._conv_type(subject))
    _flag(out, f"lead:{lead_word(subject)}", lead_word(subject))
    words = r._words(subject)
    for category, rx in r._KW_FIRST + r._KW_VERBS:
        _flag(out, f"kw_subject:{category}", rx.search(words))
    _flag(out, f"kw_first:{r._keywords(words)}", r._keywords(words))
    body = r._words(r._TRAILER.sub("", c.body))
    if body.strip():
        _flag(out, "has_body")
        _flag(out, f"kw_body:{r._keywords(body)}", r._keywords(body))
        for word in sorted(subject_words(body[:500])):
            out[f"body_word:{word}"] = 1.0
    n_words = len(subject.split())
    _flag(out, "subject_short", n_words <= 3)
    _flag(out, "subject_long", n_words >= 10)
    _flag(out, "issue_ref", _REF.search(f"{subject}\n{c.body}"))
    _flag(out, "buggy_words", _BUGGY.search(subject))
    _flag(out, "docs_words", _DOCS_WORDS.search(subject))
    _flag(out, "help_words", _HELP_WORDS.search(subject))
    _flag(out, "tool_words", _TOOL_WORDS.search(subject))
    _flag(out, "removes_api", _REMOVAL.search(subject))
    _flag(out, "fixes_ref_body", r._FIXES_REF.search(c.body))
    for word in sorted(subject_words(subject)):
        out[f"word:{word}"] = 1.0
    for label in c.labels:
        _flag(out, f"label:{r._label_category(label)}", r._label_category(label))


def _diff(out: dict[str, float], c: r.Change) -> None:
    if not c.files:
        return
    files = list(c.files)
    out["has_diff"] = 1.0
    code = [f for f in files if f.role not in _PROSE_ROLES]
    _flag(out, "diff:comment_only", code and all(patch.comment_only(f) for f in code))
    _flag(out, "diff:layout_only", all(patch.layout_only(f) for f in files))
    _flag(out, "diff:version_only", patch.version_only(files))
    _flag(out, "diff:dependency_only", patch.dependency_only(files))
    _flag(out, "diff:adds_guard", patch.adds_guard(files))
    src = [f for f in files if f.role is Role.CODE]
    _flag(out, "diff:test_hunks_only", src and all(patch.test_hunks_only(f) for f in src))
    new = len(patch.new_definitions(files))
    out["diff:new_definitions"] = min(1.0, math.log1p(new) / 3)
    removed = len(patch.removed_definitions(files))
    out["diff:removed_definitions"] = min(1.0, math.log1p(removed) / 3)
    _flag(out, "diff:binary", any(f.binary for f in files))
    _flag(out, "diff:changelog_version_heading", patch.changelog_version_heading(files))
    _flag(out, "diff:sets_version", patch.sets_version(files))
    _flag(out, "diff:docs_version_only", patch.docs_version_only(files))
    out["diff:rename_like"] = patch.rename_like(files)
    entries = r._words(patch.added_prose(files, {Role.CHANGELOG}))
    _flag(out, f"changelog_kw:{r._keywords(entries)}", entries.strip() and r._keywords(entries))
    for word in sorted(subject_words(entries[:500])):
        out[f"changelog_word:{word}"] = 1.0
    code = patch.code_files(files)
    _flag(out, "diff:new_code_file", any(f.status == "A" for f in code))
    _flag(out, "diff:deleted_code_file", any(f.status == "D" for f in code))
    tests = [f for f in files if f.role is Role.TESTS]
    _flag(out, "diff:new_test_file", any(f.status == "A" for f in tests))
    new_tests = sum(1 for f in tests for t in f.changed("+") if patch._TEST_MARK.search(t))
    out["diff:new_test_cases"] = min(1.0, math.log1p(new_tests) / 3)
    hunks = sum(len(f.hunks) for f in code)
    out["diff:code_hunks"] = min(1.0, math.log1p(hunks) / 4)
    changed = sum(1 for f in code for _ in f.changed())
    out["diff:code_lines"] = min(1.0, math.log1p(changed) / 7)
    _flag(out, "diff:small_code_edit", 0 < changed <= 10)
    added = [t for f in code for t in f.changed("+") if t.strip()]
    _flag(out, "diff:adds_deprecation", any(_DEPRECATION.search(t) for t in added))
    _flag(out, "diff:adds_raise", any(_RAISE.search(t) for t in added))
