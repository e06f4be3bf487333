"""exports.hub: card headers the Hub and `datasets` read, with a cache key that follows the content."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
import yaml

from codemill.engine.artifacts import Artifact, sha256_file
from codemill.exports import hf
from codemill.exports.hub import card_header, configs_from, hub_license


def _export(root: Path, tag: str, n: int) -> None:
    """An `hf/` folder as the export writes it: one data file and the card."""
    rows = [{"messages": [{"role": "user", "content": f"{tag} {i}"}], "pair_id": f"{tag}-{i}", "kind": "commit",
             "repo": "o/r", "repo_id": "r", "commit_sha": "s", "base_sha": None, "pr_number": None,
             "license": "MIT", "languages": [], "web_url": None} for i in range(n)]
    data = root / "hf" / "data" / "train-00000-of-00001.parquet"
    data.parent.mkdir(parents=True)
    with open(data, "wb") as f:
        hf.write_parquet(pa.Table.from_pylist(rows, schema=hf.SCHEMA), f)
    art = Artifact("hf/data/train-00000-of-00001.parquet", sha256_file(data), n, data.stat().st_size, "file")
    config = configs_from("default", {"train": "data/train-*"}, {"train": n}, [art], "hf")
    (root / "hf" / "README.md").write_text(hf.dataset_card("t", config, n, 1, [], "v", {"MIT": n}))


def test_two_runs_with_the_same_layout_load_their_own_rows(tmp_path: Path, datasets) -> None:
    """Same folder name, same patterns, same row count and file size: only the content differs."""
    _export(tmp_path / "a", "x", 5)
    _export(tmp_path / "b", "y", 5)
    cache = str(tmp_path / "cache")
    for run, tag in (("a", "x"), ("b", "y")):
        ds = datasets.load_dataset(str(tmp_path / run / "hf"), split="train", cache_dir=cache)
        assert len(ds) == 5 and ds[0]["pair_id"] == f"{tag}-0"


def test_the_header_declares_splits_sizes_and_license(tmp_path: Path) -> None:
    _export(tmp_path, "x", 3)
    header = yaml.safe_load((tmp_path / "hf" / "README.md").read_text().split("---\n")[1])
    assert header["license"] == "mit" and header["size_categories"] == ["n<1K"]
    (config,) = header["configs"]
    assert config["data_files"] == [{"split": "train", "path": "data/train-*"}]
    assert config["description"].startswith("codemill content ")
    (split,) = header["dataset_info"]["splits"]
    size = (tmp_path / "hf" / "data" / "train-00000-of-00001.parquet").stat().st_size
    assert split == {"name": "train", "num_examples": 3, "num_bytes": size}
    assert card_header("t", ["code"], [], 0, {}).count("configs") == 0


@pytest.mark.parametrize(("mix", "expected"), [({"MIT": 3}, "mit"), ({"BSD-3-Clause": 1}, "bsd-3-clause"),
                                               ({"MIT": 2, "Apache-2.0": 1}, "other"), ({"none": 4}, "other"),
                                               ({"MIT OR Apache-2.0": 2}, "other"), ({}, "other")])
def test_hub_license(mix: dict[str, int], expected: str) -> None:
    assert hub_license(mix) == expected


def test_messages_concatenate_with_a_hub_chat_dataset(tmp_path: Path, datasets) -> None:
    """Hub chat datasets hold `content` as `string`: the export's rows join them without a cast."""
    _export(tmp_path, "x", 3)
    ours = datasets.load_dataset(str(tmp_path / "hf"), split="train", cache_dir=str(tmp_path / "cache"))
    hub = datasets.Dataset.from_list([{"messages": [{"role": "user", "content": "hi"},
                                                    {"role": "assistant", "content": "hello"}]}])
    mixed = datasets.concatenate_datasets([ours.select_columns(["messages"]), hub])
    assert len(mixed) == 4 and mixed[3]["messages"][1]["content"] == "hello"
