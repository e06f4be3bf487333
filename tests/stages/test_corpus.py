"""The pretraining corpus end to end on real repositories: files, clean, dedup, documents and the corpus export.

The repositories (tests/corpus_repos.py) plant one case per rule: secrets, a HumanEval solution, a minified
bundle, a vendored copy, a data dump, a GPL file in an MIT tree, an edited copy, a byte-for-byte copy and a file
made of functions kept elsewhere.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from datasets import load_dataset

from codemill import pipeline
from codemill.cli import main as cli_main
from codemill.config import Config
from codemill.engine.manifest import load_manifest
from codemill.pipeline import verify_run
from codemill.tokenize import read_megatron

from corpus_repos import AWS_KEY, AWS_SECRET, EMAIL, UTIL, build_alpha, build_beta, build_gamma, humaneval_solution
from readback import artifact_digests, dropped_rows, kept_rows


def cfg(**sections) -> Config:
    base: dict = {"run": {"workers": 1}}
    for k, v in sections.items():
        base.setdefault(k, {}).update(v)
    return Config.model_validate(base)


@pytest.fixture(scope="module")
def repos(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("corpus-repos")
    return {name: build(root / name).path for name, build in
            (("alpha", build_alpha), ("beta", build_beta), ("gamma", build_gamma))}


@pytest.fixture(scope="module")
def run(tmp_path_factory, repos) -> Path:
    out = tmp_path_factory.mktemp("corpus-run") / "out"
    summary = pipeline.run(out, cfg(), [str(repos["alpha"]), str(repos["beta"]), str(repos["gamma"])])
    assert summary.ok, summary.errors
    return out


def by_path(rows: list[dict]) -> dict[str, dict]:
    return {f"{r['repo_name']}:{r['path']}": r for r in rows}


def test_files_carry_provenance_language_and_classes(run: Path):
    files = by_path(kept_rows(run, "files"))
    util = files["alpha:src/app/util.py"]
    assert util["language"] == "Python" and util["license"] == "MIT" and len(util["commit_sha"]) == 40
    assert util["content"] == UTIL and util["blob_id"] and util["read"]
    assert files["alpha:node_modules/leftpad/index.js"]["vendored"]
    assert files["alpha:src/app/sched.py"]["license"] == "GPL-3.0-only"
    assert load_manifest(run / "files").totals()["dropped"] == 0  # files measures; clean decides


def test_clean_drops_each_planted_case_with_its_reason(run: Path):
    dropped = by_path(dropped_rows(run, "clean"))
    assert dropped["alpha:src/app/close.py"]["drop_reason"] == "benchmark_contamination"
    assert "HumanEval/0" in dropped["alpha:src/app/close.py"]["drop_detail"]
    assert dropped["alpha:src/app/sched.py"]["drop_reason"] == "license_copyleft"
    # Linguist's vendor rules list `.min.js`; otherwise the minified and line-length rules catch it.
    assert dropped["alpha:static/lib.min.js"]["drop_reason"] in ("vendored", "minified", "max_line_length")
    assert dropped["alpha:node_modules/leftpad/index.js"]["drop_reason"] == "vendored"
    assert dropped["alpha:data/items.json"]["drop_reason"] in ("data_file", "max_line_length")
    kept = by_path(kept_rows(run, "clean"))
    settings = kept["alpha:src/app/settings.py"]
    assert AWS_KEY not in settings["content"] and AWS_SECRET not in settings["content"]
    assert EMAIL not in settings["content"] and "<EMAIL>" in settings["content"]
    assert set(settings["redacted"]) >= {"EMAIL"}
    counters = load_manifest(run / "clean").totals()["counters"]
    assert counters.get("redacted.EMAIL", 0) >= 1 and counters.get("contaminated.humaneval") == 1


def test_dedup_keeps_one_of_each_cluster_by_the_documented_order(run: Path):
    dropped = by_path(dropped_rows(run, "dedup"))
    kept = by_path(kept_rows(run, "dedup"))
    assert dropped["beta:pkg/main.py"]["drop_reason"] == "exact_duplicate"
    assert dropped["beta:pkg/main.py"]["cluster_id"] == kept["alpha:src/app/main.py"]["file_id"]
    assert dropped["beta:pkg/util.py"]["drop_reason"] == "near_duplicate"  # alpha: more authors and commits
    assert dropped["gamma:report/helpers.py"]["drop_reason"] == "duplicate_functions"
    assert kept["alpha:src/app/util.py"]["cluster_size"] == 2
    assert "beta:pkg/greet.py" in kept
    links = kept_rows(run, "neardup")
    assert links and all(r["similarity"] >= 0.7 for r in links)


def test_documents_order_files_by_imports_in_the_starcoder2_layout(run: Path):
    docs = [d for d in kept_rows(run, "documents") if d["repo_name"] == "alpha"]
    assert len(docs) == 1 and docs[0]["level"] == "repo"
    text = docs[0]["text"]
    assert text.startswith("<repo_name>alpha")
    paths = docs[0]["paths"]
    assert paths.index("src/app/util.py") < paths.index("src/app/main.py")
    assert "src/app/close.py" not in paths and "static/lib.min.js" not in paths


def test_planted_secrets_and_benchmark_never_reach_an_output(run: Path):
    solution_body = humaneval_solution().split('"""')[-1].strip()
    texts = [d["text"] for d in kept_rows(run, "documents")]
    texts += [p["instruction"] + p["response"] for p in kept_rows(run, "pairs")]
    for folder in ("corpus", "export", "export_tasks"):
        for f in sorted((run / folder).rglob("*")):
            if f.suffix == ".parquet":
                texts.append(str(pq.read_table(f).to_pylist()))
            elif f.is_file():
                texts.append(f.read_bytes().decode("utf-8", "replace"))
    blob = "\n".join(texts)
    for planted in (AWS_KEY, AWS_SECRET, EMAIL, solution_body[:60]):
        assert planted not in blob, planted
    pair_reasons = {r["drop_reason"] for r in dropped_rows(run, "pairs")}
    assert "benchmark_contamination" in pair_reasons


def test_corpus_text_loads_with_datasets_and_has_a_card(run: Path):
    ds = load_dataset("parquet", data_files=str(run / "corpus" / "text" / "*.parquet"), split="train")
    assert len(ds) == len(kept_rows(run, "documents"))
    assert set(ds.column_names) >= {"text", "doc_id", "repo_name", "license"}
    card = (run / "corpus" / "README.md").read_text()
    assert "## Languages" in card and "Python" in card and "| dedup |" in card


def test_tokenizer_trained_on_the_run_gives_tokenized_outputs(run: Path, tmp_path: Path, repos):
    tok_path = tmp_path / "tok" / "tokenizer.json"
    with pytest.raises(SystemExit) as done:
        cli_main(["tokenizer", "train", str(run), "--out", str(tok_path), "--vocab-size", "600"])
    assert done.value.code in (0, None) and tok_path.is_file()
    hf_config = json.loads((tok_path.parent / "tokenizer_config.json").read_text(encoding="utf-8"))
    assert hf_config["eos_token"] == hf_config["pad_token"] == "<|endoftext|>"  # the configured family's (starcoder)
    assert hf_config["model_max_length"] == cfg().corpus.seq_len
    before = artifact_digests(run)
    config = cfg(tokenizer={"path": str(tok_path)}, corpus={"seq_len": 128})
    summary = pipeline.run(run, config, [])
    assert summary.ok and summary.ran["corpus"] == 1 and summary.ran["documents"] == 0
    assert {k: v for k, v in artifact_digests(run).items() if not k.startswith("corpus/")} == \
        {k: v for k, v in before.items() if not k.startswith("corpus/")}
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(tok_path))
    docs = [r["text"] for r in pq.read_table(sorted((run / "corpus" / "text").glob("*.parquet"))[0]).to_pylist()]
    seqs = read_megatron(run / "corpus" / "megatron" / "codemill_text_document")
    assert len(seqs) == len(docs)
    assert tok.decode(seqs[0].tolist(), skip_special_tokens=False) == docs[0]
    # nanoGPT's train.py: np.memmap of train.bin and val.bin, the vocabulary size from meta.pkl
    nano = run / "corpus" / "nanogpt"
    train, val = (np.memmap(nano / f"{s}.bin", dtype=np.uint16, mode="r") for s in ("train", "val"))
    assert len(train) + len(val) == sum(len(s) for s in seqs)  # the same ids, one EOT closing each document
    eot = tok.token_to_id("<|endoftext|>")
    assert int((val == eot).sum()) >= 1 and int((train == eot).sum()) >= 1  # a tiny corpus still holds one out
    assert int((train == eot).sum()) + int((val == eot).sum()) == len(seqs) and all(s[-1] == eot for s in seqs)
    with open(nano / "meta.pkl", "rb") as f:
        assert pickle.load(f) == {"vocab_size": tok.get_vocab_size()}
    flat = np.concatenate([train, val])
    packed = load_dataset("parquet", data_files=str(run / "corpus" / "packed" / "*.parquet"), split="train")
    assert len(packed) == len(flat) // 128 and all(len(x) == 128 for x in packed["input_ids"])


def test_a_later_batch_is_deduplicated_against_the_earlier_one(tmp_path: Path, repos, run: Path):
    out = tmp_path / "batches"
    assert pipeline.run(out, cfg(), [str(repos["beta"])]).ok
    first = {r["file_id"] for r in kept_rows(out, "dedup")}
    assert any(r["path"] == "pkg/util.py" for r in kept_rows(out, "dedup"))
    second = pipeline.run(out, cfg(), [str(repos["alpha"]), str(repos["gamma"])])
    assert second.ok
    kept = by_path(kept_rows(out, "dedup"))
    dropped = by_path(dropped_rows(out, "dedup"))
    # beta came first: its copies stay kept, alpha's originals are the duplicates now.
    assert first <= {r["file_id"] for r in kept.values()}
    assert dropped["alpha:src/app/main.py"]["drop_reason"] == "exact_duplicate"
    assert dropped["alpha:src/app/util.py"]["drop_reason"] == "near_duplicate"
    assert {r["batch"] for r in kept.values() if r["repo_name"] == "beta"} == {1}
    digests = artifact_digests(out)
    third = pipeline.run(out, cfg(), [])
    assert all(n == 0 for n in third.ran.values()) and artifact_digests(out) == digests


def test_a_corrupted_ledger_fails_dedup_instead_of_being_merged(tmp_path: Path, repos, run: Path):
    out = tmp_path / "ledger"
    assert pipeline.run(out, cfg(), [str(repos["beta"])]).ok
    ledger = out / "dedup" / "ledger.parquet"
    blob = bytearray(ledger.read_bytes())
    blob[len(blob) // 3:len(blob) // 3 + 16] = bytes(16)  # 16 bytes flipped inside the data
    ledger.write_bytes(bytes(blob))
    second = pipeline.run(out, cfg(), [str(repos["alpha"])])
    assert not second.ok
    assert "is not the one recorded beside it" in second.errors["dedup"]["all"]
    assert ledger.read_bytes() == bytes(blob)  # nothing merged into it, and the failed run did not delete it
    assert not verify_run(out).ok
    # Deleting the ledger and its checksum is the explicit way to start a new one.
    ledger.unlink()
    (out / "dedup" / "ledger.sha256").unlink()
    assert pipeline.run(out, cfg(), []).ok and verify_run(out).ok


def test_band_grouping_changes_no_link_and_no_decision(tmp_path: Path, repos, run: Path):
    out = tmp_path / "one-group"
    assert pipeline.run(out, cfg(dedup={"band_groups": 1}), [str(p) for p in repos.values()]).ok
    assert len(load_manifest(out / "neardup").shards) == 1 and len(load_manifest(run / "neardup").shards) > 1

    def decisions(d: Path) -> set:
        return {(r["file_id"], r.get("drop_reason"), r["cluster_id"]) for r in
                kept_rows(d, "dedup") + dropped_rows(d, "dedup")}

    assert {r["link_id"] for r in kept_rows(out, "neardup")} == {r["link_id"] for r in kept_rows(run, "neardup")}
    assert decisions(out) == decisions(run)


def test_links_near_the_threshold_are_decided_by_exact_jaccard(tmp_path: Path, repos):
    from codemill.dedup import DedupParams
    from codemill.dedup.verify import exact_jaccard, shingle_sets

    out = tmp_path / "exact"
    assert pipeline.run(out, cfg(dedup={"exact_margin": 0.99}), [str(p) for p in repos.values()]).ok
    content = {r["file_id"]: r["content"] for r in kept_rows(out, "clean")}
    text = {r["content_hash"]: content[r["file_id"]] for r in kept_rows(out, "signatures")}
    links = kept_rows(out, "neardup")
    assert links and all(r["exact"] for r in links)  # every candidate was within the margin
    for r in links:
        a, b = shingle_sets(DedupParams(), [text[r["a"]], text[r["b"]]])
        assert r["similarity"] == pytest.approx(exact_jaccard(a, b)) and r["similarity"] >= 0.7
