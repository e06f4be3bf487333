"""TRL: `SFTTrainer` one optimizer step on each SFT config of `export/` (loaded by the card, as its README says),
and `GRPOTrainer` one step on `export_tasks/rl/trl-grpo` with `codemill.rewards.test_pass_reward`, both on CPU on
a tiny Qwen2 of random weights built from a config around the run's tokenizer."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from datasets import load_dataset
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import GRPOConfig, GRPOTrainer, SFTConfig, SFTTrainer

from common import main, tiny_model

COMMON = {"max_steps": 1, "per_device_train_batch_size": 2, "report_to": [], "use_cpu": True,
          "save_strategy": "no", "logging_steps": 1, "bf16": False, "seed": 0}


def sft(config: str):
    def check(run: Path, work: Path, facts: dict[str, Any]) -> dict[str, Any]:
        model_dir = tiny_model(Path(facts["tokenizer"]), work / "model")
        data = load_dataset(str(run / "export"), config, split="train", cache_dir=str(work / "cache"))
        trainer = SFTTrainer(model=AutoModelForCausalLM.from_pretrained(str(model_dir)),
                             processing_class=AutoTokenizer.from_pretrained(str(model_dir)), train_dataset=data,
                             args=SFTConfig(output_dir=str(work / "out"), max_length=1024, **COMMON))
        first = trainer.train_dataset[0]
        result = trainer.train()
        return {"rows": len(trainer.train_dataset), "steps": result.global_step, "loss": result.training_loss,
                "finite": math.isfinite(result.training_loss), "columns": sorted(first),
                "tokens": len(first["input_ids"]), "trained": sum(1 for t in first["labels"] if t != -100)}
    return check


def grpo(run: Path, work: Path, facts: dict[str, Any]) -> dict[str, Any]:
    os.environ["CODEMILL_RL_WORKSPACES"] = str(run / "export_tasks" / "rl" / "workspaces")
    from codemill.rewards import test_pass_reward

    calls: list[dict[str, Any]] = []

    def reward(completions: list[Any], ground_truth: list[str], **kwargs: Any) -> list[float]:
        scores = test_pass_reward(completions, ground_truth=ground_truth, **kwargs)
        calls.append({"completions": len(completions), "truths": len(set(ground_truth)), "scores": scores})
        return scores

    model_dir = tiny_model(Path(facts["tokenizer"]), work / "model")
    data = load_dataset("parquet", data_files=str(run / "export_tasks/rl/trl-grpo/train.parquet"), split="train",
                        cache_dir=str(work / "cache"))
    trainer = GRPOTrainer(model=AutoModelForCausalLM.from_pretrained(str(model_dir)),
                          processing_class=AutoTokenizer.from_pretrained(str(model_dir)), reward_funcs=[reward],
                          train_dataset=data,
                          args=GRPOConfig(output_dir=str(work / "out"), num_generations=2, max_completion_length=16,
                                          **COMMON))
    result = trainer.train()
    return {"rows": len(data), "steps": result.global_step, "reward_calls": calls,
            "finite": math.isfinite(result.training_loss)}


if __name__ == "__main__":
    main({"sft:trl-messages": sft("trl-messages"), "sft:trl-prompt-completion": sft("trl-prompt-completion"),
          "grpo:export_tasks/rl/trl-grpo": grpo})
