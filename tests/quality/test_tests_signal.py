from __future__ import annotations

import pytest

from codemill.paths import is_test_path
from codemill.quality.coherence import FileChange
from codemill.quality.tests_signal import defines_tests
from codemill.quality.tests_signal import tests_signal as signal  # pytest would collect a `tests_*` name

RUST_INLINE_TEST = """@@ -40,3 +40,12 @@ impl Parser {
     }
 }
+
+#[cfg(test)]
+mod tests {
+    #[test]
+    fn parses_empty_input() {
+        assert!(super::Parser::new("").parse().is_ok());
+    }
+}
"""


@pytest.mark.parametrize("path", [
    "tests/test_sessions.py", "pkg/sub/test_utils.py", "src/app/models_test.py", "conftest.py",
    "src/components/Button.test.tsx", "lib/router.spec.js", "__tests__/index.js", "cypress/e2e/login.cy.ts",
    "internal/cache/lru_test.go",
    "tests/integration.rs", "src/parser_tests.rs",
    "src/test/java/com/acme/AppTest.java", "core/src/main/java/FooTest.java", "lib/BarIT.java",
    "test/unit/strings.c", "src/net/socket_unittest.cc", "base/test_hash.cpp",
    "spec/models/user_spec.rb",
])
def test_test_paths_of_common_languages(path: str) -> None:
    assert is_test_path(path)


@pytest.mark.parametrize("path", [
    "src/requests/sessions.py", "src/latest.py", "lib/contest/rules.go", "src/attestation.rs",
    "src/main/java/com/acme/App.java", "docs/testing.md", "src/components/Button.tsx",
])
def test_ordinary_paths_are_not_tests(path: str) -> None:
    assert not is_test_path(path)


def test_code_with_tests_beats_code_only_beats_nothing() -> None:
    code = FileChange("src/requests/sessions.py", "M", 4, 1)
    test = FileChange("tests/test_sessions.py", "M", 15, 0)
    doc = FileChange("docs/user/advanced.rst", "M", 6, 2)
    assert signal([code, test]) == 1.0
    assert signal([test]) == 0.6
    assert signal([doc]) == 0.5
    assert signal([code]) == 0.4
    assert signal([code, doc]) == 0.4


def test_inline_tests_in_a_source_file_count() -> None:
    assert defines_tests(RUST_INLINE_TEST)
    assert not defines_tests("@@ -1 +1 @@\n-let x = 1;\n+let x = 2;\n")
    assert signal([{"path": "src/parser.rs", "diff": RUST_INLINE_TEST}]) == 1.0


def test_tests_passed_hook_moves_the_score() -> None:
    files = [FileChange("src/a.py", "M", 1, 1), FileChange("tests/test_a.py", "M", 3, 0)]
    assert signal(files, tests_passed=None) == 1.0
    assert signal(files, tests_passed=False) < 0.5
    assert signal(files[:1], tests_passed=True) > signal(files[:1])
