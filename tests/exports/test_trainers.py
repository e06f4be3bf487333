"""Each trainer export is read back the way its consumer reads it: `datasets` for TRL and LLaMA-Factory (and
the card's Hub configs), `dataset_info.json` against LLaMA-Factory's documented schema, Axolotl's YAML and
JSONL, and OpenAI's line rules from its fine-tuning format check."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest
import yaml

from codemill.exports.axolotl import axolotl_yaml, write_axolotl
from codemill.exports.card import FORMATS, sft_card
from codemill.exports.hub import size_category
from codemill.exports.llamafactory import dataset_info, dataset_info_entry, write_llamafactory
from codemill.exports.openai import write_openai, write_openai_metadata
from codemill.exports.trl import write_trl

DIFF = ("diff --git a/src/pages.py b/src/pages.py\n--- a/src/pages.py\n+++ b/src/pages.py\n@@ -1,2 +1,4 @@\n"
        " def page(items, n):\n+    if not items:\n+        return []\n     return items[:n]\n")
ROWS = [
    {"pair_id": "p1", "instruction": "Fix off-by-one in pagination when results are empty\n\nCloses #12",
     "response": f"```diff\n{DIFF}```", "system": "You are a careful engineer working on ada/pages.",
     "repo": "ada/pages", "commit_sha": "a" * 40, "license": "MIT", "languages": ["Python"]},
    {"pair_id": "p2", "instruction": "Documenter l'API — ajoute des exemples 🚀", "response": "README.md\n```\n"
     "<<<<<<< SEARCH\n# API\n=======\n# API\n\nExemple : `page([1, 2], 1)`\n>>>>>>> REPLACE\n```\n",
     "system": None, "repo": "ada/pages", "commit_sha": "b" * 40, "license": None, "languages": []},
    {"pair_id": "p3", "instruction": "Add cursor-based pagination to the API (#7)", "response": "src/cursor.py\n```"
     "\ndef cursor(items, after):\n    return [i for i in items if i > after]\n```\n", "repo": "ada/pages",
     "commit_sha": "c" * 40, "license": "Apache-2.0", "languages": ["Python"]},
]
META = pa.schema([("pair_id", pa.string()), ("repo", pa.string()), ("commit_sha", pa.string()),
                  ("license", pa.string()), ("languages", pa.list_(pa.string()))])
# LLaMA-Factory data/README.md: the keys a dataset description may have (current README, including the
# keys added after the first releases), its `columns` and its sharegpt `tags`.
LF_KEYS = {"hf_hub_url", "ms_hub_url", "script_url", "cloud_file_name", "file_name", "formatting", "ranking",
           "subset", "split", "folder", "num_samples", "columns", "tags"}
LF_COLUMNS = {"prompt", "query", "response", "history", "messages", "system", "tools", "images", "videos", "audios",
              "chosen", "rejected", "kto_tag"}
LF_TAGS = {"role_tag", "content_tag", "user_tag", "assistant_tag", "observation_tag", "function_tag", "system_tag"}


def write(path: Path, fn, *args) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        fn(f, *args)
    return path


def test_trl_messages_load_as_conversations(tmp_path: Path, datasets):
    # Two shards whose metadata types only agree because the schema is given (p2 has no license).
    files = [write(tmp_path / "trl-messages" / f"train-0000{i}-of-00002.parquet", write_trl, rows, "messages", META)
             for i, rows in enumerate([ROWS[1:2], [ROWS[0], ROWS[2]]])]
    ds = datasets.load_dataset("parquet", data_files=[str(p) for p in files], split="train")
    assert set(ds.column_names) == {"messages", *META.names}
    by_id = {r["pair_id"]: r for r in ds}
    assert [m["role"] for m in by_id["p1"]["messages"]] == ["system", "user", "assistant"]
    assert [m["role"] for m in by_id["p2"]["messages"]] == ["user", "assistant"]
    assert by_id["p1"]["messages"][2]["content"] == ROWS[0]["response"]
    assert by_id["p2"]["messages"][0]["content"] == ROWS[1]["instruction"] and by_id["p2"]["license"] is None


def test_trl_prompt_completion_splits_off_the_assistant_turn(tmp_path: Path, datasets):
    path = write(tmp_path / "train-00000-of-00001.parquet", write_trl, ROWS, "prompt_completion")
    ds = datasets.load_dataset("parquet", data_files=str(path), split="train")
    assert {"prompt", "completion"} <= set(ds.column_names) and "messages" not in ds.column_names
    for row, src in zip(ds, ROWS, strict=True):
        assert [m["role"] for m in row["prompt"]] == (["system", "user"] if src.get("system") else ["user"])
        assert row["prompt"][-1]["content"] == src["instruction"]
        assert row["completion"] == [{"role": "assistant", "content": src["response"]}]


def test_llamafactory_files_match_their_dataset_info(tmp_path: Path, datasets):
    root = tmp_path / "llamafactory"
    write(root / "alpaca.json", write_llamafactory, iter(ROWS), "alpaca")
    write(root / "sharegpt.json", write_llamafactory, ROWS, "sharegpt")
    (root / "dataset_info.json").write_text(dataset_info({
        "codemill_alpaca": dataset_info_entry("alpaca.json", "alpaca"),
        "codemill_sharegpt": dataset_info_entry("sharegpt.json", "sharegpt")}))
    info = json.loads((root / "dataset_info.json").read_text())
    assert set(info) == {"codemill_alpaca", "codemill_sharegpt"}
    for name, entry in info.items():
        assert set(entry) <= LF_KEYS and set(entry["columns"]) <= LF_COLUMNS and set(entry.get("tags", {})) <= LF_TAGS
        assert entry["formatting"] in ("alpaca", "sharegpt")
        # LLaMA-Factory loads the file named in the entry with `datasets` and reads the mapped columns.
        ds = datasets.load_dataset("json", data_files=str(root / entry["file_name"]), split="train")
        assert len(ds) == len(ROWS), name
        assert set(entry["columns"].values()) <= set(ds.column_names), name
        if entry["formatting"] == "alpaca":
            for row, src in zip(ds, ROWS, strict=True):
                prompt = row[entry["columns"]["prompt"]] + (f"\n{row['input']}" if row["input"] else "")
                assert prompt == src["instruction"] and row[entry["columns"]["response"]] == src["response"]
                assert row["system"] == (src.get("system") or "") and row["history"] == []
        else:
            tags = {"role_tag": "from", "content_tag": "value", "user_tag": "human", "assistant_tag": "gpt",
                    **entry.get("tags", {})}
            for row, src in zip(ds, ROWS, strict=True):
                turns = row[entry["columns"]["messages"]]
                # User turns in odd positions, assistant turns in even ones (1-based), as the README requires.
                assert [t[tags["role_tag"]] for t in turns] == [tags["user_tag"], tags["assistant_tag"]]
                assert [t[tags["content_tag"]] for t in turns] == [src["instruction"], src["response"]]
                assert row[entry["columns"]["system"]] == (src.get("system") or "")


def test_axolotl_config_points_at_messages(tmp_path: Path, datasets):
    data = write(tmp_path / "axolotl" / "train-00000-of-00001.jsonl", write_axolotl, ROWS)
    val = write(tmp_path / "axolotl" / "validation-00000-of-00001.jsonl", write_axolotl, ROWS[:1])
    config = yaml.safe_load(axolotl_yaml({"train": [str(data)], "validation": [str(val)], "test": ["t.jsonl"]},
                                         chat_template="chatml"))
    assert config["chat_template"] == "chatml"
    (spec,) = config["datasets"]
    (held,) = config["test_datasets"]  # validation for evaluation; the test split stays out
    assert held["path"] == str(val) and held["split"] == "train" and "t.jsonl" not in str(config)
    assert spec["type"] == "chat_template" and spec["ds_type"] == "json" and spec["path"] == str(data)
    assert spec["roles_to_train"] == ["assistant"]
    ds = datasets.load_dataset(spec["ds_type"], data_files=spec["path"], split="train")
    mapping = spec["message_property_mappings"]
    for row, src in zip(ds, ROWS, strict=True):
        turns = row[spec["field_messages"]]
        assert turns[-1] == {mapping["role"]: "assistant", mapping["content"]: src["response"]}
        assert {t[mapping["role"]] for t in turns} <= {"system", "user", "assistant"}
        assert row["pair_id"] == src["pair_id"]


def test_openai_lines_hold_only_messages(tmp_path: Path):
    train = write(tmp_path / "openai" / "train.jsonl", write_openai, ROWS)
    meta = write(tmp_path / "openai" / "metadata.jsonl", write_openai_metadata, ROWS)
    lines = [json.loads(x) for x in train.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == len(ROWS)
    for line in lines:
        assert set(line) == {"messages"}
        for m in line["messages"]:
            assert set(m) == {"role", "content"} and m["role"] in ("system", "user", "assistant")
            assert isinstance(m["content"], str) and m["content"]
        assert any(m["role"] == "assistant" for m in line["messages"])
    sidecar = [json.loads(x) for x in meta.read_text(encoding="utf-8").splitlines()]
    assert [s["pair_id"] for s in sidecar] == ["p1", "p2", "p3"] and "response" not in sidecar[0]
    with pytest.raises(ValueError, match="empty response"):
        write(tmp_path / "bad.jsonl", write_openai, [{**ROWS[0], "response": "  "}])


def test_card_configs_load_the_parquet_formats(tmp_path: Path, datasets):
    root = tmp_path / "export"
    write(root / "trl-messages" / "train-00000-of-00001.parquet", write_trl, ROWS, "messages")
    write(root / "trl-prompt-completion" / "train-00000-of-00001.parquet", write_trl, ROWS, "prompt_completion")
    funnel = [{"stage": "pairs", "in": 10, "kept": 3, "dropped": 7, "drop_reasons": {"empty_diff": 7}}]
    card = sft_card("codemill: pairs", 3, 2, {"commit": 2, "issue": 1}, {"p10": 0.25, "p50": 0.5, "p90": 0.875},
                    {"MIT": 1, "Apache-2.0": 1, "unknown": 1}, funnel,
                    ["trl-messages", "trl-prompt-completion", "llamafactory-alpaca", "openai"])
    (root / "README.md").write_text(card)
    header = yaml.safe_load(card.split("---\n")[1])
    assert header["pretty_name"] == "codemill: pairs" and header["size_categories"] == ["n<1K"]
    assert [c["config_name"] for c in header["configs"]] == ["trl-messages", "trl-prompt-completion"]
    assert "| commit | 2 | 66.7% |" in card and "| p90 | 0.875 |" in card and "| pairs | 10 | 3 | 7 |" in card
    assert f"`{FORMATS['openai'].path}`" in card
    ds = datasets.load_dataset(str(root), "trl-prompt-completion", split="train")
    assert "completion" in ds.column_names and len(ds) == 3
    assert "messages" in datasets.load_dataset(str(root), split="train").column_names  # the default config
    with pytest.raises(ValueError, match="unknown formats"):
        sft_card("x", 0, 0, {}, {}, {}, [], ["parquet"])


@pytest.mark.parametrize(("rows", "label"), [(0, "n<1K"), (999, "n<1K"), (1000, "1K<n<10K"),
                                             (250_000, "100K<n<1M"), (5 * 10**9, "1B<n<10B"), (10**13, "n>1T")])
def test_size_category(rows: int, label: str):
    assert size_category(rows) == label
