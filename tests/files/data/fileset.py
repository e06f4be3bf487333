"""The hand-labelled file sample of the quality rules: show a file to read, store its signals, load both.

Labels (`labelled_files.jsonl`) are written by reading each file against README.md's definitions; this script
only does the bookkeeping, and `show` never prints a rule's verdict. The signals the rules read are stored with
the digest of the code that computed them (`file_signals.jsonl.gz`), so the test and the bench judge the sample
without the mirrors, and refuse signals that other code computed.

    python fileset.py show OWNER/NAME PATH [--lines 60]   # the file as stored at the labelled commit
    python fileset.py signals                             # recompute file_signals.jsonl.gz from the mirrors

Mirrors are read from `$CODEMILL_MIRRORS/<owner>+<name>/repo` (default /work/.mirror).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codemill.files import compute_signals, detect_language, path_classes

HERE = Path(__file__).resolve().parent
LABELS = HERE / "labelled_files.jsonl"
# Labelled blind, after the thresholds were chosen, from repositories in neither set; never tuned on (README).
SEALED = HERE / "sealed_files.jsonl"
SIGNALS = HERE / "file_signals.jsonl.gz"
MIRRORS = Path(os.environ.get("CODEMILL_MIRRORS", "/work/.mirror"))
CLASS_FIELDS = ("vendored", "generated", "documentation", "test", "path_kind")


@dataclass(frozen=True, slots=True)
class Labelled:
    """One labelled file: where it is, the label, and what it is (`library`: a hand-written library module)."""

    repo: str
    sha: str
    path: str
    label: str  # keep | drop
    what: str
    note: str

    @property
    def key(self) -> tuple[str, str]:
        return self.repo, self.path


def labels(path: Path = LABELS) -> list[Labelled]:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [Labelled(r["repo"], r["sha"], r["path"], r["label"], r["what"], r["note"]) for r in rows]


def stored_signals() -> tuple[str, dict[tuple[str, str], dict[str, Any]]]:
    """(digest of the code that computed them, {(repo, path): language, path classes and signals})."""
    with gzip.open(SIGNALS, "rt") as f:
        header = json.loads(f.readline())
        rows = [json.loads(line) for line in f]
    return header["digest"], {(r["repo"], r["path"]): r for r in rows}


def blob(repo: str, sha: str, path: str) -> bytes:
    root = MIRRORS / repo.replace("/", "+") / "repo"
    proc = subprocess.run(["git", f"--git-dir={root}", "show", f"{sha}:{path}"], capture_output=True, check=True)
    return proc.stdout


def measure(repo: str, path: str, data: bytes) -> dict[str, Any]:
    """What the rules read of one file: language, path classes and every signal column."""
    language = detect_language(path, data)
    classes = path_classes(path, data)
    _text, signals = compute_signals(path, data, language)
    return {"repo": repo, "path": path, "language": language,
            **{name: getattr(classes, name, None) for name in CLASS_FIELDS}, **signals}


def mirrors_present() -> bool:
    return all((MIRRORS / repo.replace("/", "+") / "repo").is_dir() for repo in {x.repo for x in labels()})


def _rows() -> Iterator[dict[str, Any]]:
    for item in labels():
        yield measure(item.repo, item.path, blob(item.repo, item.sha, item.path))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    show = sub.add_parser("show")
    show.add_argument("repo")
    show.add_argument("path")
    show.add_argument("--lines", type=int, default=60)
    sub.add_parser("signals")
    args = parser.parse_args()
    if args.command == "show":
        sha = next((x.sha for x in labels() if x.key == (args.repo, args.path)), "HEAD")
        text = blob(args.repo, sha, args.path).decode("utf-8", "replace").splitlines()
        print(f"== {args.repo} {args.path} ({len(text)} lines)")
        print("\n".join(line[:160] for line in text[:args.lines]))
        return
    from codemill.files.signals import signals_digest  # here: bench/clean_rules.py runs older checkouts too

    with gzip.open(SIGNALS, "wt", compresslevel=9) as f:
        f.write(json.dumps({"digest": signals_digest()}) + "\n")
        for row in _rows():
            f.write(json.dumps(row, sort_keys=True) + "\n")
    print(f"wrote {SIGNALS}")


if __name__ == "__main__":
    main()
