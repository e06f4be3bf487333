"""Corpus files that differ from their repository only by redactions, and what was redacted in them.

Mills the given mirrors through `sources,repos,files,clean` (or reads an existing run directory), then compares
each kept `clean` row with the `files` row it came from (the text as read from the repository). Every file whose
text changed is listed with each redacted value in context, so a reader can tell documentation values (example
URLs, documented IPs, dummy addresses) from real secrets and personal data.

    .venv/bin/python bench/corpus_redactions.py                      # encode/httpx, psf/requests, pallets/werkzeug
    .venv/bin/python bench/corpus_redactions.py --run /tmp/run       # an existing run directory
    .venv/bin/python bench/corpus_redactions.py /work/.mirror/aio-libs+yarl/repo=aio-libs/yarl
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from codemill.redact import redact
from codemill.rundir import RunDir

MIRRORS = ("encode+httpx", "psf+requests", "pallets+werkzeug")
STAGES = "sources,repos,files,clean"


def mill(repos: list[str], out: Path) -> None:
    """One run of the corpus stages up to `clean`, through the real command line."""
    args = [sys.executable, "-m", "codemill", "run", "-o", str(out), "--workers", "1", "--only", STAGES]
    for r in repos:
        args += ["-r", r]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)


def changed(run: Path) -> list[tuple[str, str, str]]:
    """(repo/path, original, corpus text) for every kept corpus file whose text is not the repository's."""
    rd = RunDir(run)
    cols = ["file_id", "repo_name", "path", "content"]
    original = {r["file_id"]: r["content"] for r in rd.rows("files", "kept", cols)}
    out = []
    for r in rd.rows("clean", "kept", cols):
        before = original.get(r["file_id"])
        if before is not None and before != r["content"]:
            out.append((f"{r['repo_name']}/{r['path']}", before, r["content"]))
    return sorted(out)


def context(text: str, start: int, end: int, width: int = 40) -> str:
    left = text[max(0, start - width) : start].rpartition("\n")[2]
    right = text[end : end + width].partition("\n")[0]
    return f"{left}[[{text[start:end]}]]{right}".strip()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("repos", nargs="*", help="PATH=owner/name (default: the mirrors named above, if present)")
    ap.add_argument("--run", type=Path, help="read this run directory instead of milling")
    ns = ap.parse_args()
    run = ns.run
    if run is None:
        repos = ns.repos or [f"/work/.mirror/{m}/repo={m.replace('+', '/')}" for m in MIRRORS
                             if Path(f"/work/.mirror/{m}/repo").exists()]  # fmt: skip
        run = Path(tempfile.mkdtemp(prefix="corpus-redactions-"))
        mill(repos, run)
    files = changed(run)
    kinds: Counter[str] = Counter()
    for name, before, _after in files:
        path = name.split("/", 2)[2]
        print(name)
        for f in redact(before, path).findings:
            kinds[f.kind.value] += 1
            print(f"    {f.kind.value:<11} {f.detector:<34} {context(before, f.start, f.end)}")
    print(f"\n{len(files)} corpus files differ from their repository only by redactions; "
          f"{sum(kinds.values())} values: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))


if __name__ == "__main__":
    main()
