"""Every export format of a real run loads the way its consumer loads it, with the same rows in each."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from datasets import load_dataset

from codemill import pipeline
from codemill.config import Config
from codemill.engine.manifest import load_manifest
from codemill.render import apply_search_replace, parse_search_replace

from gitrepo import Repo
from readback import kept_rows


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("export")
    repo = Repo(root / "small")
    repo.commit("Add pagination helper for list endpoints", {"src/pages.py": "def page(items, n):\n"
                                                            "    return items[:n]\n", "LICENSE": "MIT License\n"})
    repo.commit("Fix off-by-one in pagination when results are empty\n\nCloses #12",
                {"src/pages.py": "def page(items, n):\n    if not items:\n        return []\n    return items[:n]\n"})
    repo.commit("Add cursor-based pagination to the API",
                {"src/cursor.py": "def cursor(items, after):\n    return [i for i in items if i > after]\n"})
    out = root / "out"
    cfg = Config.model_validate({"run": {"workers": 1}, "license": {"keep_missing": True, "keep_unknown": True},
                                 "select": {"targets": {}, "min_score": 0}})
    assert pipeline.run(out, cfg, [str(repo.path)]).ok
    return out


def test_trl_forms(run: Path):
    n = sum(r["copies"] for r in kept_rows(run, "select"))
    msgs = load_dataset("parquet", data_files=str(run / "export/trl-messages/*.parquet"), split="train")
    assert len(msgs) == n > 0
    assert [m["role"] for m in msgs[0]["messages"]] == ["system", "user", "assistant"]
    pc = load_dataset("parquet", data_files=str(run / "export/trl-prompt-completion/*.parquet"), split="train")
    assert [m["role"] for m in pc[0]["prompt"]] == ["system", "user"] and pc[0]["completion"][0]["role"] == "assistant"
    assert {"pair_id", "category", "score", "license"} <= set(msgs.column_names)


def test_llamafactory_dataset_info_points_at_loadable_files(run: Path):
    info = json.loads((run / "export/llamafactory/dataset_info.json").read_text())
    assert set(info) == {"codemill_alpaca_train", "codemill_sharegpt_train"}
    for entry in info.values():
        files = sorted((run / "export/llamafactory" / entry["file_name"]).glob("*.json"))
        ds = load_dataset("json", data_files=[str(f) for f in files], split="train")
        if entry["formatting"] == "alpaca":
            assert set(entry["columns"].values()) <= set(ds.column_names) | {"history"}
            assert ds[0]["output"].startswith("```diff")
        else:
            assert ds[0]["conversations"][0]["from"] == "human" and ds[0]["conversations"][1]["from"] == "gpt"


def test_openai_and_axolotl_files(run: Path):
    lines = [json.loads(x) for f in sorted((run / "export/openai").glob("train-*.jsonl"))
             for x in f.read_text().splitlines()]
    assert sorted(p.name for p in (run / "export/openai").iterdir()) == sorted(  # nothing but training files
        p.name for p in (run / "export/openai").glob("*-of-*.jsonl"))
    meta = [json.loads(x) for f in sorted((run / "export/openai-metadata").glob("*.jsonl"))
            for x in f.read_text().splitlines()]
    assert lines and len(lines) == len(meta)
    assert all(set(line) == {"messages"} and line["messages"][-1]["role"] == "assistant" for line in lines)
    ax = [json.loads(x) for f in sorted((run / "export/axolotl").glob("*.jsonl")) for x in f.read_text().splitlines()]
    assert len(ax) == len(lines) and all("messages" in r for r in ax)
    config = yaml.safe_load((run / "export/axolotl/axolotl.yaml").read_text())
    listed = [spec["path"] for spec in config["datasets"]]  # one entry per file, relative to the export folder
    assert listed == [f"axolotl/{f.name}" for f in sorted((run / "export/axolotl").glob("train-*.jsonl"))]
    assert all(spec["type"] == "chat_template" for spec in config["datasets"])
    card = (run / "export/README.md").read_text()
    assert "## Categories" in card and "- train:" in card and "| select |" in card


@pytest.mark.parametrize("fmt", ["search_replace", "full_files"])
def test_renderings_come_from_the_same_record(tmp_path: Path, run: Path, fmt: str):
    out = tmp_path / "out"
    shutil.copytree(run, out)
    cfg = Config.model_validate({"run": {"workers": 1}, "license": {"keep_missing": True, "keep_unknown": True},
                                 "select": {"targets": {}, "min_score": 0},
                                 "export": {"response_format": fmt, "prompt_files": True, "prompt_tree": True}})
    summary = pipeline.run(out, cfg, [])
    assert summary.ok and summary.ran["export"] == 1 and summary.ran["pairs"] == 0
    rows = [json.loads(x) for f in sorted((out / "export/jsonl").glob("*.jsonl")) for x in f.read_text().splitlines()]
    fix = next(r for r in rows if r["messages"][1]["content"].startswith("Fix off-by-one"))
    prompt, answer = fix["messages"][1]["content"], fix["messages"][2]["content"]
    assert "def page(items, n):\n    return items[:n]" in prompt  # the file before the change
    assert "Repository files" in prompt and "src/cursor.py" not in prompt  # the tree before the change
    after = "def page(items, n):\n    if not items:\n        return []\n    return items[:n]\n"
    if fmt == "search_replace":
        assert parse_search_replace(answer)
        assert apply_search_replace({"src/pages.py": "def page(items, n):\n    return items[:n]\n"},
                                    answer)["src/pages.py"] == after
    else:
        assert after in answer and "src/pages.py" in answer
    assert load_manifest(out / "export").totals()["counters"].get("render.fallback_to_diff", 0) == 0
