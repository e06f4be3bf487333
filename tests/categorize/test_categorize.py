"""Rules of codemill.categorize on realistic messages, and accuracy on the hand-labelled commit set."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from codemill.categorize import CATEGORIES, TEACHING, Categorized, Role, change_of, decide, role
from codemill.categorize import diff as patch

DATA = Path(__file__).parent / "data" / "labelled_commits.jsonl"
SEALED = Path(__file__).parent / "data" / "sealed_commits.jsonl"


def cat(message: str, paths: list[str] | None = None, **kw: object) -> Categorized:
    """The rules alone, in precedence order (the model's explanations; tests/categorize/test_model.py covers the
    model that decides)."""
    return decide(change_of(message, paths if paths is not None else ["src/app/core.py"], **kw))  # type: ignore[arg-type]


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
    assert decide(change_of("wip", [], file_stats=stats)) == Categorized("feature", "fallback", 0.25)


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
    assert len(records) >= 1000
    assert len({r["sha"] for r in records}) == len(records)
    for r in records:
        assert r["category"] in CATEGORIES, r["sha"]
        assert isinstance(r["good"], bool) and r["sample"] in {"random", "targeted"} and r["note"]
        assert len(r["body"]) <= 2000 and r["language"]
        assert r["files"] or r["category"] == "other", r["sha"]  # an empty commit is bookkeeping
        # the definitions: docs, style, tooling, dependency, release and bookkeeping commits are never good
        assert not r["good"] or r["category"] in TEACHING, r["sha"]
    counts = Counter(r["category"] for r in records)
    for category in set(CATEGORIES) - {"code_review", "debugging"}:
        assert counts[category] >= 10, category
    assert len({r["repo"] for r in records}) >= 40
    assert len({r["language"] for r in records}) >= 8


def test_sealed_set_shares_no_repository_with_the_labelled_set() -> None:
    sealed = [json.loads(x) for x in SEALED.read_text(encoding="utf-8").splitlines() if x.strip()]
    assert len(sealed) >= 200
    assert not {r["repo"] for r in sealed} & {r["repo"] for r in _records()}


# ---------------------------------------------------------------- diff-based rules


def _diff(path: str, *hunks: tuple[str, list[str]]) -> str:
    """A `git show`-style diff of one file; each hunk is (function context, lines with their +/-/space)."""
    out = [f"diff --git a/{path} b/{path}", "index 1111111..2222222 100644", f"--- a/{path}", f"+++ b/{path}"]
    for context, lines in hunks:
        out.append(f"@@ -1,{len(lines)} +1,{len(lines)} @@ {context}".rstrip())
        out.extend(lines)
    return "\n".join(out) + "\n"


def test_parse_diff() -> None:
    text = _diff("src/a.py", ("def f():", [" x = 1", "-y = 2", "+y = 3"])) + _diff("README.md", ("", ["+hi"]))
    files = patch.parse(text)
    assert [f.path for f in files] == ["src/a.py", "README.md"]
    assert files[0].hunks[0].context == "def f():"
    assert list(files[0].changed("+")) == ["y = 3"] and list(files[1].changed()) == ["hi"]


def test_no_diff_leaves_the_message_rules_alone() -> None:
    assert cat("Update parser", diff=None) == cat("Update parser") == cat("Update parser", diff="")


@pytest.mark.parametrize(
    ("path", "lines"),
    [
        ("src/a.py", ["def f(x):", '-    """Retrun x."""', '+    """Return x."""', "     return x"]),
        ("src/a.py", ['     """Parse a header.', "", "-    :param raw: teh bytes", "+    :param raw: the bytes",
                      '     """']),
        ("src/a.c", [" int f(void) {", "-    // retry twice", "+    // retry twice: the server may drop the first",
                     "     return 0;"]),
        ("src/A.java", ["  /**", "-   * Returns the thing", "+   * Returns the thing, never null.", "   */"]),
        ("src/cli.go", ['-\tShort: "Prints teh version",', '+\tShort: "Print the version number",']),
    ],
)
def test_comment_docstring_and_message_only_edits_are_docs(path: str, lines: list[str]) -> None:
    got = cat("fix: small cleanup", [path], diff=_diff(path, ("", lines)))
    assert (got.category, got.rule) == ("docs", "diff_docs")


def test_code_next_to_a_comment_is_not_docs() -> None:
    diff = _diff("src/a.c", ("", ["-    // retry twice", "+    // retry three times", "-    n = 2;", "+    n = 3;"]))
    assert cat("Retry more", ["src/a.c"], diff=diff).rule != "diff_docs"
    # a string that is not prose (a header name) is behaviour
    diff = _diff("src/a.js", ("", ["-  h['Content-type'] = t;", "+  h['Content-Type'] = t;"]))
    assert cat("Header name", ["src/a.js"], diff=diff).rule != "diff_docs"


def test_comment_only_lint_and_copyright() -> None:
    diff = _diff("cmd/root.go", ("", ["-// run starts it", "+// Run starts the command."]))
    assert cat("Fix linter errors", ["cmd/root.go"], diff=diff).category == "style"
    diff = _diff("src/a.py", ("", ["-# Copyright 2019 Foo", "+# Copyright 2020 Foo"]))
    assert cat("2020", ["src/a.py"], diff=diff).category == "other"


@pytest.mark.parametrize(
    ("path", "lines"),
    [
        ("src/a.py", ["-x = foo( 1,2 )", "+x = foo(1, 2)"]),
        ("src/a.py", ["-x = foo('a')", '+x = foo("a")']),
        ("src/a.ts", ["-call(a,", "-     b,)", "+call(a, b)"]),
        ("src/a.py", ["-import sys", " import json", "+import sys"]),
        ("src/a.py", ["-x = eval(s)", "+x = eval(s)  # noqa: S307"]),
        ("docs/guide.md", ["-Some  text ", "+Some text"]),
    ],
)
def test_layout_only_diffs_are_style(path: str, lines: list[str]) -> None:
    got = cat("docs: tidy", [path], diff=_diff(path, ("", lines)))
    assert (got.category, got.rule) == ("style", "diff_style")


def test_layout_rule_respects_order_and_indentation() -> None:
    # the same statements in another order run differently
    diff = _diff("src/a.py", ("", ["-close(f)", " flush(f)", "+close(f)"]))
    assert cat("Flush first", ["src/a.py"], diff=diff).rule != "diff_style"
    # moving a Python line out of a block is behaviour when the message says so
    diff = _diff("src/a.py", ("", ["     if x:", "         y()", "-        return 1", "+    return 1"]))
    assert cat("Fix early return", ["src/a.py"], diff=diff).category == "bugfix"
    assert cat("Fix indentation", ["src/a.py"], diff=diff).category == "style"


def test_version_only_diffs_are_release() -> None:
    diff = _diff("src/pkg/__init__.py", ("", ['-__version__ = "1.2.3"', '+__version__ = "1.2.4"'])) + _diff(
        "CHANGES.rst", ("", ["+Version 1.2.4", "+-------------", "+- Fix the thing."]))
    assert cat("Here we go", ["src/pkg/__init__.py", "CHANGES.rst"], diff=diff).category == "release"
    diff = _diff("CHANGELOG.md", ("", ["-## Unreleased", "+## 2.0.1 (2024-05-02)"]))
    assert cat("Changelog", ["CHANGELOG.md"], diff=diff).category == "release"
    # a changelog entry is not a release
    diff = _diff("CHANGELOG.md", ("", ["+- Fix 2.0.1 regression in the parser"]))
    assert cat("Changelog", ["CHANGELOG.md"], diff=diff).category == "docs"


def test_dependency_pins_are_deps() -> None:
    diff = _diff("package.json", ("", ['-    "vue": "^3.3.0",', '+    "vue": "^3.4.1",']))
    assert cat("vue", ["package.json"], diff=diff) == Categorized("deps", "diff_deps", 0.85)
    bump = ["-    - uses: actions/checkout@v3", "+    - uses: actions/checkout@v4"]
    diff = _diff(".github/workflows/ci.yml", ("", bump))
    assert cat("ci", [".github/workflows/ci.yml"], diff=diff).category == "deps"
    # a toolchain floor is not a third-party dependency; other manifest lines are not pins
    diff = _diff("Cargo.toml", ("", ['-rust-version = "1.70"', '+rust-version = "1.74"']))
    assert cat("msrv", ["Cargo.toml"], diff=diff).category == "build_ci"
    diff = _diff("package.json", ("", ['-    "build": "vite build",', '+    "build": "vite build --mode lib",']))
    assert cat("build script", ["package.json"], diff=diff).category == "build_ci"


def test_tests_inside_source_files() -> None:
    lines = ["     }", "+    #[test]", "+    fn empty() {", '+        assert!(find("").is_none());', "+    }"]
    diff = _diff("src/search.rs", ("mod tests {", lines))
    assert cat("Handle empty patterns", ["src/search.rs"], diff=diff) == Categorized("tests", "diff_tests", 0.8)
    diff = _diff("src/search.rs", ("fn find(p: &str) -> Option<usize> {", ["-    p.find('x')", "+    p.find('y')"]))
    assert cat("Handle empty patterns", ["src/search.rs"], diff=diff).category != "tests"


def test_guard_and_new_definitions_decide_when_words_do_not() -> None:
    guard = _diff("lib/response.js", ("", ["-  h['Content-Type'] = 'text/html';", "+  if (!h['Content-Type']) {",
                                           "+    h['Content-Type'] = 'text/html';", "+  }"]))
    assert cat("res.send() and Content-Type", ["lib/response.js"], diff=guard).category == "bugfix"
    new = _diff("src/a.py", ("", ["-x = 1", "+x = 2", "+def encoding(self):", "+    return 'utf-8'"]))
    assert cat("apparent_encoding", ["src/a.py"], added=3, deleted=1, diff=new).category == "feature"
    # words still come first
    assert cat("Add streaming uploads", ["lib/response.js"], diff=guard).category == "feature"
