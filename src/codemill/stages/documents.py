"""`documents`: pretraining documents from the files that survived `clean` and `dedup`, one shard per repository.

- file level: one document per file (`<file_sep>path` header per the family's layout);
- repo level: the repository's files ordered by their import dependencies (dependencies first, cycles broken
  deterministically; files of other languages after, by path) in the StarCoder2 layout
  (`<repo_name>name<file_sep>path\\ncode...`), split at file boundaries when longer than `max_chars`.

Fill-in-the-middle is applied per file at `fim_rate` (PSM, or SPM at `fim_spm_rate`), at character or token level,
with the special tokens of the chosen family, placed as StarCoder2 did (the path inside the FIM prefix). Its
randomness is seeded by the file's id and the configured seed, so a document is the same on every run and
executor. A file whose text already holds one of the family's special tokens is left out of the documents
(counted as `special_token_in_text`): it would teach the model a control token as if it were code.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import ClassVar

import pyarrow as pa

from codemill import licenses
from codemill.config import DocumentsConfig
from codemill.documents import (
    FAMILIES,
    Family,
    dependency_edges,
    dependency_order,
    family,
    file_document,
    file_fim,
    layout_repo,
    special_tokens_in,
)
from codemill.engine.artifacts import Artifact
from codemill.engine.reads import ROWS, Reads
from codemill.engine.stage import PlanContext, Shard, ShardOutput, Stage, iter_rows, read_part
from codemill.ids import digest_json, stable_id
from codemill.stages.resources import tokenizer

SCHEMA = pa.schema([
    ("doc_id", pa.string()),
    ("level", pa.string()),  # file | repo
    ("repo_id", pa.string()),
    ("repo_name", pa.string()),
    ("commit_sha", pa.string()),
    ("paths", pa.list_(pa.string())),
    ("languages", pa.list_(pa.string())),
    ("license", pa.string()),  # every file's license combined (AND)
    ("fim_files", pa.int32()),  # files rendered with fill-in-the-middle
    ("text", pa.large_string()),
])
COLUMNS = ["file_id", "repo_id", "repo_name", "commit_sha", "path", "language", "license", "content"]


def family_of(cfg: DocumentsConfig) -> Family:
    return family(cfg.family, cfg.custom_tokens or None) if cfg.family == "custom" else FAMILIES[cfg.family]


@dataclass(frozen=True)
class DocumentsShard:
    """One repository's cleaned files (`clean` part) and which of them deduplication kept."""

    part: Artifact
    file_ids: list[str]


class DocumentsStage(Stage[DocumentsShard]):
    name = "documents"
    upstream = ("clean", "dedup")
    reads: ClassVar[Reads] = {"dedup": ("file_id", "repo_id"), "clean": ROWS}
    # The tokenizer matters only for token-level FIM: its file's digest enters the shards' input digest then,
    # so a tokenizer trained for the corpus export does not re-run character-level documents.
    schema = SCHEMA
    id_column = "doc_id"
    row_group_rows = 64

    section: DocumentsConfig

    def plan(self, ctx: PlanContext) -> list[Shard[DocumentsShard]]:
        kept: dict[str, list[str]] = {}
        for _key, art in ctx.kept_parts("dedup"):
            for r in read_part(ctx.run_dir, art, ["file_id", "repo_id"]).to_pylist():
                kept.setdefault(r["repo_id"], []).append(r["file_id"])
        tok_digest = tokenizer(self.config.tokenizer)[1] if self.section.fim_level == "token" else ""
        shards = []
        for key, art in ctx.kept_parts("clean"):
            ids = sorted(kept.get(key, []))
            if ids:
                shards.append(Shard(key, digest_json([art.sha256, ids, tok_digest]),
                                    DocumentsShard(art, ids)))
        return shards

    def run(self, shard: Shard[DocumentsShard], out: ShardOutput) -> None:
        art, ids = shard.payload.part, shard.payload.file_ids
        cfg = self.section
        fam = family_of(cfg)
        tok = tokenizer(self.config.tokenizer)[0] if cfg.fim_level == "token" else None
        wanted = set(ids)
        files: dict[str, dict] = {}
        for row in iter_rows(out.run_dir, art, batch_rows=64):
            if row["file_id"] not in wanted:
                continue
            if special_tokens_in(row["content"], fam):
                out.count("special_token_in_text")
                continue
            files[row["path"]] = row
        if not files:
            return
        # Each file's FIM draws from its own generator, seeded by its id: a file renders the same whatever
        # else shares its document.
        transform = file_fim(lambda path: random.Random(f"{cfg.seed}:{files[path]['file_id']}"), rate=cfg.fim_rate,
                             spm_rate=cfg.fim_spm_rate, family=fam, level=cfg.fim_level, tokenizer=tok)
        if cfg.level in ("file", "both"):
            for path in sorted(files):
                text = file_document(path, files[path]["content"], fam, with_path=True, fim=transform)
                self._emit(out, "file", [files[path]], text, files[path]["file_id"], fam)
        if cfg.level in ("repo", "both"):
            edges = dependency_edges([(f["path"], f["content"], f["language"]) for f in files.values()])
            out.count("import_edges", sum(len(v) for v in edges.values()))
            order = dependency_order(sorted(files), edges)
            first = files[order[0]]
            docs = layout_repo(first["repo_name"] or first["repo_id"], [(p, files[p]["content"]) for p in order],
                               fam, cfg.max_chars, fim=transform)
            for i, doc in enumerate(docs):
                self._emit(out, "repo", [files[p] for p in doc.paths], doc.text, f"{first['repo_id']}#{i}", fam)

    @staticmethod
    def _emit(out: ShardOutput, level: str, members: list[dict], text: str, key: str, fam: Family) -> None:
        first = members[0]
        out.keep({
            "doc_id": stable_id("doc", level, first["commit_sha"], key),
            "level": level,
            "repo_id": first["repo_id"],
            "repo_name": first["repo_name"],
            "commit_sha": first["commit_sha"],
            "paths": [m["path"] for m in members],
            "languages": sorted({m["language"] for m in members if m["language"]}),
            "license": licenses.combine(sorted({m["license"] for m in members if m["license"]})),
            "fim_files": text.count(fam.fim_prefix),
            "text": text,
        })
