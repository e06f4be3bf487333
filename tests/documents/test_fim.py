from __future__ import annotations

import random

import pytest
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

from codemill.documents import FAMILIES, Family, apply_fim, fim, split_points, unfim

CODE = (
    "import math\n\n\ndef area(r: float) -> float:\n    \"\"\"Circle área — ünïcode 🙂 included.\"\"\"\n"
    "    return math.pi * r ** 2\n\n\nclass Shape:\n    def __init__(self, name):\n        self.name = name\n"
)


@pytest.fixture(scope="module")
def bpe() -> Tokenizer:
    """A tiny byte-level BPE trained here on a few strings (nothing downloaded)."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=300, min_frequency=1, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator([CODE, "def f(x):\n    return x + 1\n", "self.name = name\n" * 5], trainer=trainer)
    return tok


def parse(text: str, fam: Family) -> tuple[str, str, str, str]:
    """Parse a FIM rendering into (mode, prefix, middle, suffix) straight from the sentinels' positions."""
    assert text.startswith(fam.fim_prefix)
    assert text.count(fam.fim_prefix) == text.count(fam.fim_suffix) == text.count(fam.fim_middle) == 1
    body = text[len(fam.fim_prefix):]
    i_suf, i_mid = body.index(fam.fim_suffix), body.index(fam.fim_middle)
    assert i_suf < i_mid
    if i_suf == 0:  # SPM: <pre><suf>suffix<mid>prefix+middle (or PSM with an empty prefix: the same string)
        suffix = body[len(fam.fim_suffix):i_mid]
        return "spm", "", body[i_mid + len(fam.fim_middle):], suffix
    prefix = body[:i_suf]
    suffix = body[i_suf + len(fam.fim_suffix):i_mid]
    return "psm", prefix, body[i_mid + len(fam.fim_middle):], suffix


@pytest.mark.parametrize("name", ["starcoder", "qwen2.5-coder", "deepseek-coder"])
def test_rate_one_reassembles_for_psm_and_spm(name: str) -> None:
    fam = FAMILIES[name]
    modes = set()
    for seed in range(200):
        res = fim(CODE, random.Random(seed), rate=1.0, spm_rate=0.5, family=fam)
        assert res.mode in ("psm", "spm")
        modes.add(res.mode)
        _kind, prefix, middle, suffix = parse(res.text, fam)
        assert prefix + middle + suffix == CODE
        if res.mode == "spm":
            assert res.text.startswith(fam.fim_prefix + fam.fim_suffix)
        assert unfim(res.text, fam)[0] == CODE
    assert modes == {"psm", "spm"}


def test_psm_parts_are_the_split_at_two_points() -> None:
    fam = FAMILIES["starcoder"]
    res = fim(CODE, random.Random(11), rate=1.0, spm_rate=0.0, family=fam)
    _kind, prefix, middle, suffix = parse(res.text, fam)
    assert res.mode == "psm"
    assert CODE.startswith(prefix) and CODE.endswith(suffix) and CODE[len(prefix):len(CODE) - len(suffix)] == middle


def test_rate_zero_returns_text_unchanged() -> None:
    for seed in range(50):
        res = fim(CODE, random.Random(seed), rate=0.0, spm_rate=0.5, family=FAMILIES["starcoder"])
        assert res == type(res)(CODE, None)
        assert apply_fim(CODE, random.Random(seed), rate=0.0, spm_rate=1.0, family=FAMILIES["starcoder"]) == CODE


def test_deterministic_given_seed() -> None:
    fam = FAMILIES["qwen2.5-coder"]
    outs = {apply_fim(CODE, random.Random("seed:file-1"), rate=0.5, spm_rate=0.5, family=fam) for _ in range(5)}
    assert len(outs) == 1
    many = {apply_fim(CODE, random.Random(s), rate=1.0, spm_rate=0.5, family=fam) for s in range(30)}
    assert len(many) > 20


def test_fim_and_spm_rates_match_over_many_seeds() -> None:
    fam = FAMILIES["starcoder"]
    results = [fim(CODE, random.Random(s), rate=0.5, spm_rate=0.3, family=fam) for s in range(4000)]
    fimmed = [r for r in results if r.mode]
    assert 0.45 < len(fimmed) / len(results) < 0.55
    spm = sum(r.mode == "spm" for r in fimmed) / len(fimmed)
    assert 0.25 < spm < 0.35


def test_token_level_split_points_fall_on_token_boundaries(bpe: Tokenizer) -> None:
    fam = FAMILIES["starcoder"]
    enc = bpe.encode(CODE, add_special_tokens=False)
    boundaries = {0, len(CODE)} | {end for _s, end in enc.offsets}
    assert len(boundaries) < 0.7 * len(CODE)  # the BPE merged enough for boundaries to be sparser than characters
    assert set(split_points(CODE, "token", bpe)) == boundaries
    for seed in range(300):
        res = fim(CODE, random.Random(seed), rate=1.0, spm_rate=0.5, family=fam, level="token", tokenizer=bpe)
        text, _mode = unfim(res.text, fam)
        assert text == CODE
        if res.mode == "psm":
            _k, prefix, middle, _suffix = parse(res.text, fam)
            assert len(prefix) in boundaries and len(prefix) + len(middle) in boundaries
        else:
            _k, _empty, prefix_middle, _suffix = parse(res.text, fam)
            assert len(prefix_middle) in boundaries


def test_char_level_splits_do_land_inside_tokens(bpe: Tokenizer) -> None:
    """Guards the token-level test: character-level FIM does split inside tokens, so that check can fail."""
    fam = FAMILIES["starcoder"]
    enc = bpe.encode(CODE, add_special_tokens=False)
    boundaries = {0, len(CODE)} | {end for _s, end in enc.offsets}
    inside = 0
    for seed in range(100):
        res = fim(CODE, random.Random(seed), rate=1.0, spm_rate=0.0, family=fam, level="char")
        _k, prefix, _middle, _suffix = parse(res.text, fam)
        inside += len(prefix) not in boundaries
    assert inside > 10


def test_token_level_on_multibyte_text_uses_character_offsets(bpe: Tokenizer) -> None:
    """Byte-level BPE cuts 🙂 into byte tokens; their offsets are characters, so splits reassemble exactly."""
    text = "🙂é漢字" * 20
    points = split_points(text, "token", bpe)
    assert points[-1] == len(text) and all(0 <= p <= len(text) for p in points)
    for seed in range(100):
        res = apply_fim(text, random.Random(seed), rate=1.0, spm_rate=0.5, family=FAMILIES["starcoder"],
                        level="token", tokenizer=bpe)
        assert unfim(res, FAMILIES["starcoder"])[0] == text


def test_text_holding_a_special_token_is_left_alone() -> None:
    fam = FAMILIES["starcoder"]
    text = "tokens = ['<fim_middle>', '<|endoftext|>']\n"
    res = fim(text, random.Random(0), rate=1.0, spm_rate=0.5, family=fam)
    assert res.text == text and res.mode is None and res.collision
    qwen_ok = "tokens = ['<fim_middle>']\n"  # a StarCoder token, not a Qwen one
    other = fim(qwen_ok, random.Random(0), rate=1.0, spm_rate=0.5, family=FAMILIES["qwen2.5-coder"])
    assert other.mode is not None and not other.collision


def test_token_level_needs_a_tokenizer() -> None:
    with pytest.raises(ValueError, match="needs a tokenizer"):
        fim(CODE, random.Random(0), rate=1.0, spm_rate=0.5, family=FAMILIES["starcoder"], level="token")


def test_unfim_leaves_plain_text() -> None:
    assert unfim(CODE, FAMILIES["starcoder"]) == (CODE, None)
