"""What an item page shows, by the kind of record: an SFT pair, a file, an SWE-style instance, or any other row.

A view is a plain dict for the template, built from the row alone plus the joins a row needs (a `select` row's
pair from `pairs`; a `signatures`/`dedup` row's file from `clean`), all read through `data.Run`.
"""

from __future__ import annotations

import json
from datetime import datetime

from codemill.engine.stage import DROP_DETAIL, DROP_REASON
from codemill.files.signals import SIGNALS_SCHEMA
from codemill.quality import COMPONENTS
from codemill.review.data import Run
from codemill.review.highlight import file_diffs, file_html, text_html

PAIR_STAGES = ("pairs", "select")
FILE_STAGES = ("files", "clean", "signatures", "dedup")
SWE_STAGES = ("tasks", "bugs")
LONG_TEXT = 2000

# Reasons offered (by number key) when rejecting an item, per kind of record; free text is also accepted.
REJECT_REASONS = {
    "pair": ["message does not describe the diff", "trivial or mechanical change", "wrong category",
             "mixed concerns / too large", "generated, vendored or data", "secret or personal data", "other"],
    "file": ["generated or minified", "data, not code", "low quality code", "vendored or duplicate",
             "secret or personal data", "wrong language or license", "other"],
    "swe": ["problem statement unclear", "tests do not check the fix", "flaky or environment-dependent",
            "patch does more than the problem", "trivial", "other"],
    "row": ["wrong decision", "bad data", "other"],
}


def kind_of(stage: str) -> str:
    if stage in PAIR_STAGES:
        return "pair"
    if stage in FILE_STAGES:
        return "file"
    if stage in SWE_STAGES:
        return "swe"
    return "row"


def components(row: dict) -> dict[str, float | None]:
    """The score components of a pairs row, keyed like `codemill.quality.COMPONENTS`."""
    return {c: row.get(f"score_{c}") for c in COMPONENTS}


def _fmt(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | dict):
        text = json.dumps(value, default=str)
        return text if len(text) <= LONG_TEXT else text[:LONG_TEXT] + " …"
    text = str(value)
    return text if len(text) <= LONG_TEXT else text[:LONG_TEXT] + " …"


def decision(row: dict) -> dict:
    return {"reason": row.get(DROP_REASON), "detail": row.get(DROP_DETAIL)}


def pair_view(run: Run, stage: str, row: dict) -> dict:
    pair = row if stage == "pairs" else (run.lookup("pairs", row["pair_id"]) or {})
    diffs, cut = file_diffs(pair.get("response") or "")
    selection = None
    if stage == "select":
        selection = {k: _fmt(row.get(k)) for k in ("split", "copies", "rank", "duplicate_of")}
    return {
        "template": "_pair.html",
        "missing_pair": not pair,
        "instruction": pair.get("instruction") or "",
        "diffs": diffs,
        "cut": cut,
        "category": row.get("category") or pair.get("category"),
        "category_rule": pair.get("category_rule"),
        "score": row.get("score") if row.get("score") is not None else pair.get("score"),
        "components": components(pair),
        "selection": selection,
        "provenance": provenance(run, pair or row),
        "facts": {k: _fmt(pair.get(k)) for k in ("kind", "n_files", "added", "deleted", "languages", "labels",
                                                 "redacted", "committed_at", "author_id") if k in pair},
    }


def provenance(run: Run, row: dict) -> dict:
    return {
        "repo": row.get("repo_name") or row.get("repo") or row.get("repo_id"),
        "repo_id": row.get("repo_id"),
        "commit": row.get("commit_sha") or row.get("base_commit"),
        "license": row.get("license"),
        "commit_url": run.commit_url(row),
        "source_url": row.get("web_url") if row.get("web_url") and "/commit/" not in row["web_url"] else None,
    }


def file_view(run: Run, stage: str, row: dict) -> dict:
    file = row if "content" in row else (run.lookup("clean", row["file_id"]) or run.lookup("files", row["file_id"])
                                         or row)
    html, cut = file_html(file.get("path") or "", file.get("content"))
    signals = {f.name: _fmt(file.get(f.name)) for f in SIGNALS_SCHEMA if f.name in file}
    classes = {k: file.get(k) for k in ("vendored", "generated", "documentation", "test", "read") if k in file}
    extra = {k: _fmt(v) for k, v in row.items() if k not in file and k not in (DROP_REASON, DROP_DETAIL)}
    return {"template": "_file.html", "path": file.get("path"), "language": file.get("language"),
            "content": html, "cut": cut, "signals": signals, "classes": classes, "extra": extra,
            "redacted": file.get("redacted"), "provenance": provenance(run, file)}


def swe_view(run: Run, stage: str, row: dict) -> dict:
    outcomes = []
    for name in ("FAIL_TO_PASS", "PASS_TO_PASS", "flaky"):
        if name in row:
            outcomes.append((name, list(row.get(name) or [])))
    patches = [(title, file_diffs(row.get(col) or "")[0]) for title, col in
               (("patch (the fix)", "patch"), ("test patch", "test_patch"), ("bug patch (makes the bug)", "bug_patch"))
               if row.get(col)]
    facts = {k: _fmt(row.get(k)) for k in ("instance_id", "pair_id", "category", "score", "version", "created_at",
                                             "path", "function", "mutation", "environment_setup_commit") if k in row}
    env = None
    if row.get("env_recipe"):
        try:
            env = json.dumps(json.loads(row["env_recipe"]), indent=1)
        except ValueError:
            env = row["env_recipe"]
    pair = run.lookup("pairs", row["pair_id"]) if row.get("pair_id") else None
    prov = provenance(run, {**row, "license": pair.get("license")} if pair else row)
    return {"template": "_swe.html", "problem": text_html(row.get("problem_statement"), "text"),
            "hints": row.get("hints_text"), "patches": patches, "outcomes": outcomes, "facts": facts,
            "env": env, "requirements": row.get("requirements") or [], "provenance": prov}


def row_view(run: Run, stage: str, row: dict) -> dict:
    long = {k: v for k, v in row.items() if isinstance(v, str) and ("\n" in v or len(v) > 300)}
    fields = {k: _fmt(v) for k, v in row.items() if k not in long and k not in (DROP_REASON, DROP_DETAIL)}
    blocks = [(k, text_html(v, "diff" if v.startswith("diff --git") else "text")) for k, v in long.items()]
    return {"template": "_row.html", "fields": fields, "blocks": blocks, "provenance": provenance(run, row)}


BUILDERS = {"pair": pair_view, "file": file_view, "swe": swe_view, "row": row_view}


def item_view(run: Run, stage: str, row: dict) -> dict:
    view = BUILDERS[kind_of(stage)](run, stage, row)
    view["decision"] = decision(row)
    view["kind"] = kind_of(stage)
    return view


def judgment_context(stage: str, row: dict, pair: dict | None = None) -> dict:
    """What a label records beside the verdict: category, score and components (from the pair for `select`)."""
    source = pair if pair is not None else row
    feats = components(source) if kind_of(stage) == "pair" else {}
    return {"repo_id": row.get("repo_id"), "category": row.get("category") or row.get("language"),
            "score": row.get("score"), "features": dict(feats)}


__all__ = ["REJECT_REASONS", "item_view", "judgment_context", "kind_of"]
