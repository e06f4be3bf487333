"""The hand-labelled commits of tests/categorize/data as the pipeline sees them: features, components, drops.

`build` reads each labelled commit from its bare mirror (`$CODEMILL_MIRRORS/<owner>+<name>/repo`, as `fetch`
leaves them) through the `commits` stage's own `commit_record`, cleans and redacts the message and diff as `pairs`
does, and records what the fitted models read: the category features, the score components (all but
`code_work`, which comes from a category model and so depends on which repositories that model saw), the rule
decision and the `pairs` drop reason. `save`/`load` keep that as `features.jsonl.gz` beside the labels, so the
models can be refitted and measured (and the tests run) without the mirrors; its `extractor_digest` says which
code computed it.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

from codemill.categorize import change_of, decide
from codemill.categorize.features import features
from codemill.config import CommitsConfig, PairsConfig
from codemill.git.repo import first_parent_chain, open_repo
from codemill.instruction import clean
from codemill.quality import author_stats
from codemill.quality.authors import author_key
from codemill.quality.judge import extractor_digest
from codemill.quality.score import components
from codemill.stages.commits import commit_record
from codemill.stages.commits.diffs import is_partial_clone
from codemill.stages.pairs import redact_pair, shape_drop

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "categorize" / "data"
LABELS = DATA / "labelled_commits.jsonl"
FEATURES = DATA / "features.jsonl.gz"
# Commits of repositories that no feature or rule was designed by looking at: scored, never fitted or inspected.
SEALED_LABELS = DATA / "sealed_commits.jsonl"
SEALED_FEATURES = DATA / "sealed_features.jsonl.gz"
MIRRORS = Path(os.environ.get("CODEMILL_MIRRORS", "/work/.mirror"))


def load_labels(path: Path = LABELS) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def mirror_of(repo: str, mirrors: Path = MIRRORS) -> Path:
    root = mirrors / repo.replace("/", "+") / "repo"
    return root / ".git" if (root / ".git").is_dir() else root


def _history(repo, head: str) -> list[dict]:
    """The first-parent commits the `pairs` stage computes author standing from."""
    rows = []
    for sha in first_parent_chain(repo, head):
        c = repo[sha]
        rows.append({"sha": sha, "author_name": c.author.name, "author_email": c.author.email,
                     "committed_at": c.commit_time, "subject": c.message.partition("\n")[0], "body": ""})
    return rows


def example(label: dict, row: dict, history: list[dict] | None) -> dict:
    """One labelled commit as the models see it."""
    message = row["subject"] + (f"\n\n{row['body']}" if row["body"] else "")
    instruction, response, redacted = redact_pair(clean(message).text, row["files"])
    files = [{**f, "added": f["added"] or 0, "deleted": f["deleted"] or 0} for f in row["files"]]
    stats = [(f["path"], f["status"], f["added"], f["deleted"]) for f in files]
    change = change_of(instruction, [s[0] for s in stats], file_stats=stats, diff=response)
    author = None
    if history is not None:
        author = author_stats(history, as_of=row["committed_at"]).get(author_key(row["author_email"]))
    drop = shape_drop(row, response, redacted, PairsConfig())
    return {
        "repo": label["repo"], "sha": label["sha"], "language": label["language"], "sample": label["sample"],
        "round": label.get("round", 1),
        "category": label["category"], "good": label["good"], "instruction": instruction,
        "rules": decide(change).category, "features": features(change),
        "components": components(instruction, files, author=author), "drop": drop[0] if drop else None,
    }


def build(labels: list[dict], mirrors: Path = MIRRORS) -> list[dict]:
    """The examples of `labels`, in their order (each repository opened once)."""
    by_repo: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        by_repo.setdefault(label["repo"], []).append(i)
    cfg = CommitsConfig()
    out: list[dict | None] = [None] * len(labels)
    for name, indices in sorted(by_repo.items()):
        path = mirror_of(name, mirrors)
        if not path.exists():
            raise SystemExit(f"no mirror of {name} at {path}: fetch it first (see tests/categorize/data/README.md)")
        repo = open_repo(str(path))
        partial = is_partial_clone(repo)
        history = _history(repo, str(repo.head.target))
        for i in indices:
            row = commit_record(repo, name, labels[i]["sha"], 0, partial, cfg)
            out[i] = example(labels[i], row, history)
    return [e for e in out if e is not None]


def save(examples: list[dict], path: Path = FEATURES) -> None:
    """Deterministic bytes (gzip without a timestamp, sorted keys), so a rebuild with nothing changed is no diff."""
    body = "".join(json.dumps(e, sort_keys=True, ensure_ascii=False) + "\n" for e in examples)
    header = json.dumps({"extractor_digest": extractor_digest(), "n": len(examples)}) + "\n"
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as f:
        f.write((header + body).encode("utf-8"))


def load(path: Path = FEATURES) -> tuple[dict, list[dict]]:
    """(header, examples) of a saved features file."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        header = json.loads(f.readline())
        return header, [json.loads(line) for line in f if line.strip()]


def load_sealed() -> list[dict]:
    """The sealed set's examples ([] when its features were never built); refuses features of other code."""
    if not SEALED_FEATURES.exists():
        return []
    header, examples = load(SEALED_FEATURES)
    if header["extractor_digest"] != extractor_digest():
        raise SystemExit("sealed_features.jsonl.gz was computed by other feature code: run "
                         "train/pairs_models.py --rebuild")
    return examples
