"""The quality rules on the hand-labelled file sample (tests/files/data): every drop rule is right when it
drops, and no hand-written library module is dropped for its duplicate or import lines.

The signals are stored with the digest of the code that computed them, so this runs without the mirrors; after
a change to the signal code, rebuild them (`python tests/files/data/fileset.py signals`, mirrors needed).
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "data"))

from fileset import Labelled, labels, stored_signals, verdict

from codemill.files import QualityRules
from codemill.files.signals import signals_digest

MIN_PRECISION = 0.95


@pytest.fixture(scope="module")
def judged() -> list[tuple[Labelled, tuple[str, str] | None]]:
    digest, rows = stored_signals()
    assert digest == signals_digest(), "file_signals.jsonl.gz is stale: run tests/files/data/fileset.py signals"
    rules = QualityRules()
    return [(item, verdict(rows[item.key], rules)) for item in labels()]


def test_the_sample_is_broad(judged: list[tuple[Labelled, tuple[str, str] | None]]) -> None:
    items = [item for item, _ in judged]
    assert len(items) >= 300 and len({item.repo for item in items}) >= 20
    assert {item.label for item in items} == {"keep", "drop"}


def test_every_drop_rule_is_precise(judged: list[tuple[Labelled, tuple[str, str] | None]]) -> None:
    by_reason: dict[str, list[Labelled]] = defaultdict(list)
    for item, drop in judged:
        if drop is not None:
            by_reason[drop[0]].append(item)
    low = {reason: [f"{i.repo}:{i.path}" for i in hits if i.label == "keep"] for reason, hits in by_reason.items()
           if sum(i.label == "drop" for i in hits) / len(hits) < MIN_PRECISION}
    assert not low, low


def test_no_library_module_is_dropped_for_duplicate_or_import_lines(
        judged: list[tuple[Labelled, tuple[str, str] | None]]) -> None:
    dropped = [f"{item.repo}:{item.path}" for item, drop in judged
               if item.what == "library" and drop is not None and drop[0] in ("duplicate_lines", "import_lines")]
    assert not dropped
    named = {("encode/httpx", "httpx/_client.py"), ("encode/httpx", "httpx/_api.py"),
             ("fastapi/typer", "typer/params.py"), ("fastapi/typer", "typer/__init__.py")}
    assert named <= {item.key for item, drop in judged if drop is None}  # the files the issue named are kept
