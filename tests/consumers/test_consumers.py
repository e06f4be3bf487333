"""Every output loaded by its real consumer, each in its own virtual environment with pinned versions
(tests/consumers/envs/, built by tests/consumers/venvs.py): `make test-consumers`, opt-in (`--consumers`).

One real run (tests/consumers/milled.py, with RL tasks) is milled here in codemill's environment; each check
(tests/consumers/checks/<consumer>_check.py) runs in its consumer's environment against that run and reports what
it found, and the test compares that with what the run holds. A consumer that will not install fails its tests
with pip's output; nothing is skipped. Each outcome lands in `.venv/consumers/results.json`, which
tests/consumers/table.py turns into docs/consumers.md.
"""

from __future__ import annotations

import json
import math
import pickle
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from tokenizers import Tokenizer

from codemill import rewards

from milled import SEQ_LEN, mill
from readback import kept_rows
from venvs import DEFAULT_HOME, WITH_CODEMILL, Env, InstallError, build

pytestmark = [pytest.mark.consumers, pytest.mark.timeout(3600)]

CHECKS = Path(__file__).parent / "checks"


@dataclass(frozen=True)
class Milled:
    run: Path
    tokenizer: Path
    work: Path


@pytest.fixture(scope="session")
def milled(tmp_path_factory: pytest.TempPathFactory) -> Milled:
    root = tmp_path_factory.mktemp("consumers")
    return Milled(mill(root, rl=True), root / "tok", root / "work")


@cache
def environment(name: str) -> Env | InstallError:
    try:
        return build(Env(name, DEFAULT_HOME), codemill=name in WITH_CODEMILL)
    except InstallError as e:
        return e


def consume(consumer: str, output: str, milled: Milled, **facts: Any) -> dict[str, Any]:
    """Runs `checks/<consumer>_check.py <output>` in the consumer's environment; its report, or a failure with the
    install's or the check's own words."""
    env = environment(consumer)
    if isinstance(env, InstallError):
        pytest.fail(f"{consumer} will not install (pins in tests/consumers/envs/{consumer}.txt):\n{env}",
                    pytrace=False)
    work = milled.work / consumer / output.replace("/", "_").replace(":", "_")
    work.mkdir(parents=True, exist_ok=True)
    facts_file = work / "facts.json"
    facts_file.write_text(json.dumps({"tokenizer": str(milled.tokenizer), **facts}), encoding="utf-8")
    done = subprocess.run([str(env.python), str(CHECKS / f"{consumer}_check.py"), output, str(milled.run),
                           str(work), str(facts_file)], capture_output=True, text=True, cwd=CHECKS, check=False)
    if done.returncode:
        pytest.fail(f"{consumer} on {output} exited {done.returncode}:\n{done.stderr[-6000:]}", pytrace=False)
    return json.loads(done.stdout.strip().splitlines()[-1])


def record(request: pytest.FixtureRequest, consumer: str, output: str) -> None:
    """Names the table cell this test fills (tests/consumers/conftest.py writes the outcomes)."""
    request.node.user_properties.append(("consumer", (consumer, output)))


def parquet_rows(folder: Path) -> int:
    return sum(pq.read_metadata(f).num_rows for f in folder.rglob("*.parquet"))


def copies(run: Path) -> int:
    return sum(r["copies"] for r in kept_rows(run, "select"))


# --- datasets -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("folder", ["export", "export/hf", "corpus"])
def test_datasets_loads_each_card_folder_by_path(milled: Milled, folder: str, request: pytest.FixtureRequest):
    record(request, "datasets", f"{folder}/ (by folder)")
    cache_dir = milled.work / "datasets-shared-cache"  # one cache for every folder, as a user's default cache is
    found = consume("datasets", f"folder:{folder}", milled, cache=str(cache_dir))["configs"]
    expected = len(kept_rows(milled.run, "documents")) if folder == "corpus" else copies(milled.run)
    assert found and all(split["rows"] == expected for c in found.values() for split in c.values()), found
    assert all("messages" in s["columns"] or "prompt" in s["columns"] or "text" in s["columns"]
               for c in found.values() for s in c.values())


@pytest.mark.parametrize("folder", ["export/hf", "export/trl-messages", "export/trl-prompt-completion", "corpus/text",
                                    "corpus/packed", "export_tasks/rl/verl", "export_tasks/rl/trl-grpo"])
def test_datasets_loads_each_parquet_output(milled: Milled, folder: str, request: pytest.FixtureRequest):
    record(request, "datasets", f"{folder}/ (as Parquet)")
    found = consume("datasets", f"parquet:{folder}", milled)
    assert found["rows"] == parquet_rows(milled.run / folder) > 0 and found["files"] >= 1


# --- OpenAI ---------------------------------------------------------------------------------------------------

def test_openai_cookbook_checks_find_no_error(milled: Milled, request: pytest.FixtureRequest):
    record(request, "openai", "export/openai/")
    found = consume("openai", "export/openai", milled)
    assert found["examples"] == copies(milled.run) > 0 and found["errors"] == {}
    assert found["planted"] == {"data_type": 1, "example_missing_assistant_message": 1}  # the checks do bite


# --- nanoGPT --------------------------------------------------------------------------------------------------

def test_nanogpt_get_batch_on_both_splits(milled: Milled, request: pytest.FixtureRequest):
    record(request, "nanogpt", "corpus/nanogpt/")
    nano = milled.run / "corpus" / "nanogpt"
    shortest = min((nano / f"{s}.bin").stat().st_size // 2 for s in ("train", "val"))
    block = min(SEQ_LEN, shortest - 1)
    found = consume("nanogpt", "corpus/nanogpt", milled, block_size=block)
    with open(nano / "meta.pkl", "rb") as f:
        assert found["vocab_size"] == pickle.load(f)["vocab_size"] == Tokenizer.from_file(
            str(milled.tokenizer / "tokenizer.json")).get_vocab_size()
    for split in ("train", "val"):
        assert found[split]["shape"] == [4, block] and found[split]["shifted"]
        assert found[split]["max_id"] < found["vocab_size"]


# --- megatron-core --------------------------------------------------------------------------------------------

def tokenizer(milled: Milled) -> Tokenizer:
    return Tokenizer.from_file(str(milled.tokenizer / "tokenizer.json"))


def test_megatron_indexed_dataset_documents_decode_to_the_corpus(milled: Milled, request: pytest.FixtureRequest):
    record(request, "megatron", "corpus/megatron/ (IndexedDataset)")
    found = consume("megatron", "indexed:corpus/megatron", milled)
    texts = sorted(r["text"] for r in pq.read_table(milled.run / "corpus" / "text").to_pylist())
    tok = tokenizer(milled)
    eos = tok.token_to_id("<|endoftext|>")
    assert found["sequences"] == found["documents"] == len(texts) > 0
    assert all(ids[-1] == eos for ids in found["ids"])  # each document ends with the EOS its trainer splits on
    assert sorted(tok.decode(ids, skip_special_tokens=False) for ids in found["ids"]) == texts  # the text has it too


def test_megatron_gpt_dataset_samples(milled: Milled, request: pytest.FixtureRequest):
    record(request, "megatron", "corpus/megatron/ (GPTDataset)")
    tok = tokenizer(milled)
    eod = tok.token_to_id("<|endoftext|>")
    found = consume("megatron", "gpt:corpus/megatron", milled, seq_len=SEQ_LEN, vocab_size=tok.get_vocab_size(),
                    eod=eod)
    tokens = sum(len(ids) for ids in consume("megatron", "indexed:corpus/megatron", milled)["ids"])
    assert found["samples"] == (tokens - 1) // SEQ_LEN > 0  # one epoch of full sequences
    assert found["shape"] == [found["samples"], SEQ_LEN] and found["shifted"]
    assert found["max_id"] < tok.get_vocab_size() and found["eods"] >= 1


# --- TRL ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("config", ["trl-messages", "trl-prompt-completion"])
def test_trl_sft_one_step(milled: Milled, config: str, request: pytest.FixtureRequest):
    record(request, "trl", f"export/{config}/ (SFTTrainer)")
    found = consume("trl", f"sft:{config}", milled)
    assert found["rows"] == copies(milled.run) and found["steps"] == 1 and found["finite"]
    if config == "trl-prompt-completion":  # trained on the completion only
        assert 0 < found["trained"] < found["tokens"]
    else:
        assert found["trained"] == found["tokens"] > 0


def test_trl_grpo_one_step_with_codemill_rewards(milled: Milled, request: pytest.FixtureRequest):
    record(request, "trl", "export_tasks/rl/trl-grpo/ (GRPOTrainer)")
    found = consume("trl", "grpo:export_tasks/rl/trl-grpo", milled)
    assert found["steps"] == 1 and found["finite"] and found["rows"] == len(kept_rows(milled.run, "rl"))
    calls = found["reward_calls"]
    assert calls and all(len(c["scores"]) == c["completions"] and all(0 <= s <= 1 for s in c["scores"])
                         for c in calls)


# --- LLaMA-Factory --------------------------------------------------------------------------------------------

def test_llamafactory_loader_reads_dataset_info(milled: Milled, request: pytest.FixtureRequest):
    record(request, "llamafactory", "export/llamafactory/")
    found = consume("llamafactory", "loader:export/llamafactory", milled)
    info = json.loads((milled.run / "export" / "llamafactory" / "dataset_info.json").read_text(encoding="utf-8"))
    assert set(found) == set(info)
    for entry in found.values():
        assert entry["aligned"] == entry["tokenized"] == copies(milled.run)
        assert entry["prompt_roles"][-1] == "user" and entry["response_roles"] == ["assistant"]
        assert entry["labelled"] > 0


# --- Axolotl --------------------------------------------------------------------------------------------------

def test_axolotl_preprocess_with_the_shipped_yaml(milled: Milled, request: pytest.FixtureRequest):
    record(request, "axolotl", "export/axolotl/")
    found = consume("axolotl", "preprocess:export/axolotl", milled)
    assert found["datasets"] >= 1 and found["prepared"]
    assert sum(p["rows"] for p in found["prepared"].values()) == copies(milled.run)
    assert all(p["trained_tokens"] > 0 for p in found["prepared"].values())


# --- verl -----------------------------------------------------------------------------------------------------

WRONG = "```python\ndef {name}(*args, **kwargs):\n    return None\n```"


def test_verl_reward_manager_scores_as_codemill_rewards(milled: Milled, request: pytest.FixtureRequest):
    record(request, "verl", "export_tasks/rl/verl/ (reward manager)")
    tasks = kept_rows(milled.run, "rl")
    answers = {t["task_id"]: {"reference": f"```python\n{t['reference'].rstrip()}\n```",
                              "wrong": WRONG.format(name=t["function"].rsplit(".", 1)[-1])} for t in tasks}
    found = consume("verl", "rewards:export_tasks/rl/verl", milled, answers=answers)
    assert found["rows"] == len(tasks) > 0 and found["manager"] == "NaiveRewardManager"
    assert any(o.startswith("custom_reward_function.path=pkg://codemill.rewards") for o in found["overrides"])
    truth = {r["extra_info"]["task_id"]: r["reward_model"]["ground_truth"]
             for r in pq.read_table(milled.run / "export_tasks/rl/verl/train.parquet").to_pylist()}
    for s in found["scores"]:
        answer = answers[s["task_id"]][s["answer"]]
        direct = rewards.compute_score("codemill/repo_function", answer, truth[s["task_id"]])
        assert math.isclose(s["score"], direct) and math.isclose(s["tensor_sum"], direct)
        assert s["score"] == (1.0 if s["answer"] == "reference" else 0.0)
