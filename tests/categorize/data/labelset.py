"""Build the hand-labelled commit set: sample commits from a bare mirror, show one for reading, merge labels.

The labels themselves are written by people (or reviewers following README.md's definitions) after reading each
commit; this script only does the bookkeeping, so the sample is reproducible and no label depends on codemill's
own predictions (the `show` view never prints a category or a score).

    python labelset.py sample OWNER/NAME --language Go -n 20 > batch.jsonl   # random first-parent, non-merge
    python labelset.py show OWNER/NAME SHA [--lines 400]                      # message, stat and diff to read
    python labelset.py merge batch-labels.jsonl ... [--into sealed_commits.jsonl]  # check and add to a set

Mirrors are read from `$CODEMILL_MIRRORS/<owner>+<name>/repo` (default /work/.mirror), as `search`'s `fetch`
leaves them.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "labelled_commits.jsonl"
SEALED = HERE / "sealed_commits.jsonl"  # repositories never looked at while the features were designed
MIRRORS = Path(os.environ.get("CODEMILL_MIRRORS", "/work/.mirror"))
SEED = "20261207"  # the sampling seed of the commits added in December 2026 (the first 308 used 20240601)
BODY_CHARS = 2000
LABEL_KEYS = ("category", "good", "note")


def git_dir(repo: str) -> Path:
    root = MIRRORS / repo.replace("/", "+") / "repo"
    return root / ".git" if (root / ".git").is_dir() else root


def git(repo: str, *args: str) -> str:
    proc = subprocess.run(["git", f"--git-dir={git_dir(repo)}", *args], capture_output=True, check=True)
    return proc.stdout.decode("utf-8", "replace")


def record(repo: str, sha: str) -> dict:
    """The stored fields of one commit: message and per-file stats, no code."""
    subject, _, body = git(repo, "show", "-s", "--format=%B", sha).strip().partition("\n")
    files = []
    status = {}
    for line in git(repo, "show", "--format=", "--name-status", "--no-renames", sha).splitlines():
        if line.strip():
            code, path = line.split("\t", 1)
            status[path] = code[:1]
    for line in git(repo, "show", "--format=", "--numstat", "--no-renames", sha).splitlines():
        if not line.strip():
            continue
        added, deleted, path = line.split("\t", 2)
        files.append({"path": path, "status": status.get(path, "M"),
                      "added": int(added) if added != "-" else 0, "deleted": int(deleted) if deleted != "-" else 0})
    return {"repo": repo, "sha": sha, "subject": subject.strip(), "body": body.strip()[:BODY_CHARS], "files": files}


def sample(repo: str, n: int, language: str, exclude: set[str]) -> list[dict]:
    shas = git(repo, "rev-list", "--first-parent", "--no-merges", "HEAD").split()
    pool = [s for s in shas if s not in exclude]
    picked = random.Random(f"{repo}:{SEED}").sample(pool, min(n, len(pool)))
    return [{**record(repo, sha), "language": language, "sample": "random"} for sha in picked]


def show(repo: str, sha: str, lines: int) -> str:
    head = git(repo, "show", "--stat=200", "--format=commit %H%nAuthor: %an%nDate:   %ad%n%n%B", "--no-renames", sha)
    diff = git(repo, "show", "--format=", "--no-color", "--no-ext-diff", "--no-renames", sha).splitlines()
    cut = f"\n[... {len(diff) - lines} more diff lines: run `git show` for all]" if len(diff) > lines else ""
    return head + "\n" + "\n".join(diff[:lines]) + cut


def load(path: Path = DATA) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()] if path.exists() else []


def merge(paths: list[Path], into: Path = DATA) -> int:
    """Add labelled batches to a set; a sha already in it is replaced (a relabel), so merging is idempotent."""
    from codemill.categorize import CATEGORIES

    rows = {r["sha"]: r for r in load(into)}
    for path in paths:
        for r in load(path):
            missing = [k for k in ("repo", "sha", "subject", "files", "language", *LABEL_KEYS) if k not in r]
            if missing or r["category"] not in CATEGORIES or not isinstance(r["good"], bool) or not r["note"]:
                raise SystemExit(f"{path}: {r.get('sha')}: bad record (missing {missing} or bad label)")
            rows[r["sha"]] = {**rows.get(r["sha"], {}), **r}
    ordered = sorted(rows.values(), key=lambda r: (r["repo"].lower(), r.get("sample") != "random", r["sha"]))
    into.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in ordered), encoding="utf-8")
    print(f"{len(ordered)} labelled commits from {len({r['repo'] for r in ordered})} repositories", file=sys.stderr)
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("sample")
    s.add_argument("repo")
    s.add_argument("--language", required=True)
    s.add_argument("-n", type=int, default=20)
    v = sub.add_parser("show")
    v.add_argument("repo")
    v.add_argument("sha")
    v.add_argument("--lines", type=int, default=400)
    m = sub.add_parser("merge")
    m.add_argument("paths", type=Path, nargs="+")
    m.add_argument("--into", type=Path, default=DATA, help="the set to add to (default: labelled_commits.jsonl)")
    args = ap.parse_args()
    if args.cmd == "sample":
        exclude = {r["sha"] for r in load()} | {r["sha"] for r in load(SEALED)}
        for r in sample(args.repo, args.n, args.language, exclude):
            print(json.dumps(r, ensure_ascii=False))
    elif args.cmd == "show":
        print(show(args.repo, args.sha, args.lines))
    else:
        return merge(args.paths, args.into)
    return 0


if __name__ == "__main__":
    sys.exit(main())
