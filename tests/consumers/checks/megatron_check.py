"""megatron-core: `IndexedDataset` reads `corpus/megatron/codemill_text_document` (every document's token ids,
returned for the test to decode against the text), and `GPTDataset`, built by `BlendedMegatronDatasetBuilder` as
Megatron-LM's `pretrain_gpt.py` builds it (its C++ index helpers included), gives samples of `sequence_length`
tokens with labels shifted by one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from megatron.core.datasets.blended_megatron_dataset_builder import BlendedMegatronDatasetBuilder
from megatron.core.datasets.gpt_dataset import GPTDataset, GPTDatasetConfig
from megatron.core.datasets.indexed_dataset import IndexedDataset

from common import main


class Tokenizer:
    """What GPTDataset reads of a Megatron tokenizer: the vocabulary size, the end-of-document and pad ids."""

    def __init__(self, vocab_size: int, eod: int) -> None:
        self.vocab_size, self.eod, self.pad = vocab_size, eod, -1
        self.unique_identifiers = {"class": "codemill's trained tokenizer", "vocab_size": vocab_size}


def indexed(run: Path, work: Path, facts: dict[str, Any]) -> dict[str, Any]:
    ds = IndexedDataset(str(run / "corpus" / "megatron" / "codemill_text_document"))
    docs = [ds[i].tolist() for i in range(len(ds))]
    return {"sequences": len(ds), "documents": int(len(ds.document_indices) - 1), "dtype": str(ds[0].dtype),
            "ids": docs}


def gpt(run: Path, work: Path, facts: dict[str, Any]) -> dict[str, Any]:
    seq = int(facts["seq_len"])
    prefix = str(run / "corpus" / "megatron" / "codemill_text_document")
    config = GPTDatasetConfig(random_seed=1234, sequence_length=seq, blend=([prefix], None), split="100,0,0",
                              path_to_cache=str(work / "cache"),
                              tokenizer=Tokenizer(int(facts["vocab_size"]), int(facts["eod"])),
                              reset_position_ids=False, reset_attention_mask=False, eod_mask_loss=False)
    train, _valid, _test = BlendedMegatronDatasetBuilder(GPTDataset, [None, None, None], lambda: True, config).build()
    samples = [train[i] for i in range(len(train))]
    tokens = np.stack([s["tokens"].numpy() for s in samples])
    labels = np.stack([s["labels"].numpy() for s in samples])
    return {"samples": len(train), "shape": list(tokens.shape), "max_id": int(max(tokens.max(), labels.max())),
            "shifted": bool((tokens[:, 1:] == labels[:, :-1]).all()),
            "eods": int((tokens == int(facts["eod"])).sum())}


if __name__ == "__main__":
    main({"indexed:corpus/megatron": indexed, "gpt:corpus/megatron": gpt})
