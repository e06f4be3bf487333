"""What stages load once per worker process: the benchmark decontaminator and the tokenizer.

Loading and indexing benchmarks (user JSONL files can hold tens of thousands of items) or a tokenizer costs
more than a shard, so each process builds them once per config. Their digests cover the content (benchmark
items, tokenizer file bytes), not just the paths in the config; stages put them into each shard's input digest,
so an edited benchmark file or a retrained tokenizer re-runs exactly the stages that use them.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from tokenizers import Tokenizer

from codemill.config import DecontamConfig, TokenizerConfig
from codemill.decontam import Decontaminator, load_benchmarks
from codemill.tokenize import load_tokenizer

CONTAMINATED = "benchmark_contamination"  # the drop reason of every stage that decontaminates
_decontaminators: dict[str, Decontaminator] = {}
_tokenizers: dict[str, tuple[Tokenizer, str]] = {}


def decontaminator(cfg: DecontamConfig) -> Decontaminator:
    key = cfg.digest()
    if key not in _decontaminators:
        items = load_benchmarks(builtin=cfg.builtin, files=cfg.files)
        _decontaminators[key] = Decontaminator(items, ngram=cfg.ngram, min_substring_chars=cfg.min_substring_chars)
    return _decontaminators[key]


def tokenizer(cfg: TokenizerConfig) -> tuple[Tokenizer | None, str]:
    """The configured tokenizer and the sha256 of its file, or (None, "") when none is configured."""
    if cfg.path is None:
        return None, ""
    path = Path(cfg.path).expanduser()
    path = path / "tokenizer.json" if path.is_dir() else path
    stat = path.stat() if path.is_file() else None
    key = f"{path}|{stat and stat.st_mtime_ns}|{stat and stat.st_size}"  # a retrained file is reloaded
    if key not in _tokenizers:
        tok = load_tokenizer(cfg.path)
        _tokenizers[key] = (tok, hashlib.sha256(path.read_bytes()).hexdigest())
    return _tokenizers[key]
