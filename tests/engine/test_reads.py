"""engine.reads: a stage's declared column reads, checked when the run is planned and at every read."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pyarrow as pa
import pytest

from codemill.config import load_config
from codemill.engine.executors import LocalExecutor
from codemill.engine.reads import ROWS, ReadError, Reads, check_read, reading
from codemill.engine.runner import NullReporter, run_stage
from codemill.engine.stage import PlanContext, Shard, ShardOutput, Stage, iter_rows, read_part
from codemill.stages.registry import PIPELINE, STAGES


class Letters(Stage[None]):
    """Writes three rows with columns `id` and `letter`."""

    name = "letters"
    schema = pa.schema([("id", pa.string()), ("letter", pa.string())])
    section_name = ""
    reads: ClassVar[Reads] = {}

    def plan(self, ctx: PlanContext) -> list[Shard[None]]:
        return [Shard("all", "v1")]

    def run(self, shard: Shard[None], out: ShardOutput) -> None:
        for i, letter in enumerate("abc"):
            out.keep({"id": str(i), "letter": letter})


class Upper(Stage[list]):
    """Reads `letters` as it declares (or, in subclasses, as it should not)."""

    name = "upper"
    upstream = ("letters",)
    schema = pa.schema([("id", pa.string()), ("upper", pa.string())])
    section_name = ""
    reads: ClassVar[Reads] = {"letters": ("id", "letter")}
    columns: ClassVar[list[str] | None] = ["id", "letter"]

    def plan(self, ctx: PlanContext) -> list[Shard[list]]:
        parts = [a for _k, a in ctx.kept_parts("letters")]
        return [Shard("all", "-".join(a.sha256 for a in parts), parts)]

    def run(self, shard: Shard[list], out: ShardOutput) -> None:
        for art in shard.payload:
            for row in iter_rows(out.run_dir, art, columns=self.columns):
                out.keep({"id": row["id"], "upper": row["letter"].upper()})


def _run(tmp_path: Path, stage_cls: type[Stage]) -> tuple[list[str], dict[str, str]]:
    config = load_config(None)
    executor = LocalExecutor(1)
    try:
        first = run_stage(Letters(config), PlanContext(tmp_path, {}), executor, NullReporter())
        ctx = PlanContext(tmp_path, {"letters": first.manifest})
        result = run_stage(stage_cls(config), ctx, executor, NullReporter())
    finally:
        executor.close()
    rows = [r["upper"] for _k, a in PlanContext(tmp_path, {"upper": result.manifest}).kept_parts("upper")
            for r in read_part(tmp_path, a).to_pylist()]
    return rows, result.errors


def test_declared_reads_run(tmp_path: Path) -> None:
    assert _run(tmp_path, Upper) == (["A", "B", "C"], {})


def test_a_column_the_upstream_does_not_write_stops_the_plan_naming_both_stages(tmp_path: Path) -> None:
    class Renamed(Upper):
        reads: ClassVar[Reads] = {"letters": ("id", "char")}

    with pytest.raises(ReadError, match=r"upper reads column\(s\) char from letters, which letters does not write "
                                        r"\(letters writes: id, letter\)"):
        _run(tmp_path, Renamed)


def test_a_read_beyond_the_declaration_fails_the_shard(tmp_path: Path) -> None:
    class Undeclared(Upper):
        reads: ClassVar[Reads] = {"letters": ("id",)}

    rows, errors = _run(tmp_path, Undeclared)
    assert rows == [] and "upper reads letter from letters without declaring them" in errors["all"]

    class WholeRows(Upper):
        columns: ClassVar[list[str] | None] = None

    rows, errors = _run(tmp_path / "whole", WholeRows)
    assert "reads whole rows of letters but declares only id, letter" in errors["all"]

    class Rows(WholeRows):
        reads: ClassVar[Reads] = {"letters": ROWS}

    assert _run(tmp_path / "rows", Rows) == (["A", "B", "C"], {})


def test_a_declared_read_of_a_stage_that_is_not_upstream_is_refused(tmp_path: Path) -> None:
    class Stray(Upper):
        reads: ClassVar[Reads] = {"letters": ("id", "letter"), "files": ROWS}

    with pytest.raises(ReadError, match="upper declares a read of files, which is not one of its upstream"):
        _run(tmp_path, Stray)


def test_check_read_outside_a_stage_and_of_its_own_output() -> None:
    check_read("pairs/part-00000.parquet", None)  # a reader of a run directory (report, review): not a stage
    with reading("dedup", {"signatures": ("file_id",)}):
        check_read("dedup/ledger.parquet", None)  # its own earlier output
        check_read("signatures/part-00000.parquet", ["file_id"])
        with pytest.raises(ReadError, match=r"dedup reads neardup/part-00001\.parquet but declares no read of "
                                            "neardup"):
            check_read("neardup/part-00001.parquet", ["a"])
    with reading("user", None):  # a stage that declares nothing is not checked
        check_read("neardup/part-00001.parquet", None)


@pytest.mark.parametrize("stage", PIPELINE, ids=lambda s: s.name)
def test_every_stage_declares_its_reads_within_its_upstreams_schemas(stage: type[Stage]) -> None:
    assert stage.reads is not None, f"{stage.name} declares no reads"
    for name, columns in stage.reads.items():
        assert name in stage.upstream, f"{stage.name} reads {name}, not an upstream"
        schema = STAGES[name].schema
        if columns != ROWS and schema is not None:
            missing = set(columns) - set(schema.names)
            assert not missing, f"{stage.name} reads {sorted(missing)} from {name}, which does not write them"
