"""The one test-path rule: every convention the former four rules knew, and none of their false friends."""

from __future__ import annotations

import pytest

from codemill.paths import is_test_path


@pytest.mark.parametrize("path", [
    "tests/test_app.py", "src/pkg/tests/helpers.py", "test_cli.py", "pkg/cli_test.py", "conftest.py", "tests.py",
    "testing/util.py", "test_utils/factories.py", "unittests/foo.cc", "integration-tests/run.sh", "e2e/login.ts",
    "cypress/support/index.js", "__tests__/App.jsx", "__mocks__/fs.js", "spec/models/user_spec.rb",
    "testdata/input.json", "tests/fixtures/repo.tar", "fixtures/users.json", "t/basic.t", "test/run.bats",
    "pkg/handler_test.go", "src/lib.test.ts", "src/app.spec.js", "src/login.cy.js", "base64_unittest.cc",
    "src/test/java/org/x/FooTest.java", "src/androidTest/java/x/Y.kt", "src/testFixtures/java/X.java",
    "MyApp.Tests/Widget.cs", "core/src/main/scala/x/BarSpec.scala", "api/BazIT.kt", "spec_helper.rb",
])
def test_test_paths(path: str) -> None:
    assert is_test_path(path)


@pytest.mark.parametrize("path", [
    "src/latest.py", "contest/main.py", "protest.py", "src/attestation.py", "docs/testing-guide.md",
    "src/specification.py", "lib/Testament.java", "src/pytest_plugin/core.py", "setup.py", "README.md",
])
def test_not_test_paths(path: str) -> None:
    assert not is_test_path(path)
