"""The swebench 5 columns of an instance, checked against swebench's own readers: its log parser on the lines
`eval.sh` makes pytest print, its image naming, and the test-output markers its grader slices on."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from codemill.exports.swebench import (
    END,
    JUNIT_SCRIPT,
    LOG_PARSER,
    START,
    eval_script,
    graded_files,
    harness_repo,
    harness_row,
    harness_version,
    image_name,
    module_version,
    readable,
    resolved,
    statuses,
)

TEST_PATCH = ("diff --git a/tests/test_a.py b/tests/test_a.py\n--- a/tests/test_a.py\n+++ b/tests/test_a.py\n"
              "@@ -1 +1,2 @@\n x = 1\n+y = 2\n"
              "diff --git a/tests/test_new.py b/tests/test_new.py\nnew file mode 100644\n--- /dev/null\n"
              "+++ b/tests/test_new.py\n@@ -0,0 +1 @@\n+z = 3\n")
LOG = f"""+ : '{START}'
============================= test session starts ==============================
=========================== short test summary info ============================
PASSED tests/test_a.py::test_ok
PASSED tests/test_a.py::test_param[a-b]
PASSED tests/test_a.py::test_types[longer string]
FAILED tests/test_a.py::TestK::test_bad - AssertionError: assert 1 == 2
ERROR tests/test_new.py::test_fixture - RuntimeError
SKIPPED [1] tests/test_a.py:9: no network
+ : '{END}'
PASSED tests/test_a.py::outside_the_markers
"""


def test_names_and_versions_as_the_harness_keys_them():
    assert harness_repo("psf/requests") == "psf/requests" and harness_repo("paging") == "local/paging"
    assert harness_version("3.0.0.dev0") == "3.0" and harness_version("2.31.0") == "2.31"
    assert harness_version("") == harness_version("attr: pkg.__version__") == "0.0"
    assert image_name("psf__requests-6028") == "swebench/sweb.eval.x86_64.psf_1776_requests-6028:latest"


def test_statuses_match_the_log_parser_the_instances_name():
    from swebench.harness.log_parsers import PARSER_REGISTRY

    inside = LOG.split(START)[1].split(END)[0]
    assert statuses(LOG) == PARSER_REGISTRY[LOG_PARSER](inside, None) == {
        "tests/test_a.py::test_ok": "PASSED", "tests/test_a.py::test_param[a-b]": "PASSED",
        "tests/test_a.py::test_types[longer string]": "PASSED",
        "tests/test_a.py::TestK::test_bad": "FAILED",
        "tests/test_new.py::test_fixture - RuntimeError": "ERROR"}  # only a failure's message is cut off
    assert resolved(statuses(LOG), ["tests/test_a.py::test_ok"], ["tests/test_a.py::test_param[a-b]"])
    assert not resolved(statuses(LOG), ["tests/test_a.py::TestK::test_bad"], [])
    # only what ran between the markers
    assert not resolved(statuses(LOG), ["tests/test_a.py::outside_the_markers"], [])


def test_the_eval_script_resets_only_existing_test_files_and_runs_the_graded_files():
    script = eval_script(TEST_PATCH, ["tests/test_new.py::test_z"], ["tests/test_a.py::test_ok"],
                         existing=["tests/test_a.py"])
    assert script.count("git checkout HEAD -- tests/test_a.py\n") == 2 and "-- tests/test_new.py" not in script
    run = script.split(f": '{START}'\n")[1].split("\n")[0]
    assert run.startswith("python -m pytest -rA -p no:cacheprovider --junitxml=") and run.endswith(
        " tests/test_new.py tests/test_a.py")
    assert "--continue-on-collection-errors" in run and "junit_family=xunit1" in run
    old = eval_script(TEST_PATCH, ["tests/test_new.py::test_z"], [], pytest_version=(2, 8))
    assert "-rA" not in old and "--continue-on-collection-errors" not in old and "junit_family" not in old
    assert TEST_PATCH.rstrip("\n") in script and script.startswith("#!/bin/bash\nset -uxo pipefail\n")
    assert graded_files(["a.py::x", "b.py::y"], ["a.py::z"]) == ["a.py", "b.py"]


JUNIT = b"""<?xml version="1.0" encoding="utf-8"?><testsuite>
<testcase classname="tests.test_a.TestK" file="tests/test_a.py" name="test_bad"><failure message="x"/></testcase>
<testcase classname="tests.test_a" file="tests/test_a.py" name="test_param[a-b]"/>
<testcase classname="tests.test_old.TestOld" name="test_y"><skipped/></testcase>
</testsuite>"""


@pytest.mark.parametrize("python", ["3.7", "3.13"])
def test_the_embedded_summary_runs_on_every_interpreter_an_era_uses(python, tmp_path: Path):
    """The script `eval.sh` feeds the task's interpreter prints the verifier's ids and passes pytest's exit code
    on, on the oldest interpreter an environment is built with as on the newest."""
    from codemill.swe.era import interpreters

    found = [i for i in interpreters() if i.label == python]
    if not found:
        pytest.skip(f"no Python {python} here")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_old.py").write_text("")
    (tmp_path / "report.xml").write_bytes(JUNIT)
    proc = subprocess.run([found[0].executable, "-", "report.xml", ".", "1"], input=JUNIT_SCRIPT, text=True,
                          cwd=tmp_path, capture_output=True, check=False)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.splitlines() == ["FAILED tests/test_a.py::TestK::test_bad",
                                        "PASSED tests/test_a.py::test_param[a-b]",
                                        "SKIPPED tests/test_old.py::TestOld::test_y"]
    assert statuses(f"{START}\n{proc.stdout}{END}") == {line.split()[1]: line.split()[0]
                                                        for line in proc.stdout.splitlines()}


@pytest.mark.parametrize("test", ["tests/test_u.py::test_url[2mailto-mailto:a@b.org]",
                                  "tests/test_j.py::test_types[longer string]",
                                  "tests/test_j.py::test_types[a  b]", "tests/test_j.py::test_x[a - b]",
                                  "tests/test_ok.py::TestK::test_fine[1-2]"])
def test_readable_says_what_the_harness_reads_back(test):
    from swebench.harness.log_parsers import PARSER_REGISTRY

    line = f"PASSED {test}\n"
    assert readable(test) == (PARSER_REGISTRY[LOG_PARSER](line, None) == {test: "PASSED"})
    row = harness_row({"instance_id": "o__r-1", "repo": "o/r", "version": "1.2", "test_patch": TEST_PATCH,
                       "FAIL_TO_PASS": ["tests/test_a.py::test_ok", test], "PASS_TO_PASS": [test],
                       "requirements": ["pytest==8.3.2"]})
    kept = json.loads(row["FAIL_TO_PASS"]) + json.loads(row["PASS_TO_PASS"])
    assert (test in kept) == readable(test) and (test in row["ungraded"]) != readable(test)


def test_the_version_the_code_declares_top_level_package_first():
    files = {"src/flask/__init__.py": '__version__ = "2.0.0.dev"\n', "tests/pkg/__init__.py": '__version__ = "9.9"\n',
             "src/flask/json/__init__.py": "", "requests/__version__.py": "__title__ = 'r'\n__version__ = '2.12.4'\n"}
    assert module_version({"src/flask/__init__.py", "src/flask/json/__init__.py"}, files.get) == "2.0.0.dev"
    assert module_version({"requests/__version__.py"}, files.get) == "2.12.4"
    assert module_version({"src/flask/json/__init__.py"}, files.get) is None
    assert harness_version(module_version({"src/flask/__init__.py"}, files.get)) == "2.0"
