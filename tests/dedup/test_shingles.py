"""The words tokenizer is BigCode's NON_ALPHA split, and its vectorised shingles agree with the definition."""

from __future__ import annotations

import random
import re

import numpy as np

from codemill.dedup import shingle_hashes, shingle_hashes_many, words
from codemill.dedup.shingles import _word_hashes

NON_ALPHA = re.compile("[^A-Za-z_0-9]")  # bigcode-dataset near_deduplication, on str
TRICKY = [
    "", "  \n", "a", "x==y+1.5e3 # héllo wörld", "__init__(self, _x9) -> None:", "日本語 mixed_ascii 42abc",
    "tab\tsep\r\nCRLF\u00a0nbsp\u2028ls", "ﬁ ligature ǅ titlecase 𝔘 math", "trailing_", "x" * 70_000,
]


def _reference(text: str, k: int = 5) -> set[str]:
    toks = [t for t in NON_ALPHA.split(text) if t]
    if 0 < len(toks) < k:
        return {" ".join(toks)}
    return {" ".join(toks[i : i + k]) for i in range(len(toks) - k + 1)}


def _corpus() -> list[str]:
    rng = random.Random(7)
    alphabet = "ab_Z09 \t\n.,()é日\u00a0-+=#\"'"
    return TRICKY + ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 200))) for _ in range(400)]


def test_words_are_the_non_alpha_split_without_empties():
    for text in _corpus():
        assert words(text) == [t.encode() for t in NON_ALPHA.split(text) if t]
        raw = text.encode()
        starts = _word_hashes(np.frombuffer(raw, np.uint8))[0].tolist() if raw else []
        assert starts == [m.start() for m in re.finditer(rb"[A-Za-z_0-9]+", raw)]


def test_word_shingles_are_the_reference_sets_one_hash_each():
    texts = _corpus()
    for text, hashes in zip(texts, shingle_hashes_many(texts), strict=True):
        ref = _reference(text)
        assert len(np.unique(hashes)) == len(ref)  # one hash per distinct shingle, no collisions
        assert np.array_equal(hashes, shingle_hashes(text))
    # equal word sequences, whatever separates them, give equal shingles; different words do not
    assert np.array_equal(shingle_hashes("def f(a, b): return a+b"), shingle_hashes("def f a b\nreturn a b"))
    assert not np.array_equal(shingle_hashes("def f(a, b): return a+b"), shingle_hashes("def f(a, c): return a+b"))
    assert len(shingle_hashes("foo.bar(baz)")) == 1 and len(shingle_hashes("é + é")) == 0


def test_jaccard_of_word_shingles_matches_the_reference():
    rng = random.Random(3)
    vocab = [f"w{i}" for i in range(40)]
    base = [rng.choice(vocab) for _ in range(300)]
    for _ in range(20):
        other = [w if rng.random() > 0.1 else rng.choice(vocab) for w in base]
        a_text, b_text = " ".join(base), "+".join(other)
        ra, rb = _reference(a_text), _reference(b_text)
        ha, hb = (set(shingle_hashes(t).tolist()) for t in (a_text, b_text))
        assert len(ha & hb) / len(ha | hb) == len(ra & rb) / len(ra | rb)
