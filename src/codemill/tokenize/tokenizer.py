"""Byte-level BPE tokenizers for code: train, save, load, encode.

The layout follows StarCoder/StarCoder2's `tokenizer.json`: digits split one by one (so numbers do not eat
vocabulary and arithmetic stays regular), then GPT-2 byte-level pre-tokenization without a prefix space (code
starts at column 0, a leading space would change its meaning), and the byte-level decoder, so any UTF-8 text
round-trips exactly. Special tokens are added as special: the documents stage writes `<file_sep>`,
`<fim_prefix>` ... into the text and they must come out as single ids.

A folder for `transformers` also needs `tokenizer_config.json` (and `special_tokens_map.json`): `tokenizer.json`
alone says which tokens are special, not which one ends a text, so `AutoTokenizer` 5.x loaded it with no EOS or
pad token and 4.57 refused it (no tokenizer class). `write_transformers_config` writes both.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

TOKENIZER_FILE = "tokenizer.json"
TOKENIZER_CONFIG = "tokenizer_config.json"
SPECIAL_TOKENS_MAP = "special_tokens_map.json"


def code_pre_tokenizer() -> pre_tokenizers.PreTokenizer:
    """StarCoder's pre-tokenizer: single digits, then GPT-2 byte-level splitting with no prefix space."""
    return pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True),
    ])


def train_tokenizer(
    texts: Iterable[str],
    *,
    vocab_size: int = 32768,
    special_tokens: Sequence[str] = (),
    min_frequency: int = 2,
) -> Tokenizer:
    """Train a byte-level BPE on `texts`; special tokens take the first ids, then the 256 byte symbols.

    The full byte alphabet is seeded so that text unseen in training (any script, any emoji) still encodes.
    """
    if vocab_size < 256 + len(special_tokens):
        raise ValueError(f"vocab_size {vocab_size} cannot hold the 256 byte symbols and {len(special_tokens)} specials")
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = code_pre_tokenizer()
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        special_tokens=list(special_tokens),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer=trainer)
    return tok


def save_tokenizer(tok: Tokenizer, path: str | Path) -> Path:
    """Write `tok` as `tokenizer.json` (into `path` if it is a directory or has no suffix), atomically."""
    path = Path(path)
    if path.is_dir() or not path.suffix:
        path = path / TOKENIZER_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(tok.to_str(pretty=True), encoding="utf-8")
    tmp.replace(path)
    return path


def transformers_config(tok: Tokenizer, *, eos: str, model_max_length: int) -> tuple[dict, dict]:
    """`tokenizer_config.json` and `special_tokens_map.json` for `tok` as `PreTrainedTokenizerFast` reads them.

    EOS is the family's end of text. Padding reuses it, as StarCoder's and Qwen2.5-Coder's base tokenizers do (an
    attention mask hides it; no token is added, so the ids stay those of the corpus). There is no BOS: the writers
    start documents with none. UNK is the BPE model's own (none for a byte-level BPE, which encodes every byte).
    The other special tokens are listed as additional so they stay whole (never split, skipped on decode).
    """
    vocab = tok.get_vocab(with_added_tokens=True)
    if eos not in vocab:
        raise ValueError(f"end-of-text token {eos!r} is not in the tokenizer's vocabulary")
    unk = getattr(tok.model, "unk_token", None)
    specials = [t.content for _i, t in sorted(tok.get_added_tokens_decoder().items()) if t.special]
    named = {"bos_token": None, "eos_token": eos, "pad_token": eos, "unk_token": unk if unk in vocab else None}
    extra = [t for t in specials if t not in named.values()]
    config = {"tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": model_max_length, **named,
              "additional_special_tokens": extra, "clean_up_tokenization_spaces": False}
    special_map = {k: v for k, v in named.items() if v is not None} | {"additional_special_tokens": extra}
    return config, special_map


def write_transformers_config(tok: Tokenizer, folder: str | Path, *, eos: str, model_max_length: int) -> list[Path]:
    """Write `transformers_config` beside `tokenizer.json` in `folder`, so `AutoTokenizer.from_pretrained(folder)`
    has its EOS and pad token."""
    folder = Path(folder)
    written = []
    for name, data in zip((TOKENIZER_CONFIG, SPECIAL_TOKENS_MAP),
                          transformers_config(tok, eos=eos, model_max_length=model_max_length), strict=True):
        path = folder / name
        tmp = path.with_name(f".{name}.tmp-{os.getpid()}")
        tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        tmp.replace(path)
        written.append(path)
    return written


def load_tokenizer(path: str | Path) -> Tokenizer:
    """Load a `tokenizer.json`, or the one inside a directory; never looks anything up on the Hub."""
    p = Path(path)
    if p.is_dir():
        p = p / TOKENIZER_FILE
        if not p.is_file():
            raise FileNotFoundError(f"no {TOKENIZER_FILE} in directory {path}")
    elif not p.is_file():
        raise FileNotFoundError(f"no tokenizer file at {path} (expected a tokenizer.json or a directory holding one)")
    text = p.read_text(encoding="utf-8")
    try:
        json.loads(text)
        return Tokenizer.from_str(text)
    except Exception as e:  # tokenizers raises a bare Exception for a malformed model
        raise ValueError(f"{p} is not a Hugging Face tokenizer.json: {e}") from e


def encode_batch(tok: Tokenizer, texts: Iterable[str]) -> list[list[int]]:
    """Token ids per text, in parallel (Rust threads), without the post-processor's BOS/EOS.

    Document boundaries are the writers' business (EOS appended by them), so a tokenizer whose template adds
    `<s>`/`</s>` must not add them again here. Special tokens written literally in the text still match.
    """
    batch = list(texts)
    if not batch:
        return []
    return [e.ids for e in tok.encode_batch_fast(batch, add_special_tokens=False)]


def eos_id(tok: Tokenizer, eos_token: str) -> int:
    """The id of `eos_token`; an error if the tokenizer does not know it (a wrong family is a config error)."""
    i = tok.token_to_id(eos_token)
    if i is None:
        raise ValueError(f"end-of-text token {eos_token!r} is not in the tokenizer's vocabulary")
    return i
