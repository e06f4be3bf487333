"""Fill-in-the-middle: split a file into prefix/middle/suffix and render it in PSM or SPM order.

Follows the BigCode Megatron-LM implementation used for StarCoder/StarCoder2 (bigcode-project/Megatron-LM,
megatron/data/gpt_dataset.py, `permute`): two split points drawn uniformly (either may be 0 or len, and they may be
equal, so any part can be empty), then

- PSM: `<fim_prefix>prefix<fim_suffix>suffix<fim_middle>middle`
- SPM: `<fim_prefix><fim_suffix>suffix<fim_middle>prefix middle` ("SPM variant 2" of Bavarian et al. 2022, the
  order that implementation writes).

Megatron applies FIM per file of a repo-level sample (`fim_split_sample` = `<file_sep>`); codemill applies it per
file too, either before the layout (`apply_fim` on each file's content) or during it (`file_fim` passed to
`repo_documents`, which can keep the path line in the prefix as StarCoder2 did).

Random draws, in this order, so a document is reproducible from its seed: one `random()` against `rate`; then two
`randint` split points; then one `random()` against `spm_rate`. A text that already holds one of the family's
special tokens, or is empty, is returned unchanged without drawing the split points: its sentinels would be
ambiguous, and such files are meant to be left out anyway (`families.special_tokens_in`).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from tokenizers import Tokenizer

from codemill.documents.families import Family, special_tokens_in

Level = Literal["char", "token"]
Mode = Literal["psm", "spm"]
FileTransform = Callable[[str, str, str], str]


@dataclass(frozen=True)
class FimResult:
    """The rendered text, the order used (None: left as is), and whether a special token in the text prevented FIM."""

    text: str
    mode: Mode | None
    collision: bool = False


def split_points(text: str, level: Level, tokenizer: Tokenizer | None) -> Sequence[int]:
    """Offsets FIM may split `text` at: every character boundary, or only token boundaries.

    Token boundaries are the end offsets of the tokenizer's tokens (plus 0 and len): with byte-level BPE the
    whitespace before a word belongs to the next token and trimmed offsets leave it out of that token's start, so
    ends are the offsets that are real boundaries. Offsets are in characters, so no split falls inside a character.
    """
    if level == "char":
        return range(len(text) + 1)
    if tokenizer is None:
        raise ValueError("token-level FIM needs a tokenizer")
    enc = tokenizer.encode(text, add_special_tokens=False)
    ends = {min(max(end, 0), len(text)) for _start, end in enc.offsets}
    return sorted(ends | {0, len(text)})


def fim(text: str, rng: random.Random, *, rate: float, spm_rate: float, family: Family, level: Level = "char",
        tokenizer: Tokenizer | None = None, lead: str = "") -> FimResult:
    """FIM with probability `rate`; `lead` (e.g. a path line) is kept at the start of the prefix, never split."""
    if rng.random() >= rate:
        return FimResult(lead + text, None)
    if special_tokens_in(lead + text, family):
        return FimResult(lead + text, None, collision=True)
    if not text:
        return FimResult(lead + text, None)
    points = split_points(text, level, tokenizer)
    a, b = sorted((points[rng.randint(0, len(points) - 1)], points[rng.randint(0, len(points) - 1)]))
    prefix, middle, suffix = lead + text[:a], text[a:b], text[b:]
    f = family
    if rng.random() < spm_rate:
        return FimResult(f"{f.fim_prefix}{f.fim_suffix}{suffix}{f.fim_middle}{prefix}{middle}", "spm")
    return FimResult(f"{f.fim_prefix}{prefix}{f.fim_suffix}{suffix}{f.fim_middle}{middle}", "psm")


def apply_fim(text: str, rng: random.Random, *, rate: float, spm_rate: float, family: Family, level: Level = "char",
              tokenizer: Tokenizer | None = None) -> str:
    """`fim(...).text`: the file rendered with FIM, or unchanged (not drawn, empty, or holding a special token)."""
    return fim(text, rng, rate=rate, spm_rate=spm_rate, family=family, level=level, tokenizer=tokenizer).text


def file_fim(rng: random.Random | Callable[[str], random.Random], *, rate: float, spm_rate: float, family: Family,
             level: Level = "char", tokenizer: Tokenizer | None = None) -> FileTransform:
    """A per-file transform for `repo_documents(..., fim=...)`: (path, lead, content) -> rendered file body.

    `rng` is one generator shared by the document's files in order, or a function giving each path its own (e.g.
    seeded by the file's id, so a file's FIM does not depend on which other files share its document). File-level
    FIM inside a repo document, as StarCoder2; for Megatron's two-level scheme (a sample is FIM'd at `rate`, then
    each file at a fragment rate) draw the document-level coin yourself and pass this only for documents that won.
    """

    def transform(path: str, lead: str, content: str) -> str:
        r = rng if isinstance(rng, random.Random) else rng(path)
        return fim(content, r, rate=rate, spm_rate=spm_rate, family=family, level=level, tokenizer=tokenizer,
                   lead=lead).text

    return transform


def unfim(text: str, family: Family) -> tuple[str, Mode | None]:
    """The original text of a FIM rendering and its order; (text, None) when `text` is not one.

    The inverse of `fim`, for checks and tests: PSM gives prefix, suffix and middle back; SPM gives the suffix and
    prefix+middle (all a reader needs: the original is prefix+middle followed by suffix).
    """
    f = family
    if not text.startswith(f.fim_prefix):
        return text, None
    body = text[len(f.fim_prefix):]
    if body.startswith(f.fim_suffix):
        suffix, sep, prefix_middle = body[len(f.fim_suffix):].partition(f.fim_middle)
        return (prefix_middle + suffix, "spm") if sep else (text, None)
    prefix, sep1, rest = body.partition(f.fim_suffix)
    suffix, sep2, middle = rest.partition(f.fim_middle)
    return (prefix + middle + suffix, "psm") if sep1 and sep2 else (text, None)
