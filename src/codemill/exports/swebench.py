"""Verified instances in the forms the `swebench` package (5.x) runs: the harness's columns and a task repository.

swebench 5 builds no environment from a recipe of its own for repositories it does not know: each instance names
its `image`, carries the `eval_script` the harness runs in it, the `log_parser` that reads the run and the
`eval_type` that grades it (`make_test_spec` reads exactly these). The image comes from the instance's task
directory (`tasks/<instance_id>/`: `task.yaml`, `tests.json`, the patches, `eval.sh`, a `Dockerfile` and its build
context), as `swebench.task.repo` lays a task repository out and `run_evaluation --task_repo` builds it.

The image holds the tree of the base commit at /testbed with the environment the verification froze: the era's
interpreter (`python:<X.Y>`), the exported `requirements.txt` installed without resolving anything, then the
project itself, in /testbed/.venv. `eval.sh` resets the test files, applies the test patch and runs pytest on the
files of FAIL_TO_PASS and PASS_TO_PASS between the harness's markers; `swe.portable` runs the same script outside
Docker (`TESTBED` names the tree), which is how the export is checked without a Docker daemon.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from codemill import junit
from codemill.exports.rl import workspace_archive
from codemill.git import read as gitread
from codemill.swe.env import build_pins, present
from codemill.swe.run import pytest_args
from codemill.swe.split import patch_files

# Reads `STATUS nodeid` lines whole: `parse_log_pytest` keeps only the id's first word, so a parametrized id with
# a space (`test_types[longer string]`) would never be found.
LOG_PARSER = "parse_log_pytest_v2"
EVAL_TYPE = "pass_and_fail"  # FAIL_TO_PASS must pass and PASS_TO_PASS keep passing
START, END = ">>>>> Start Test Output", ">>>>> End Test Output"
DATASET = "codemill"  # the dataset the task repository publishes (sweb.yaml)
REPORT = "/tmp/codemill-junit.xml"  # pytest's JUnit report inside the image
JUNIT_SCRIPT = Path(junit.__file__).read_text(encoding="utf-8")  # run by the task's interpreter (see codemill.junit)
JUNIT_DELIMITER = "EOF_CODEMILL_JUNIT"
_VERSION_FILE = re.compile(r"^(?:src/)?[A-Za-z_]\w*/(?:__init__|__about__|__version__|_version|version)\.py$")
_VERSION = re.compile(r"""^__version__\s*(?::\s*str\s*)?=\s*['"]([^'"]+)['"]""", re.MULTILINE)
_STATUSES = ("FAILED", "PASSED", "SKIPPED", "ERROR", "XFAIL")  # swebench's TestStatus
_COLOUR = re.compile(r"\[(\d+)m")
_CONTROL = re.compile("[\x01-\x1f]")
_SKIP_COUNT = re.compile(r"\[\d+\]$")


def image_name(instance_id: str) -> str:
    """The image the harness derives for an instance (`swebench.task.checks.expected_image`)."""
    return f"swebench/sweb.eval.x86_64.{instance_id}:latest".lower().replace("__", "_1776_")


def harness_repo(name: str) -> str:
    """`owner/name`, as the harness and its reports key repositories; a repository known only by its folder
    goes under `local/`."""
    return name if "/" in name else f"local/{name}"


def harness_version(version: str) -> str:
    """major.minor of the package version at the base commit (SWE-bench groups instances by it); "0.0" when the
    version cannot be read statically."""
    try:
        v = Version(version)
    except InvalidVersion:
        return "0.0"
    return f"{v.major}.{v.minor}"


def module_version(tree: set[str], read: Callable[[str], str | None]) -> str | None:
    """The package's `__version__` literal at the base commit (`pkg/__init__.py`, `__version__.py`, `version.py`,
    …, top-level packages first), for projects whose metadata takes the version from the module (`attr:`,
    dynamic): SWE-bench's version is the one the code declares, not the last release tag."""
    for path in sorted((p for p in tree if _VERSION_FILE.match(p)), key=lambda p: (p.count("/"), p)):
        if found := _VERSION.search(read(path) or ""):
            return found.group(1)
    return None


def graded_files(fail_to_pass: list[str], pass_to_pass: list[str]) -> list[str]:
    """The files pytest is pointed at: those of the graded tests, in order of first mention."""
    return list(dict.fromkeys(t.partition("::")[0] for t in [*fail_to_pass, *pass_to_pass]))


def eval_script(test_patch: str, fail_to_pass: list[str], pass_to_pass: list[str],
                existing: list[str] | None = None, pytest_version: tuple[int, int] | None = None) -> str:
    """What the harness runs in the image after applying the model's patch: the test files the test patch
    touches are reset (those of them the base commit has: `existing`, default all), the test patch is applied,
    and between the markers pytest runs on the graded files (with the options its version understands) and
    `codemill.junit` prints a `STATUS nodeid` line per test from pytest's JUnit report and exits with pytest's
    code; then the test files are reset again. The ids are made by the code that made FAIL_TO_PASS, so they
    match whatever the pytest of the task's era prints itself."""
    reset = [p for p in patch_files(test_patch) if existing is None or p in existing]
    delimiter = "EOF_" + hashlib.sha256(test_patch.encode()).hexdigest()[:16]
    if any(line == delimiter for line in test_patch.splitlines()):
        raise ValueError("test patch contains its own heredoc delimiter")
    quoted = " ".join(shlex.quote(p) for p in reset)
    pytest = ["python", "-m", "pytest", *pytest_args(pytest_version, Path(REPORT)),
              *(shlex.quote(f) for f in graded_files(fail_to_pass, pass_to_pass))]
    lines = ["#!/bin/bash", "set -uxo pipefail", 'cd "${TESTBED:-/testbed}"',
             'export PATH="$PWD/.venv/bin:$PATH"']
    if reset:
        lines.append(f"git checkout HEAD -- {quoted}")
    lines += [f"git apply -v - <<'{delimiter}'", test_patch.rstrip("\n"), delimiter, f"rm -f {REPORT}",
              f": '{START}'", " ".join(pytest),
              f"python - {REPORT} . $? <<'{JUNIT_DELIMITER}'", JUNIT_SCRIPT.rstrip("\n"), JUNIT_DELIMITER,
              f": '{END}'"]
    if reset:
        lines.append(f"git checkout HEAD -- {quoted}")
    return "\n".join(lines) + "\n"


def pinned_pytest(requirements: list[str]) -> tuple[int, int] | None:
    """(major, minor) of the pytest the frozen environment pins; None when it pins none."""
    for line in requirements:
        found = re.match(r"pytest==(\d+)\.(\d+)", line.strip(), re.IGNORECASE)
        if found:
            return int(found.group(1)), int(found.group(2))
    return None


def dockerfile(python: str, source_layout: bool) -> str:
    """The image of one instance: the base tree from the build context, the frozen requirements without
    resolution, then the project (editable; a `.pth` putting its source first when an old setuptools cannot
    install it editable, as the verification did)."""
    source = "/testbed/src" if source_layout else "/testbed"
    return "\n".join([
        f"FROM python:{python}",
        "COPY testbed.tar.gz requirements.txt constraints.txt /tmp/codemill/",
        "RUN mkdir /testbed && tar -xzf /tmp/codemill/testbed.tar.gz -C /testbed && cd /testbed \\",
        " && git init -q && echo .venv >> .git/info/exclude && git add -A --force \\",
        " && git -c user.name=codemill -c user.email=codemill@localhost commit -q -m base",
        "WORKDIR /testbed",
        # The constraints (in the environment, so they reach pip's isolated builds of sdists, which would otherwise
        # take today's setuptools) are the frozen pins.
        "RUN python -m venv .venv && PIP_CONSTRAINT=/tmp/codemill/constraints.txt \\",
        "      .venv/bin/python -m pip install --no-deps -r /tmp/codemill/requirements.txt",
        "RUN if [ -f pyproject.toml ] || [ -f setup.py ] || [ -f setup.cfg ]; then \\",
        "      PIP_CONSTRAINT=/tmp/codemill/constraints.txt .venv/bin/python -m pip install --no-deps -e . \\",
        f"      || echo 'import sys; sys.path.insert(0, \"{source}\")' \\",
        "         > \"$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()[\"purelib\"])')"
        "/_codemill_source_first.pth\"; fi",
        'ENV PATH="/testbed/.venv/bin:$PATH"',
        "",
    ])


def python_of(env_recipe: dict[str, Any], fallback: str) -> str:
    """The interpreter (X.Y) the environment was verified with."""
    era = env_recipe.get("era") or {}
    return era.get("python") or fallback


def harness_row(instance: dict[str, Any], existing: list[str] | None = None) -> dict[str, Any]:
    """One SWE-Gym-form instance (test lists as lists) as swebench 5's dataset row: test lists as JSON strings
    and the columns `make_test_spec` needs. Tests whose ids the harness's log parser cannot read back are left
    out of both lists (`ungraded` names them): the harness would count them as never run. A row whose
    FAIL_TO_PASS is then empty cannot be graded by the harness (the export leaves it out of this form)."""
    ok = {t: readable(t) for t in [*instance["FAIL_TO_PASS"], *instance["PASS_TO_PASS"]]}
    f2p = [t for t in instance["FAIL_TO_PASS"] if ok[t]]
    p2p = [t for t in instance["PASS_TO_PASS"] if ok[t]]
    ungraded = [t for t, fine in ok.items() if not fine]
    return {**instance, "repo": harness_repo(instance["repo"]), "version": harness_version(instance["version"]),
            "FAIL_TO_PASS": json.dumps(f2p), "PASS_TO_PASS": json.dumps(p2p),
            "image": image_name(instance["instance_id"]), "log_parser": LOG_PARSER, "eval_type": EVAL_TYPE,
            "eval_script": eval_script(instance["test_patch"], f2p, p2p, existing,
                                       pinned_pytest(instance["requirements"])),
            "ungraded": ungraded}


def source_layout(tree: set[str]) -> bool:
    """Whether the project keeps its package under `src/` (what a source-first `.pth` must point at)."""
    return any(p.startswith("src/") and p.endswith(".py") for p in tree)


def task_files(row: dict[str, Any], *, split: str, python: str, source_layout: bool,
               testbed: bytes) -> dict[str, bytes]:
    """`tasks/<instance_id>/` of a task repository (`swebench.task.repo`): `task.yaml` (written as JSON, which
    YAML reads), `tests.json`, the patches, the problem statement, `eval.sh`, and the image's `Dockerfile` with its
    build context (`testbed.tar.gz`, the base tree; `requirements.txt`, the frozen environment; `constraints.txt`,
    its pins, for the source builds). `task.yaml` also
    names the interpreter (`python`), which `swe.portable` builds with."""
    keep = ("instance_id", "repo", "version", "base_commit", "created_at", "environment_setup_commit", "image",
            "log_parser", "eval_type")
    meta = {**{k: row[k] for k in keep}, "split": split, "datasets": [DATASET], "python": python}
    tests = {"FAIL_TO_PASS": json.loads(row["FAIL_TO_PASS"]), "PASS_TO_PASS": json.loads(row["PASS_TO_PASS"])}
    files = {"task.yaml": json.dumps(meta, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
             "tests.json": json.dumps(tests, indent=2, ensure_ascii=False) + "\n",
             "gold.patch": row["patch"], "test.patch": row["test_patch"], "eval.sh": row["eval_script"],
             "problem_statement.md": row["problem_statement"],
             "Dockerfile": dockerfile(python, source_layout),
             "requirements.txt": "".join(f"{line}\n" for line in row["requirements"]),
             "constraints.txt": build_pins(row["requirements"])}
    if row.get("hints_text"):
        files["hints.md"] = row["hints_text"]
    return {name: text.encode() for name, text in files.items()} | {"testbed.tar.gz": testbed}


def harness_task(instance: dict[str, Any], location: str, split: str) -> tuple[dict[str, Any], dict[str, bytes]]:
    """An instance's harness row and task directory, with what they need from the repository at the base commit
    (read through libgit2: nothing it configures runs): which test files exist, the source layout, the version
    (declared, else the module's `__version__`, else the nearest tag) and the tree itself."""
    base = instance["base_commit"]
    tree = set(gitread.tree_paths(location, base))
    version = (instance["version"] or module_version(tree, lambda p: gitread.read_text(location, base, p))
               or (gitread.nearest_tag(location, base) or "").removeprefix("v"))
    row = harness_row(instance | {"version": version},
                      existing=[p for p in patch_files(instance["test_patch"]) if p in tree])
    python = python_of(instance["env_recipe"], present().interpreter.label)
    files = task_files(row, split=split, python=python, source_layout=source_layout(tree),
                       testbed=workspace_archive(location, base))
    return row, files


def sweb_yaml(splits: list[str]) -> bytes:
    """The task repository's `sweb.yaml` (as JSON): the one dataset it publishes and its splits."""
    return (json.dumps({"datasets": [DATASET], "splits": sorted(splits)}, indent=2) + "\n").encode()


def statuses(log: str) -> dict[str, str]:
    """{test: status} from the lines between the markers, read as `parse_log_pytest_v2` reads them (its rules,
    quirks included, so that what this says the harness will see is what it sees): `[<digits>m` colour remnants
    and control characters removed; a line starting with a status names the test with the rest of the line (a
    failure's ` - message` cut off; pytest's `SKIPPED [N] file:line: reason` summary names none); else a line
    ending with a status names the test with what precedes it."""
    inside = log.split(START, 1)[-1].split(END, 1)[0] if START in log else ""
    out = {}
    for raw in inside.split("\n"):
        line = _CONTROL.sub("", _COLOUR.sub("", raw))
        if line.startswith(_STATUSES):
            if line.startswith("FAILED"):
                line = line.split(" - ", 1)[0]
            words = line.split()
            if len(words) >= 2 and not (words[0] == "SKIPPED" and _SKIP_COUNT.match(words[1])):
                out[" ".join(words[1:])] = words[0]
        elif line.endswith(_STATUSES):
            words = line.split()
            if len(words) >= 2:
                out[" ".join(words[:-1])] = words[-1]
    return out


def readable(test: str) -> bool:
    """Whether the harness's log parser reads `test` back from the line `PASSED <test>`: an id it would mangle
    (a space run, `[2m` in a parameter, a control character) can never be graded."""
    return statuses(f"{START}\nPASSED {test}\n{END}") == {test: "PASSED"}


def resolved(found: dict[str, str], fail_to_pass: list[str], pass_to_pass: list[str]) -> bool:
    """The harness's verdict for `pass_and_fail` on a log's `statuses`: every FAIL_TO_PASS and PASS_TO_PASS test
    passed."""
    return all(found.get(t) in ("PASSED", "XFAIL") for t in [*fail_to_pass, *pass_to_pass])
