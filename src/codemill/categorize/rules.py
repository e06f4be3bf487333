"""Rule-based category of an SFT pair from its message, issue labels, changed paths and diff shape.

Each rule is a small function returning a category or None; `categorize` runs them in `RULES` order and
the first answer wins. The order encodes the tie-breaks:

1. kind         the pair's kind decides code_review and debugging (they describe the pair, not the diff)
2. revert       a revert is a revert whatever it reverts
3. release      version bump / release preparation
4. deps         dependency bumps, pins, lockfile-only and vendored-code changes
   diff_release, diff_deps, diff_style (only with a `diff`): only version strings / changelog headings change
                → release; only package@version pins → deps; only layout (whitespace, quotes, trailing commas,
                import order, lint pragmas) → style, before the prefixes since layout work is style in any file
5. conv_strong  conventional prefixes whose type names the kind of file work: docs, test, perf, style, build, ci
   style_words  a subject only about layout (whitespace, indentation, reformatting) is style in any file
   diff_docs, diff_tests (only with a `diff`): code files change only in comments, docstrings or prose
                strings → docs (copyright lines → other, a lint subject → style); only test functions inside
                source files (`mod tests`, `#[test]`, `def test_`) → tests
6. shape        only docs → docs; only tests → tests; only CI/build files → build_ci; only bookkeeping → other;
                all code in front-end components/templates/styles → ui (so a CSS fix is ui, not bugfix)
7. conv_weak    fix / feat / refactor prefixes (after shape, so "fix: typo in README" is docs)
8. labels       issue/PR labels and [bracket] tags in the subject (bug, enhancement, documentation …)
9. subject      keyword patterns on the subject: phrases about tests, docs, style and speed first,
                then the earliest fix / refactor / add verb
10. body        the same keyword patterns on the body, with lower confidence
    diff_guard  (only with a `diff`) a small edit adding a null/bounds check, condition or handler → bugfix
11. fallback    diff shape: new definitions in the diff or mostly additions → feature, else refactor/other

The patterns are generic commit-message English and ecosystem file conventions, written without looking
at any labelled data; tests/categorize measures them against a hand-labelled set. The diff rules see what
the message and paths cannot (comment-only, layout-only, version-only edits); `diff.py` reads the patch.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from codemill.categorize import diff as patch
from codemill.categorize.paths import Role, roles
from codemill.tracebacks import has_traceback


@dataclass(frozen=True)
class Categorized:
    category: str
    rule: str  # the rule that gave this answer (see codemill.categorize.model.explain)
    confidence: float
    probabilities: dict[str, float] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Change:
    """Everything the rules look at, parsed once."""

    subject: str
    body: str
    roles: tuple[Role, ...]
    added: int
    deleted: int
    labels: tuple[str, ...]
    kind: str
    files: tuple[patch.FileDiff, ...] = ()  # the parsed diff, empty when none was given


Rule = Callable[[Change], str | None]

_I = re.I


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{a})" for a in alternatives), _I)


# ---------------------------------------------------------------- kind

def rule_kind(c: Change) -> str | None:
    """A review comment → change pair is code_review; an issue thread that shows an error → its fix is debugging."""
    if c.kind in {"review", "code_review"}:
        return "code_review"
    if c.kind == "debugging":
        return "debugging"
    if c.kind == "issue" and has_traceback(c.subject, c.body):
        return "debugging"
    return None


# ---------------------------------------------------------------- revert

_REVERT = _rx(r"^revert\b", r"^\W*revert(ed|ing)?\s+(\"|'|commit|r\d|#\d|[0-9a-f]{7,})", r"^back ?out\b")
_REVERT_BODY = _rx(r"\bthis reverts commit [0-9a-f]{7,}", r"\breverts? (commit )?[0-9a-f]{7,40}\b")


def rule_revert(c: Change) -> str | None:
    if _REVERT.search(c.subject) or _REVERT_BODY.search(c.body):
        return "revert"
    return None


# ---------------------------------------------------------------- release

_VERSION = r"v?\d+\.\d+(\.\d+)?([.-]?(a|b|rc|alpha|beta|dev|post|final)\.?\d*)?"
_RELEASE = _rx(
    r"^(chore\(release\)|release)(\(.*?\))?!?:",
    r"^\W*(release|version|tag(ged)?)?\s*" + _VERSION + r"\s*$",  # "v2.1.0", "- 0.9.1", "Release 3.0"
    r"^[\w.-]+[- ]" + _VERSION + r"$",  # "ignore-0.4.33", "gson 2.8"
    r"\b(prepare|preparing|cut|cutting|tag|tagging)\s+(the\s+|for\s+)?(new\s+)?release\b",
    r"\brelease\s+(version\s+)?" + _VERSION,
    r"\b(bump|updat\w*|set|increment)\w*\s+(the\s+)?version(\s+number)?(\s+to\s+v?\d\S*|\s*$)",
    r"\bversion\s+bump\b",
    r"\bnew\s+(stable\s+)?(version|release)\b",
    r"\[maven-release-plugin\]",
)
_HAS_VERSION = re.compile(r"(^|[\s(@-])" + _VERSION + r"\b", _I)
_RELEASE_FILES = {Role.VERSION, Role.CHANGELOG, Role.MANIFEST, Role.LOCK}


def rule_release(c: Change) -> str | None:
    """Release commits: the subject says so, or only version/changelog files change and the subject is a version."""
    if _RELEASE.search(c.subject):
        return "release"
    if _DEPS.search(c.subject):
        return None
    kinds = set(c.roles)
    only_version_files = bool(kinds) and kinds <= _RELEASE_FILES and bool(kinds & {Role.VERSION, Role.CHANGELOG})
    if only_version_files and _HAS_VERSION.search(c.subject) and len(c.subject.split()) <= 4:
        return "release"
    return None


# ---------------------------------------------------------------- deps

_DEPS = _rx(
    r"^(chore|build|fix|ci|refactor)\((deps|dependencies|deps-dev)\)!?:",
    r"^(deps|dependencies)(\(.*?\))?:",
    r"\bbump(s|ed|ing)?\s+\S+(\s+\S+)?\s+from\s+\S+\s+to\s+\S+",
    r"\b(update|upgrade|bump|refresh|pin|unpin)\w*\s+(all\s+|the\s+|our\s+|some\s+)?(dev\s+|development\s+|"
    r"python\s+|npm\s+|go\s+|rust\s+|js\s+|third[- ]party\s+)?(dependencies|dependency|deps|requirements|crates|"
    r"packages|submodules?|lockfile|lock file|vendored\s+\S+)\b",
    r"\b(update|upgrade|bump|pin|downgrade)\w*\s+(to\s+)?(?!version\b)[\w./@-]+\s+(to\s+|at\s+|==?\s*|<=?\s*)?v?\d+\.\d+",
    r"\bpin\w*\s+(to\s+)?[\w.-]+\s*(<=?|==|~=|>=)\s*\d",
    r"\b(update|bump)\w*\s+[\w./-]+\s+submodule\b",
)
_SWAP = _rx(r"\b(replace|migrate|switch|move)\w*\s+(from\s+)?\S+\s+(with|to)\s+\S+")
_DEP_FILES = {Role.LOCK, Role.REQS}


def rule_deps(c: Change) -> str | None:
    """Dependency changes: bump/pin wording, lockfile/requirements-only diffs, vendored code, swapping a package."""
    if _DEPS.search(c.subject):
        return "deps"
    if not c.roles:
        return None
    kinds = set(c.roles)
    if kinds <= _DEP_FILES | {Role.MANIFEST} and kinds & _DEP_FILES:
        return "deps"
    if kinds == {Role.VENDOR} or (kinds <= {Role.VENDOR, Role.BUILD, Role.MANIFEST} and Role.VENDOR in kinds):
        return "deps"
    if _SWAP.search(c.subject) and kinds & (_DEP_FILES | {Role.MANIFEST}):
        return "deps"
    return None


# ---------------------------------------------------------------- what the diff text says


_BOOKKEEPING = {Role.CHANGELOG, Role.DOCS, Role.VERSION, Role.MANIFEST, Role.LOCK, Role.META}


def rule_diff_release(c: Change) -> str | None:
    """A release, whatever the message says (unless it names a dependency bump): only version strings change
    (plus changelog/docs lines naming the version); or a changelog gains a version heading and nothing but
    bookkeeping files change with it; or the project's own version string is set in a manifest or version file
    (release precedes every other kind of work, so a fix cut together with its release is the release)."""
    if not c.files or _DEPS.search(c.subject):
        return None
    files = list(c.files)
    if patch.version_only(files) or patch.release_heading_only(files):
        return "release"
    if patch.changelog_version_heading(files) and {f.role for f in files} <= _BOOKKEEPING:
        return "release"
    own = [f for f in files if f.role in {Role.MANIFEST, Role.VERSION}]
    return "release" if own and patch.sets_version(own) else None


def rule_diff_deps(c: Change) -> str | None:
    """Only dependency pins change: package@version lines in manifests, action/hook revisions, lockfiles."""
    return "deps" if c.files and patch.dependency_only(list(c.files)) else None


def rule_diff_style(c: Change) -> str | None:
    """Every file changes only in layout (whitespace, quotes, trailing commas, line breaks, import order, lint
    pragmas). Before the conventional prefixes: a re-indented doc or test is still style. Re-indenting Python
    or YAML can change behaviour, so there any message that names other work (a fix, a feature) wins."""
    if not c.files or any(f.binary or not f.hunks for f in c.files):
        return None
    if not all(patch.layout_only(f) for f in c.files):
        return None
    if any(patch.indent_changed(f) for f in c.files) and _keywords(_words(c.subject)) not in {None, "style"}:
        return None
    return "style"


_PROSE_ROLES = {Role.DOCS, Role.CHANGELOG, Role.META}
_COPYRIGHT = _rx(r"\bcopyright\b", r"\(c\)\s*\d{4}", r"©")


def rule_diff_docs(c: Change) -> str | None:
    """Code files change only in comments, docstrings or the words of message/help strings (docs files may
    change too): documentation, even under a fix or feat message ("fix: typo"). Comes after the strong
    prefixes so "test:"/"perf:" keep their word; a subject about lint or warnings makes it style."""
    if not c.files:
        return None
    code = [f for f in c.files if f.role not in _PROSE_ROLES]
    if not code or not all(patch.comment_only(f) for f in code):
        return None
    if all(_COPYRIGHT.search(t) for f in c.files for t in f.changed() if t.strip()):
        return "other"  # copyright years in file headers are bookkeeping
    return "style" if _keywords(_words(c.subject)) == "style" else "docs"  # comments reworded for a linter


def rule_diff_tests(c: Change) -> str | None:
    """Test functions/modules inside source files (Rust `mod tests`, Go `func TestX`, doctest-free Python
    `def test_`), alone or with test files: test work the paths cannot see."""
    if not c.files:
        return None
    src = [f for f in c.files if f.role is not Role.TESTS]
    return "tests" if src and all(f.role is Role.CODE and patch.test_hunks_only(f) for f in src) else None


def rule_diff_guard(c: Change) -> str | None:
    """No words to go by, and a small edit adds a null/bounds check, a condition or an exception handler to
    existing code: the usual shape of a bug fix."""
    return "bugfix" if c.files and patch.adds_guard(list(c.files)) else None


# ---------------------------------------------------------------- conventional commits

_CONV = re.compile(r"^\s*(?P<type>[a-z]+)(\([^)]*\))?!?:\s", _I)
_CONV_STRONG = {
    "docs": "docs", "doc": "docs", "test": "tests", "tests": "tests", "perf": "perf", "style": "style",
    "build": "build_ci", "ci": "build_ci", "release": "release", "deps": "deps", "revert": "revert",
}
_CONV_WEAK = {
    "fix": "bugfix", "bugfix": "bugfix", "hotfix": "bugfix", "feat": "feature", "feature": "feature",
    "refactor": "refactor",
}


def _conv_type(subject: str) -> str:
    m = _CONV.match(subject)
    return m.group("type").lower() if m else ""


def rule_conv_strong(c: Change) -> str | None:
    return _CONV_STRONG.get(_conv_type(c.subject))


def rule_conv_weak(c: Change) -> str | None:
    return _CONV_WEAK.get(_conv_type(c.subject))


# ---------------------------------------------------------------- formatting-only subjects

_STYLE_ONLY = _rx(
    r"\bwhite-?space\b", r"\b(re-?)?indent(ation|ed|ing)?\b", r"\breformat\w*\b", r"\bpep\s?-?8\b",
    r"^\W*(fix\w*\s+|improve\w*\s+)?(the\s+)?(code\s+)?(formatting|format)\W*$", r"\b(code|coding)\s+style\b",
    r"\btrailing\s+(spaces|white-?space|newlines?)\b", r"\b(run|apply|ran|applied)\s+(clang-format|gofmt|rustfmt|"
    r"prettier|black|isort|autopep8|ruff\s+format)\b",
)


def rule_style_words(c: Change) -> str | None:
    """A subject that only talks about layout is style whatever files it touches (a re-indented test is style)."""
    return "style" if _STYLE_ONLY.search(c.subject) else None


# ---------------------------------------------------------------- diff shape

_DOCS_ONLY = {Role.DOCS, Role.CHANGELOG}
_BUILD_ONLY = {Role.CI, Role.BUILD, Role.MANIFEST}
_NOT_CODE = {Role.DOCS, Role.CHANGELOG, Role.TESTS, Role.LOCK, Role.REQS, Role.MANIFEST, Role.META, Role.VERSION}


def rule_shape(c: Change) -> str | None:
    """What the changed paths alone say, when they all fall in one kind of file."""
    if not c.roles:
        return None
    kinds = set(c.roles)
    if kinds <= _DOCS_ONLY:
        return "docs"
    if kinds == {Role.TESTS}:
        return "tests"
    if kinds <= _BUILD_ONLY:
        return "build_ci"
    if kinds == {Role.META}:
        return "other"
    if kinds <= _DOCS_ONLY | {Role.META}:
        return "docs"
    code = kinds - _NOT_CODE
    if code == {Role.FRONTEND}:
        return "ui"
    return None


# ---------------------------------------------------------------- labels and [tags]

_LABELS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("revert", _rx(r"^revert")),
    ("release", _rx(r"^release")),
    ("deps", _rx(r"^dep(endenc(y|ies)|s)$", r"^(dependabot|renovate)$")),
    ("docs", _rx(r"^doc(s|umentation)?$")),
    ("tests", _rx(r"^tests?$", r"^testing$")),
    ("perf", _rx(r"^perf(ormance)?$", r"^speed$", r"^optimi[sz]ation$")),
    ("style", _rx(r"^(code[- ]?)?style$", r"^lint(ing)?$", r"^format(ting)?$")),
    ("build_ci", _rx(r"^(ci|build|infra(structure)?|packaging|ci/cd|github[- ]actions)$")),
    ("ui", _rx(r"^(ui|ux|frontend|front-end|css|design|theme)$")),
    ("refactor", _rx(r"^(refactor(ing)?|cleanup|clean-up|tech(nical)?[- ]debt|maintenance|chore)$")),
    ("bugfix", _rx(r"^(bug|bugs|bugfix|defect|regression|crash|fix)$")),
    ("feature", _rx(r"^(enhancement|feature|feature[- ]request|new[- ]feature|improvement|proposal)$")),
)
_TAG = re.compile(r"^\W*\[([\w -]+)\]")


def _label_category(label: str) -> str | None:
    name = re.split(r"[:/]\s*", label.strip().lower())[-1].strip()  # "type: bug", "kind/bug"
    name = re.sub(r"^(t|c|k|type|kind)-", "", name)
    for category, rx in _LABELS:
        if rx.search(name):
            return category
    return None


def rule_labels(c: Change) -> str | None:
    """Issue/PR labels, then a leading [tag] in the subject ("[bug] Fixed …"), mapped by the usual label names."""
    tags = list(c.labels)
    m = _TAG.match(c.subject)
    if m:
        tags.append(m.group(1))
    for label in tags:
        category = _label_category(label)
        if category:
            return category
    return None


# ---------------------------------------------------------------- keywords

# Phrases whose object decides the category whatever the verb ("add docs", "fix tests", "fix formatting").
_KW_FIRST: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("tests", _rx(
        r"^\W*(add|added|adds|adding|improve\w*|update\w*|fix\w*|extend\w*|expand\w*|refactor\w*|more|new|write|"
        r"wrote|cover\w*)\s+(more\s+|a\s+|some\s+|missing\s+|unit\s+|regression\s+|the\s+|new\s+|extra\s+)*"
        r"(tests?|specs?|test\s+cases?|test\s+coverage|testcases?)\b",
        r"\b(tests?|specs?)\s+for\b", r"\btest\s+(suite|setup|fixtures?|helpers?|harness)\b", r"\bflaky\b",
    )),
    ("docs", _rx(
        r"\bdoc(s|umentation)?\b", r"\bdocument(ed|ing)?\b", r"\breadme\b", r"\bdoc-?strings?\b", r"\bjavadocs?\b",
        r"\bjsdoc\b", r"\bgodoc\b", r"\btypos?\b", r"\bspelling\b", r"\bgrammar\b", r"\bchangelog\b",
        r"\bman\s?page\b", r"\btutorial\b", r"\bcomments?\b", r"\bwording\b", r"\bclarify\b",
    )),
    ("style", _rx(
        r"\bwhite-?space\b", r"\b(re-?)?indent(ation|ed|ing)?\b", r"\breformat\w*\b", r"^\W*(fix\w*\s+)?(code\s+)?"
        r"(formatting|format)\W*$", r"\b(code|coding)\s+style\b", r"\bpep\s?-?8\b", r"\blint(er|ing|s)?\b",
        r"\b(clang-format|gofmt|rustfmt|prettier|black|isort|flake8|pylint|eslint|clippy|golangci-lint)\b",
        r"\btrailing\s+(spaces|white-?space|newlines?)\b", r"\bwarnings?\b", r"\bnit(pick)?s?\b", r"\bcosmetic\b",
    )),
    ("perf", _rx(
        r"\bperf(ormance)?\b", r"\bfaster\b", r"\bspeed(s|ed)?[- ]?up\b", r"\bspeedups?\b", r"\boptimi[sz]\w*\b",
        r"\bquicker\b", r"\b(fewer|less|reduce\w*|avoid\w*)\s+(heap\s+)?(allocations?|copies|copying|memory)\b",
        r"\blazy\b", r"\blazily\b", r"\bcach(e|es|ed|ing)\b", r"\bbenchmark\w*\b", r"\befficien\w*\b",
    )),
)
# Verbs: the earliest one in the subject wins ("Fix X by moving Y" is a fix, "Remove X to fix Y" a refactor).
_KW_VERBS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("bugfix", _rx(
        r"\badd(s|ed|ing)?\s+(a\s+|the\s+)?missing\b", r"\bshould(n'?t|\s+not)\b", r"\bfix(e[sd]|ing)?\b",
        r"\bbug(s|fix)?\b", r"\bcrash\w*\b", r"\bincorrect(ly)?\b", r"\bwrong(ly)?\b",
        r"\bbroken\b", r"\bregression\b", r"\brepair\w*\b", r"\bcorrect(ly|ed|s)?\b", r"\bprevent\w*\b",
        r"\bhandle[sd]?\b", r"\bwork\s?around\b", r"\bproperly\b", r"\bmissing\b", r"\bfail(s|ed|ing|ure)?\b",
        r"\bleak\w*\b", r"\bdon'?t\b", r"\bdoesn'?t\b", r"\bno\s+longer\b", r"\bensure\w*\b", r"\brespect\w*\b",
        r"\bresolve[sd]?\b", r"\berrors?\b", r"\bexceptions?\b", r"\bissue\b", r"\bmistake\b", r"\bhang\w*\b",
        r"\bdeadlock\w*\b", r"\brace\s+condition\b", r"\bnull\s+pointer\b", r"\boff[- ]by[- ]one\b",
    )),
    ("refactor", _rx(
        r"\brefactor\w*\b", r"\brenam(e|es|ed|ing)\b", r"\bmov(e|es|ed|ing)\b", r"\bclean(ed|s|ing)?[- ]?ups?\b",
        r"\bclean\b", r"\bsimplif\w*\b", r"\bextract\w*\b", r"\breorgani[sz]\w*\b", r"\brestructur\w*\b",
        r"\bconsolidat\w*\b", r"\bdeduplicat\w*\b", r"\bunused\b", r"\bdead\s+code\b", r"\bobsolete\b",
        r"\btid(y|ied|ies)\b", r"\bdecoupl\w*\b", r"\brewr(ite|ote|itten)\b", r"\brevis(e|ed|es)\b",
        r"\bconvert(s|ed)?\b", r"\breplac(e|es|ed|ing)\b", r"\bmigrat\w*\b", r"\binstead\s+of\b",
        r"\bdeprecat\w*\b", r"\binternal(ly|s)?\b", r"\bsplit\b", r"\binline[sd]?\b", r"\breorder\w*\b",
        r"\bdrop(s|ped)?\b", r"\bremov(e|es|ed|ing)\b", r"\bdelet(e|es|ed|ing)\b",
    )),
    ("feature", _rx(
        r"\badd(s|ed|ing)?\b", r"\bsupport(s|ed|ing)?\b", r"\bimplement\w*\b", r"\bintroduc\w*\b",
        r"\ballow\w*\b", r"\bnew\b", r"\benabl(e|es|ed|ing)\b", r"\bexpos(e|es|ed|ing)\b", r"\bprovid\w*\b",
        r"\boptions?\b", r"\bability\b", r"\bcreat(e|es|ed|ing)\b", r"\binitial\b", r"\bextend\w*\b",
        r"\bimprov(e|es|ed|ing|ements?)\b", r"\bcustomi[sz]\w*\b",
    )),
)


@functools.lru_cache(maxsize=1024)
def _keywords(text: str) -> str | None:
    """The category the keyword patterns give `text` (cached: the rules and the features ask of the same texts)."""
    for category, rx in _KW_FIRST:
        if rx.search(text):
            return category
    best: tuple[int, int, str] | None = None
    for order, (category, rx) in enumerate(_KW_VERBS):
        m = rx.search(text)
        if m and (best is None or (m.start(), order) < best[:2]):
            best = (m.start(), order, category)
    return best[2] if best else None


_PR_REF = re.compile(r"\s*\((#\d+|[A-Z]+-\d+)\)\s*$|\s*(#\d+|gh-\d+)\b", _I)
# Code identifiers are not verbs: `Table.create()`, res.send(), add_property, "quoted".
_CODE = re.compile(r"`[^`]*`|\"[^\"]*\"|\b[\w$]+(\.[\w$]+)+(\(\))?|\b[\w$]+\(\)|\b\w+_\w+\b")


@functools.lru_cache(maxsize=1024)
def _words(text: str) -> str:
    return _CODE.sub(" ", _PR_REF.sub(" ", text))


def rule_subject(c: Change) -> str | None:
    return _keywords(_words(c.subject))


_TRAILER = re.compile(r"^[\w-]+: .*$|^\s*\*\s*|^-{3,}$", re.M)


_FIXES_REF = _rx(r"\bfix(es|ed)?:?\s+(#\d+|gh-\d+|https?://\S+/issues/\d+|(the\s+|a\s+)?(bug|issue|crash|regression))")


def rule_body(c: Change) -> str | None:
    """The body when the subject said nothing: "Fixes #123" first, then the subject keywords."""
    if _FIXES_REF.search(c.body):
        return "bugfix"
    body = _words(_TRAILER.sub("", c.body))
    return _keywords(body) if body.strip() else None


# ---------------------------------------------------------------- fallback


def rule_fallback(c: Change) -> str | None:
    """No words to go by: new code is a feature, reworked or removed code a refactor, anything else other.
    With a diff, newly defined functions/types mean a feature whatever the line counts."""
    if not set(c.roles) - _NOT_CODE:
        return "other"
    if c.files and patch.new_definitions(list(c.files)):
        return "feature"
    if c.added > 0 and c.added >= 3 * c.deleted:
        return "feature"
    return "refactor"


RULES: tuple[tuple[str, Rule, float], ...] = (
    ("kind", rule_kind, 0.95),
    ("revert", rule_revert, 0.95),
    ("release", rule_release, 0.9),
    ("deps", rule_deps, 0.9),
    ("diff_release", rule_diff_release, 0.85),
    ("diff_deps", rule_diff_deps, 0.85),
    ("diff_style", rule_diff_style, 0.85),
    ("conv_strong", rule_conv_strong, 0.9),
    ("style_words", rule_style_words, 0.8),
    ("diff_docs", rule_diff_docs, 0.85),
    ("diff_tests", rule_diff_tests, 0.8),
    ("shape", rule_shape, 0.85),
    ("conv_weak", rule_conv_weak, 0.85),
    ("labels", rule_labels, 0.8),
    ("subject", rule_subject, 0.65),
    ("body", rule_body, 0.45),
    ("diff_guard", rule_diff_guard, 0.4),
    ("fallback", rule_fallback, 0.25),
)


def change_of(
    message: str,
    paths: Sequence[str],
    *,
    added: int = 0,
    deleted: int = 0,
    file_stats: Sequence[tuple[str, str, int, int]] | None = None,
    labels: Sequence[str] = (),
    kind: str = "commit",
    diff: str | None = None,
) -> Change:
    """Everything the rules and the model read, parsed once. `file_stats` rows are (path, status, added, deleted)
    and fill in paths/counts; `diff` is the unified diff text (`git show` output) and enables the diff_* rules."""
    if file_stats:
        paths = paths or [row[0] for row in file_stats]
        if not added and not deleted:
            added = sum(row[2] for row in file_stats)
            deleted = sum(row[3] for row in file_stats)
    subject, _, body = message.strip().partition("\n")
    return Change(
        subject=subject.strip(), body=body.strip(), roles=tuple(roles(paths)), added=added, deleted=deleted,
        labels=tuple(labels), kind=kind, files=tuple(patch.parse(diff)) if diff else (),
    )


def decide(change: Change) -> Categorized:
    """The rules alone, in `RULES` order: the first answer wins (the model's explanation and its fallback)."""
    for name, rule, confidence in RULES:
        category = rule(change)
        if category:
            return Categorized(category, name, confidence)
    raise AssertionError("rule_fallback always answers")
