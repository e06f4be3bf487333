"""Near-duplicate detection: codemill.dedup vs datasketch, a plain rensa script and datatrove's MinHash pipeline.

Documents: every *.py blob at `--versions` tags (evenly spaced by tag date) of each repository, read with
`git ls-tree` / `git cat-file --batch`. Unchanged files repeat across versions (exact duplicates); changed
ones are realistic near duplicates. Every tool runs in a fresh interpreter on the same documents, one process
(except the `codemill-2p` row: signatures in 2 worker processes), and is timed over shingling + MinHash + LSH
(index and query). Rows: `codemill` is the default parameters (one-permutation MinHash), `codemill-perm` the
classic 256-permutation scheme, `codemill-2p` the default with 2 worker processes.

datatrove: its three MinHash steps run as pipelines of a `LocalPipelineExecutor` (one task at a time, in
process) on a local temporary folder: `MinhashDedupSignature` (signatures written to one file per band, then
sorted), `MinhashDedupBuckets` (one task per band: duplicate pairs from the sorted files) and
`MinhashDedupCluster` (union-find, `.remove` files); timed from the in-memory documents to the `.remove` files.
Its config is its own (64-bit xxhash, universal hashing mod 2^61 - 1) with 32 bands x 8 = 256 hashes;
`get_shingles` is overridden to the same regex tokens and 5-grams as the other tools (its default is word
n-grams of simplified prose), hashed with its own hash function.

Precision/recall are measured against exact Jaccard (>= threshold) of codemill's token 5-gram sets on the
pairs among a random sample of documents; every tool uses the same regex tokenizer and 5-grams, so the sets are
the same. A pair counts as found when the tool linked it (codemill: verified link or same normalised content;
datasketch, rensa: LSH query hit; datatrove: same band in any band, from its `.dups` files closed per band;
no verification for the others).

    .venv/bin/python bench/neardup_bench.py [--versions 10] [--sample 1500] [--tools ...] [REPO.git ...]
"""

from __future__ import annotations

import argparse
import json
import pickle
import random
import re
import resource
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from itertools import combinations
from pathlib import Path

import numpy as np

DEFAULT_REPOS = [
    "/work/.mirror/psf+requests/repo",
    "/work/.mirror/pallets+flask/repo",
    "/work/.mirror/sqlalchemy+sqlalchemy/repo",
]
THRESHOLD, NUM_PERM, K = 0.7, 256, 5
TOKEN_RE = re.compile(r"[A-Za-z_\x80-\U0010ffff][\w\x80-\U0010ffff]*|\d[\w.]*|[^\w\s\x80-\U0010ffff]", re.ASCII)


def load_docs(repos: list[str], versions: int) -> list[tuple[str, str]]:
    docs: list[tuple[str, str]] = []
    for repo in repos:
        if not Path(repo).exists():
            continue
        git = ["git", "-C", repo]
        tags = subprocess.run([*git, "for-each-ref", "--sort=creatordate", "--format=%(refname:short)", "refs/tags"],
                              capture_output=True, text=True, check=True).stdout.split()
        picked = [tags[round(i * (len(tags) - 1) / max(1, versions - 1))] for i in range(versions)] if tags else []
        entries = []
        for tag in dict.fromkeys(picked):
            out = subprocess.run([*git, "ls-tree", "-r", tag], capture_output=True, text=True, check=True).stdout
            for line in out.splitlines():
                meta, path = line.split("\t", 1)
                _, kind, sha = meta.split()
                if kind == "blob" and path.endswith(".py"):
                    entries.append((f"{Path(repo).parent.name}@{tag}:{path}", sha))
        cat = subprocess.run([*git, "cat-file", "--batch"], input="".join(s + "\n" for _, s in entries).encode(),
                             capture_output=True, check=True).stdout
        pos = 0
        for doc_id, _ in entries:
            header_end = cat.index(b"\n", pos)
            size = int(cat[pos:header_end].split()[2])
            docs.append((doc_id, cat[header_end + 1 : header_end + 1 + size].decode("utf-8", "replace")))
            pos = header_end + 1 + size + 1
    return docs


def py_shingles(text: str) -> list[str]:
    toks = TOKEN_RE.findall(text)
    return [" ".join(toks[i : i + K]) for i in range(max(1, len(toks) - K + 1))] if toks else []


def run_codemill(docs, batch: int = 2000, workers: int = 1, scheme: str | None = None):
    from codemill.dedup import DedupParams, NearDupIndex, content_hash

    params = DedupParams(tokenizer="code") if scheme is None else DedupParams(tokenizer="code", scheme=scheme)
    t0 = time.perf_counter()  # includes starting the worker processes
    index = NearDupIndex(params, track_links=True, workers=workers)
    for s in range(0, len(docs), batch):
        index.add((doc_id, text, (0,)) for doc_id, text in docs[s : s + batch])
    elapsed = time.perf_counter() - t0
    index.close()
    by_hash: dict[str, list[int]] = {}
    for i, (_, text) in enumerate(docs):
        by_hash.setdefault(content_hash(text).hex(), []).append(i)
    return elapsed, ("hash_links", index.links, by_hash)


def run_datasketch(docs):
    from datasketch import MinHash, MinHashLSH

    t0 = time.perf_counter()
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    pairs = []
    for i, (_, text) in enumerate(docs):
        m = MinHash(num_perm=NUM_PERM, seed=1)
        m.update_batch([s.encode() for s in py_shingles(text)])
        pairs.extend((j, i) for j in lsh.query(m))
        lsh.insert(i, m)
    return time.perf_counter() - t0, ("pairs", pairs)


def run_rensa(docs):
    from rensa import RMinHash, RMinHashLSH

    t0 = time.perf_counter()
    lsh = RMinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM, num_bands=32)
    pairs = []
    for i, (_, text) in enumerate(docs):
        m = RMinHash(num_perm=NUM_PERM, seed=1)
        m.update(py_shingles(text))
        pairs.extend((j, i) for j in lsh.query(m))
        lsh.insert(i, m)
    return time.perf_counter() - t0, ("pairs", pairs)


def run_datatrove(docs, bands: int = 32, rows: int = 8):
    from datatrove.data import Document
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup.minhash import (
        MinhashConfig,
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupSignature,
    )
    from datatrove.utils.word_tokenizers import WhitespaceTokenizer

    class RegexShingles(MinhashDedupSignature):
        """datatrove's signature step on the bench's regex-token 5-grams (hashed with its own hash function)."""

        def get_shingles(self, text: str) -> np.ndarray:
            # bytes: datatrove's xxhash64 passes its argument to xxhash, which (4.x) refuses str
            hashes = (self._hash_func(s.encode("utf-8", "surrogatepass")) for s in py_shingles(text))
            return np.fromiter(hashes, dtype=np.uint64).reshape((-1, 1))

    work = Path(tempfile.mkdtemp(prefix="datatrove-"))
    config = MinhashConfig(n_grams=K, num_buckets=bands, hashes_per_bucket=rows)
    quiet = {"skip_completed": False}
    t0 = time.perf_counter()
    documents = [Document(text=text, id=str(i)) for i, (_, text) in enumerate(docs)]
    steps = [
        # its word tokenizer is unused (get_shingles is overridden); the whitespace one needs no spaCy
        ([documents, RegexShingles(output_folder=str(work / "sigs"), config=config, language=WhitespaceTokenizer())],
         1),
        ([MinhashDedupBuckets(input_folder=str(work / "sigs"), output_folder=str(work / "buckets"), config=config)],
         bands),
        ([MinhashDedupCluster(input_folder=str(work / "buckets"), output_folder=str(work / "remove"), config=config)],
         1),
    ]
    for n, (pipeline, tasks) in enumerate(steps):
        LocalPipelineExecutor(pipeline, tasks=tasks, workers=1, **quiet, logging_dir=str(work / f"logs{n}")).run()
    elapsed = time.perf_counter() - t0
    # found pairs: datatrove writes neighbours in each band's sorted order; close each band's chains into groups
    pairs = []
    for dups in sorted((work / "buckets").glob("*.dups")):
        groups: dict[int, list[int]] = {}
        head: dict[int, int] = {}
        for _, a, _, b in struct.iter_unpack("<4I", dups.read_bytes()):
            g = head.setdefault(a, a)
            head[b] = g
            groups.setdefault(g, [g]).append(b)
        pairs += [p for members in groups.values() for p in combinations(members, 2)]
    shutil.rmtree(work)
    return elapsed, ("pairs", pairs)


def run_codemill_2p(docs):
    return run_codemill(docs, workers=2)


def run_codemill_perm(docs):
    return run_codemill(docs, scheme="permutations")


RUNNERS = {
    "codemill": run_codemill, "codemill-2p": run_codemill_2p, "codemill-perm": run_codemill_perm,
    "datasketch": run_datasketch, "rensa": run_rensa, "datatrove": run_datatrove}


def child(name: str, docs_path: str, out_path: str) -> None:
    with open(docs_path, "rb") as f:
        docs = pickle.load(f)
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    elapsed, found = RUNNERS[name](docs)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if found[0] == "hash_links":
        _, links, by_hash = found
        pairs = [(i, j) for a, b in links for i in by_hash[a] for j in by_hash[b]]
        pairs += [p for group in by_hash.values() for p in combinations(group, 2)]
    else:
        pairs = found[1]
    with open(out_path, "wb") as f:
        pickle.dump({"seconds": elapsed, "peak_rss_mb": peak / 1024, "rss_over_docs_mb": (peak - base_rss) / 1024,
                     "pairs": {(min(p), max(p)) for p in pairs}}, f)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("repos", nargs="*", default=DEFAULT_REPOS)
    ap.add_argument("--versions", type=int, default=10)
    ap.add_argument("--sample", type=int, default=1500)
    ap.add_argument("--tools", default="codemill,codemill-2p,codemill-perm,rensa,datasketch,datatrove")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    docs = load_docs(args.repos, args.versions)
    mb = sum(len(t.encode("utf-8", "surrogatepass")) for _, t in docs) / 1e6
    print(f"{len(docs)} documents, {mb:.1f} MB, from {len(args.repos)} repositories x {args.versions} tags")
    tmp = Path(tempfile.mkdtemp(prefix="neardup-bench-"))
    with open(tmp / "docs.pkl", "wb") as f:
        pickle.dump(docs, f)
    results = {}
    for name in args.tools.split(","):
        log = tmp / f"{name}.log"  # datatrove logs every step to stdout/stderr: keep the table readable
        with open(log, "wb") as out:
            done = subprocess.run([sys.executable, __file__, "--child", name, str(tmp / "docs.pkl"),
                                   str(tmp / f"{name}.pkl")], stdout=out, stderr=subprocess.STDOUT)
        if done.returncode:
            sys.exit(f"{name} failed:\n{log.read_text(errors='replace')[-4000:]}")
        with open(tmp / f"{name}.pkl", "rb") as f:
            results[name] = pickle.load(f)

    from codemill.dedup import shingle_hashes

    rng = random.Random(0)
    sample = sorted(rng.sample(range(len(docs)), min(args.sample, len(docs))))
    sets = {i: frozenset(shingle_hashes(docs[i][1], K).tolist()) for i in sample}
    truth = set()
    for a, b in combinations(sample, 2):
        sa, sb = sets[a], sets[b]
        if not sa and not sb:  # two files without tokens (empty __init__.py): identical, J = 1
            truth.add((a, b))
        elif sa and sb and min(len(sa), len(sb)) >= THRESHOLD * max(len(sa), len(sb)):
            inter = len(sa & sb)
            if inter / (len(sa) + len(sb) - inter) >= THRESHOLD:
                truth.add((a, b))
    in_sample = set(sample)
    # datatrove writes no signature for a document without shingles (so never pairs two empty files): the
    # *_tok columns count only pairs of documents that have tokens, the question MinHash answers
    with_tokens = {i for i in sample if sets[i]}
    truth_tok = {p for p in truth if p[0] in with_tokens and p[1] in with_tokens}
    print(f"ground truth: {len(truth)} pairs with exact J >= {THRESHOLD} among {len(sample)} sampled documents "
          f"({len(truth_tok)} between documents with tokens)\n")
    print(f"{'tool':<14}{'seconds':>9}{'docs/s':>10}{'MB/s':>8}{'peak RSS MB':>13}{'RSS over docs':>15}"
          f"{'precision':>11}{'recall':>8}{'P_tok':>8}{'R_tok':>8}")
    summary = {}
    for name, r in results.items():
        found = {p for p in r["pairs"] if p[0] in in_sample and p[1] in in_sample}
        found_tok = {p for p in found if p[0] in with_tokens and p[1] in with_tokens}
        prec, rec = _precision_recall(found, truth)
        prec_tok, rec_tok = _precision_recall(found_tok, truth_tok)
        summary[name] = {"seconds": r["seconds"], "docs_per_s": len(docs) / r["seconds"], "mb_per_s": mb / r["seconds"],
                         "peak_rss_mb": r["peak_rss_mb"], "rss_over_docs_mb": r["rss_over_docs_mb"],
                         "precision": prec, "recall": rec, "precision_tok": prec_tok, "recall_tok": rec_tok}
        s = summary[name]
        print(f"{name:<14}{s['seconds']:>9.2f}{s['docs_per_s']:>10.0f}{s['mb_per_s']:>8.2f}{s['peak_rss_mb']:>13.0f}"
              f"{s['rss_over_docs_mb']:>15.0f}{prec:>11.3f}{rec:>8.3f}{prec_tok:>8.3f}{rec_tok:>8.3f}")
    if "codemill" in summary:
        for other in summary:
            if not other.startswith("codemill"):
                ratio = summary["codemill"]["mb_per_s"] / summary[other]["mb_per_s"]
                print(f"codemill / {other} throughput: {ratio:.2f}x")
    print("BENCH_JSON " + json.dumps({"docs": len(docs), "mb": mb, "results": summary}))


def _precision_recall(found: set, truth: set) -> tuple[float, float]:
    tp = len(found & truth)
    return (tp / len(found) if found else float("nan")), (tp / len(truth) if truth else float("nan"))


if __name__ == "__main__":
    main()
