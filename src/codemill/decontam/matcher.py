"""Find benchmark content in a training text: normalised exact substrings and long token n-grams.

Normalisation (`normalize`, the same for benchmark and candidate texts): lowercase, every whitespace run
becomes one space, strip. BigCode decontaminated The Stack for StarCoder by case-insensitive exact substring
search for benchmark docstrings and solutions (bigcode-project/bigcode-dataset,
decontamination/find_substrings.py lowercases both sides; StarCoder, arXiv:2305.06161, data decontamination).
We follow them and, on top, ignore whitespace: indentation and spacing carry no evidence of where code came
from, and a copy pasted into a class, re-indented with tabs or run through a formatter must still match.

Two checks, strongest first:

- substring: a benchmark text of at least ``min_substring_chars`` normalised characters contained in the
  candidate, both compared with all whitespace removed. Shorter texts are not used (``return a + b`` is in
  thousands of unrelated files); long enough ones are still covered by n-grams. Measured on HumanEval
  canonical solutions with spaces around operators removed: 90/164 found with whitespace collapsed to one
  space, 139/164 with whitespace removed (the rest are one-liners below the length limit and without a
  distinctive n-gram).
- n-gram: the candidate shares a window of ``ngram`` consecutive code tokens with a benchmark text (the
  10-gram overlap Phi-1 and Cosmopedia used; GPT-3 used 13 words). One shared n-gram is enough, so n-grams
  that carry no evidence of copying are left out of the index (see `Decontaminator`).

Tokens are runs of word characters (identifiers, keywords, numbers; every non-ASCII byte counts as a word
character) and single punctuation characters, over the normalised UTF-8 bytes. Token boundaries depend only
on adjacent characters, so every token of a benchmark text except its first and last is also a token of a
candidate that contains it (re-spacing only moves spaces next to punctuation, which never changes tokens).
That is what lets the substring check run only for the texts whose "anchor" n-gram, chosen inside the text,
occurs in the candidate: match() costs the same whatever the number of benchmark items. Token and n-gram
hashes are computed with numpy for the whole text (no Python object per token); they only propose
candidates: every n-gram hit is verified on the tokens, so a hash collision cannot drop a file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import xxhash

from codemill.decontam.benchmarks import BenchmarkItem

TOKEN_RE = re.compile(rb"[\w\x80-\xff]+|[^\w \x80-\xff]")
_P = np.uint64(0x9E3779B97F4A7C15)
_FMIX_1 = np.uint64(0xFF51AFD7ED558CCD)
_FMIX_2 = np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)
_DETAIL_CHARS = 120
_DIGEST_VERSION = b"codemill.decontam/2"  # /2: number words are generic

# Tokens that say nothing about where code came from: Python keywords and builtins, words shared by most
# languages, common short names, and English function words (docstrings). An n-gram made only of these (and
# punctuation and small numbers) is not evidence of copying.
_GENERIC = (
    "false none true and as assert async await break class continue def del elif else except finally for from "
    "global if import in is lambda nonlocal not or pass raise return try while with yield match case self cls "
    "abs all any bool bytes callable chr dict dir divmod enumerate filter float format getattr hasattr hash "
    "id input int isinstance issubclass iter len list map max min next object open ord pow print range repr "
    "reversed round set setattr slice sorted str sum super tuple type zip append extend insert pop remove "
    "keys values items get join split strip lower upper replace startswith endswith count index sort copy "
    "update add i j k n m x y z a b c s t v e f l r res result ans key value val item num arr lst "
    "null nil undefined var let const function new this void public private static final char string "
    "boolean long double auto struct switch default do goto sizeof std vector size_t printf "
    "the an of to on at by be been it its this that these those than then so such which who what when where how "
    "does are was were has have had can will should must may each any given "
    # number words: counting in prose ("One, two, three, four, five;" in Moby-Dick) is not HumanEval/101
    "zero one two three four five six seven eight nine ten eleven twelve first second third"
)
_GENERIC_WORDS = frozenset(_GENERIC.encode().split())
_QUOTES = frozenset((b'"', b"'", b"`"))


def normalize(text: str) -> bytes:
    """The normalised UTF-8 bytes both sides are compared on: lowercased, whitespace runs to one space."""
    return " ".join(text.lower().split()).encode("utf-8", "surrogatepass")


def tokens(norm: bytes) -> list[bytes]:
    """The code tokens of a normalised text (see the module docstring)."""
    return TOKEN_RE.findall(norm)


# byte classes of the normalised text (whitespace is only b" " after `normalize`)
_SPACE, _PUNCT, _WORD = 0, 1, 2
_CLASS = np.full(256, _PUNCT, dtype=np.int8)
_CLASS[b" "[0]] = _SPACE
_CLASS[list(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz")] = _WORD
_CLASS[0x80:] = _WORD
# token hash: sum of random values of (offset in token mod 64, byte), spaces 0, then mixed (see `_scan`)
_TABLE = np.random.Generator(np.random.PCG64(0xDEC0)).integers(0, 2**64, size=(64, 256), dtype=np.uint64)
_TABLE[:, b" "[0]] = 0
_TABLE = _TABLE.ravel()


def _scan(norm: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(start offsets, uint64 hashes) of the tokens of a normalised text, with numpy (no object per token).

    The same tokens as `tokens` (TOKEN_RE): a token starts at every punctuation byte and at every word byte
    after a non-word byte. A token's hash sums random table values of (offset in the token mod 64, byte) over
    the bytes from its start to the next token's start (trailing spaces count 0), then mixes it. Hashes only
    find candidates: every hit is verified on the tokens themselves.
    """
    buf = np.frombuffer(norm, dtype=np.uint8)
    if not len(buf):
        return np.empty(0, np.int64), np.empty(0, np.uint64)
    c = _CLASS[buf]
    start = c == _PUNCT
    start[0] |= c[0] == _WORD
    start[1:] |= (c[1:] == _WORD) & (c[:-1] != _WORD)
    starts = np.flatnonzero(start)
    if not len(starts):
        return starts, np.empty(0, np.uint64)
    lengths = np.diff(starts, append=len(buf))
    offset = np.arange(len(buf) - starts[0], dtype=np.int64) - np.repeat(starts - starts[0], lengths)
    h = np.add.reduceat(_TABLE[(offset & 63) * 256 + buf[starts[0] :]], starts - starts[0])
    return starts, _fmix(h)


def _windows(t: np.ndarray, k: int) -> np.ndarray:
    """Hashes of all windows of `k` consecutive token hashes (none if fewer than `k` tokens)."""
    m = len(t) - k + 1
    if m <= 0 or k <= 0:
        return np.empty(0, dtype=np.uint64)
    h = t[:m].copy()
    for j in range(1, k):
        h *= _P
        h += t[j : j + m]
    return _fmix(h)


def _fmix(h: np.ndarray) -> np.ndarray:
    """The murmur3 64-bit finaliser, in place."""
    h ^= h >> _S33
    h *= _FMIX_1
    h ^= h >> _S33
    h *= _FMIX_2
    h ^= h >> _S33
    return h


def _informative(window: Sequence[bytes]) -> int:
    """How many distinct tokens of the n-gram are evidence of copying.

    Counted: words not in `_GENERIC_WORDS` and numbers of 3+ digits, except a word that is a whole string
    literal (quotes on both sides, or on its one side inside the window): lists of such values (``"one",
    "two", "three"``, planet names, ``"name": "john"``) are shared data, not code.
    """
    seen: set[bytes] = set()
    last = len(window) - 1
    for t, tok in enumerate(window):
        c = tok[0]
        word = (c >= 128 or c == 95 or 97 <= c <= 122) and tok not in _GENERIC_WORDS
        if not (word or (48 <= c <= 57 and len(tok) >= 3)):
            continue
        before = window[t - 1] in _QUOTES if t > 0 else None
        after = window[t + 1] in _QUOTES if t < last else None
        if before is not False and after is not False:
            continue  # a one-word string literal
        seen.add(tok)
    return len(seen)


class _KeySet:
    """Sorted uint64 keys (duplicates allowed) with a bit filter in front of the binary search.

    Nearly every window of a clean text misses; a gather from a bit array sized 16 bits per key rejects
    almost all of them at memory speed, so the binary search runs only on the few that may hit.
    """

    def __init__(self, keys: np.ndarray) -> None:
        self.keys = np.sort(keys)
        self.shift = np.uint64(64 - max(16, int(16 * max(len(keys), 1) - 1).bit_length()))
        bits = np.zeros(1 << (64 - int(self.shift)), dtype=bool)
        bits[self.keys >> self.shift] = True
        self.bits = np.packbits(bits, bitorder="little")

    def __len__(self) -> int:
        return len(self.keys)

    def find(self, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(positions in `w`, first and past-last index in `keys`) of the windows that are keys."""
        b = w >> self.shift
        maybe = np.flatnonzero((self.bits[b >> np.uint64(3)] >> (b & np.uint64(7)).astype(np.uint8)) & 1)
        lo = np.searchsorted(self.keys, w[maybe], "left")
        hi = np.searchsorted(self.keys, w[maybe], "right")
        hit = hi > lo
        return maybe[hit], lo[hit], hi[hit]


@dataclass(frozen=True)
class Match:
    """Why a text was dropped: the benchmark item and the evidence (the matched text or n-gram, truncated)."""

    benchmark: str
    item_id: str
    kind: Literal["substring", "ngram"]
    detail: str


def _truncate(norm: bytes) -> str:
    text = norm.decode("utf-8", "replace")
    return text if len(text) <= _DETAIL_CHARS else text[: _DETAIL_CHARS - 3] + "..."


class Decontaminator:
    """Matches texts against benchmark items; build once per benchmark set, then call `match` per text.

    One shared n-gram drops a file, so the index leaves out n-grams that are no evidence of copying. Measured
    on the 8,700 Python files (123 MB) of this venv's site-packages, none a HumanEval solution, at ngram=10:
    with every HumanEval n-gram indexed 1,757 files matched (``) -> bool: <docstring> check if``, ``[1, 2, 3, 4]``,
    ``for i in range(len(``); dropping n-grams shared by 3+ items left 1,484; requiring one distinctive token
    left 301; requiring two (the default) left 0. Removed are n-grams

    - shared by ``max_items_per_ngram`` or more benchmark items (the benchmark's own boilerplate), and
    - with fewer than ``min_informative_tokens`` distinct distinctive tokens: words other than keywords,
      builtins, common short names and English function words (`_GENERIC_WORDS`), not alone in quotes
      (``"one", "two", "three"`` is data), or numbers of 3+ digits.

    The cost: 25 of HumanEval's 164 canonical solutions are one-liners (``return x + y``) too short for the
    substring check and without a distinctive n-gram, so a file holding only such a body is not caught (it is
    when it holds the prompt or docstring). `_DIGEST_VERSION` must change when these rules change.
    """

    def __init__(
        self,
        items: Sequence[BenchmarkItem],
        *,
        ngram: int = 10,
        min_substring_chars: int = 50,
        max_items_per_ngram: int = 3,
        min_informative_tokens: int = 2,
    ) -> None:
        if ngram < 2:
            raise ValueError(f"ngram must be at least 2, got {ngram}")
        if min_substring_chars < 1:
            raise ValueError(f"min_substring_chars must be at least 1, got {min_substring_chars}")
        if max_items_per_ngram < 2:
            raise ValueError(f"max_items_per_ngram must be at least 2, got {max_items_per_ngram}")
        self.items = list(items)
        self.ngram = ngram
        self.min_substring_chars = min_substring_chars
        self.max_items_per_ngram = max_items_per_ngram
        self.min_informative_tokens = min_informative_tokens
        self._norm = [[normalize(t) for t in item.texts] for item in self.items]
        self._squeezed = [[b.replace(b" ", b"") for b in texts] for texts in self._norm]
        self._digest = self._compute_digest()
        self._build()

    # ---- index ----
    def _build(self) -> None:
        n = self.ngram
        toks = [[tokens(b) for b in texts] for texts in self._norm]
        hashes = [[_scan(b)[1] for b in texts] for texts in self._norm]
        if any(len(t) != len(h) for ts, hs in zip(toks, hashes, strict=True) for t, h in zip(ts, hs, strict=True)):
            raise AssertionError("codemill.decontam: vectorised tokenizer disagrees with TOKEN_RE")
        # every window of every text: (key, item, text, position)
        keys, item_ix, text_ix, pos = [], [], [], []
        for i, hs in enumerate(hashes):
            for j, h in enumerate(hs):
                w = _windows(h, n)
                keys.append(w)
                item_ix.append(np.full(len(w), i, dtype=np.int32))
                text_ix.append(np.full(len(w), j, dtype=np.int32))
                pos.append(np.arange(len(w), dtype=np.int32))
        k = np.concatenate([np.empty(0, np.uint64), *keys])
        it = np.concatenate([np.empty(0, np.int32), *item_ix])
        tx = np.concatenate([np.empty(0, np.int32), *text_ix])
        ps = np.concatenate([np.empty(0, np.int32), *pos])
        order = np.lexsort((ps, tx, it, k))
        k, it, tx, ps = k[order], it[order], tx[order], ps[order]
        first = np.ones(len(k), dtype=bool)
        first[1:] = k[1:] != k[:-1]
        new_item = np.ones(len(k), dtype=bool)
        new_item[1:] = first[1:] | (it[1:] != it[:-1])
        starts = np.flatnonzero(first)
        n_items = np.add.reduceat(new_item.astype(np.int64), starts) if len(starts) else np.empty(0, np.int64)
        ukeys = k[starts]
        # keep the first occurrence (lowest item, text, position) of each n-gram that is evidence of copying
        keep = n_items < self.max_items_per_ngram
        for s in np.flatnonzero(keep).tolist():
            r = starts[s]
            p = int(ps[r])
            if _informative(toks[it[r]][tx[r]][p : p + n]) < self.min_informative_tokens:
                keep[s] = False
        sel = starts[keep]
        self._keys = _KeySet(ukeys[keep])  # already sorted and unique: indices agree with `sel`
        self._key_item, self._key_text, self._key_pos = it[sel], tx[sel], ps[sel]
        self._build_anchors(hashes, ukeys, n_items)

    def _build_anchors(self, hashes: list[list[np.ndarray]], ukeys: np.ndarray, n_items: np.ndarray) -> None:
        """One anchor window per substring-checked text, inside it (not its first or last token).

        The anchor is the text's interior n-gram shared by the fewest items (fewest substring checks);
        a text with fewer interior tokens is anchored on all of them, at that width; one with none is
        checked against every candidate.
        """
        n = self.ngram
        by_width: dict[int, list[tuple[int, int, int]]] = {}  # width -> (key, item, text)
        self._always: list[tuple[int, int]] = []
        for i, texts in enumerate(self._norm):
            for j, norm in enumerate(texts):
                if len(norm.decode("utf-8", "surrogatepass")) < self.min_substring_chars:
                    continue
                inner = hashes[i][j][1:-1]
                if len(inner) >= n:
                    w = _windows(inner, n)
                    ix = np.searchsorted(ukeys, w)
                    best = int(np.argmin(n_items[ix]))
                    by_width.setdefault(n, []).append((int(w[best]), i, j))
                elif len(inner) >= 1:
                    by_width.setdefault(len(inner), []).append((int(_windows(inner, len(inner))[0]), i, j))
                else:
                    self._always.append((i, j))
        self._anchors: dict[int, tuple[_KeySet, np.ndarray, np.ndarray]] = {}
        for width, rows in sorted(by_width.items()):
            rows.sort()
            self._anchors[width] = (
                _KeySet(np.array([r[0] for r in rows], dtype=np.uint64)),
                np.array([r[1] for r in rows], dtype=np.int32),
                np.array([r[2] for r in rows], dtype=np.int32),
            )

    # ---- matching ----
    def match(self, text: str) -> Match | None:
        """The first benchmark item found in `text` (a substring match before an n-gram match), or None."""
        norm = normalize(text)
        starts, th = _scan(norm)
        windows = {self.ngram: _windows(th, self.ngram)}
        return self._substring(norm, th, windows) or self._ngram(norm, starts, windows[self.ngram])

    def _substring(self, norm: bytes, th: np.ndarray, windows: dict[int, np.ndarray]) -> Match | None:
        refs: set[tuple[int, int]] = set(self._always)
        for width, (akeys, aitem, atext) in self._anchors.items():
            w = windows[width] if width in windows else _windows(th, width)
            _, lo, hi = akeys.find(w)
            for a, b in zip(lo.tolist(), hi.tolist(), strict=True):
                refs.update(zip(aitem[a:b].tolist(), atext[a:b].tolist(), strict=True))
        squeezed = norm.replace(b" ", b"") if refs else b""
        for i, j in sorted(refs):
            if self._squeezed[i][j] in squeezed:
                item = self.items[i]
                return Match(item.benchmark, item.item_id, "substring", _truncate(self._norm[i][j]))
        return None

    def _ngram(self, norm: bytes, starts: np.ndarray, w: np.ndarray) -> Match | None:
        hits, ix, _ = self._keys.find(w)
        n = self.ngram
        counts: dict[int, int] = {}
        evidence: dict[int, list[bytes]] = {}
        for p, r in zip(hits.tolist(), ix.tolist(), strict=True):
            i, j, q = int(self._key_item[r]), int(self._key_text[r]), int(self._key_pos[r])
            end = int(starts[p + n]) if p + n < len(starts) else len(norm)
            gram = tokens(norm[int(starts[p]) : end])
            if tokens(self._norm[i][j])[q : q + n] != gram:
                continue  # a hash collision
            counts[i] = counts.get(i, 0) + 1
            evidence.setdefault(i, gram)
        if not counts:
            return None
        best = min(counts, key=lambda i: (-counts[i], i))  # most shared n-grams; ties: benchmark order
        item = self.items[best]
        return Match(item.benchmark, item.item_id, "ngram", _truncate(b" ".join(evidence[best])))

    # ---- identity ----
    def _compute_digest(self) -> str:
        h = xxhash.xxh3_128()
        h.update(_DIGEST_VERSION)
        params = (self.ngram, self.min_substring_chars, self.max_items_per_ngram, self.min_informative_tokens)
        for value in (*params, len(self.items)):
            h.update(value.to_bytes(8, "little"))
        for item in self.items:
            h.update(len(item.texts).to_bytes(8, "little"))
            for field in (item.benchmark, item.item_id, *item.texts):
                b = field.encode("utf-8", "surrogatepass")
                h.update(len(b).to_bytes(8, "little"))
                h.update(b)
        return h.hexdigest()

    def digest(self) -> str:
        """A stable hex digest of the items and parameters: a stage's fingerprint changes with the benchmark set."""
        return self._digest
