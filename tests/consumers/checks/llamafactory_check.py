"""LLaMA-Factory: its own parser reads `export/llamafactory/dataset_info.json` (`dataset_dir`), its converter aligns
each dataset (alpaca, sharegpt) and its SFT preprocessing tokenizes them with the `qwen` template, through
`get_dataset` as `llamafactory-cli train` calls it, on a tiny Qwen2 built from a config around the run's tokenizer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from llamafactory.data import get_dataset, get_template_and_fix_tokenizer
from llamafactory.data.loader import _get_merged_dataset
from llamafactory.hparams import get_train_args
from llamafactory.model import load_tokenizer

from common import main, tiny_model


def loader(run: Path, work: Path, facts: dict[str, Any]) -> dict[str, Any]:
    model_dir = tiny_model(Path(facts["tokenizer"]), work / "model")
    dataset_dir = run / "export" / "llamafactory"
    found: dict[str, Any] = {}
    for name in json.loads((dataset_dir / "dataset_info.json").read_text(encoding="utf-8")):
        model_args, data_args, training_args, _ft, _gen = get_train_args({
            "model_name_or_path": str(model_dir), "stage": "sft", "do_train": True, "finetuning_type": "full",
            "dataset": name, "dataset_dir": str(dataset_dir), "template": "qwen", "cutoff_len": 4096,
            "output_dir": str(work / "out"), "report_to": "none", "overwrite_cache": True,
            "preprocessing_num_workers": None, "use_cpu": True})
        tokenizer_module = load_tokenizer(model_args)
        template = get_template_and_fix_tokenizer(tokenizer_module["tokenizer"], data_args)
        aligned = _get_merged_dataset(data_args.dataset, model_args, data_args, training_args, "sft")
        module = get_dataset(template, model_args, data_args, training_args, stage="sft", **tokenizer_module)
        first = aligned[0]
        tokenized = module["train_dataset"]
        found[name] = {"aligned": len(aligned), "tokenized": len(tokenized),
                       "prompt_roles": [m["role"] for m in first["_prompt"]],
                       "response_roles": [m["role"] for m in first["_response"]],
                       "labelled": sum(1 for t in tokenized[0]["labels"] if t != -100)}
    return found


if __name__ == "__main__":
    main({"loader:export/llamafactory": loader})
