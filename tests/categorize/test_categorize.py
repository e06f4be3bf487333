"""Rules of codemill.categorize on realistic messages, and accuracy on the hand-labelled commit set."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path

import pytest

from codemill.categorize import CATEGORIES, Categorized, Role, categorize, role

DATA = Path(__file__).parent / "data" / "labelled_commits.jsonl"
BENCH = Path(__file__).resolve().parents[2] / "bench" / "category_accuracy.py"


def cat(message: str, paths: list[str] | None = None, **kw: object) -> Categorized:
    return categorize(message, paths if paths is not None else ["src/app/core.py"], **kw)  # type: ignore[arg-type]


# ---------------------------------------------------------------- rules, in precedence order


def test_kind_decides_review_and_debugging() -> None:
    assert cat("Use a context manager here", kind="review") == Categorized("code_review", "kind", 0.95)
    trace = 'Crash on startup\n\nTraceback (most recent call last):\n  File "app.py", line 3, in <module>\nKeyError: x'
    assert cat(trace, kind="issue").category == "debugging"
    assert cat("thread 'main' panicked at src/main.rs:10:5", kind="issue").category == "debugging"
    # an issue without an error report is categorised like any change
    assert cat("Support YAML config files", kind="issue").category == "feature"
    # a commit whose body quotes a traceback is still a commit: the kind, not the text, makes a pair debugging
    assert cat(trace).category != "debugging"


@pytest.mark.parametrize(
    "message",
    [
        'Revert "Add retry to uploader"\n\nThis reverts commit 3f2a9c1d7be0.',
        "revert: drop the new cache layer",
        "Undo the parser change\n\nThis reverts commit 0123456789abcdef0123456789abcdef01234567.",
    ],
)
def test_revert(message: str) -> None:
    assert cat(message).rule == "revert" and cat(message).category == "revert"


@pytest.mark.parametrize(
    ("message", "paths"),
    [
        ("v3.2.0", ["CHANGELOG.md", "pyproject.toml"]),
        ("Release 1.4.2", ["setup.py"]),
        ("chore(release): 2.0.0", ["package.json", "CHANGELOG.md"]),
        ("Bump version to 0.9.1", ["src/pkg/__version__.py"]),
        ("mylib-0.4.7", ["crates/mylib/Cargo.toml", "Cargo.lock"]),
        ("[maven-release-plugin] prepare release lib-2.8.5", ["pom.xml"]),
    ],
)
def test_release(message: str, paths: list[str]) -> None:
    assert cat(message, paths).category == "release"


def test_release_needs_release_wording_not_just_a_version() -> None:
    # a dependency bump names a version too; it is deps
    assert cat("Bump serde to 1.0.200", ["Cargo.toml", "Cargo.lock"]).category == "deps"
    # "release" inside an ordinary sentence is not a release
    assert cat("Fix crash when release notes are empty", ["src/notes.py"]).category == "bugfix"
    assert cat("Update version list in the docs script", ["scripts/versions.py"]).category != "release"


@pytest.mark.parametrize(
    ("message", "paths"),
    [
        ("build(deps): bump lodash from 4.17.20 to 4.17.21", ["package.json", "package-lock.json"]),
        ("chore(deps): update dependency eslint to v9", ["package.json"]),
        ("Bump actions/checkout from 3 to 4", [".github/workflows/ci.yml"]),
        ("Pin urllib3<2 until the proxy bug is fixed", ["requirements.txt"]),
        ("update dev dependencies", ["requirements/dev.txt", "requirements/docs.txt"]),
        ("refresh lockfile", ["poetry.lock"]),
        ("Replace moment with dayjs", ["package.json", "src/date.ts"]),
        ("Vendor the toml parser", ["src/pkg/_vendor/toml/__init__.py", "src/pkg/_vendor/toml/decoder.py"]),
    ],
)
def test_deps(message: str, paths: list[str]) -> None:
    assert cat(message, paths).category == "deps"


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("docs: explain retry settings", "docs"),
        ("test(parser): cover empty input", "tests"),
        ("perf: avoid re-hashing keys on resize", "perf"),
        ("style: apply black", "style"),
        ("ci: run tests on Python 3.13", "build_ci"),
        ("build: switch to hatchling", "build_ci"),
    ],
)
def test_strong_conventional_prefixes(message: str, expected: str) -> None:
    assert cat(message).category == expected


def test_weak_prefixes_yield_to_the_paths() -> None:
    assert cat("fix(api): handle empty body").category == "bugfix"
    assert cat("feat: add --json output").category == "feature"
    assert cat("refactor: split the loader").category == "refactor"
    # a "fix:" that only touches the README is documentation work
    assert cat("fix: broken link in README", ["README.md"]).category == "docs"
    # a "feat:" confined to a Vue component is front-end work
    assert cat("feat(theme): collapsible sidebar groups", ["src/theme/components/Sidebar.vue"]).category == "ui"


def test_style_words_apply_to_any_file() -> None:
    assert cat("Fix indentation", ["tests/test_io.py"]).category == "style"
    assert cat("Remove trailing whitespace", ["docs/index.rst", "src/a.c"]).category == "style"
    assert cat("reformat with clang-format", ["src/a.cc"]).category == "style"  # keyword, not the tool's config


@pytest.mark.parametrize(
    ("message", "paths", "expected"),
    [
        ("Update guide", ["docs/guide.md", "docs/conf.py"], "docs"),
        ("Tweak wording", ["README.rst"], "docs"),
        ("More cases for the tokenizer", ["tests/test_tokenizer.py", "tests/fixtures/a.json"], "tests"),
        ("More cases", ["pkg/lexer/lexer_test.go"], "tests"),
        ("Run on windows too", [".github/workflows/test.yml"], "build_ci"),
        ("Install headers", ["CMakeLists.txt", "cmake/config.cmake"], "build_ci"),
        ("Update AUTHORS", ["AUTHORS"], "other"),
        ("Tighter header spacing", ["src/components/Header.tsx", "src/styles/header.css"], "ui"),
        ("Show the badge on mobile", ["app/templates/base.html"], "ui"),
    ],
)
def test_shape(message: str, paths: list[str], expected: str) -> None:
    assert cat(message, paths).category == expected


def test_ui_needs_every_code_file_to_be_front_end() -> None:
    assert cat("Add dark mode toggle", ["src/Toggle.vue", "src/store.ts"]).category == "feature"
    # manifests and lockfiles next to a component do not stop it being ui
    assert cat("Trap focus in the dialog", ["src/Dialog.svelte", "package.json", "pnpm-lock.yaml"]).category == "ui"


def test_labels_and_subject_tags() -> None:
    assert cat("Handle it", labels=["type: bug"]).rule in {"labels", "subject"}
    assert cat("Streaming uploads", labels=["enhancement"]).category == "feature"
    assert cat("Streaming uploads", labels=["kind/performance"]).category == "perf"
    assert cat("Request body in memory", labels=["documentation"]).category == "docs"
    assert cat("[bug] Fixed the pool recycling connections twice").rule == "labels"
    assert cat("[feature] Added a new pool event").category == "feature"


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("Fix off-by-one in pagination", "bugfix"),
        ("Don't crash when the config file is empty", "bugfix"),
        ("Add a missing import", "bugfix"),
        ("Prevent double close of the socket", "bugfix"),
        ("Add support for HTTP/2", "feature"),
        ("Implement --dry-run", "feature"),
        ("Allow custom headers per request", "feature"),
        ("Rename Parser.feed to Parser.push", "refactor"),
        ("Move helpers into utils module", "refactor"),
        ("Remove unused imports", "refactor"),
        ("Simplify retry loop", "refactor"),
        ("Speed up tokenization by caching regexes", "perf"),
        ("Optimize the hot loop in the decoder", "perf"),
        ("Add tests for the retry policy", "tests"),
        ("Document the timeout parameter", "docs"),
        ("Fix typo in error message", "docs"),
        ("Fix linter warnings", "style"),
        # the earliest verb decides between fix / refactor / feature
        ("Fix leak by moving the buffer into the pool", "bugfix"),
        ("Move the buffer into the pool to fix a leak", "refactor"),
        # identifiers are not verbs: `create` inside Table.create() is not "create"
        ("Table.create() no longer emits metadata events", "bugfix"),
        # "documents" as a noun is not documentation
        ("Parse large JSON documents 5% faster", "perf"),
    ],
)
def test_subject_keywords(message: str, expected: str) -> None:
    assert cat(message).category == expected


def test_body_used_when_the_subject_is_silent() -> None:
    assert cat("Qualify the helper name\n\nFixes #694: two apps collided.").category == "bugfix"
    got = cat("wip\n\nAdds an option to skip hidden files.")
    assert (got.category, got.rule) == ("feature", "body")


def test_fallback_uses_the_diff_shape() -> None:
    assert cat("stuff", added=120, deleted=3).category == "feature"
    assert cat("stuff", added=40, deleted=35) == Categorized("refactor", "fallback", 0.25)
    assert cat("stuff", ["data.bin"], added=0, deleted=0).category == "refactor"
    assert cat("stuff", ["AUTHORS", "TODO"]).category == "other"


def test_file_stats_fill_paths_and_counts() -> None:
    stats = [("src/new_module.py", "A", 200, 0), ("src/__init__.py", "M", 1, 0)]
    assert categorize("wip", [], file_stats=stats) == Categorized("feature", "fallback", 0.25)


def test_every_answer_is_a_known_category() -> None:
    for message in ["", "x", "Merge branch 'main'", "🎉", "fix:", "Revert"]:
        for paths in ([], ["a"], ["docs/a.md"], ["x/y/z.unknown"]):
            assert cat(message, paths).category in CATEGORIES


def test_path_roles() -> None:
    assert role("Cargo.lock") is Role.LOCK
    assert role("requirements/dev.txt") is Role.REQS
    assert role("CMakeLists.txt") is Role.BUILD
    assert role("docs/requirements.txt") is Role.REQS
    assert role("src/lib/__tests__/a.ts") is Role.TESTS
    assert role("src/foo_test.go") is Role.TESTS
    assert role("gson/src/test/java/com/x/FooTest.java") is Role.TESTS
    assert role(".github/workflows/ci.yml") is Role.CI
    assert role(".github/ISSUE_TEMPLATE/bug.yml") is Role.DOCS
    assert role("doc/build/changelog/unreleased_20/123.rst") is Role.CHANGELOG
    assert role("src/client/theme/VPNav.vue") is Role.FRONTEND
    assert role("src/client/app/router.ts") is Role.CODE


# ---------------------------------------------------------------- the labelled set


def _records() -> list[dict]:
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_labelled_set_is_well_formed() -> None:
    records = _records()
    assert len(records) >= 300
    assert len({r["sha"] for r in records}) == len(records)
    for r in records:
        assert r["category"] in CATEGORIES, r["sha"]
        assert isinstance(r["good"], bool) and r["sample"] in {"random", "targeted"} and r["note"]
        assert len(r["body"]) <= 2000 and r["files"]
    counts = Counter(r["category"] for r in records)
    for category in set(CATEGORIES) - {"code_review", "debugging"}:
        assert counts[category] >= 3, category
    assert len({r["repo"] for r in records}) >= 8


def _bench():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("category_accuracy", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass resolves annotations through sys.modules
    spec.loader.exec_module(module)
    return module


def test_accuracy_on_labelled_commits() -> None:
    """Measured: all 0.84, held-out 0.80, dev 0.92 (dev errors were looked at); floors a little below."""
    bench = _bench()
    rows = [(bench.split_of(r["sha"]), r["category"], bench.predict(r)[0]) for r in _records()]
    overall = bench.evaluate((g, p) for _, g, p in rows)
    held_out = bench.evaluate((g, p) for s, g, p in rows if s == "held_out")
    assert overall.accuracy >= 0.82, overall.accuracy
    assert held_out.accuracy >= 0.78, held_out.accuracy
    # the categories the pipeline filters on must stay usable
    for category in ("docs", "deps", "revert", "release", "ui"):
        assert overall.per_category[category]["f1"] >= 0.85, (category, overall.per_category[category])
