"""Failure reports from a real pytest run: stored normalised, redacted and bounded; shown trimmed to the frames
that tell where it failed."""

from __future__ import annotations

from pathlib import Path

from codemill.failures.store import bounded, normalise, stored_failures
from codemill.failures.view import failures_text, trim_report
from codemill.mutate import run_pytest

TOKEN_HALVES = ("ghp_R8wq2LmZ4tNv", "X7pKc9JdF3sHa6YbE0gTu1iO")  # joined only at run time: the source holds no token
MODULE = '''import json


def decode(text):
    return json.loads(text)


def parse(text):
    return decode(text)["n"] + 1
'''
TESTS = f'''from pkg.mod import parse


class Thing:
    pass


def test_parse(tmp_path):
    assert parse('{{"n": 1}}') == 3, (tmp_path, Thing())


def test_broken_input():
    parse("{{")


def test_token():
    token = "{TOKEN_HALVES[0]}" + "{TOKEN_HALVES[1]}"
    assert token == "", token
'''


def run_failing(root: Path) -> tuple[dict[str, str], list[str]]:
    (root / "pkg").mkdir(parents=True)
    (root / "pkg/__init__.py").write_text("")
    (root / "pkg/mod.py").write_text(MODULE)
    (root / "tests").mkdir()
    (root / "tests/test_mod.py").write_text(TESTS)
    outcome = run_pytest(root, timeout=120)
    failing = sorted(t for t, s in outcome.results.items() if s == "failed")
    return outcome.details, failing


def test_reports_are_stored_normalised_redacted_and_shown_by_their_telling_frames(tmp_path: Path):
    details, failing = run_failing(tmp_path / "project")
    assert failing == ["tests/test_mod.py::test_broken_input", "tests/test_mod.py::test_parse",
                       "tests/test_mod.py::test_token"]
    stored, kinds = stored_failures(details, failing, [str(tmp_path / "project")])
    assert [f.test for f in stored] == failing
    text = "\n".join(f.output for f in stored)
    # run-specific bits are gone: the checkout's path, pytest's tmp folder, object addresses
    assert str(tmp_path) not in text and "pytest-of-" not in text
    assert "<tmp>/test_parse0" in text and "object at 0x<addr>>" in text
    # the secret the test printed at run time is redacted, and the kind is recorded
    assert "".join(TOKEN_HALVES) not in text and "AssertionError: <TOKEN>" in text and kinds
    broken = stored[0].output
    assert "pkg/mod.py:9: in parse" in broken and "JSONDecodeError" in broken
    shown = trim_report(broken, 4000, max_frames=3)
    # the test's frame, the nearest repository frame and the raising frame stay; json's own frames go
    assert 'parse("{")' in shown and "pkg/mod.py:5: in decode" in shown and "E   " in shown
    assert "json/__init__.py" not in shown and "frame(s) omitted" in shown
    assert "pkg/mod.py:9: in parse" not in shown  # farther from the raise than the frame kept
    section = failures_text(stored, max_chars=3000, max_tests=2)
    assert "___ test_broken_input ___" in section and "___ test_parse ___" in section
    assert "FAILED tests/test_mod.py::test_token - AssertionError" in section  # the third, by one line


def test_normalise_strips_control_characters_and_durations():
    raw = "\x1b[31mFAILED\x1b[0m in 0.12s (3.5s) at 0x7f3a2b1c9d80\r\n\x07bell /tmp/tmpab12cd34/x.py"
    assert normalise(raw) == "FAILED in <t> (<t>) at 0x<addr>\nbell <tmp>/x.py"


def test_bounded_keeps_the_head_and_the_tail():
    text = "\n".join(f"line {i}" for i in range(5000))
    cut = bounded(text, 2000, 500)
    assert len(cut) <= 2000 and cut.startswith("line 0\n") and cut.endswith("line 4999")
    assert "lines omitted" in cut
