"""User stages join the pipeline from the config (`[run] stages`) or an installed entry point, run like built-in
stages (planned, reused, listed by status and verify), and a bad one fails when the pipeline is assembled, with
one message naming it. The stage is the example package in `examples/user_stage/`."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pyarrow as pa
import pytest

from codemill import pipeline
from codemill.config import Config, ConfigError, Section
from codemill.engine.stage import PlanContext, Shard, ShardOutput, Stage
from codemill.engine.version import foreign_root, module_closure
from codemill.lineup import judged_stages
from codemill.pipeline import stage_states, stages_of, verify_run
from codemill.runreport import build_report
from codemill.stages.index import StageInfo
from codemill.stages.registry import PIPELINE
from codemill.stages.user import UserStageError, order_stages

from gitrepo import Repo
from readback import dropped_rows, kept_rows

EXAMPLE = Path(__file__).parents[2] / "examples" / "user_stage"
SPEC = "codemill_langlines:LangLinesStage"
ONLY = ["sources", "repos", "files", "langlines"]


@pytest.fixture
def example(monkeypatch: pytest.MonkeyPatch) -> None:
    """The example package importable, as an installed (or PYTHONPATH'd) package would be."""
    monkeypatch.syspath_prepend(str(EXAMPLE))


def cfg(**sections: dict) -> Config:
    base: dict = {"run": {"workers": 1, "stages": [SPEC]}}
    for k, v in sections.items():
        base.setdefault(k, {}).update(v)
    return Config.model_validate(base)


def test_a_config_named_stage_runs_is_reused_and_listed(tmp_path: Path, small_repo: Repo, example: None) -> None:
    out = tmp_path / "out"
    config = cfg(stages={"langlines": {"min_files": 2}})
    first = pipeline.run(out, config, [str(small_repo.path)], only=ONLY)
    assert first.ok and first.ran["langlines"] == 1
    expected: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for f in kept_rows(out, "files"):
        expected[f["language"] or "(unknown)"][0] += 1
        expected[f["language"] or "(unknown)"][1] += f["lines"] or 0
    rows = {r["language"]: [r["files"], r["lines"]] for r in kept_rows(out, "langlines")}
    assert rows == {lang: n for lang, n in expected.items() if n[0] >= 2} and rows["Python"] == [2, 6]
    assert {r["language"] for r in dropped_rows(out, "langlines")} == {k for k, n in expected.items() if n[0] < 2}
    assert {r["drop_reason"] for r in dropped_rows(out, "langlines")} == {"too_few_files"}

    again = pipeline.run(out, config, [], only=ONLY)
    assert again.ran["langlines"] == 0 and again.reused["langlines"] == 1
    assert stage_states(out, config)["langlines"].state == "done"
    assert stage_states(out, cfg())["langlines"].why == "config [langlines] changed"
    report = verify_run(out)  # the stages come from the run's own config.toml
    assert report.ok and any(p.startswith("langlines/") for p in _listed(out))

    page = build_report(out, tmp_path / "report").index.read_text()
    assert "langlines" in page  # in the report's stage table, like every stage that ran

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(EXAMPLE), *sys.path]), "COLUMNS": "160"}
    status = subprocess.run([sys.executable, "-m", "codemill", "status", str(out)], capture_output=True, text=True,
                            env=env, timeout=300)
    assert status.returncode == 0, status.stderr
    assert "langlines" in status.stdout


def _listed(out: Path) -> list[str]:
    from codemill.engine.manifest import load_manifest

    m = load_manifest(out / "langlines")
    assert m is not None
    return [a.path for a in m.artifacts()]


def test_a_user_stage_comes_right_after_its_upstreams_and_its_code_is_its_version(example: None) -> None:
    stages = [cls.name for cls in stages_of(cfg())]
    assert stages.index("langlines") == stages.index("files") + 1
    assert [s for s in stages if s != "langlines"] == [cls.name for cls in PIPELINE]
    package = EXAMPLE / "codemill_langlines"
    assert foreign_root("codemill_langlines.stage") == (("codemill_langlines", package),)
    closure = module_closure("codemill_langlines.stage", others=(("codemill_langlines", package),))
    assert {package / "stage.py", package / "__init__.py"} <= closure
    assert any(p.name == "stage.py" and p.parent.name == "engine" for p in closure)  # `from codemill.engine...`


def test_status_imports_the_user_stage_and_reads_the_built_ins_from_source(example: None) -> None:
    judged, imported = judged_stages(cfg()), stages_of(cfg())
    assert [s.name for s in judged] == [cls.name for cls in imported]
    assert [s.code_version() for s in judged] == [cls.code_version() for cls in imported]
    assert [s.config_digest(cfg()) for s in judged] == [cls.config_digest(cfg()) for cls in imported]
    assert {s.name for s in judged if not isinstance(s, StageInfo)} == {"langlines"}


def test_an_installed_entry_point_adds_a_stage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               example: None) -> None:
    """A real distribution's metadata on sys.path, as pip would install it: importlib.metadata finds it."""
    info = tmp_path / "codemill_langlines-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: codemill-langlines\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text(f"[codemill.stages]\nlanglines = {SPEC}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    stages = stages_of(Config())
    assert [cls.name for cls in stages].count("langlines") == 1
    # Named in the config as well, it is still one stage.
    assert [cls.name for cls in stages_of(cfg())].count("langlines") == 1


class NotAStage:
    name = "plain"


class Nameless(Stage):
    def plan(self, ctx: PlanContext) -> list[Shard]:
        return []

    def run(self, shard: Shard, out: ShardOutput) -> None:
        pass


class Clash(Nameless):
    name = "files"


class Unplanned(Stage):
    name = "unplanned"


class Orphan(Nameless):
    name = "orphan"
    upstream = ("nosuchstage",)


class CycleA(Nameless):
    name = "cycle_a"
    upstream = ("cycle_b",)


class CycleB(Nameless):
    name = "cycle_b"
    upstream = ("files", "cycle_a")


class Twin(Nameless):
    name = "orphan"


class ToyConfig(Section):
    threshold: int = 1


class Configured(Nameless):
    name = "configured"
    upstream = ("repos",)
    schema = pa.schema([("id", pa.string())])
    config_model = ToyConfig


HERE = __name__


@pytest.mark.parametrize(("specs", "sections", "message"), [
    (["nocolon"], {}, r"'nocolon': not an import path `module:Class`"),
    (["no_such_module_xyz:Stage"], {}, r"cannot import it \(ModuleNotFoundError: No module named"),
    ([f"{HERE}:Missing"], {}, r"cannot import it \(AttributeError"),
    ([f"{HERE}:NotAStage"], {}, r"is not a Stage subclass"),
    ([f"{HERE}:Nameless"], {}, r"Nameless needs a `name`"),
    ([f"{HERE}:Unplanned"], {}, r"stage 'unplanned' does not implement plan, run"),
    ([f"{HERE}:Clash"], {}, r"stage name 'files' is taken by a built-in stage"),
    ([f"{HERE}:Orphan", f"{HERE}:Twin"], {}, r"Twin'.*stage name 'orphan' is taken by another user stage"),
    ([f"{HERE}:Orphan"], {}, r"upstream 'nosuchstage' names no stage"),
    ([f"{HERE}:CycleA", f"{HERE}:CycleB"], {}, r"cycle: cycle_a → cycle_b → cycle_a"),
    ([f"{HERE}:Configured"], {"configurd": {}}, r"stages.configurd: no user stage reads this section"),
    ([f"{HERE}:Configured"], {"configured": {"treshold": 2}}, r"stages.configured.treshold: unknown key"),
    ([], {"pairs": {}}, r"stages.pairs: no user stage reads this section"),
])
def test_each_bad_user_stage_fails_with_one_message(specs: list[str], sections: dict, message: str) -> None:
    config = Config.model_validate({"run": {"stages": specs}, "stages": sections})
    with pytest.raises(UserStageError, match=message):
        stages_of(config)


def test_a_bad_user_stage_stops_a_run_before_it_touches_the_directory(tmp_path: Path) -> None:
    config = Config.model_validate({"run": {"stages": [f"{HERE}:Orphan"]}})
    with pytest.raises(ConfigError, match="names no stage"):
        pipeline.run(tmp_path / "out", config, [str(tmp_path)])
    assert not (tmp_path / "out").exists()


def test_user_stages_are_ordered_after_their_last_upstream_ties_by_name() -> None:
    class B(Configured):
        name = "b"

    class A(Configured):
        name = "a"

    class C(Configured):
        name = "c"
        upstream = ("a", "commits")

    order = [cls.name for cls in order_stages(PIPELINE, [C, B, A])]
    assert order[:7] == ["sources", "repos", "a", "b", "commits", "c", "events"]
    assert [s for s in order if s not in {"a", "b", "c"}] == [cls.name for cls in PIPELINE]
