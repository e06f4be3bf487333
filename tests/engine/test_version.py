"""A stage's code version covers the code it runs and nothing else: editing the review desk or the CLI leaves
the mined stages done; editing a module a stage imports (however indirectly), the engine, or the stage's
`version` marks it stale."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import codemill
from codemill.engine import version as v
from codemill.stages.commits import CommitsStage
from codemill.stages.registry import PIPELINE


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A copy of codemill's source to edit."""
    root = tmp_path / "codemill"
    shutil.copytree(Path(codemill.__file__).parent, root, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def versions(root: Path) -> dict[str, str]:
    v.forget()
    return {s.name: v.stage_code_version(s.__module__, s.version, root) for s in PIPELINE}


def edit(root: Path, rel: str) -> None:
    path = root / rel
    path.write_text(path.read_text() + "\n# edited\n")


def test_editing_the_review_desk_or_the_cli_leaves_every_stage_done(package: Path) -> None:
    before = versions(package)
    edit(package, "review/app.py")
    edit(package, "cli/__init__.py")
    edit(package, "cli/terminal.py")
    edit(package, "runreport/html.py")
    assert versions(package) == before


def test_editing_what_a_stage_imports_marks_it_and_only_the_stages_that_import_it_stale(package: Path) -> None:
    before = versions(package)
    edit(package, "categorize/rules.py")  # read by pairs (through categorize), not by the corpus side
    after = versions(package)
    changed = {name for name in before if before[name] != after[name]}
    assert "pairs" in changed and "commits" not in changed and "files" not in changed
    assert v.module_closure("codemill.stages.pairs", package) >= {package / "categorize/rules.py"}


def test_a_package_that_re_exports_is_followed_only_for_the_names_taken(package: Path) -> None:
    """`from codemill.quality import Weights` (as the config does, through `quality.weights`) is not a
    dependency on everything `quality/__init__.py` re-exports: editing the pair scorer leaves the corpus side
    done."""
    before = versions(package)
    edit(package, "quality/specificity.py")
    after = versions(package)
    changed = {name for name in before if before[name] != after[name]}
    assert "pairs" in changed and not changed & {"files", "clean", "dedup", "documents", "corpus", "commits"}


def test_a_module_reached_only_through_a_relative_import_or_inside_a_function_counts(package: Path) -> None:
    closure = v.module_closure("codemill.stages.commits", package)
    assert package / "stages/commits/prs.py" in closure  # `from codemill.stages.commits.prs import ...`
    assert package / "stages/__init__.py" in closure and package / "__init__.py" in closure
    before = versions(package)
    edit(package, "stages/commits/prs.py")
    assert versions(package)["commits"] != before["commits"]


def test_data_a_module_reads_beside_itself_counts(package: Path) -> None:
    """A refitted category model (`categorize/model.json`) changes what `pairs` emits; the harness files copied
    into the sandbox change what `rl` verifies."""
    assert package / "categorize/model.json" in v.module_closure("codemill.stages.pairs", package)
    assert package / "rl/harness/report.py" in v.module_closure("codemill.stages.rl", package)
    before = versions(package)
    edit(package, "categorize/model.json")
    assert versions(package)["pairs"] != before["pairs"]


def test_the_engine_and_the_hand_bumped_version_mark_every_stage_stale(package: Path) -> None:
    before = versions(package)
    edit(package, "engine/artifacts.py")
    after = versions(package)
    assert all(before[name] != after[name] for name in before)
    assert v.stage_code_version(CommitsStage.__module__, 2, package) != after["commits"]


def test_the_installed_stages_report_their_version() -> None:
    assert CommitsStage.code_version().startswith(f"{codemill.__version__}+src.")
    assert CommitsStage.code_version() != PIPELINE[-1].code_version()
