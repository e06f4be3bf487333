"""The labelled set (data/cases.toml): every decision right, >= 97% exact SPDX expressions, and never a copyleft
or restrictive text kept as if it were permissive. A failure prints the per-case list."""

from __future__ import annotations

import collections

import pytest
from labelled import Outcome, load_cases, run_case

from codemill.licenses import classify, decide

MIN_EXACT = 0.97
KINDS = {"license_file", "spdx_header", "license_header", "package_metadata", "resolution"}


@pytest.fixture(scope="module")
def outcomes() -> list[Outcome]:
    return [run_case(c) for c in load_cases()]


def _report(bad: list[Outcome]) -> str:
    return "\n".join(o.line() for o in bad)


@pytest.mark.slow
def test_the_set_is_big_and_covers_every_kind(outcomes):
    assert len(outcomes) >= 80
    kinds = collections.Counter(o.case.kind for o in outcomes)
    assert set(kinds) == KINDS, kinds
    texts = {o.case.expect for o in outcomes if o.case.id.startswith("text/")}
    assert len(texts) >= 25


def test_labels_agree_with_the_policy(outcomes):
    """The expected decision of each case is what the default policy says of its expected expression."""
    wrong = [o.case.id for o in outcomes if (decide(o.case.expect) is None) != o.case.keep]
    assert not wrong, wrong


def test_every_decision_is_right(outcomes):
    bad = [o for o in outcomes if not o.decision_ok]
    assert not bad, "wrong keep/drop decisions:\n" + _report(bad)


def test_exact_spdx_expressions(outcomes):
    bad = [o for o in outcomes if not o.id_ok]
    rate = 1 - len(bad) / len(outcomes)
    assert rate >= MIN_EXACT, f"exact-id rate {rate:.1%} < {MIN_EXACT:.0%}; misses:\n" + _report(bad)


def test_no_copyleft_or_restrictive_text_is_kept(outcomes):
    leaks = [
        o for o in outcomes
        if classify(o.case.expect) in {"copyleft", "weak_copyleft", "restrictive"} and decide(o.got) is None
    ]  # fmt: skip
    assert not leaks, "non-permissive licenses kept:\n" + _report(leaks)


def test_runs_are_deterministic(outcomes):
    again = {o.case.id: run_case(o.case) for o in outcomes[::7]}
    for o in outcomes[::7]:
        a = again[o.case.id]
        assert (a.got, a.overrides, a.evidence) == (o.got, o.overrides, o.evidence), o.case.id
