"""Benchmark (not a test) of the `commits` stage against PyDriller and a plain `git log -p` parse.

All three tools read the same commits: the N most recent first-parent commits of each repository's default
branch. Rows are paired by the work they do on merges: codemill's default (`diff_merges`) diffs every merge
(a PR merge base -> tip, others against the first parent), as `git log --diff-merges=first-parent` does; with
`diff_merges` off it records merges without files, as `git log --diff-merges=off` and PyDriller do. Every
measurement runs in a fresh Python subprocess, so its peak RSS (ru_maxrss of the process and of its reaped
children: pool workers, git) and CPU time are its own.

- codemill: the real stage code, `execute_shard` on `ShardTask`s of `commits.shard_commits` commits each, via
  the engine's `LocalExecutor` (in-process for 1 worker, spawn pool otherwise). Timed end to end: the
  first-parent walk, diffing, message parsing and writing zstd Parquet parts (fsynced) to a temporary run
  directory. Not timed: a 1-commit warm-up shard in every worker (imports, first Parquet writer), so that no
  tool pays for imports; the pool's start-up is reported on its own (`pool_start_s`).
- git-log: one `git log -p --numstat -M -z --first-parent --diff-merges=...` subprocess over the same range,
  parsed in this single Python process into the same per-commit / per-file records (paths, status, counts,
  binary, language, decoded patch text under the same caps, subject/body/trailers/refs with codemill's own
  message functions). No Parquet is written. Note git runs in its own process, so it overlaps with the parse.
- PyDriller: `Repository(path, only_in_branch=branch, only_commits=sample)` on an evenly spaced sample of the
  commits, touching msg, author, committer, dates, parents and, per modified file, filename, paths,
  change_type, added_lines, deleted_lines and diff. `only_commits` filters a walk of the whole branch; only
  the time inside the loop body (all per-commit work, as PyDriller's commits are lazy) is counted, so the walk
  is left out of PyDriller's rate (in its favour).

Ratios are on commits/s. Run `python bench/commits_bench.py --help`; see bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

DEFAULT_REPOS = ["/work/.mirror/psf+requests/repo", "/work/.mirror/sqlalchemy+sqlalchemy/repo"]
RESULT_TAG = "BENCH_RESULT "


# ----------------------------------------------------------------------------------------------------------
# Measurements: each runs inside `python commits_bench.py _measure SPEC.json` and prints one RESULT line.
# ----------------------------------------------------------------------------------------------------------


def _cpu_seconds(who: int) -> float:
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def _rss_anon_kb(pid: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class Meter:
    """CPU seconds and memory of this process and its children over a timed region.

    `ru_maxrss` (rss_*_mb) is the peak resident set; it also counts the pages of pack files that libgit2 or
    git mmapped (file-backed, shared with the page cache, bounded by the pack's size). A thread samples /proc
    every 20 ms for the peak anonymous RSS (anon_*_mb): the process's own memory, which is what a shard size
    has to bound.
    """

    def __init__(self) -> None:
        self.anon_self = self.anon_child = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def start(self) -> Meter:
        self.cpu0 = _cpu_seconds(resource.RUSAGE_SELF) + _cpu_seconds(resource.RUSAGE_CHILDREN)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.anon_self = max(self.anon_self, _rss_anon_kb("self"))
            for kids in Path("/proc/self/task").glob("*/children"):
                for pid in kids.read_text().split():
                    self.anon_child = max(self.anon_child, _rss_anon_kb(pid))

    def result(self, cpu_not_ours: float = 0.0) -> dict:
        """Call after the children were reaped; `cpu_not_ours` is CPU they spent before the timed region."""
        cpu = _cpu_seconds(resource.RUSAGE_SELF) + _cpu_seconds(resource.RUSAGE_CHILDREN) - self.cpu0
        return {
            "cpu_s": round(cpu - cpu_not_ours, 3),
            "rss_self_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),  # KiB
            # the largest reaped child (a pool worker, git)
            "rss_children_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
            "anon_self_mb": round(self.anon_self / 1024, 1),
            "anon_children_mb": round(self.anon_child / 1024, 1),
        }


def _warm_task(task):
    """Pay a worker's first-use costs (imports, Parquet writer setup) on a 1-commit shard, outside the timing.

    The sleep keeps this worker busy so that each of the pool's workers takes one warm-up task. Returns the
    worker's CPU seconds so far, which the measurement leaves out.
    """
    from codemill.engine.runner import execute_shard

    execute_shard(task)
    time.sleep(0.5)
    return _cpu_seconds(resource.RUSAGE_SELF)


def measure_codemill(spec: dict) -> dict:
    import shutil

    import pyarrow as pa
    import pyarrow.parquet as pq

    from codemill.config import CommitsConfig, Config
    from codemill.engine.executors import LocalExecutor
    from codemill.engine.runner import ShardTask, execute_shard
    from codemill.engine.stage import Shard
    from codemill.git.repo import first_parent_chain, open_repo
    from codemill.ids import stable_id
    from codemill.stages.commits import ChainShard, CommitsStage, chain_shards

    loc, size, workers = spec["repo"], spec["shard_commits"], spec["workers"]
    config = Config(commits=CommitsConfig(shard_commits=size, diff_merges=spec["diff_merges"]))
    config_json = config.model_dump(mode="json")
    repo_id = stable_id("repo", loc)
    run_dir = Path(tempfile.mkdtemp(prefix="codemill-bench-", dir=spec.get("tmp")))
    warm_dir = Path(tempfile.mkdtemp(prefix="codemill-bench-warm-", dir=spec.get("tmp")))
    executor = LocalExecutor(workers)
    try:
        # Warm-up, untimed: in this process for 1 worker, in every pool worker otherwise (reported as
        # pool_start_s: spawning and importing is a once-per-run cost of the process pool).
        t_pool = time.perf_counter()
        warm_shard = Shard("warm", "warm", ChainShard(repo_id, loc, 0, [spec["head"]]))
        warm = [ShardTask("commits", CommitsStage, warm_shard, i, "warm", str(warm_dir), config_json)
                for i in range(workers)]
        execute_shard(warm[0])  # in this process, which runs the shards itself for 1 worker or 1 shard
        warm_cpu = sum(executor.map_unordered(_warm_task, warm)) if workers > 1 else 0.0
        pool_start_s = time.perf_counter() - t_pool

        meter = Meter().start()
        t0 = time.perf_counter()
        if spec.get("shas"):  # a sample: one chain of its own
            chain, first = spec["shas"], 0
        else:  # what CommitsStage.plan does: the whole first-parent chain, oldest first
            chain = first_parent_chain(open_repo(loc), spec["head"])
            first = max(0, len(chain) - spec["max_commits"])
        shards = chain_shards(repo_id, loc, chain, size, first)
        tasks = [ShardTask("commits", CommitsStage, shard, i, "bench", str(run_dir), config_json)
                 for i, shard in enumerate(shards)]
        plan_s = time.perf_counter() - t0
        errors = [r.error for r in executor.map_unordered(execute_shard, tasks) if r.error]
        seconds = time.perf_counter() - t0
        executor.close()  # joins the pool workers, so that RUSAGE_CHILDREN covers them
        meter.stop()
        usage = meter.result(cpu_not_ours=warm_cpu)
        if errors:
            raise RuntimeError(f"codemill shards failed: {errors[:3]}")
        parts = sorted((run_dir / "commits").glob("part-*.parquet"))
        cols = ["sha", "is_merge", "n_files", "added", "deleted", "pr_merge", "landed_in"]
        rows = pa.concat_tables([pq.read_table(p, columns=cols) for p in parts]).to_pylist() if parts else []
        dropped = sum(pq.read_metadata(p).num_rows for p in (run_dir / "commits").glob("dropped/*.parquet"))
        out_bytes = sum(p.stat().st_size for p in parts)
    finally:
        executor.close()
        shutil.rmtree(run_dir, ignore_errors=True)
        shutil.rmtree(warm_dir, ignore_errors=True)
    # Rate and agreement count first-parent commits: a PR merge nested in a branch merge gets a row of its own
    # (landed_in), extra work that git log and PyDriller do not do. A PR merge's files are base -> tip, which
    # git log does not show: None, left out of the agreement.
    first_parent = [r for r in rows if r["landed_in"] is None]
    summary = {r["sha"]: None if r["pr_merge"] and r["is_merge"] else [r["n_files"], r["added"], r["deleted"]]
               for r in first_parent}
    return {"seconds": seconds, "plan_s": round(plan_s, 3), "pool_start_s": round(pool_start_s, 3),
            "commits": len(first_parent), "rows": len(rows), "dropped": dropped, "shards": len(tasks),
            "parquet_mb": round(out_bytes / 2**20, 1), "summary": summary, **usage}


# A patch can hold NUL bytes (git sniffs only a file's first 8000 bytes for binary), so the record separator
# is long enough never to occur by chance.
_GITLOG_FORMAT = ("%x00%x01codemill-bench%x02"
                  "%H%x00%P%x00%an%x00%ae%x00%ad%x00%cn%x00%ce%x00%cd%x00%e%x00%B%x00")
_SEP = b"\x00\x01codemill-bench\x02"
_DIFF = b"diff --git "


def _when(raw: bytes) -> tuple[datetime, int]:
    secs, tz = raw.split(b" ")
    sign = -1 if tz[:1] == b"-" else 1
    offset = sign * (int(tz[1:3]) * 60 + int(tz[3:5]))
    return datetime.fromtimestamp(int(secs), tz=UTC), offset


class GitLogParser:
    """Turns the records of `git log -z -p --numstat --format=_GITLOG_FORMAT` into codemill-like dicts."""

    def __init__(self, cfg):
        from codemill.git.message import decode_message, decode_text, find_refs, parse_message
        from codemill.languages import language_of

        self.cfg = cfg
        self.language_of, self.decode_text = language_of, decode_text
        self.decode_message, self.parse_message, self.find_refs = decode_message, parse_message, find_refs

    def commit(self, rec: bytes) -> dict:
        sha, parents, an, ae, ad, cn, ce, cd, _enc, msg, rest = rec.split(b"\x00", 10)
        text = self.decode_message(msg, None)  # git log re-encodes messages to UTF-8 (%e names the original)
        parsed = self.parse_message(text.text)
        a_time, a_off = _when(ad)
        c_time, c_off = _when(cd)
        parent_list = parents.decode().split()
        files = self.files(rest)  # a merge has a patch only under --diff-merges=first-parent
        return {
            "sha": sha.decode(), "parents": parent_list, "is_merge": len(parent_list) > 1,
            "author_name": an.decode("utf-8", "replace"), "author_email": ae.decode("utf-8", "replace"),
            "authored_at": a_time, "author_tz_offset_min": a_off,
            "committer_name": cn.decode("utf-8", "replace"), "committer_email": ce.decode("utf-8", "replace"),
            "committed_at": c_time, "committer_tz_offset_min": c_off,
            "subject": parsed.subject, "body": parsed.body, "trailers": parsed.trailers,
            "refs": [r.to_row() for r in self.find_refs(parsed.subject, parsed.body)],
            "files": files, "n_files": len(files),
            "added": sum(f["added"] or 0 for f in files), "deleted": sum(f["deleted"] or 0 for f in files),
        }

    def files(self, rest: bytes) -> list[dict]:
        tokens = rest.split(b"\x00")
        stats: list[tuple[bytes, bytes, bytes, bytes]] = []
        patch = b""
        i = 0
        while i < len(tokens):
            t = tokens[i].lstrip(b"\n")
            if not t:
                i += 1
                continue
            if t.startswith(_DIFF):
                patch = b"\x00".join(tokens[i:]).rstrip(b"\x00")
                break
            adds, dels, path = t.split(b"\t", 2)
            if path:
                stats.append((adds, dels, path, path))
                i += 1
            else:  # a rename or copy: "a\td\t\0old\0new\0"
                stats.append((adds, dels, tokens[i + 2], tokens[i + 1]))
                i += 3
        sections = patch[len(_DIFF):].split(b"\n" + _DIFF) if patch else []
        if len(sections) != len(stats):
            raise ValueError(f"{len(stats)} numstat entries but {len(sections)} patches")
        cfg = self.cfg
        budget = cfg.max_commit_diff_bytes
        out = []
        for n, ((adds, dels, new, old), section) in enumerate(zip(stats, sections, strict=True)):
            data = _DIFF + section if section.endswith(b"\n") else _DIFF + section + b"\n"
            end = data.find(b"\n@@")
            head = data if end < 0 else data[:end]
            if b"\nnew file mode" in head:
                status = "A"
            elif b"\ndeleted file mode" in head:
                status = "D"
            elif b"\nrename from " in head:
                status = "R"
            elif b"\ncopy from " in head:
                status = "C"
            else:
                status = "M"
            path, old_path = new.decode("utf-8", "replace"), old.decode("utf-8", "replace")
            binary = adds == b"-"
            row = {
                "path": path, "old_path": old_path if old_path != path else None, "status": status,
                "added": 0 if binary else int(adds), "deleted": 0 if binary else int(dels), "binary": binary,
                "language": self.language_of(path), "diff": None, "diff_truncated": False,
                "diff_lossy": False,
            }
            out.append(row)
            if n >= cfg.max_files_diffed or len(data) > cfg.max_file_diff_bytes or len(data) > budget:
                row["diff_truncated"] = True
                continue
            budget -= len(data)
            row["diff"], row["diff_lossy"] = self.decode_text(data)
        return out


def measure_gitlog(spec: dict) -> dict:
    from codemill.config import CommitsConfig

    cfg = CommitsConfig()
    parser = GitLogParser(cfg)
    cmd = [
        "git", "-c", "core.quotepath=off", "-c", "log.showSignature=false", f"--git-dir={spec['repo']}",
        "log", "--first-parent", f"--diff-merges={'first-parent' if spec['diff_merges'] else 'off'}",
        f"-n{spec['max_commits']}", "-z", "-p", "--numstat",
        "-M", f"--unified={cfg.context_lines}", "--no-color", "--no-ext-diff", "--no-textconv",
        "--date=raw", "--encoding=UTF-8", f"--format={_GITLOG_FORMAT}", spec["head"], "--",
    ]
    summary: dict[str, list[int] | None] = {}
    errors: list[str] = []

    def handle(data: bytes) -> None:
        for rec in data.split(_SEP):
            if not rec:
                continue
            try:
                c = parser.commit(rec)
            except ValueError as e:
                errors.append(f"{rec[:40]!r}: {e}")
                continue
            summary[c["sha"]] = [c["n_files"], c["added"], c["deleted"]]

    meter = Meter().start()
    t0 = time.perf_counter()
    with subprocess.Popen(cmd, stdout=subprocess.PIPE) as proc:
        assert proc.stdout is not None
        pending: list[bytes] = []
        for chunk in iter(lambda: proc.stdout.read(1 << 20), b""):
            cut = chunk.rfind(_SEP)
            if cut < 0:
                pending.append(chunk)
                continue
            pending.append(chunk[:cut])
            handle(b"".join(pending))
            pending = [chunk[cut:]]
        handle(b"".join(pending))
    if proc.returncode:
        raise RuntimeError(f"git log exited {proc.returncode}")
    seconds = time.perf_counter() - t0
    meter.stop()
    return {"seconds": seconds, "commits": len(summary), "parse_errors": errors[:5],
            "n_parse_errors": len(errors), "summary": summary, **meter.result()}


def measure_pydriller(spec: dict) -> dict:
    # GitPython takes a directory without a `config` saying core.bare for a work tree's .git; GIT_DIR makes
    # the git commands it runs find the bare repository without touching it.
    os.environ["GIT_DIR"] = spec["repo"]
    from pydriller import Repository

    summary: dict[str, list[int] | None] = {}
    work = 0.0  # time inside the loop body: everything per commit is lazy, so this is all per-commit work
    meter = Meter().start()
    t0 = time.perf_counter()
    repo = Repository(spec["repo"], only_in_branch=spec["branch"], only_commits=spec["shas"])
    for c in repo.traverse_commits():
        t1 = time.perf_counter()
        _ = (c.msg, c.author.name, c.author.email, c.author_date, c.author_timezone, c.committer.name,
             c.committer.email, c.committer_date, c.committer_timezone, c.parents)
        files = []
        for m in c.modified_files:  # a property that re-diffs on every access: read it once
            files.append({
                "filename": m.filename, "path": m.new_path or m.old_path, "old_path": m.old_path,
                "status": m.change_type.name, "added": m.added_lines, "deleted": m.deleted_lines,
                "diff": m.diff,
            })
        summary[c.hash] = [len(files), sum(f["added"] for f in files), sum(f["deleted"] for f in files)]
        work += time.perf_counter() - t1
    raw = time.perf_counter() - t0
    meter.stop()
    return {"seconds": work, "raw_seconds": raw, "walk_s": raw - work, "commits": len(summary),
            "summary": summary, **meter.result()}


MEASURES = {"codemill": measure_codemill, "gitlog": measure_gitlog, "pydriller": measure_pydriller}


def _measure_main(spec_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text())
    result = MEASURES[spec["tool"]](spec)
    print(RESULT_TAG + json.dumps(result), flush=True)


# ----------------------------------------------------------------------------------------------------------
# Driver
# ----------------------------------------------------------------------------------------------------------


def run_measure(spec: dict, repeat: int = 1) -> dict:
    """Run one measurement `repeat` times, each in a fresh interpreter; keep the fastest run."""
    best = None
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(spec, f)
    try:
        for _ in range(repeat):
            proc = subprocess.run([sys.executable, __file__, "_measure", f.name], capture_output=True,
                                  text=True, check=False)
            lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(RESULT_TAG)]
            if proc.returncode or not lines:
                raise RuntimeError(f"{spec['tool']} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
            res = json.loads(lines[-1][len(RESULT_TAG):])
            if best is None or res["seconds"] < best["seconds"]:
                best = res
    finally:
        os.unlink(f.name)
    assert best is not None
    best["rate"] = best["commits"] / best["seconds"]
    return best


def warm(repo: str) -> None:
    """Read the pack files once so that no tool pays for a cold page cache."""
    for p in Path(repo, "objects", "pack").glob("*.pack"):
        with p.open("rb") as f:
            while f.read(1 << 24):
                pass


def compare(a: dict, b: dict) -> dict:
    """How many shared commits disagree on (files, added, deleted); a None (a PR merge's base -> tip files,
    which the other tool does not compute) is left out and counted as `skipped`."""
    shared = a.keys() & b.keys()
    skipped = {s for s in shared if a[s] is None or b[s] is None}
    bad = [s for s in shared - skipped if a[s] != b[s]]
    return {"shared": len(shared), "skipped": len(skipped), "only_a": len(a.keys() - b.keys()),
            "only_b": len(b.keys() - a.keys()), "mismatched": len(bad), "examples": sorted(bad)[:3]}


def bench_repo(path: str, args: argparse.Namespace) -> dict:
    from codemill.git.repo import first_parent_chain, head_info, open_repo

    repo = open_repo(path)
    head, branch = head_info(repo)
    chain = first_parent_chain(repo, head)
    n = min(args.max_commits, len(chain))
    selected = chain[len(chain) - n:]
    k = min(args.pydriller_commits, n)
    sample = [selected[(i * n) // k] for i in range(k)] if k else []
    warm(path)
    base = {"repo": path, "head": head, "branch": branch, "max_commits": n, "tmp": args.tmp}
    print(f"\n== {path}  branch {branch}, {len(chain)} first-parent commits; measuring the newest {n} "
          f"(shard_commits={args.shard_commits}); load average {os.getloadavg()[0]:.2f}", flush=True)

    # Pairs that do the same work: codemill's default diffs every first-parent merge (a PR merge base -> tip,
    # any other merge against its first parent), like `git log --diff-merges=first-parent`; with diff_merges
    # off, merges are recorded without files, like `git log --diff-merges=off` and PyDriller.
    rows: list[tuple[str, dict, dict | None]] = []  # (name, result, the git-log row doing the same work)
    gitlog = run_measure({**base, "tool": "gitlog", "diff_merges": True}, args.repeat)
    gitlog_off = run_measure({**base, "tool": "gitlog", "diff_merges": False}, args.repeat)
    rows.append(("git log -p | parser, merges diffed", gitlog, gitlog))
    codemill: dict[int, dict] = {}
    for w in args.workers:
        spec = {**base, "tool": "codemill", "workers": w, "shard_commits": args.shard_commits, "diff_merges": True}
        codemill[w] = run_measure(spec, args.repeat)
        rows.append((f"codemill, {w} worker{'s' if w > 1 else ''}, merges diffed", codemill[w], gitlog))
    rows.append(("git log -p | parser, merges not diffed", gitlog_off, gitlog_off))
    cm_off = run_measure({**base, "tool": "codemill", "workers": 1, "shard_commits": args.shard_commits,
                          "diff_merges": False}, args.repeat)
    rows.append(("codemill, 1 worker, merges not diffed", cm_off, gitlog_off))
    pyd = cm_sample = None
    if k:
        cm_sample = run_measure({**base, "tool": "codemill", "workers": 1, "shas": sample, "diff_merges": False,
                                 "shard_commits": max(k, 1)}, args.repeat)
        rows.append(("codemill, 1 worker, PyDriller's sample", cm_sample, None))
        if not args.skip_pydriller:
            pyd = run_measure({**base, "tool": "pydriller", "shas": sample}, 1)
            rows.insert(0, (f"PyDriller, {k}-commit sample", pyd, None))

    print(f"{'tool':<42} {'commits':>7} {'seconds':>7} {'commits/s':>9} {'x PyDriller':>11} {'x git-log':>9} "
          f"{'CPU s':>6} {'per CPU-s':>9} {'peak RSS MB':>11} {'anon MB':>7}")
    for name, r, anchor in rows:
        vs_pyd = f"{r['rate'] / pyd['rate']:.1f}" if pyd else "-"
        vs_log = f"{r['rate'] / anchor['rate']:.2f}" if anchor else "-"
        per_cpu = f"{r['commits'] / r['cpu_s']:.0f}" if r is not pyd and r["cpu_s"] > 0 else "-"
        rss = max(r["rss_self_mb"], r["rss_children_mb"])
        anon = max(r["anon_self_mb"], r["anon_children_mb"])
        print(f"{name:<42} {r['commits']:>7} {r['seconds']:>7.2f} {r['rate']:>9.1f} {vs_pyd:>11} "
              f"{vs_log:>9} {r['cpu_s']:>6.2f} {per_cpu:>9} {rss:>11.0f} {anon:>7.0f}")
    for w, r in codemill.items():
        if w > 1:
            print(f"  codemill {w}-worker pool start-up (spawn + imports, untimed above): "
                  f"{r['pool_start_s']:.2f}s")
        if r["dropped"]:
            print(f"  codemill {w} worker(s) dropped {r['dropped']} commits")
        if r["rows"] > r["commits"]:
            print(f"  codemill {w} worker(s) also wrote {r['rows'] - r['commits']} rows for PR merges nested in "
                  f"branch merges (not counted in commits/s)")
    if pyd:
        print(f"  PyDriller: only per-commit work is timed; its walk of the whole branch to find the sample "
              f"took {pyd['walk_s']:.2f}s more (raw {pyd['raw_seconds']:.2f}s); its CPU s include the walk")
    for log in (gitlog, gitlog_off):
        if log["n_parse_errors"]:
            print(f"  git-log parse errors: {log['n_parse_errors']} e.g. {log['parse_errors']}")

    w0 = args.workers[0]
    checks = {"codemill_vs_gitlog": compare(codemill[w0]["summary"], gitlog["summary"]),
              "codemill_vs_gitlog_merges_not_diffed": compare(cm_off["summary"], gitlog_off["summary"])}
    if pyd and cm_sample:
        checks["codemill_vs_pydriller"] = compare(cm_sample["summary"], pyd["summary"])
    for name, c in checks.items():
        print(f"  agreement {name}: {c['shared']} shared commits, {c['mismatched']} differ in "
              f"(files, added, deleted), {c['skipped']} PR merges (base -> tip) not compared, "
              f"{c['only_a'] + c['only_b']} not shared {c['examples'] or ''}")

    rss_rows = {}
    for size in args.rss_sizes:
        m = min(size, len(chain))
        if m in rss_rows:
            continue
        r = (codemill[1] if m == n and 1 in codemill else
             run_measure({**base, "max_commits": m, "tool": "codemill", "workers": 1,
                          "shard_commits": args.shard_commits, "diff_merges": True}))
        rss_rows[m] = r
    if rss_rows:
        sizes = ", ".join(f"{m} commits: peak RSS {r['rss_self_mb']:.0f} MB, anon {r['anon_self_mb']:.0f} MB"
                          for m, r in rss_rows.items())
        print(f"  codemill memory by commits mined (1 worker, shard_commits={args.shard_commits}): {sizes}")

    def brief(r: dict | None) -> dict | None:
        if r is None:
            return None
        keep = ("commits", "rows", "seconds", "rate", "cpu_s", "rss_self_mb", "rss_children_mb", "anon_self_mb",
                "anon_children_mb", "plan_s", "walk_s", "raw_seconds", "pool_start_s", "parquet_mb")
        return {key: round(r[key], 3) for key in keep if key in r}

    return {
        "repo": path, "chain": len(chain), "commits": n,
        "gitlog": brief(gitlog), "codemill": {str(w): brief(r) for w, r in codemill.items()},
        "gitlog_merges_not_diffed": brief(gitlog_off), "codemill_merges_not_diffed": brief(cm_off),
        "codemill_sample": brief(cm_sample), "pydriller": brief(pyd),
        "ratios": {
            **{f"codemill_w{w}_vs_pydriller": round(r["rate"] / pyd["rate"], 2) for w, r in codemill.items()
               if pyd},
            **({"codemill_sample_vs_pydriller": round(cm_sample["rate"] / pyd["rate"], 2)}
               if pyd and cm_sample else {}),
            **{f"codemill_w{w}_vs_gitlog": round(r["rate"] / gitlog["rate"], 2) for w, r in codemill.items()},
            "codemill_w1_vs_gitlog_merges_not_diffed": round(cm_off["rate"] / gitlog_off["rate"], 2),
            **({f"scaling_w{args.workers[0]}_to_w{args.workers[-1]}":
                round(codemill[args.workers[-1]]["rate"] / codemill[args.workers[0]]["rate"], 2)}
               if len(args.workers) > 1 else {}),
        },
        "memory_by_commits_mb": {str(m): {"rss": r["rss_self_mb"], "anon": r["anon_self_mb"]}
                                 for m, r in rss_rows.items()},
        "agreement": {k2: {k3: v for k3, v in c.items() if k3 != "examples"} for k2, c in checks.items()},
    }


def _ints(s: str) -> list[int]:
    return [int(x) for x in s.split(",") if x.strip()]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("repos", nargs="*",
                    help="git directories (bare or .git); default: the two mirrors if present")
    ap.add_argument("--max-commits", type=int, default=2000, help="newest first-parent commits per repo")
    ap.add_argument("--workers", type=_ints, default=[1, 2], help="codemill worker counts, e.g. 1,2")
    ap.add_argument("--shard-commits", type=int, default=500, help="commits.shard_commits")
    ap.add_argument("--pydriller-commits", type=int, default=300, help="size of PyDriller's sample (0: none)")
    ap.add_argument("--skip-pydriller", action="store_true")
    ap.add_argument("--rss-sizes", type=_ints, default=[1000, 4000],
                    help="also run codemill (1 worker) on this many commits to show peak RSS is bounded")
    ap.add_argument("--repeat", type=int, default=1, help="runs per measurement; the fastest is kept")
    ap.add_argument("--tmp", default=None, help="where codemill writes its Parquet parts (default: $TMPDIR)")
    args = ap.parse_args(argv)
    repos = args.repos or [r for r in DEFAULT_REPOS if Path(r).is_dir()]
    if not repos:
        ap.error("no repositories given and none of the defaults exist")
    results = [bench_repo(r, args) for r in repos]
    print("\nBENCH_JSON " + json.dumps({"max_commits": args.max_commits, "shard_commits": args.shard_commits,
                                        "workers": args.workers, "cpus": os.cpu_count(), "repos": results}))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "_measure":
        _measure_main(sys.argv[2])
    else:
        main()
