"""`codemill.rundir`: every accessor on a real run, one error type naming the path for every way a run directory
can fail a reader, nothing ever written, and no other reader opening manifests by itself."""

from __future__ import annotations

import ast
import shutil
import tomllib
from pathlib import Path

import pytest

import codemill
from codemill import pipeline
from codemill.config import Config, to_toml
from codemill.engine.manifest import load_manifest
from codemill.layout import SELECT_SHORTFALL, SELECT_SPLITS
from codemill.rundir import RunDir, RunDirError
from codemill.stages.registry import PIPELINE

from gitrepo import MIT, Repo
from readback import dropped_rows, kept_rows, through

CONFIG = Config.model_validate({"run": {"workers": 1}, "select": {"min_score": 0.0}})


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run through `select` of a small repository, plus a source that does not exist (quarantined)."""
    root = tmp_path_factory.mktemp("rundir")
    r = Repo(root / "repo")
    r.commit("Add pagination helper for list endpoints",
             {"src/pages.py": "def page(items, n):\n    return items[:n]\n", "LICENSE": MIT})
    r.commit("Fix off-by-one in pagination when results are empty",
             {"src/pages.py": "def page(items, n):\n    if not items:\n        return []\n    return items[:n]\n"})
    r.commit("Update lockfile", {"poetry.lock": "[[package]]\nname = 'x'\n"})
    r.commit("wip", {"src/pages.py": "def page(items, n):\n    return list(items[:n])\n"})
    out = root / "run"
    assert pipeline.run(out, CONFIG, [str(r.path), str(root / "missing")], only=through("select")).ok
    return out


@pytest.fixture
def damaged(built: Path, tmp_path: Path) -> Path:
    """A private copy of the run to break."""
    return Path(shutil.copytree(built, tmp_path / "run"))


def test_the_run_as_it_wrote_itself(built: Path):
    run = RunDir(built)
    assert run.has_config and run.config() == CONFIG
    assert run.config_data() == tomllib.loads(to_toml(CONFIG))
    assert run.sources() == sorted([str(built.parent / "repo"), str(built.parent / "missing")])
    assert run.quarantine() == pipeline.quarantined(built)
    assert [(q.what, q.key) for q in run.quarantine()] == [("source", str(built.parent / "missing"))]
    states = run.states(PIPELINE)
    assert states["pairs"].state == "done" and states["export"].state == "missing"


def test_manifests_and_parts(built: Path):
    run = RunDir(built)
    m = run.manifest("pairs")
    assert m.digest() == load_manifest(built / "pairs").digest() and run.manifest(m) is m
    assert run.has_manifest("pairs") and not run.has_manifest("export") and run.manifest_or_none("export") is None
    assert not run.running("pairs")
    kept, dropped = kept_rows(built, "pairs"), dropped_rows(built, "pairs")
    assert sum(a.rows for a in run.parts("pairs", "kept")) == len(kept) == m.totals()["kept"]
    assert run.table("pairs", "kept", ["pair_id"]).column_names == ["pair_id"]
    assert run.table(m, "kept", ["pair_id"])["pair_id"].to_pylist() == [r["pair_id"] for r in kept]
    assert [r["pair_id"] for r in run.rows("pairs", "dropped", ["pair_id"], batch_rows=1)] == \
        [r["pair_id"] for r in dropped]
    assert list(run.rows("pairs", "kept")) == kept
    part = run.parts("pairs", "dropped")[0]
    assert "drop_reason" in run.names(part) and run.read(part.path, ["drop_reason"]).num_rows == part.rows
    assert run.table("pairs", "kept").to_pylist() == kept


def test_files_a_stage_wrote(built: Path):
    run = RunDir(built)
    assert {a.path for a in run.files("select")} >= {f"select/{SELECT_SHORTFALL}", f"select/{SELECT_SPLITS}"}
    assert run.stage_file("select", SELECT_SPLITS) == built / "select" / SELECT_SPLITS
    assert run.stage_json("select", SELECT_SPLITS)["method"] in ("repository", "time")
    assert run.stage_file("select", "nothing.json") is None and run.stage_json("pairs", SELECT_SPLITS) is None


def test_not_a_run_directory(tmp_path: Path):
    with pytest.raises(RunDirError, match=f"no run directory at {tmp_path / 'nowhere'}"):
        RunDir(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(RunDirError, match=f"{tmp_path / 'empty'} is not a run directory"):
        RunDir(tmp_path / "empty")


def test_a_stage_that_has_not_run_names_its_manifest(built: Path):
    run = RunDir(built)
    with pytest.raises(RunDirError, match=f"stage 'export' has not run in {built}: there is no "
                                          f"{built / 'export' / 'manifest.json'}"):
        run.parts("export", "kept")
    with pytest.raises(RunDirError, match="is not a stage name"):
        run.manifest("../pairs")


@pytest.mark.parametrize("content", ["{not json", "{}", '{"stage": "pairs"}', "[]"])
def test_a_corrupt_manifest_is_an_error_naming_it(damaged: Path, content: str):
    path = damaged / "pairs" / "manifest.json"
    path.write_text(content)
    run = RunDir(damaged)
    for read in (lambda: run.manifest("pairs"), lambda: run.manifest_or_none("pairs"),
                 lambda: run.table("pairs", "kept")):
        with pytest.raises(RunDirError, match=f"{path} cannot be read"):
            read()


def test_missing_or_torn_parts_and_files(damaged: Path):
    run = RunDir(damaged)
    part = damaged / run.parts("pairs", "kept")[0].path
    part.write_bytes(part.read_bytes()[: part.stat().st_size // 2])
    with pytest.raises(RunDirError, match=f"{part} cannot be read"):
        run.table("pairs", "kept")
    with pytest.raises(RunDirError, match=f"{part} cannot be read"):
        list(run.rows("pairs", "kept"))
    part.unlink()
    with pytest.raises(RunDirError, match=f"{part} is missing: its manifest lists it"):
        run.names(part.relative_to(damaged).as_posix())
    splits = damaged / "select" / SELECT_SPLITS
    splits.write_text("[1]")
    with pytest.raises(RunDirError, match=f"{splits} is not a JSON object"):
        run.stage_json("select", SELECT_SPLITS)
    splits.unlink()
    with pytest.raises(RunDirError, match=f"{splits} is missing"):
        run.stage_file("select", SELECT_SPLITS)


def test_corrupt_run_level_files_name_themselves(damaged: Path):
    run = RunDir(damaged)
    (damaged / "config.toml").write_text("[select]\nmin_score = 'high'\n")
    with pytest.raises(RunDirError, match=f"the run's config {damaged / 'config.toml'} cannot be used"):
        run.config()
    (damaged / "config.toml").write_text("[select\n")
    with pytest.raises(RunDirError, match=f"the run's config {damaged / 'config.toml'} cannot be read"):
        run.config_data()
    (damaged / "sources.json").write_text("{")
    with pytest.raises(RunDirError, match=f"{damaged / 'sources.json'} cannot be read"):
        run.sources()
    (damaged / "quarantine.json").write_text('[{"what": "shard"}]')
    with pytest.raises(RunDirError, match=f"{damaged / 'quarantine.json'} holds a malformed record"):
        run.quarantine()


def _tree(root: Path) -> dict[str, bytes | None]:
    return {p.relative_to(root).as_posix(): p.read_bytes() if p.is_file() else None for p in sorted(root.rglob("*"))}


def test_nothing_is_written(damaged: Path):
    """Every accessor, and every error path, leaves the run directory byte-identical."""
    (damaged / "repos" / "manifest.json").write_text("{torn")
    before = _tree(damaged)
    run = RunDir(damaged)
    run.config(), run.config_data(), run.sources(), run.quarantine(), run.states(PIPELINE)
    for stage in ("sources", "commits", "pairs", "select"):
        for role in ("kept", "dropped"):
            run.table(stage, role), list(run.rows(stage, role)), [run.names(a) for a in run.parts(stage, role)]
        run.files(stage), run.running(stage)
    run.stage_json("select", SELECT_SHORTFALL), run.stage_json("select", SELECT_SPLITS)
    for broken in (lambda: run.manifest("repos"), lambda: run.manifest("export"), lambda: run.read("pairs/nope")):
        with pytest.raises(RunDirError):
            broken()
    assert _tree(damaged) == before


ROOT = Path(codemill.__file__).parent
MAY_OPEN_MANIFESTS = ("rundir.py", "pipeline.py", "lineup.py", "engine/", "stages/")
MANIFEST_READERS = {"load_manifest", "why_missing", "MANIFEST", "JOURNAL"}


def manifest_reads(path: Path) -> list[str]:
    """What in a module reads a manifest by itself: the file name as a string, the engine's manifest readers
    imported, or `Manifest.from_json` called."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and \
                node.value.rsplit("/", 1)[-1] in ("manifest.json", ".journal.jsonl"):
            found.append(node.value)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").endswith("engine.manifest"):
            found += [a.name for a in node.names if a.name in MANIFEST_READERS]
        elif isinstance(node, ast.Attribute) and node.attr == "from_json" and \
                isinstance(node.value, ast.Name) and node.value.id == "Manifest":
            found.append("Manifest.from_json")
    return found


def test_only_rundir_reads_manifests_above_the_engine(tmp_path: Path):
    offenders = {p.relative_to(ROOT).as_posix(): manifest_reads(p) for p in sorted(ROOT.rglob("*.py"))
                 if not p.relative_to(ROOT).as_posix().startswith(MAY_OPEN_MANIFESTS)}
    assert {k: v for k, v in offenders.items() if v} == {}
    probe = tmp_path / "probe.py"
    probe.write_text("from codemill.engine.manifest import Manifest, load_manifest\nimport json\n"
                     "m = Manifest.from_json(json.loads(open('x/manifest.json').read()))\n")
    assert sorted(manifest_reads(probe)) == ["Manifest.from_json", "load_manifest", "x/manifest.json"]
