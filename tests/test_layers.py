"""The layers run one way: libraries below stages, stages below the pipeline, the engine below all of them.

No module outside `stages/` imports from `codemill.stages` (by an import statement, relative or absolute, or by
name through `importlib`), except the pipeline (with `lineup`, its half that readers of a run use) and the CLI,
which put the stages together; and the engine (and `rundir.py`, which reads a run directory for the applications)
imports no stage and nothing above it: it takes stage classes from its caller.
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import codemill

ROOT = Path(codemill.__file__).parent
ASSEMBLERS = ("pipeline.py", "lineup.py", "cli/")
ABOVE_THE_ENGINE = ("codemill.stages", "codemill.pipeline", "codemill.cli", "codemill.review", "codemill.runreport")


def imported(path: Path, root: Path = ROOT) -> set[str]:
    """Every module a file imports, as dotted names (relative imports resolved), and every constant string it
    hands to `importlib.import_module`, `importlib.util.find_spec` or `__import__`."""
    package = ".".join(("codemill", *path.relative_to(root).parent.parts))
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            out.add(module)
            out.update(f"{module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in ("import_module", "find_spec", "__import__"):
                out.update(a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str))
    return out


def modules(*, outside: str) -> dict[str, set[str]]:
    return {p.relative_to(ROOT).as_posix(): imported(p) for p in sorted(ROOT.rglob("*.py"))
            if not p.relative_to(ROOT).as_posix().startswith(outside)}


def test_nothing_outside_the_stages_imports_them_but_the_pipeline_and_the_cli() -> None:
    offenders = {path: sorted(n for n in names if n == "codemill.stages" or n.startswith("codemill.stages."))
                 for path, names in modules(outside="stages/").items() if not path.startswith(ASSEMBLERS)}
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_engine_imports_no_stage_and_nothing_above_it() -> None:
    engine = {path: names for path, names in modules(outside="").items() if path.startswith("engine/")}
    offenders = {path: sorted(n for n in names if n.startswith(ABOVE_THE_ENGINE)) for path, names in engine.items()}
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_run_directory_reader_sits_on_the_engine() -> None:
    """`rundir.py` is read by the applications above it and imports nothing above the engine itself."""
    names = imported(ROOT / "rundir.py")
    assert sorted(n for n in names if n.startswith(ABOVE_THE_ENGINE)) == []


def test_the_check_sees_every_kind_of_import(tmp_path: Path) -> None:
    """The detector itself: absolute, relative, inside a function and by name."""
    probe = tmp_path / "engine" / "probe.py"
    probe.parent.mkdir()
    probe.write_text("import importlib\nfrom ..stages import registry\n\ndef f():\n"
                     "    from codemill.stages.commits import prs\n    importlib.import_module('codemill.stages.rl')\n")
    found = imported(probe, tmp_path)
    assert {"codemill.stages.registry", "codemill.stages.commits.prs", "codemill.stages.rl"} <= found


def test_test_modules_have_unique_names() -> None:
    """The test folders have no __init__.py, so pytest imports each test module by its base name: two files
    called test_x.py in different folders make the second fail to collect ("import file mismatch")."""
    tests = Path(__file__).parent
    names = Counter(p.name for p in tests.rglob("test_*.py"))
    assert not [name for name, n in names.items() if n > 1]
