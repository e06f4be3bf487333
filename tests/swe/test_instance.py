from __future__ import annotations

import json

import pytest

from codemill.junit import ERROR, FAILED, PASSED, SKIPPED
from codemill.sandbox import Sandbox
from codemill.swe.instance import SWEInstance, Verification, compare, instance_from_commit, verify
from codemill.swe.run import Outcomes

from gitrepo import Repo, git

PYPROJECT = """[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "stats"
version = "1.2"
requires-python = ">=3.9"

[project.optional-dependencies]
test = ["pytest"]
"""

CODE = '''def mean(xs):
    return sum(xs) / len(xs)


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def clamp(x, lo, hi):
    return max(lo, min(x, hi))
'''

TESTS = '''from stats import clamp, mean, median


def test_mean():
    assert mean([1, 2, 3]) == 2


def test_median_odd():
    assert median([3, 1, 2]) == 2


def test_clamp():
    assert clamp(5, 0, 3) == 3
'''

# Fails on its 1st and 4th run: with two runs before and two after the code patch it looks fixed by the patch
# on the first run of each, so only the repetition tells it apart.
FLAKY = '''

def test_flaky():
    from pathlib import Path
    counter = Path(__file__).parent / ".runs"
    n = int(counter.read_text()) if counter.exists() else 0
    counter.write_text(str(n + 1))
    assert n not in (0, 3)
'''


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Repo, dict[str, str]]:
    repo = Repo(tmp_path_factory.mktemp("hist") / "stats")
    shas = {"init": repo.commit("Add stats package", {"pyproject.toml": PYPROJECT, "src/stats/__init__.py": CODE,
                                                      "tests/test_stats.py": TESTS, "README.md": "# stats\n"})}
    shas["fix"] = repo.commit(
        "mean() of an empty list raises ZeroDivisionError\n\nIt should return 0.0.",
        {"src/stats/__init__.py": CODE.replace("    return sum(xs) / len(xs)",
                                               "    return sum(xs) / len(xs) if xs else 0.0"),
         "tests/test_stats.py": TESTS + "\n\ndef test_mean_empty():\n    assert mean([]) == 0.0\n"})
    shas["docs"] = repo.commit("Document mean()", {"README.md": "# stats\n\n`mean(xs)` is the average.\n"})
    shas["refactor"] = repo.commit(
        "Simplify clamp", {"src/stats/__init__.py": (repo.path / "src/stats/__init__.py").read_text().replace(
            "return max(lo, min(x, hi))", "return lo if x < lo else hi if x > hi else x"),
            "tests/test_stats.py": (repo.path / "tests/test_stats.py").read_text()
            + "\n\ndef test_clamp_low():\n    assert clamp(-1, 0, 3) == 0\n"})
    code = (repo.path / "src/stats/__init__.py").read_text()
    shas["median"] = repo.commit(
        "median() of an even-length list is the mean of the middle two; add variance()",
        {"src/stats/__init__.py": code.replace(
            "    return xs[len(xs) // 2]",
            "    mid = len(xs) // 2\n    return xs[mid] if len(xs) % 2 else (xs[mid - 1] + xs[mid]) / 2")
            + "\n\ndef variance(xs):\n    m = mean(xs)\n    return mean([(x - m) ** 2 for x in xs])\n",
         "tests/test_stats.py": (repo.path / "tests/test_stats.py").read_text()
            + "\n\ndef test_median_even():\n    assert median([4, 1, 3, 2]) == 2.5\n" + FLAKY,
         "tests/test_variance.py": "from stats import variance\n\n\ndef test_variance():\n"
                                   "    assert variance([1, 3]) == 1\n"})
    return repo, shas


@pytest.fixture(scope="module")
def fixed(history: tuple[Repo, dict[str, str]], sandbox: Sandbox) -> tuple[SWEInstance | None, Verification]:
    repo, shas = history
    return instance_from_commit(repo.path, shas["fix"], sandbox, repo="ada/stats")


@pytest.mark.index
@pytest.mark.slow
def test_bug_fix_makes_an_instance(fixed: tuple[SWEInstance | None, Verification],
                                   history: tuple[Repo, dict[str, str]]) -> None:
    instance, verification = fixed
    assert verification.kept, verification
    assert instance is not None
    assert instance.FAIL_TO_PASS == ["tests/test_stats.py::test_mean_empty"]
    assert instance.PASS_TO_PASS == ["tests/test_stats.py::test_clamp", "tests/test_stats.py::test_mean",
                                     "tests/test_stats.py::test_median_odd"]
    assert verification.before["tests/test_stats.py::test_mean_empty"] == FAILED
    repo, shas = history
    assert instance.base_commit == shas["init"] and instance.instance_id == f"ada__stats-{shas['fix'][:12]}"
    assert "src/stats/__init__.py" in instance.patch and "tests/" not in instance.patch
    assert "tests/test_stats.py" in instance.test_patch and "src/" not in instance.test_patch
    assert instance.problem_statement.startswith("mean() of an empty list raises")
    assert instance.version == "1.2" and instance.created_at.endswith("Z")
    assert instance.env_recipe["extras"] == ["test"]
    assert any(line.startswith("pytest==") for line in instance.requirements)
    assert git(repo.path, "status", "--porcelain") == ""  # the repository itself was never touched
    assert git(repo.path, "worktree", "list", "--porcelain").count("worktree ") == 1


@pytest.mark.index  # its module fixture builds an environment from the index
def test_export_formats(fixed: tuple[SWEInstance | None, Verification]) -> None:
    instance, _ = fixed
    assert instance is not None
    row = json.loads(json.dumps(instance.to_swebench()))
    assert json.loads(row["FAIL_TO_PASS"]) == instance.FAIL_TO_PASS
    assert json.loads(row["PASS_TO_PASS"]) == instance.PASS_TO_PASS
    assert row["base_commit"] == instance.base_commit and row["environment_setup_commit"] == instance.base_commit
    assert SWEInstance(**instance.to_swegym()) == instance


def test_docs_only_commit_is_not_an_instance(history: tuple[Repo, dict[str, str]], sandbox: Sandbox) -> None:
    repo, shas = history
    instance, verification = instance_from_commit(repo.path, shas["docs"], sandbox)
    assert instance is None
    assert verification.reason == "no_test_patch" and verification.env is None  # rejected before any build


@pytest.mark.index
@pytest.mark.slow
def test_test_passing_before_the_change_is_no_fail_to_pass(history: tuple[Repo, dict[str, str]],
                                                          sandbox: Sandbox) -> None:
    repo, shas = history
    instance, verification = instance_from_commit(repo.path, shas["refactor"], sandbox)
    assert instance is None
    assert verification.reason == "no_fail_to_pass"
    assert "tests/test_stats.py::test_clamp_low" in verification.pass_to_pass


@pytest.mark.index
@pytest.mark.slow
def test_flaky_test_is_excluded(history: tuple[Repo, dict[str, str]], sandbox: Sandbox) -> None:
    repo, shas = history
    instance, verification = instance_from_commit(repo.path, shas["median"], sandbox)
    assert instance is not None, verification
    assert verification.flaky == ["tests/test_stats.py::test_flaky"]
    assert verification.before["tests/test_stats.py::test_flaky"] == FAILED  # looked like FAIL_TO_PASS
    assert verification.after["tests/test_stats.py::test_flaky"] == PASSED
    # A test file importing what the code patch adds cannot be collected before it: absent counts as failing.
    assert instance.FAIL_TO_PASS == ["tests/test_stats.py::test_median_even", "tests/test_variance.py::test_variance"]
    assert "tests/test_stats.py::test_flaky" not in instance.PASS_TO_PASS


@pytest.mark.index
@pytest.mark.slow
def test_patch_that_does_not_apply(history: tuple[Repo, dict[str, str]], sandbox: Sandbox) -> None:
    repo, shas = history
    diff = git(repo.path, "diff", shas["init"], shas["fix"]) + "\n"
    test_patch = diff[diff.index("diff --git a/tests"):]
    bogus = "diff --git a/src/x.py b/src/x.py\n--- a/src/x.py\n+++ b/src/x.py\n@@ -1 +1 @@\n-a\n+b\n"
    verification = verify(repo.path, shas["init"], bogus, test_patch, sandbox)
    assert verification.reason == "patch_failed" and "code patch" in verification.detail
    assert verification.before["tests/test_stats.py::test_mean_empty"] == FAILED


def test_compare_reports_all_flaky() -> None:
    before = Outcomes({"t::a": FAILED, "t::b": PASSED}, frozenset({"t::a"}))
    after = Outcomes({"t::a": PASSED, "t::b": PASSED}, frozenset())
    result = compare(before, after)
    assert not result.kept and result.reason == "all_flaky"
    assert result.pass_to_pass == ["t::b"] and result.flaky == ["t::a"]


def test_an_instance_whose_tests_only_failed_at_import_is_refused_unless_asked() -> None:
    """Before the change the new test file cannot be imported (one collection error, its tests absent): every
    FAIL_TO_PASS test grades the import. With a genuine failure among them the instance stands."""
    before = Outcomes({"tests/test_new.py": ERROR, "tests/test_old.py::test_kept": PASSED}, frozenset())
    after = Outcomes({"tests/test_new.py::test_a": PASSED, "tests/test_new.py::test_b": PASSED,
                      "tests/test_old.py::test_kept": PASSED}, frozenset())
    refused = compare(before, after)
    assert not refused.kept and refused.reason == "import_error_only"
    assert refused.fail_to_pass == ["tests/test_new.py::test_a", "tests/test_new.py::test_b"]
    assert "all 2 FAIL_TO_PASS test(s) could not be collected" in refused.detail
    assert "not collectable before: tests/test_new.py" in refused.detail
    assert compare(before, after, keep_import_errors=True).kept
    genuine = Outcomes({**before.statuses, "tests/test_old.py::test_fixed": FAILED}, frozenset())
    assert compare(genuine, Outcomes({**after.statuses, "tests/test_old.py::test_fixed": PASSED}, frozenset())).kept


def test_tests_that_fail_for_want_of_a_network_are_their_own_refusal() -> None:
    before = Outcomes({"t.py::a": ERROR, "t.py::b": PASSED}, frozenset(), frozenset({"t.py::a"}))
    after = Outcomes({"t.py::a": ERROR, "t.py::b": PASSED}, frozenset(), frozenset({"t.py::a"}))
    result = compare(before, after)
    assert result.reason == "needs_network" and result.detail.startswith(
        "1 test(s) failed reaching the network after the change (tests run offline), e.g. t.py::a; before: ")
    fixed = Outcomes({"t.py::a": PASSED, "t.py::b": PASSED}, frozenset(), frozenset())
    assert compare(before, fixed).kept  # a network error that the change makes pass is not this refusal


def test_no_fail_to_pass_says_what_the_runs_showed() -> None:
    same = Outcomes({"t.py::a": PASSED, "t.py::b": FAILED}, frozenset())
    result = compare(same, same)
    assert result.reason == "no_fail_to_pass"
    assert result.detail == "before: 1 failed, 1 passed; after: 1 failed, 1 passed"
    skipped = compare(Outcomes({"t.py::a": FAILED}, frozenset()), Outcomes({"t.py::a": SKIPPED}, frozenset()))
    assert skipped.detail == "before: 1 failed; after: 1 skipped"
    nothing = compare(Outcomes({"t.py": ERROR}, frozenset()), Outcomes({"t.py": ERROR}, frozenset()))
    assert nothing.detail == ("before: no test collected; after: no test collected; not collectable before: t.py; "
                              "not collectable after: t.py")
    # The commonest failure message after the change tells an interpreter too new for the code from a bad test.
    strict = "TypeError: __init__() got an unexpected keyword argument 'strict'"
    failing = Outcomes({"t.py::a": FAILED, "t.py::b": FAILED, "t.py::c": ERROR, "t.py::d": PASSED}, frozenset(),
                       messages={"t.py::a": strict, "t.py::b": strict, "t.py::c": "fixture 'httpbin' not found"})
    assert compare(failing, failing).detail == ("before: 1 error, 2 failed, 1 passed; after: 1 error, 2 failed, "
                                                f"1 passed; commonest failure after: {strict} (2 of 3)")


@pytest.mark.index
@pytest.mark.slow
def test_a_new_test_the_eras_interpreter_skips_is_tried_in_todays_environment(tmp_path, sandbox: Sandbox) -> None:
    """A 2021 commit whose new test needs `tomllib` (Python 3.11): the era's older interpreter skips it, which
    would make the change look untestable; today's environment runs it and the instance stands."""
    from codemill.swe.era import interpreters

    if not any(i.version < (3, 11) for i in interpreters()):
        pytest.skip("needs an interpreter older than 3.11")
    root = tmp_path / "conf"
    root.mkdir()
    env = {"GIT_AUTHOR_DATE": "2021-06-01T12:00:00+00:00", "GIT_COMMITTER_DATE": "2021-06-01T12:00:00+00:00",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com"}
    (root / "setup.py").write_text("from setuptools import setup\n\nsetup(name='conf', version='0.1', "
                                   "py_modules=['conf'], extras_require={'test': ['pytest']})\n")
    (root / "conf.py").write_text("def load(text):\n    return {}\n")
    (root / "tests").mkdir()
    (root / "tests" / "test_conf.py").write_text("def test_empty():\n    from conf import load\n"
                                                  "    assert load('') == {}\n")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "conf", env=env)
    base = git(root, "rev-parse", "HEAD").strip()
    (root / "conf.py").write_text("def load(text):\n    import tomllib\n    return tomllib.loads(text)\n")
    (root / "tests" / "test_conf.py").write_text(
        "import pytest\n\n\ndef test_empty():\n    from conf import load\n    assert load('') == {}\n\n\n"
        "def test_table():\n    pytest.importorskip('tomllib')\n    from conf import load\n"
        "    assert load('a = 1') == {'a': 1}\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "load() reads TOML", env=env)
    instance, verification = instance_from_commit(root, git(root, "rev-parse", "HEAD").strip(), sandbox,
                                                  base=base)
    assert instance is not None, verification
    assert instance.FAIL_TO_PASS == ["tests/test_conf.py::test_table"]
    assert "skipped 1 test(s) (before: " in verification.detail  # what the era's runs showed, then
    assert "so today's environment was tried" in verification.detail
    assert instance.env_recipe["era"]["uploaded_prior_to"] is None  # today's


@pytest.mark.index
@pytest.mark.slow
def test_a_dependency_the_change_adds_is_installed_before_the_tests_after_it(repo: Repo, sandbox: Sandbox) -> None:
    """The fix declares a new dependency (`six`) and uses it; without installing it the new test fails after
    the change too and the change looks untestable."""
    base = repo.commit("Add stats", {"pyproject.toml": PYPROJECT, "src/stats/__init__.py": CODE,
                                     "tests/test_stats.py": TESTS})
    fix = repo.commit("mean() accepts text numbers", {
        "pyproject.toml": PYPROJECT.replace('requires-python = ">=3.9"\n',
                                            'requires-python = ">=3.9"\ndependencies = ["six"]\n'),
        "src/stats/__init__.py": CODE.replace("def mean(xs):\n    return sum(xs) / len(xs)",
                                              "def mean(xs):\n    import six\n"
                                              "    xs = [float(x) if isinstance(x, six.string_types) else x "
                                              "for x in xs]\n    return sum(xs) / len(xs)"),
        "tests/test_stats.py": TESTS + "\n\ndef test_mean_text():\n    assert mean(['1', '3']) == 2\n"})
    instance, verification = instance_from_commit(repo.path, fix, sandbox, base=base, era=False)
    assert instance is not None, verification
    assert instance.FAIL_TO_PASS == ["tests/test_stats.py::test_mean_text"]
    assert any(r.lower().startswith("six==") for r in instance.requirements)


def test_tests_whose_ids_name_the_verifiers_path_are_left_out() -> None:
    from codemill.swe.instance import Verification, _drop_located

    scratch = "/tmp/codemill-swe-abc123"
    located = f"tests/test_cli.py::test_prepare_import[{scratch}/checkout/tests/app-cliapp]"
    result = Verification(True, fail_to_pass=["tests/test_cli.py::test_help", located],
                          pass_to_pass=["tests/test_cli.py::test_ok", located.replace("app-", "app2-")])
    _drop_located(result, scratch)
    assert result.kept and result.fail_to_pass == ["tests/test_cli.py::test_help"]
    assert result.pass_to_pass == ["tests/test_cli.py::test_ok"]
    only = Verification(True, fail_to_pass=[located])
    _drop_located(only, scratch)
    assert not only.kept and only.reason == "no_fail_to_pass" and "names the verifier's own path" in only.detail
