from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tokenizers import Tokenizer

from codemill.tokenize import train_tokenizer

SPECIALS = ("<|endoftext|>", "<file_sep>", "<repo_name>", "<fim_prefix>")


@pytest.fixture(scope="session")
def code_texts() -> list[str]:
    """Real Python source: the first ~400 kB of numpy's own library modules in this venv."""
    texts: list[str] = []
    for p in sorted((Path(np.__file__).parent / "lib").glob("*.py")):
        texts.append(p.read_text(encoding="utf-8"))
        if sum(map(len, texts)) > 400_000:
            break
    assert len(texts) >= 3
    return texts


@pytest.fixture(scope="session")
def specials() -> tuple[str, ...]:
    return SPECIALS


@pytest.fixture(scope="session")
def small_tok(code_texts: list[str]) -> Tokenizer:
    """A 512-id tokenizer trained on `code_texts`, with StarCoder-style special tokens."""
    return train_tokenizer(code_texts, vocab_size=512, special_tokens=SPECIALS)
