"""`files`: every regular file of each kept repository at its head, measured but not judged.

One shard per repository. A row carries its provenance (repository, commit, path, blob id), the license it is
kept under (the repository's, or a nearer license file's or header's for that path), its language and Linguist
path classes (vendored, generated, documentation, test), its decoded text, and every quality signal as a
column (`codemill.files.signals`). Nothing is dropped here: `clean` decides from these columns, so retuning a
threshold never reads a repository again. Files larger than `files.max_file_bytes` are listed with their size
and no text; a blob a partial clone did not fetch is listed with neither.
"""

from __future__ import annotations

from typing import ClassVar

import pyarrow as pa

from codemill import licenses
from codemill.config import FilesConfig
from codemill.engine.reads import Reads
from codemill.engine.stage import PlanContext, Shard, ShardOutput, Stage, read_part
from codemill.files import SIGNALS_SCHEMA, compute_signals, detect_language, path_classes
from codemill.git.repo import open_repo
from codemill.git.tree import tree_files
from codemill.ids import digest_json, stable_id

BASE_SCHEMA = pa.schema([
    ("file_id", pa.string()),
    ("repo_id", pa.string()),
    ("repo_name", pa.string()),
    ("commit_sha", pa.string()),
    ("path", pa.string()),
    ("blob_id", pa.string()),
    ("license", pa.string()),
    ("language", pa.string()),
    ("vendored", pa.bool_()),
    ("generated", pa.bool_()),
    ("documentation", pa.bool_()),
    ("test", pa.bool_()),
    ("path_kind", pa.string()),  # ci_config, repo_meta, tool_config, ...: what a listed path or dotfile is
    ("read", pa.bool_()),  # false: larger than files.max_file_bytes (listed, not read), or not fetched (no size)
    ("content", pa.large_string()),  # null when binary, undecodable or not read
])
# Every signal may be null here: a file not read (too large, or not fetched) has only what its listing tells.
SCHEMA = pa.schema(list(BASE_SCHEMA)
                   + [f.with_nullable(True) for f in SIGNALS_SCHEMA if f.name not in BASE_SCHEMA.names])
# The repository columns a file needs: where to read it and how its license resolves.
REPO_COLUMNS = ["repo_id", "repo_name", "location", "head", "license", "license_overrides"]


class FilesStage(Stage[dict]):  # payload: the repository's `repos` row
    name = "files"
    upstream = ("repos",)
    reads: ClassVar[Reads] = {"repos": REPO_COLUMNS}
    schema = SCHEMA
    id_column = "file_id"
    row_group_rows = 256  # rows hold whole files

    section: FilesConfig

    def plan(self, ctx: PlanContext) -> list[Shard]:
        shards = []
        for _key, art in ctx.kept_parts("repos"):
            for repo in read_part(ctx.run_dir, art, REPO_COLUMNS).to_pylist():
                # The head sha stands for the repository's content: same head, same files.
                shards.append(Shard(repo["repo_id"], digest_json(repo), repo))
        return shards

    def run(self, shard: Shard, out: ShardOutput) -> None:
        repo_row = shard.payload
        repo = open_repo(repo_row["location"])
        resolution = licenses.Resolution.from_row(repo_row)
        limit = self.section.max_file_bytes
        for path, oid in tree_files(repo, repo_row["head"]):
            try:
                _kind, size = repo.odb.read_header(oid)
            except KeyError:  # a partial clone left this blob on the server
                size = None
            data = repo[oid].data if size is not None and size <= limit else None
            language = detect_language(path, data)
            classes = path_classes(path, data)
            if data is None:
                text, signals = None, {**dict.fromkeys(SIGNALS_SCHEMA.names), "size_bytes": size}
            else:
                text, signals = compute_signals(path, data, language)
            out.keep({
                **signals,
                "file_id": stable_id("file", repo_row["repo_id"], repo_row["head"], path),
                "repo_id": repo_row["repo_id"],
                "repo_name": repo_row["repo_name"],
                "commit_sha": repo_row["head"],
                "path": path,
                "blob_id": str(oid),
                "license": licenses.license_for_path(resolution, path),
                "language": language,
                "vendored": classes.vendored,
                "generated": classes.generated,
                "documentation": classes.documentation,
                "test": classes.test,
                "path_kind": classes.path_kind,
                "read": data is not None,
                "content": text,
            })
