"""verl: the trainer's own config (`verl/trainer/config/ppo_trainer.yaml`, composed by Hydra) with the overrides
that `export_tasks/rl/README.md` gives, `RLHFDataset` on `rl/verl/train.parquet` with that `max_prompt_length`
(its overlong filter on, truncation "error"), and the reward manager `load_reward_manager` builds from
`custom_reward_function.path=pkg://codemill.rewards` scoring, per prompt, the reference answer and a wrong one
given in the facts, tokenized and decoded as a rollout's response is."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import torch
import verl
from hydra import compose, initialize_config_dir
from omegaconf import open_dict
from transformers import AutoTokenizer
from verl import DataProto
from verl.experimental.reward_loop import migrate_legacy_reward_impl
from verl.trainer.ppo.reward import load_reward_manager
from verl.utils.dataset.rl_dataset import RLHFDataset

from common import main, tiny_model


def readme_overrides(readme: Path) -> list[str]:
    """The `key=value` lines of the README's `python3 -m verl.trainer.main_ppo` command."""
    block = readme.read_text(encoding="utf-8").split("python3 -m verl.trainer.main_ppo", 1)[1].split("```", 1)[0]
    return [m.group(1) for m in re.finditer(r"^\s+(\S+=\S+)", block, re.M)]


def pad(ids: list[int], length: int, pad_id: int, left: bool) -> tuple[list[int], list[int]]:
    fill = [pad_id] * (length - len(ids))
    return (fill + ids, [0] * len(fill) + [1] * len(ids)) if left else (ids + fill, [1] * len(ids) + [0] * len(fill))


def rewards(run: Path, work: Path, facts: dict[str, Any]) -> dict[str, Any]:
    rl = run / "export_tasks" / "rl"
    os.environ["CODEMILL_RL_WORKSPACES"] = str(rl / "workspaces")
    overrides = readme_overrides(rl / "README.md")
    with initialize_config_dir(config_dir=str(Path(verl.__file__).parent / "trainer" / "config"), version_base=None):
        config = compose("ppo_trainer", overrides=[o.replace("rl/verl/", f"{rl}/verl/") for o in overrides])
    config = migrate_legacy_reward_impl(config)
    tokenizer = AutoTokenizer.from_pretrained(str(tiny_model(Path(facts["tokenizer"]), work / "model")))
    data_config = config.data.copy()
    with open_dict(data_config):
        data_config.cache_dir = str(work / "cache")
        data_config.filter_overlong_prompts = True  # off by default: on, a prompt over the length is dropped
    assert data_config.truncation == "error"  # verl's default: a longer prompt stops the run
    dataset = RLHFDataset(config.data.train_files, tokenizer, data_config)
    manager = load_reward_manager(config, tokenizer)
    p_len, r_len = int(config.data.max_prompt_length), int(config.data.max_response_length)
    scores: list[dict[str, Any]] = []
    for i in range(len(dataset)):
        item = dataset[i]
        text = tokenizer.apply_chat_template(item["raw_prompt"], add_generation_prompt=True, tokenize=False)
        prompt_ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        if len(prompt_ids) > p_len:
            raise ValueError(f"prompt {i} is {len(prompt_ids)} tokens, over max_prompt_length {p_len}")
        task = item["extra_info"]["task_id"]
        for label, answer in facts["answers"][task].items():
            response = tokenizer(answer, add_special_tokens=False)["input_ids"][:r_len]
            p, pm = pad(prompt_ids, p_len, tokenizer.pad_token_id, left=True)
            r, rm = pad(response, r_len, tokenizer.pad_token_id, left=False)
            batch = DataProto.from_dict(
                tensors={"prompts": torch.tensor([p]), "responses": torch.tensor([r]),
                         "input_ids": torch.tensor([p + r]), "attention_mask": torch.tensor([pm + rm])},
                non_tensors={"data_source": np.array([item["data_source"]], dtype=object),
                             "reward_model": np.array([item["reward_model"]], dtype=object),
                             "extra_info": np.array([dict(item["extra_info"])], dtype=object)})
            out = manager.loop.run_until_complete(manager.run_single(batch))
            rm_scores = manager.assemble_rm_scores(batch, [out["reward_score"]])
            scores.append({"task_id": task, "answer": label, "score": out["reward_score"],
                           "tensor_sum": float(rm_scores.sum())})
    return {"rows": len(dataset), "overrides": overrides, "max_prompt_length": p_len,
            "manager": type(manager).__name__, "scores": scores}


if __name__ == "__main__":
    main({"rewards:export_tasks/rl/verl": rewards})
