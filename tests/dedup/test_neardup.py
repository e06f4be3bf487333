"""NearDupIndex on real source files with planted near duplicates, against exact Jaccard."""

from __future__ import annotations

import sys
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from corpus import exact_pairs, planted_corpus

from codemill.dedup import (
    DedupParams,
    MinHasher,
    NearDupIndex,
    accept_many,
    band_keys,
    content_hash,
    estimated_jaccard,
    normalize_content,
    optimal_param,
    recall_banding,
    shingle_hashes,
    signatures,
    tokenize,
)
from codemill.dedup.minhash import EMPTY_VALUE


@pytest.fixture(scope="module")
def corpus() -> list[tuple[str, str, str]]:
    docs = planted_corpus(n_base=150)
    if len(docs) < 300:
        pytest.skip("too few source files in the venv to build the corpus")
    return docs


@pytest.fixture(scope="module")
def truth(corpus):
    return exact_pairs([text for _, text, _ in corpus], 0.7)


def _key(doc_id: str) -> tuple:
    return (0, doc_id)


def _precision_recall(corpus, truth, params: DedupParams) -> tuple[float, float, int]:
    true_pairs, _ = truth
    index = NearDupIndex(params, track_links=True)
    index.add((doc_id, text, _key(doc_id)) for doc_id, text, _ in corpus)
    by_hash: dict[str, list[int]] = {}
    for i, (_, text, _) in enumerate(corpus):
        by_hash.setdefault(content_hash(text).hex(), []).append(i)
    found: set[tuple[int, int]] = set()
    for a, b in index.links:
        for i in by_hash[a]:
            for j in by_hash[b]:
                found.add((min(i, j), max(i, j)))
    for docs in by_hash.values():  # exact duplicates are pairs too (J = 1)
        found.update(combinations(sorted(docs), 2))
    tp = len(found & true_pairs)
    precision, recall = tp / len(found), tp / len(true_pairs)
    print(f"\n{params.scheme}: true {len(true_pairs)} found {len(found)} precision {precision:.3f} recall {recall:.3f}")
    return precision, recall, len(true_pairs)


def test_precision_recall_against_exact_jaccard(corpus, truth):
    params = DedupParams()
    assert (params.scheme, params.num_perm, params.shingle_size, params.threshold) == ("one_permutation", 256, 5, 0.7)
    precision, recall, n_true = _precision_recall(corpus, truth, params)
    assert n_true >= 100
    assert precision >= 0.95
    assert recall >= 0.93


def test_permutations_scheme_finds_the_same_pairs_less_precisely(corpus, truth):
    # measured 0.936 / 0.970 here (estimates slightly noisier on files: the bins of the default sample
    # without replacement); kept for indexes built with it, not held to the default's precision
    precision, recall, _ = _precision_recall(corpus, truth, DedupParams(scheme="permutations"))
    assert precision >= 0.9
    assert recall >= 0.93


def test_recall_banding_finds_pairs_at_the_threshold():
    for t in (0.5, 0.7, 0.8, 0.9):
        b, r = recall_banding(t, 256)
        assert b * r <= 256 and 1 - (1 - t**r) ** b >= 0.99
        assert 1 - (1 - t ** (r + 1)) ** (256 // (r + 1)) < 0.99  # the fewest bands that do
    assert DedupParams().banding() == (42, 6)
    assert DedupParams(verify=False).banding() == optimal_param(0.7, 256) == (25, 10)
    assert DedupParams(bands=20, rows=12).banding() == (20, 12)


def test_public_signatures_band_keys_and_accept_agree_with_the_index(corpus):
    params = DedupParams()
    items = [(doc_id, text, _key(doc_id)) for doc_id, text, _ in corpus[:150]] + [("empty", "  \n", (0,))]
    index = NearDupIndex(params, track_links=True)
    index.add(items)
    texts = [text for _, text, _ in items]
    sigs = signatures(params, texts)
    assert sigs.shape == (len(texts), 256) and sigs.dtype == np.uint32
    for i, (doc_id, _, _) in enumerate(items):
        assert np.array_equal(index.signature(doc_id), sigs[i])
    assert (sigs[-1] == EMPTY_VALUE).all() and not accept_many(params, sigs[-1], sigs[-1:]).any()
    # candidates (a shared band key) that accept_many accepts are exactly the index's links
    keys = band_keys(sigs, *params.banding())
    hashes = [content_hash(t).hex() for t in texts]
    linked = {frozenset(pair) for pair in index.links}
    n_pairs = 0
    for i in range(len(texts)):
        cand = np.flatnonzero((keys[i + 1 :] == keys[i]).any(axis=1)) + i + 1
        cand = cand[[hashes[j] != hashes[i] for j in cand]]
        ok = accept_many(params, sigs[i], sigs[cand])
        assert np.array_equal(ok, estimated_jaccard(sigs[i], sigs[cand]) >= params.threshold)
        for j, accepted in zip(cand.tolist(), ok.tolist(), strict=True):
            assert (frozenset((hashes[i], hashes[j])) in linked) == accepted
            n_pairs += accepted
    assert n_pairs >= 20
    assert accept_many(DedupParams(verify=False), sigs[0], sigs[1:3]).all()


def test_planted_duplicates_are_clustered_with_their_base(corpus):
    index = NearDupIndex()
    index.add((doc_id, text, _key(doc_id)) for doc_id, text, _ in corpus)
    for doc_id, _, kind in corpus:
        if kind == "reformat":  # same tokens as the base: J = 1
            d = index.decision(doc_id)
            assert d.cluster_id == index.decision(doc_id[:4] + "-base").cluster_id
            assert not d.keep


def test_cross_batch_persistence_and_batch_order_independence(corpus, tmp_path):
    items = [(doc_id, text, _key(doc_id)) for doc_id, text, _ in corpus]
    whole = NearDupIndex()
    whole.add(items)
    expected = {d.doc_id: d for d in whole.decisions()}

    index = NearDupIndex()
    thirds = [items[2::3], items[0::3], items[1::3]]  # interleaved: variants before their bases
    for i, batch in enumerate(thirds):
        result = index.add(batch)
        assert [d.doc_id for d in result.decisions] == [doc_id for doc_id, _, _ in batch]
        index.save(tmp_path / "ix")
        index = NearDupIndex.load(tmp_path / "ix")
        assert len(index) == sum(len(b) for b in thirds[: i + 1])
    assert {d.doc_id: d for d in index.decisions()} == expected


def test_readd_is_idempotent(corpus, tmp_path):
    items = [(doc_id, text, _key(doc_id)) for doc_id, text, _ in corpus[:120]]
    index = NearDupIndex()
    index.add(items)
    before = index.decisions()
    again = index.add(items[::-1])
    assert again.revoked == []
    assert index.decisions() == before
    assert [d.doc_id for d in again.decisions] == [doc_id for doc_id, _, _ in items[::-1]]
    index.save(tmp_path / "ix")
    loaded = NearDupIndex.load(tmp_path / "ix")
    assert loaded.add(items).revoked == []
    assert loaded.decisions() == before
    with pytest.raises(ValueError, match="different content"):
        index.add([(items[0][0], items[0][1] + "\nx = 1\n", items[0][2])])


def test_survivor_rule_and_revocation(corpus):
    base = next(text for doc_id, text, kind in corpus if kind == "base")
    lines = base.split("\n")
    edited = "\n".join([*lines[:-3], "value = compute(1, 2)", *lines[-3:]])
    index = NearDupIndex()
    # key: (license rank, -stars, -recency, is_fork); smaller is better
    first = index.add([("m-2", base, (1, -10, -5, 0)), ("m-1", edited, (1, -10, -5, 1))])
    assert [d.keep for d in first.decisions] == [True, False]
    assert {d.cluster_id for d in first.decisions} == {"m-1"}  # smallest doc id in the cluster
    assert first.decisions[1].reason == "near_duplicate" and first.decisions[1].survivor == "m-2"
    # a later, better copy (more stars) takes over: the earlier survivor is revoked
    second = index.add([("m-3", base.replace("\n", "\r\n") + "\n\n", (1, -99, -5, 0))])
    assert second.revoked == ["m-2"]
    assert second.decisions[0].keep and second.decisions[0].cluster_size == 3
    assert index.decision("m-2").reason == "exact_duplicate"
    assert index.decision("m-1").survivor == "m-3"
    # ties on the key are broken by doc id
    tie = NearDupIndex()
    tie.add([("b", base, (0,)), ("a", base, (0,))])
    assert tie.decision("a").keep and not tie.decision("b").keep


def test_exact_dup_normalisation():
    text = "def f(x):\n    return x  \n\n    # tail\n"
    assert normalize_content("\n\n" + text.replace("\n", "\r\n") + "\n\n") == normalize_content(text)
    assert content_hash("a = 1\r\nb = 2   \n\n") == content_hash("a = 1\nb = 2")
    assert content_hash("a = 1\n\n\nb = 2") != content_hash("a = 1\nb = 2")  # inner blank lines count
    assert content_hash("    a = 1") != content_hash("a = 1")  # indentation counts
    index = NearDupIndex()
    result = index.add([("x", "a = 1\nb = 2\n", (0,)), ("y", "\r\na = 1 \r\nb = 2", (1,)), ("z", "", (0,))])
    assert [d.reason for d in result.decisions] == ["kept", "exact_duplicate", "kept"]


def test_trailing_whitespace_rule_matches_its_regex(corpus):
    import random

    from codemill.dedup.normalize import _TRAILING_WS

    rng = random.Random(5)
    texts = [text.replace("\r\n", "\n").replace("\r", "\n") for _, text, _ in corpus]
    texts += ["".join(rng.choice(" \t\f\va\n\x1c\u2028\u00a0é") for _ in range(60)) for _ in range(3000)]
    for text in texts:
        assert normalize_content(text) == _TRAILING_WS.sub("", text).strip("\n")


def test_tokens_and_shingles():
    assert tokenize("x==y+1.5e3 # héllo") == [b"x", b"=", b"=", b"y", b"+", b"1.5e3", b"#", "héllo".encode()]
    assert tokenize("foo(bar, if)", normalize_identifiers=True) == [b"\x00id", b"(", b"\x00id", b",", b"if", b")"]
    a = shingle_hashes("def f(a, b):\n    return a+b\n", tokenizer="code")
    b = shingle_hashes("def  f( a,b ) :\n\treturn a + b", tokenizer="code")
    assert np.array_equal(a, b) and len(a) == 12 - 4
    assert len(shingle_hashes("a b", tokenizer="code")) == 1 and len(shingle_hashes("  ", tokenizer="code")) == 0


def test_signatures_estimate_jaccard_and_are_deterministic():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 2**63, 4000, dtype=np.uint64)
    a, b = x[:3000], x[1000:]  # J = 2000 / 4000
    h = MinHasher()
    est = (h.signature(a) == h.signature(b)).mean()
    assert abs(est - 0.5) < 0.1
    assert np.array_equal(MinHasher(256, 1).signature(a), h.signature(a.copy()))
    assert not np.array_equal(MinHasher(256, 2).signature(a), h.signature(a))


def test_optimal_param_matches_datasketch():
    assert optimal_param(0.7, 256) == (25, 10)
    ds = pytest.importorskip("datasketch.lsh")
    for t, n in ((0.7, 256), (0.5, 128), (0.85, 256)):
        assert optimal_param(t, n) == ds._optimal_param(t, n, 0.5, 0.5)
    assert NearDupIndex(DedupParams(threshold=0.8)).bands * NearDupIndex(DedupParams(threshold=0.8)).rows <= 256


def test_workers_give_the_same_signatures(corpus):
    items = [(doc_id, text, _key(doc_id)) for doc_id, text, _ in corpus[:200]]
    one = NearDupIndex()
    one.add(items)
    two = NearDupIndex(workers=2)
    try:
        two.add(items)
    finally:
        two.close()
    assert np.array_equal(one._sigs.view, two._sigs.view)
    assert one.decisions() == two.decisions()


def test_old_index_format_is_rejected(tmp_path):
    index = NearDupIndex()
    index.add([("a", "x = 1\n", (0,))])
    index.save(tmp_path / "ix")
    meta = (tmp_path / "ix" / "params.json").read_text().replace('"format": 5', '"format": 4')
    (tmp_path / "ix" / "params.json").write_text(meta)
    with pytest.raises(ValueError, match="rebuild the index"):
        NearDupIndex.load(tmp_path / "ix")


def test_batch_shingles_match_single_and_regex_tokens(corpus):
    from codemill.dedup import shingle_hashes_many
    from codemill.dedup.shingles import TOKEN_RE, _token_hashes

    texts = [text for _, text, _ in corpus[:60]] + ["", "  ", "a", "x==y+1.5e3 # héllo", "a.1.b 1.x.y é1.5 1é 1..2"]
    many = shingle_hashes_many(texts)
    for text, h in zip(texts, many, strict=True):
        assert np.array_equal(h, shingle_hashes(text))
        raw = text.encode()
        starts = _token_hashes(np.frombuffer(raw, np.uint8))[0].tolist() if raw else []
        assert starts == [m.start() for m in TOKEN_RE.finditer(raw)]


def test_a_text_longer_than_the_power_cache_hashes_like_its_pieces():
    from codemill.dedup import shingle_hashes_many
    from codemill.dedup.shingles import _POW, _POW_CACHE_MAX

    line = "total = alpha(1.5e3, beta) + gamma  # é\n"
    big = line * (_POW_CACHE_MAX // len(line) + 10)
    many = shingle_hashes_many([big, line * 3])
    assert len(_POW[0]) <= _POW_CACHE_MAX  # not cached
    assert np.array_equal(many[0][: len(many[1])], many[1])
    assert np.array_equal(many[1], shingle_hashes(line * 3))
