"""nanoGPT (karpathy/nanoGPT, `train.py`): `get_batch` over `train.bin`/`val.bin` as uint16 memmaps, the vocabulary
size from `meta.pkl` (as `train.py` reads it to size the model), then the model's embedding lookup on a batch."""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import torch

from common import main


def check(run: Path, work: Path, facts: dict[str, Any]) -> dict[str, Any]:
    data_dir = str(run / "corpus" / "nanogpt")
    meta_path = os.path.join(data_dir, "meta.pkl")
    with open(meta_path, "rb") as f:
        meta = pickle.load(f)
    meta_vocab_size = meta["vocab_size"]
    block_size, batch_size, device = int(facts["block_size"]), 4, "cpu"
    torch.manual_seed(1337)

    def get_batch(split: str) -> tuple[torch.Tensor, torch.Tensor]:  # train.py, verbatim but for the device
        if split == "train":
            data = np.memmap(os.path.join(data_dir, "train.bin"), dtype=np.uint16, mode="r")
        else:
            data = np.memmap(os.path.join(data_dir, "val.bin"), dtype=np.uint16, mode="r")
        ix = torch.randint(len(data) - block_size, (batch_size,))
        x = torch.stack([torch.from_numpy((data[i:i + block_size]).astype(np.int64)) for i in ix])
        y = torch.stack([torch.from_numpy((data[i + 1:i + 1 + block_size]).astype(np.int64)) for i in ix])
        return x.to(device), y.to(device)

    wte = torch.nn.Embedding(meta_vocab_size, 8)  # GPT's token embedding, sized from meta.pkl
    found: dict[str, Any] = {"vocab_size": meta_vocab_size}
    for split in ("train", "val"):
        x, y = get_batch(split)
        wte(x)  # an id at or over the vocabulary size raises here
        found[split] = {"shape": list(x.shape), "shifted": bool((x[:, 1:] == y[:, :-1]).all()),
                        "max_id": int(max(x.max(), y.max()))}
    return found


if __name__ == "__main__":
    main({"corpus/nanogpt": check})
