"""Axolotl: `axolotl preprocess` on a config made of the shipped `export/axolotl/axolotl.yaml` (its `datasets:` and
`test_datasets:` as written, run from the export folder as it says) plus a base model, a tiny Qwen2 built from a
config around the run's tokenizer; the prepared dataset is read back from `dataset_prepared_path`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from datasets import load_from_disk

from common import main, tiny_model


def preprocess(run: Path, work: Path, facts: dict[str, Any]) -> dict[str, Any]:
    model_dir = tiny_model(Path(facts["tokenizer"]), work / "model")
    shipped = yaml.safe_load((run / "export" / "axolotl" / "axolotl.yaml").read_text(encoding="utf-8"))
    # sequence_len over the longest row in the run tokenizer's small vocabulary (600 tokens), so none is dropped
    config = {**shipped, "base_model": str(model_dir),
              "chat_template": shipped.get("chat_template", "tokenizer_default"), "sequence_len": 262144,
              "dataset_prepared_path": str(work / "prepared"), "output_dir": str(work / "out"),
              "micro_batch_size": 1, "num_epochs": 1, "learning_rate": 1e-4, "val_set_size": 0}
    path = work / "config.yml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "axolotl.cli.preprocess", str(path)], cwd=run / "export",
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"axolotl preprocess exited {done.returncode}:\n{done.stdout[-4000:]}\n"
                           f"{done.stderr[-4000:]}")
    prepared = [p.parent for p in (work / "prepared").rglob("dataset_info.json")]
    found = {}
    for folder in prepared:
        ds = load_from_disk(str(folder))
        found[folder.name] = {"rows": len(ds), "columns": sorted(ds.column_names),
                              "trained_tokens": sum(1 for t in ds[0]["labels"] if t != -100)}
    return {"datasets": len(shipped.get("datasets", [])), "prepared": found}


if __name__ == "__main__":
    main({"preprocess:export/axolotl": preprocess})
