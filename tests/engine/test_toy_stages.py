"""The engine on its own: three toy stages defined here, none of codemill's, planned, run, reused and re-run by
`engine.runner.run_stage` with the local executor. The engine takes its stages from the caller, so this is all a
stage needs."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from codemill.config import Config, Section
from codemill.engine.executors import LocalExecutor
from codemill.engine.manifest import Manifest
from codemill.engine.runner import NullReporter, run_stage
from codemill.engine.stage import PlanContext, Shard, ShardOutput, Stage, iter_rows
from codemill.engine.status import stage_states
from codemill.engine.verify import verify_run
from codemill.ids import digest_json

from readback import artifact_digests, dropped_rows, kept_rows

ROWS = pa.schema([pa.field("id", pa.string()), pa.field("n", pa.int64())])


class NumbersConfig(Section):
    count: int = 6
    shards: int = 2


class Numbers(Stage):
    """0..count-1, dealt round-robin into `shards` shards: the first stage, reading only its config."""

    name = "numbers"
    schema = ROWS
    id_column = "id"
    config_model = NumbersConfig

    def plan(self, ctx: PlanContext) -> list[Shard]:
        cfg = self.section
        assert isinstance(cfg, NumbersConfig)
        chunks = [list(range(cfg.count))[i::cfg.shards] for i in range(cfg.shards)]
        return [Shard(f"s{i}", digest_json(chunk), chunk) for i, chunk in enumerate(chunks)]

    def run(self, shard: Shard, out: ShardOutput) -> None:
        for n in shard.payload:
            out.keep({"id": f"n{n}", "n": n})


class Evens(Stage):
    """One shard per `numbers` part: keeps even numbers, drops odd ones with a reason."""

    name = "evens"
    upstream = ("numbers",)
    schema = ROWS
    id_column = "id"
    section_name = ""  # no section of its own

    def plan(self, ctx: PlanContext) -> list[Shard]:
        return [Shard(key, art.sha256, (str(ctx.run_dir), art)) for key, art in ctx.kept_parts("numbers")]

    def run(self, shard: Shard, out: ShardOutput) -> None:
        run_dir, art = shard.payload
        for row in iter_rows(Path(run_dir), art):
            if row["n"] % 2:
                out.drop(row, "odd", f"{row['n']} is odd")
            else:
                out.keep(row)


class Total(Stage):
    """One shard over every `evens` part: their sum, as one row."""

    name = "total"
    upstream = ("evens",)
    schema = ROWS
    id_column = "id"
    section_name = ""

    def plan(self, ctx: PlanContext) -> list[Shard]:
        arts = [art for _key, art in ctx.kept_parts("evens")]
        return [Shard("all", digest_json([a.sha256 for a in arts]), (str(ctx.run_dir), arts))]

    def run(self, shard: Shard, out: ShardOutput) -> None:
        run_dir, arts = shard.payload
        out.keep({"id": "total", "n": sum(r["n"] for a in arts for r in iter_rows(Path(run_dir), a))})


TOYS: tuple[type[Stage], ...] = (Numbers, Evens, Total)


def run_toys(run_dir: Path, config: Config, workers: int = 1) -> dict[str, tuple[int, int]]:
    """Every toy stage in order, as the pipeline would: (ran, reused) per stage."""
    upstream: dict[str, Manifest] = {}
    done: dict[str, tuple[int, int]] = {}
    executor = LocalExecutor(workers)
    try:
        for cls in TOYS:
            result = run_stage(cls(config), PlanContext(run_dir, upstream), executor, NullReporter())
            assert not result.errors, result.errors
            upstream[cls.name] = result.manifest
            done[cls.name] = (result.ran, result.reused)
    finally:
        executor.close()
    return done


def toy_config(**numbers: int) -> Config:
    return Config.model_validate({"stages": {"numbers": numbers}})


def test_toy_stages_plan_run_and_account_for_every_row(tmp_path: Path) -> None:
    assert run_toys(tmp_path, toy_config()) == {"numbers": (2, 0), "evens": (2, 0), "total": (1, 0)}
    assert sorted(r["n"] for r in kept_rows(tmp_path, "evens")) == [0, 2, 4]
    assert sorted((r["n"], r["drop_reason"]) for r in dropped_rows(tmp_path, "evens")) == [
        (1, "odd"), (3, "odd"), (5, "odd")]
    assert kept_rows(tmp_path, "total") == [{"id": "total", "n": 6}]
    assert verify_run(tmp_path, TOYS).ok
    assert all(s.state == "done" for s in stage_states(tmp_path, toy_config(), TOYS).values())


def test_a_second_run_reuses_everything(tmp_path: Path) -> None:
    run_toys(tmp_path, toy_config())
    digests = artifact_digests(tmp_path, TOYS)
    assert run_toys(tmp_path, toy_config()) == {"numbers": (0, 2), "evens": (0, 2), "total": (0, 1)}
    assert artifact_digests(tmp_path, TOYS) == digests


def test_a_config_change_reruns_what_it_changes_and_what_reads_it(tmp_path: Path) -> None:
    run_toys(tmp_path, toy_config())
    states = stage_states(tmp_path, toy_config(count=8), TOYS)
    assert states["numbers"].state == "stale" and "config" in states["numbers"].why
    assert states["evens"].state == "stale" and states["evens"].why == "input numbers is stale"
    # 0..7 in two shards: both change, so both evens shards re-run, and the total.
    assert run_toys(tmp_path, toy_config(count=8)) == {"numbers": (2, 0), "evens": (2, 0), "total": (1, 0)}
    assert kept_rows(tmp_path, "total") == [{"id": "total", "n": 12}]


def test_an_upstream_change_reruns_only_the_shards_whose_input_changed(tmp_path: Path) -> None:
    run_toys(tmp_path, toy_config(count=6, shards=3))
    # Its config changed, so every numbers shard runs again; but 0..6 dealt into three shards changes only s0
    # (0, 3, 6), so the other two parts come out byte-identical and evens reuses their shards.
    assert run_toys(tmp_path, toy_config(count=7, shards=3)) == {
        "numbers": (3, 0), "evens": (1, 2), "total": (1, 0)}
    assert kept_rows(tmp_path, "total") == [{"id": "total", "n": 12}]


def test_a_process_pool_writes_the_same_bytes(tmp_path: Path) -> None:
    """Workers import the toy classes by reference, as they would a user stage."""
    run_toys(tmp_path / "one", toy_config())
    run_toys(tmp_path / "pool", toy_config(), workers=2)
    assert artifact_digests(tmp_path / "one", TOYS) == artifact_digests(tmp_path / "pool", TOYS)


def test_the_config_model_rejects_a_misspelt_key() -> None:
    stage = Numbers(Config.model_validate({"stages": {"numbers": {"cont": 3}}}))
    with pytest.raises(ValueError, match="cont"):
        stage.section  # noqa: B018 - the property validates
