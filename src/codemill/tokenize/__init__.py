"""Tokenizers and the token formats pretraining frameworks read.

- `tokenizer`: train (byte-level BPE for code, StarCoder layout), save (with the `transformers` config), load,
  batch-encode.
- `megatron`: Megatron-LM / GPT-NeoX / nanotron indexed dataset (`.bin` + `.idx`).
- `nanogpt`: nanoGPT's flat uint16 `.bin`.
- `parquet`: `text` shards and packed `input_ids` shards for Hugging Face `datasets`.
"""

from codemill.tokenize.megatron import MegatronIndex, MegatronWriter, optimal_dtype, read_megatron, read_megatron_index
from codemill.tokenize.nanogpt import NanoGPTWriter
from codemill.tokenize.parquet import Packer, pack_sequences, write_packed_shard, write_text_shard
from codemill.tokenize.tokenizer import (
    encode_batch,
    eos_id,
    load_tokenizer,
    save_tokenizer,
    train_tokenizer,
    transformers_config,
    write_transformers_config,
)

__all__ = [
    "MegatronIndex",
    "MegatronWriter",
    "NanoGPTWriter",
    "Packer",
    "encode_batch",
    "eos_id",
    "load_tokenizer",
    "optimal_dtype",
    "pack_sequences",
    "read_megatron",
    "read_megatron_index",
    "save_tokenizer",
    "train_tokenizer",
    "transformers_config",
    "write_packed_shard",
    "write_text_shard",
    "write_transformers_config",
]
