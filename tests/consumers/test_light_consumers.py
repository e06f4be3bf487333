"""The light consumer checks, on one real run of real repositories (tests/corpus_repos.py) with a tokenizer
trained on it: each output loads the way its consumer loads it.

- `datasets`: every card folder by path (each config, each split's row count as the card declares it) and the
  same files as Parquet;
- `huggingface_hub`: every card parses with `DatasetCard.load`, and `datasets` reads its configs and split
  infos from the parsed header; no card points at the OpenAI provenance, and the OpenAI folder holds only
  training files;
- the OpenAI cookbook's format checks on `export/openai/`;
- nanoGPT's `get_batch` on `corpus/nanogpt/{train,val}.bin` with the vocabulary size from `meta.pkl`;
- `transformers.AutoTokenizer` on the tokenizer folder, where transformers is installed.
"""

from __future__ import annotations

import json
import pickle
from collections import Counter
from fnmatch import fnmatch
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from datasets import load_dataset
from datasets.info import DatasetInfosDict
from datasets.utils.metadata import MetadataConfigs
from huggingface_hub import DatasetCard

from codemill.exports.hub import HUB_LICENSES, size_category

from milled import SEQ_LEN, mill
from readback import kept_rows

CARDS = ("export", "export/hf", "corpus")  # the folders with a dataset card: each one an upload


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    """A run of three repositories, then its tokenizer trained by the CLI and the run again with it."""
    return mill(tmp_path_factory.mktemp("consumers"))


def card_header(run: Path, folder: str) -> DatasetCard:
    return DatasetCard.load(run / folder / "README.md")


def files_of(run: Path, folder: str, pattern: str) -> list[Path]:
    root = run / folder
    return sorted(p for p in root.rglob("*") if p.is_file() and fnmatch(p.relative_to(root).as_posix(), pattern))


@pytest.mark.parametrize("folder", CARDS)
def test_each_card_folder_loads_by_path_and_as_parquet(run: Path, folder: str, tmp_path: Path):
    card = card_header(run, folder)
    configs = MetadataConfigs.from_dataset_card_data(card.data)  # what `datasets` reads of the header
    infos = DatasetInfosDict.from_dataset_card_data(card.data)
    assert configs and set(configs) == set(infos)
    for name, entry in configs.items():
        declared = {s: info.num_examples for s, info in infos[name].splits.items()}
        loaded = load_dataset(str(run / folder), name, cache_dir=str(tmp_path / "cache"))
        assert {s: ds.num_rows for s, ds in loaded.items()} == declared and sum(declared.values()) > 0
        for spec in entry["data_files"]:
            files = files_of(run, folder, spec["path"])
            as_parquet = load_dataset("parquet", data_files=[str(f) for f in files], split="train",
                                      cache_dir=str(tmp_path / "cache"))
            assert as_parquet.num_rows == declared[spec["split"]] == sum(pq.read_metadata(f).num_rows for f in files)
            assert as_parquet.column_names == loaded[spec["split"]].column_names


def test_the_folders_hold_the_runs_rows(run: Path, tmp_path: Path):
    copies = sum(r["copies"] for r in kept_rows(run, "select"))
    hf = load_dataset(str(run / "export" / "hf"), cache_dir=str(tmp_path / "cache"))
    assert sum(ds.num_rows for ds in hf.values()) == copies > 0
    text = load_dataset(str(run / "corpus"), split="train", cache_dir=str(tmp_path / "cache"))
    assert text.num_rows == len(kept_rows(run, "documents")) > 0 and "text" in text.column_names


@pytest.mark.parametrize("folder", CARDS)
def test_cards_parse_with_huggingface_hub(run: Path, folder: str):
    card = card_header(run, folder)
    data = card.data.to_dict()
    assert data["license"] == "other" or data["license"].upper() in {lic.upper() for lic in HUB_LICENSES}
    infos = data["dataset_info"] if isinstance(data["dataset_info"], list) else [data["dataset_info"]]
    rows = {info["config_name"]: sum(s["num_examples"] for s in info["splits"]) for info in infos}
    # every config holds the same rows in another form (the corpus has one): the card's size is theirs
    assert len(set(rows.values())) == 1 and data["size_categories"] == [size_category(next(iter(rows.values())))]
    assert card.text.strip() and DatasetCard(str(card)).data.to_dict() == data  # round-trips unchanged


def test_no_card_points_at_the_openai_provenance_and_the_openai_folder_is_training_files(run: Path):
    for folder in CARDS:
        for entry in MetadataConfigs.from_dataset_card_data(card_header(run, folder).data).values():
            matched = [f for spec in entry["data_files"] for f in files_of(run, folder, spec["path"])]
            assert matched and not [f for f in matched if "openai" in f.relative_to(run).as_posix()]
    openai = run / "export" / "openai"
    assert sorted(p.name for p in openai.iterdir()) == sorted(p.name for p in openai.glob("*-of-*.jsonl"))
    assert sorted(p.name for p in (run / "export" / "openai-metadata").iterdir())  # the sidecar is beside it


def openai_format_errors(lines: list[str]) -> Counter[str]:
    """The OpenAI cookbook's "Data preparation and analysis for chat model fine-tuning" checks, error by error."""
    errors: Counter[str] = Counter()
    for line in lines:
        ex = json.loads(line)
        if not isinstance(ex, dict):
            errors["data_type"] += 1
            continue
        messages = ex.get("messages")
        if not messages:
            errors["missing_messages_list"] += 1
            continue
        for m in messages:
            if "role" not in m or "content" not in m:
                errors["message_missing_key"] += 1
            if any(k not in ("role", "content", "name", "function_call", "weight") for k in m):
                errors["message_unrecognized_key"] += 1
            if m.get("role") not in ("system", "user", "assistant", "function"):
                errors["unrecognized_role"] += 1
            content, call = m.get("content"), m.get("function_call")
            if (not content and not call) or not isinstance(content, str):
                errors["missing_content"] += 1
        if not any(m.get("role") == "assistant" for m in messages):
            errors["example_missing_assistant_message"] += 1
    return errors


def test_openai_files_pass_the_cookbook_checks(run: Path):
    files = sorted((run / "export" / "openai").glob("*.jsonl"))
    lines = [x for f in files for x in f.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == sum(r["copies"] for r in kept_rows(run, "select")) > 0
    assert openai_format_errors(lines) == Counter()
    assert openai_format_errors(['{"messages": [{"role": "user", "content": "hi"}]}', "[1]"]) == Counter(
        {"example_missing_assistant_message": 1, "data_type": 1})  # the checks do catch what they look for


def get_batch(data: np.ndarray, block_size: int, batch_size: int, rng: np.random.Generator):
    """nanoGPT's `train.py` get_batch, with numpy for torch: random windows and their next-token targets."""
    ix = rng.integers(0, len(data) - block_size, size=batch_size)
    x = np.stack([data[i:i + block_size].astype(np.int64) for i in ix])
    y = np.stack([data[i + 1:i + 1 + block_size].astype(np.int64) for i in ix])
    return x, y


def test_nanogpt_get_batch_reads_both_splits_within_the_vocabulary(run: Path):
    nano = run / "corpus" / "nanogpt"
    with open(nano / "meta.pkl", "rb") as f:
        vocab_size = pickle.load(f)["vocab_size"]
    rng = np.random.default_rng(0)
    for split in ("train", "val"):
        data = np.memmap(nano / f"{split}.bin", dtype=np.uint16, mode="r")
        block = min(SEQ_LEN, len(data) - 1)  # a tiny corpus: the held-out split is one document
        x, y = get_batch(data, block, 4, rng)
        assert x.shape == y.shape == (4, block) and (x[:, 1:] == y[:, :-1]).all()
        assert int(data.max()) < vocab_size


def test_the_tokenizer_folder_loads_in_transformers(run: Path):
    transformers = pytest.importorskip(
        "transformers", reason="transformers is not installed (codemill does not depend on it): install "
        "transformers 5.x or 4.57 in this environment to run this check")
    tok_dir = run.parent / "tok"
    hf = transformers.AutoTokenizer.from_pretrained(str(tok_dir))
    assert hf.eos_token == hf.pad_token == "<|endoftext|>" and hf.model_max_length == SEQ_LEN
    nano = np.memmap(run / "corpus" / "nanogpt" / "train.bin", dtype=np.uint16, mode="r")
    assert int((nano == hf.eos_token_id).sum()) >= 1  # the corpus ends its documents with this EOS
