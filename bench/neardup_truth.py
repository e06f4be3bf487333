"""Near-duplicate links and survivors against exact Jaccard on the field's shingles, on snapshots of a history.

Corpus: every *.py blob at `--versions` tags (evenly spaced by tag date) of each repository, each snapshot milled
as its own repository (`load_docs` of neardup_bench.py): the versions of one file along its history are the
near duplicates that deduplicating forks and mirrors meets. Distinct contents are those of codemill's
normalised content hash; links are between distinct contents.

Truth: exact Jaccard of BigCode's near-dedup shingles (The Stack, StarCoder), taken after each file's license
header as codemill takes them (`--with-headers`: whole files, for both): ``NON_ALPHA = [^A-Za-z_0-9]``,
split, empties dropped, 5-grams joined by spaces, as Python string sets (a text with 1-4 words: one shingle of
all of them, as codemill does). Every pair sharing a shingle is scored (a sparse product of the content x
shingle matrix, a block of rows at a time); a pair is a true near duplicate when J >= 0.7.

Tools, all on these shingles except `codemill-code`: `codemill` (the `neardup` stage's candidates and rule with
the defaults: word shingles, one-permutation MinHash, 42 x 6 bands, candidates verified by the estimate, or by
exact Jaccard when the estimate is within 0.1 of the threshold), `codemill-est` (the estimate decides every
pair: ``exact_margin = 0``), `codemill-code` (``tokenizer = "code"``, estimate only: the previous defaults),
datasketch `MinHashLSH` and rensa `RMinHashLSH` (256 permutations; hits of the LSH query as links, and `+est`:
hits whose estimated Jaccard is >= 0.7). Seconds: from the texts (codemill) or the shingle sets (the others).

Survivor precision: files are ordered as the `dedup` stage would order them here (only recency differs between
snapshots: newest snapshot first, then path); of the files dropped as near duplicates, the share whose content
has exact J >= 0.7 with the content kept in their place. `stars` is the `dedup` stage's rule
(`codemill.dedup.star_survivors`); `components` is one survivor per connected component of the links (union-find,
codemill's rule before, and BigCode's).

    PYTHONPATH=src .venv/bin/python bench/neardup_truth.py [--versions 20] [--tools ...] [REPO.git ...]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).parent))
from codemill.dedup import DedupParams, accept_many, band_keys, content_hash, signatures, star_survivors
from codemill.dedup.headers import without_license_header
from codemill.dedup.minhash import EMPTY_VALUE
from codemill.dedup.verify import borderline, exact_jaccard, shingle_sets
from codemill.stages.neardup import candidate_pairs
from neardup_bench import load_docs

THRESHOLD, NUM_PERM, K = 0.7, 256, 5
NON_ALPHA = re.compile("[^A-Za-z_0-9]")
DEFAULT_REPOS = ["/work/.mirror/sqlalchemy+sqlalchemy/repo"]
Links = set[tuple[int, int]]
STRIP_HEADERS = [True]  # `--with-headers` sets it to False: the truth and codemill shingle whole files


def field_shingles(text: str) -> set[str]:
    """BigCode's near-dedup shingles of `text`."""
    toks = [t for t in NON_ALPHA.split(text) if t]
    if 0 < len(toks) < K:
        return {" ".join(toks)}
    return {" ".join(toks[i : i + K]) for i in range(len(toks) - K + 1)}


def shingle_matrix(sets: list[set[str]]) -> sp.csr_matrix:
    vocab: dict[str, int] = {}
    indptr, indices = [0], []
    for s in sets:
        indices.extend(sorted(vocab.setdefault(x, len(vocab)) for x in s))
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.int32)
    return sp.csr_matrix((data, np.asarray(indices), np.asarray(indptr)), shape=(len(sets), len(vocab)))


def true_pairs(x: sp.csr_matrix, block: int = 256) -> Links:
    """Pairs (i < j) with exact Jaccard >= THRESHOLD, from the intersection counts of every pair sharing a shingle."""
    sizes = np.diff(x.indptr)
    xt = x.T.tocsc()
    out: Links = set()
    for lo in range(0, x.shape[0], block):
        inter = (x[lo : lo + block] @ xt).tocoo()
        i, j, n = inter.row + lo, inter.col, inter.data
        keep = (j > i) & (n >= THRESHOLD * (sizes[i] + sizes[j] - n))
        out.update(zip(i[keep].tolist(), j[keep].tolist(), strict=True))
    return out


def jaccard(x: sp.csr_matrix, i: int, j: int) -> float:
    a, b = x.indices[x.indptr[i] : x.indptr[i + 1]], x.indices[x.indptr[j] : x.indptr[j + 1]]
    inter = len(np.intersect1d(a, b, assume_unique=True))
    union = len(a) + len(b) - inter
    return inter / union if union else 1.0


def run_codemill(texts: list[str], tokenizer: str, margin: float) -> list[Links]:
    """The `neardup` stage's links (its candidate pairs and rule) over the distinct contents."""
    params = DedupParams(tokenizer=tokenizer, strip_license_header=STRIP_HEADERS[0])
    sigs = signatures(params, texts)
    live = np.flatnonzero(~(sigs == EMPTY_VALUE).all(axis=1))
    bands, rows = params.banding()
    keys = band_keys(sigs[live], bands, rows)
    sets: dict[int, np.ndarray] = {}
    links: Links = set()
    for _band, i, js in candidate_pairs(keys, 0, bands):
        a, bs = live[i], live[js]
        est = (sigs[bs] == sigs[a]).mean(axis=1)
        near = borderline(params, est, margin)
        ok = accept_many(params, sigs[a], sigs[bs]) & ~near
        todo = [int(c) for c in (a, *bs[near].tolist()) if c not in sets]
        sets.update(zip(todo, shingle_sets(params, [texts[c] for c in todo]), strict=True))
        ok[near] = [exact_jaccard(sets[a], sets[b]) >= params.threshold for b in bs[near].tolist()]
        links.update((min(a, b), max(a, b)) for b in bs[ok].tolist())
    return [links]


def lsh_links(lsh, minhashes) -> list[Links]:
    """Each MinHash queried against those before it, then inserted: the LSH hits, and those whose estimate
    reaches the threshold (the `+est` rows). Both libraries share this query/insert/jaccard interface."""
    hashes, hits, verified = [], set(), set()
    for i, m in enumerate(minhashes):
        for j in lsh.query(m):
            hits.add((j, i))
            if m.jaccard(hashes[j]) >= THRESHOLD:
                verified.add((j, i))
        lsh.insert(i, m)
        hashes.append(m)
    return [hits, verified]


def run_datasketch(_texts: list[str], sets: list[set[str]]) -> list[Links]:
    from datasketch import MinHash, MinHashLSH

    def minhash(s: set[str]) -> MinHash:
        m = MinHash(num_perm=NUM_PERM, seed=1)
        m.update_batch([x.encode() for x in s])
        return m

    return lsh_links(MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM), map(minhash, sets))


def run_rensa(_texts: list[str], sets: list[set[str]]) -> list[Links]:
    from rensa import RMinHash, RMinHashLSH

    def minhash(s: set[str]) -> RMinHash:
        m = RMinHash(num_perm=NUM_PERM, seed=1)
        m.update(list(s))
        return m

    return lsh_links(RMinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM, num_bands=32), map(minhash, sets))


def components(order: list[int], links: Links) -> dict[int, int]:
    """Content -> the first content (in `order`) of its connected component."""
    parent = {c: c for c in order}

    def find(c: int) -> int:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    rank = {c: r for r, c in enumerate(order)}
    for a, b in links:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb, key=rank.__getitem__)] = min(ra, rb, key=rank.__getitem__)
    return {c: find(c) for c in order}


def survivor_precision(x, order, file_contents, survivor: dict[int, int]) -> tuple[float, int]:
    """(share of files dropped as near duplicates with exact J >= THRESHOLD to their survivor, files dropped)."""
    memo: dict[tuple[int, int], bool] = {}
    good = dropped = 0
    for c in file_contents:
        s = survivor[c]
        if s == c:
            continue
        dropped += 1
        if (c, s) not in memo:
            memo[c, s] = jaccard(x, c, s) >= THRESHOLD
        good += memo[c, s]
    return (good / dropped if dropped else 1.0), dropped


TOOLS: dict[str, tuple[Callable[[list[str], list[set[str]]], list[Links]], list[str]]] = {
    "codemill": (lambda t, _s: run_codemill(t, "words", 0.1), ["codemill"]),
    "codemill-est": (lambda t, _s: run_codemill(t, "words", 0.0), ["codemill-est"]),
    "codemill-code": (lambda t, _s: run_codemill(t, "code", 0.0), ["codemill-code"]),
    "datasketch": (run_datasketch, ["datasketch", "datasketch+est"]),
    "rensa": (run_rensa, ["rensa", "rensa+est"]),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("repos", nargs="*", default=DEFAULT_REPOS)
    ap.add_argument("--versions", type=int, default=20)
    ap.add_argument("--tools", default=",".join(TOOLS))
    ap.add_argument("--with-headers", action="store_true",
                    help="shingle whole files, license headers included (codemill's default leaves them out)")
    args = ap.parse_args()
    STRIP_HEADERS[0] = not args.with_headers

    docs = load_docs(args.repos, args.versions)
    snapshots = sorted({d.split(":", 1)[0] for d, _ in docs})
    # the dedup stage's order here: newest snapshot first (recency), then path
    newest = {s: -i for i, s in enumerate(dict.fromkeys(d.split(":", 1)[0] for d, _ in docs))}
    docs.sort(key=lambda d: (newest[d[0].split(":", 1)[0]], d[0].split(":", 1)[1]))
    number: dict[bytes, int] = {}
    texts: list[str] = []
    file_contents: list[int] = []
    for _, text in docs:
        h = content_hash(text)
        if h not in number:
            number[h] = len(texts)
            texts.append(text)
        file_contents.append(number[h])
    order = list(range(len(texts)))  # contents in the order of their best file
    t0 = time.perf_counter()
    sets = [field_shingles(without_license_header(t) if STRIP_HEADERS[0] else t) for t in texts]
    x = shingle_matrix(sets)
    truth = true_pairs(x)
    print(f"{len(snapshots)} snapshots of {', '.join(Path(r).parent.name for r in args.repos)}: {len(docs)} files, "
          f"{len(texts)} distinct contents, {len(truth)} true pairs (J >= {THRESHOLD} on word 5-grams; "
          f"{time.perf_counter() - t0:.0f} s)")
    print(f"{'tool':16} {'links':>7} {'precision':>9} {'recall':>7} {'surv.prec stars':>15} {'(dropped)':>9} "
          f"{'components':>10} {'(dropped)':>9} {'seconds':>7}")
    for tool in args.tools.split(","):
        run, names = TOOLS[tool]
        t0 = time.perf_counter()
        results = run(texts, sets)
        seconds = time.perf_counter() - t0
        for name, links in zip(names, results, strict=True):
            tp = len(links & truth)
            star_p, star_n = survivor_precision(x, order, file_contents, star_survivors(order, links))
            comp_p, comp_n = survivor_precision(x, order, file_contents, components(order, links))
            print(f"{name:16} {len(links):>7} {tp / max(len(links), 1):>9.3f} {tp / max(len(truth), 1):>7.3f} "
                  f"{star_p:>15.3f} {star_n:>9} {comp_p:>10.3f} {comp_n:>9} {seconds:>7.1f}")


if __name__ == "__main__":
    main()
