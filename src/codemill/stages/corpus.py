"""`corpus`: the pretraining documents in the formats trainers read, with a dataset card.

One shard reads the documents part by part, in part order (so the bytes are the same on every run), and writes:
- `text/train-NNNNN-of-NNNNN.parquet`: `text` plus provenance columns (`datasets.load_dataset("parquet")`);
- with a tokenizer (`tokenizer.path`): `megatron/codemill_text_document.{bin,idx}` (Megatron-LM's indexed
  dataset, one sequence per document), `nanogpt/{train,val}.bin` (uint16 ids, EOT after each document; val
  holds `nanogpt_val_share` of the documents, by a hash of their id) with `nanogpt/meta.pkl` (the vocabulary
  size train.py reads), and
  `packed/train-*.parquet` (`input_ids` blocks of `seq_len`, documents joined by EOS, as HF's group_texts);
- `README.md`: the dataset card with the language and license mix, token counts and the funnel.
Documents are tokenized in batches; memory follows a file of rows and the packing buffer, not the corpus.
"""

from __future__ import annotations

import hashlib
import math
import pickle
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import pyarrow as pa

from codemill.config import CorpusConfig
from codemill.engine.artifacts import Artifact, table_writer
from codemill.engine.reads import ROWS, Reads
from codemill.engine.stage import PlanContext, Shard, ShardOutput, Stage, iter_rows, read_part
from codemill.exports import hf
from codemill.exports.card import report_link
from codemill.exports.corpus import dataset_card
from codemill.exports.hub import configs_from
from codemill.ids import digest_json
from codemill.layout import MEGATRON_PREFIX, TOKENIZED
from codemill.stages.documents import family_of
from codemill.stages.resources import tokenizer
from codemill.tokenize import MegatronWriter, NanoGPTWriter, Packer, encode_batch, eos_id

FUNNEL_STAGES = ("repos", "files", "clean", "dedup", "documents")
TEXT_SCHEMA = pa.schema([
    ("text", pa.large_string()),
    ("doc_id", pa.string()),
    ("level", pa.string()),
    ("repo_name", pa.string()),
    ("commit_sha", pa.string()),
    ("languages", pa.list_(pa.string())),
    ("license", pa.string()),
])
PACKED_SCHEMA = pa.schema([("input_ids", pa.list_(pa.int32()))])
ENCODE_BATCH = 64
TEXT_ROW_GROUP = 1024  # documents per Parquet row group in the text and packed shards


@dataclass(frozen=True)
class CorpusShard:
    """Every documents part, and the funnel of the stages before it for the dataset card."""

    parts: list[Artifact]
    funnel: list[dict]


class CorpusStage(Stage[CorpusShard]):
    name = "corpus"
    upstream = ("documents", "dedup", "clean", "files", "repos")
    reads: ClassVar[Reads] = {"documents": ROWS}  # the others: their manifests, for the funnel
    also_reads = ("tokenizer", "documents")

    section: CorpusConfig

    def plan(self, ctx: PlanContext) -> list[Shard[CorpusShard]]:
        parts = [art for _key, art in ctx.kept_parts("documents")]
        funnel = [{"stage": s, **ctx.upstream[s].totals()} for s in FUNNEL_STAGES]
        tok_digest = tokenizer(self.config.tokenizer)[1]
        digest = digest_json([[[a.path, a.sha256] for a in parts], funnel, tok_digest])
        return [Shard("corpus", digest, CorpusShard(parts, funnel))]

    def run(self, shard: Shard[CorpusShard], out: ShardOutput) -> None:
        parts, funnel = shard.payload.parts, shard.payload.funnel
        cfg = self.section
        tok = tokenizer(self.config.tokenizer)[0]
        held_out = nanogpt_val_ids(out.run_dir, parts, cfg.nanogpt_val_share) if tok is not None else frozenset()
        tokens = _Tokens(out, cfg, tok, family_of(self.config.documents).eos, held_out) if tok is not None else None
        total = sum(a.rows for a in parts)
        n_files = max(1, math.ceil(total / cfg.rows_per_file))
        languages: Counter[str] = Counter()
        license_mix: Counter[str] = Counter()
        buffer: list[dict] = []
        index = 0
        for art in parts:
            for doc in iter_rows(out.run_dir, art, batch_rows=ENCODE_BATCH):
                buffer.append({k: doc[k] for k in TEXT_SCHEMA.names})
                languages.update(doc["languages"])
                license_mix[doc["license"] or "none"] += 1
                if len(buffer) == cfg.rows_per_file:
                    self._flush(out, buffer, index, n_files, tokens)
                    buffer, index = [], index + 1
        while index < n_files:
            self._flush(out, buffer, index, n_files, tokens)
            buffer, index = [], index + 1
        token_counts = tokens.close() if tokens is not None else {}
        for key in ("documents", "tokens", "packed_sequences") if token_counts else ():
            out.count(f"{TOKENIZED}{key}", token_counts[key])
        text = configs_from("default", {"train": "text/train-*"} if "parquet" in self.section.formats else {},
                            {"train": total}, out.artifacts, self.name)
        card = dataset_card(total, n_files, dict(languages.most_common()), dict(license_mix.most_common()),
                            token_counts, funnel, self.code_version(), text) + "\n".join(["", *report_link()])
        out.write_file("README.md", lambda f: f.write(card.encode()))
        out.rows_in = out.kept = total

    def _flush(self, out: ShardOutput, rows: list[dict], i: int, n: int, tokens: _Tokens | None) -> None:
        if "parquet" in self.section.formats:
            table = pa.Table.from_pylist(rows, schema=TEXT_SCHEMA)
            out.write_file(f"text/{hf.shard_name(i, n)}", table_writer(table, TEXT_ROW_GROUP), len(rows))
        if tokens is not None:
            for start in range(0, len(rows), ENCODE_BATCH):
                tokens.add([(r["doc_id"], r["text"]) for r in rows[start:start + ENCODE_BATCH]])


def nanogpt_val_ids(run_dir: Path, parts: list[Artifact], share: float) -> frozenset[str]:
    """The documents nanoGPT validates on: those whose id hashes below `share`, or, when none does and there are
    at least two documents, the one with the lowest hash (train.py needs a val.bin to evaluate)."""
    ids = [r["doc_id"] for art in parts for r in read_part(run_dir, art, ["doc_id"]).to_pylist()]
    point = {d: int.from_bytes(hashlib.sha256(d.encode()).digest()[:8], "big") / 2**64 for d in ids}
    held = frozenset(d for d, p in point.items() if p < share)
    if held or len(ids) < 2 or share == 0:
        return held
    return frozenset({min(point, key=lambda d: (point[d], d))})


class _Tokens:
    """Every tokenized output at once, fed document batches in corpus order. Packed blocks stream out in files
    of `rows_per_file` blocks; the tail shorter than `seq_len` is dropped, as HF's group_texts does."""

    def __init__(self, out: ShardOutput, cfg: CorpusConfig, tok, eos_token: str, held_out: frozenset[str]):
        self.out, self.cfg, self.tok, self.held_out = out, cfg, tok, held_out
        self.eos = eos_id(tok, eos_token)
        root = out.run_dir / out.stage
        vocab = tok.get_vocab_size()
        self.megatron = MegatronWriter(root / MEGATRON_PREFIX, vocab) if "megatron" in cfg.formats else None
        nanogpt = "nanogpt" in cfg.formats
        self.nanogpt = NanoGPTWriter(root / "nanogpt/train.bin", self.eos) if nanogpt else None
        self.nanogpt_val = NanoGPTWriter(root / "nanogpt/val.bin", self.eos) if nanogpt else None
        self.packer = Packer(cfg.seq_len, self.eos) if "packed" in cfg.formats else None
        self.blocks: list[np.ndarray] = []
        self.packed_files = 0
        self.packed_blocks = 0
        self.documents = 0
        self.tokens = 0

    def add(self, docs: list[tuple[str, str]]) -> None:
        """(doc_id, text) of each document, in corpus order."""
        for (doc_id, _text), ids in zip(docs, encode_batch(self.tok, [text for _id, text in docs]), strict=True):
            # Documents end with the family's EOS text; each output gets exactly one EOS per document.
            body = ids[:-1] if ids and ids[-1] == self.eos else ids
            self.documents += 1
            self.tokens += len(body) + 1
            if self.megatron is not None:
                self.megatron.add_document([*body, self.eos])
            if self.nanogpt is not None and self.nanogpt_val is not None:
                held = doc_id in self.held_out
                (self.nanogpt_val if held else self.nanogpt).add_document(body)  # the writer appends the EOT
            if self.packer is not None:
                self.blocks += self.packer.add(body)
                if len(self.blocks) >= self.cfg.rows_per_file:
                    self._write_blocks()

    def _write_blocks(self) -> None:
        if not self.blocks:
            return
        table = pa.table({"input_ids": pa.array([b.tolist() for b in self.blocks], pa.list_(pa.int32()))})
        # Packed files are numbered as they fill (their total is unknown while streaming).
        name = f"packed/train-{self.packed_files:05d}.parquet"
        self.out.write_file(name, table_writer(table, TEXT_ROW_GROUP), len(self.blocks))
        self.packed_files += 1
        self.packed_blocks += len(self.blocks)
        self.blocks = []

    def close(self) -> dict[str, int]:
        files = []
        if self.megatron is not None:
            self.megatron.close()
            files += [f"{MEGATRON_PREFIX}.bin", f"{MEGATRON_PREFIX}.idx"]
        if self.nanogpt is not None and self.nanogpt_val is not None:
            self.nanogpt.close()
            self.nanogpt_val.close()
            self.out.adopt_file("nanogpt/train.bin", self.nanogpt.documents)
            self.out.adopt_file("nanogpt/val.bin", self.nanogpt_val.documents)
            # train.py reads the vocabulary size from meta.pkl (a dict, as its prepare scripts pickle it)
            meta = pickle.dumps({"vocab_size": self.tok.get_vocab_size()}, protocol=4)
            self.out.write_file("nanogpt/meta.pkl", lambda f: f.write(meta))
        for rel in files:
            self.out.adopt_file(rel, self.documents)
        self._write_blocks()
        return {"documents": self.documents, "tokens": self.tokens, "packed_sequences": self.packed_blocks,
                "seq_len": self.cfg.seq_len}
