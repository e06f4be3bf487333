"""`pairs`: one SFT candidate per commit, instruction from the message and response the diff.

Every candidate is written, kept or dropped with the first rule that fired (see `rules.py`), so the funnel
accounts for every commit. A pair carries its provenance: repository, commit, license and a pseudonymous
author id (never the author's email).
"""

from __future__ import annotations

from collections import Counter

import pyarrow as pa

from codemill import licenses
from codemill.config import PairsConfig
from codemill.engine.stage import PlanContext, Shard, ShardOutput, Stage, iter_rows, read_part
from codemill.ids import digest_json, stable_id
from codemill.redact import redact
from codemill.stages.pairs.rules import first_drop
from codemill.stages.resources import CONTAMINATED, decontaminator

SCHEMA = pa.schema([
    ("pair_id", pa.string()),
    ("kind", pa.string()),
    ("repo_id", pa.string()),
    ("repo_name", pa.string()),
    ("commit_sha", pa.string()),
    ("commit_id", pa.string()),
    ("license", pa.string()),
    ("instruction", pa.string()),
    ("response", pa.large_string()),
    ("response_format", pa.string()),
    ("paths", pa.list_(pa.string())),
    ("languages", pa.list_(pa.string())),
    ("n_files", pa.int32()),
    ("added", pa.int64()),
    ("deleted", pa.int64()),
    ("author_id", pa.string()),
    ("committed_at", pa.timestamp("s", tz="UTC")),
    ("web_url", pa.string()),
    ("redacted", pa.list_(pa.string())),  # kinds of secrets/PII replaced by placeholders in this pair
])


def render_diff(files: list[dict]) -> str:
    """The unified diff of a commit, file patches in libgit2's order."""
    return "".join(f["diff"] for f in files if f["diff"])


def redact_pair(instruction: str, files: list[dict]) -> tuple[str, str, Counter[str]]:
    """The instruction and the response with secrets and PII replaced by typed placeholders, and the counts
    per kind. Each file's patch is read with its path, so config files get the config rules."""
    done = redact(instruction)
    counts: Counter[str] = Counter(done.counts)
    patched = []
    for f in files:
        if f["diff"]:
            r = redact(f["diff"], f["path"])
            counts.update(r.counts)
            f = {**f, "diff": r.text}
        patched.append(f)
    return done.text, render_diff(patched), counts


def added_text(diff: str) -> str:
    """The lines a unified diff adds, without their `+` markers: the code a pair teaches, as a benchmark
    solution would be written (markers would break every n-gram that spans a line)."""
    return "\n".join(line[1:] for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++"))


def change_license(paths: list[str], resolution: licenses.Resolution) -> str | None:
    """The license of a change is that of every file it touches (a vendored GPL file in an MIT tree carries
    GPL): the pair is kept under all of them."""
    found = {lic for p in paths if (lic := licenses.license_for_path(resolution, p))}
    return licenses.combine(sorted(found) or [resolution.license])


class PairsStage(Stage):
    name = "pairs"
    upstream = ("commits", "repos")
    also_reads = ("license", "decontam")
    schema = SCHEMA
    id_column = "pair_id"
    row_group_rows = 512

    section: PairsConfig

    def plan(self, ctx: PlanContext) -> list[Shard]:
        bench = decontaminator(self.config.decontam).digest()
        repos: dict[str, dict] = {}
        for _key, art in ctx.kept_parts("repos"):
            cols = ["repo_id", "repo_name", "license", "license_overrides", "web_url"]
            for r in read_part(ctx.run_dir, art, cols).to_pylist():
                repos[r["repo_id"]] = r
        shards = []
        for key, art in ctx.kept_parts("commits"):
            repo_id = key.rsplit("#", 1)[0]
            info = repos.get(repo_id, {"repo_id": repo_id})
            shards.append(Shard(key, digest_json([art.sha256, info, bench]), (art, info)))
        return shards

    def run(self, shard: Shard, out: ShardOutput) -> None:
        art, repo = shard.payload
        cfg = self.section
        resolution = licenses.Resolution.from_row({"license": None, **repo})
        decon = decontaminator(self.config.decontam)
        for row in iter_rows(out.run_dir, art):
            pair, redacted = self._pair(row, repo, resolution)
            for kind, n in redacted.items():
                out.count(f"redacted.{kind}", n)
            drop = first_drop(row, cfg)
            if drop is None and (reason := licenses.decide(pair["license"], self.config.license)):
                drop = (reason, f"changed files are under {pair['license'] or 'no license'}")
            size = len(pair["response"].encode())
            if drop is None and size > cfg.max_response_bytes:
                drop = ("response_too_large", f"{size} bytes > {cfg.max_response_bytes}")
            match = None if drop else decon.match(pair["instruction"]) or decon.match(added_text(pair["response"]))
            if match is not None:
                drop = (CONTAMINATED, f"{match.benchmark}:{match.item_id} ({match.kind}: {match.detail})")
                out.count(f"contaminated.{match.benchmark}")
            if drop is None:
                out.keep(pair)
            else:
                out.drop(pair, *drop)

    @staticmethod
    def _pair(row: dict, repo: dict, resolution: licenses.Resolution) -> tuple[dict, Counter[str]]:
        files = row["files"]
        paths = [f["path"] for f in files]
        message = row["subject"] + (f"\n\n{row['body']}" if row["body"] else "")
        instruction, response, redacted = redact_pair(message, files)
        return {
            "pair_id": stable_id("pair", "commit", row["repo_id"], row["sha"]),
            "kind": "commit",
            "repo_id": row["repo_id"],
            "repo_name": repo.get("repo_name"),
            "commit_sha": row["sha"],
            "commit_id": row["commit_id"],
            "license": change_license(paths, resolution),
            "instruction": instruction,
            "response": response,
            "response_format": "unified_diff",
            "paths": paths,
            "languages": sorted({f["language"] for f in files if f["language"]}),
            "n_files": row["n_files"],
            "added": row["added"],
            "deleted": row["deleted"],
            "author_id": stable_id("author", row["author_email"].strip().lower()),
            "committed_at": row["committed_at"],
            "web_url": f"{repo['web_url']}/commit/{row['sha']}" if repo.get("web_url") else None,
            "redacted": sorted(redacted),
        }, redacted
