"""`datasets`: every card folder by path (each config and split as `load_dataset` resolves them from the card,
all folders sharing one cache, as a user's default cache does) and every Parquet output as Parquet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from datasets import get_dataset_config_names, load_dataset

from common import main


def by_folder(folder: str):
    def check(run: Path, work: Path, facts: dict[str, Any]) -> dict[str, Any]:
        cache = str(facts.get("cache") or work / "cache")
        found = {}
        for name in get_dataset_config_names(str(run / folder)):
            loaded = load_dataset(str(run / folder), name, cache_dir=cache)
            found[name] = {split: {"rows": ds.num_rows, "columns": sorted(ds.column_names)}
                           for split, ds in loaded.items()}
        return {"configs": found}
    return check


def by_parquet(folder: str):
    def check(run: Path, work: Path, facts: dict[str, Any]) -> dict[str, Any]:
        files = sorted(str(p) for p in (run / folder).rglob("*.parquet"))
        ds = load_dataset("parquet", data_files=files, split="train", cache_dir=str(work / "cache"))
        return {"files": len(files), "rows": ds.num_rows, "columns": sorted(ds.column_names),
                "features": {k: str(v) for k, v in ds.features.items()}}
    return check


FOLDERS = ("export", "export/hf", "corpus")
PARQUET = ("export/hf", "export/trl-messages", "export/trl-prompt-completion", "corpus/text", "corpus/packed",
           "export_tasks/rl/verl", "export_tasks/rl/trl-grpo")

if __name__ == "__main__":
    main({**{f"folder:{f}": by_folder(f) for f in FOLDERS}, **{f"parquet:{f}": by_parquet(f) for f in PARQUET}})
