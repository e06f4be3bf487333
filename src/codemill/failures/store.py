"""Failing tests' reports made fit to store: what `tasks` and `bugs` keep of the run before the fix.

A report is pytest's own long representation of a failure (the `<failure>` text of its JUnit XML: the
traceback with source lines, the `E` lines of an assertion diff). It is written by repository code, so it is
untrusted text: control characters and terminal escapes are removed, it is redacted like pair text
(`codemill.redact`, as a file of the test's path), and it is bounded. What varies from run to run on the same
tree (the scratch folder the checkout lived in, pytest's temporary folders, memory addresses in reprs,
durations) is normalised, so the same failure gives the same bytes and the ids built on it are stable.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pyarrow as pa

from codemill.redact import redact

STORED_CHARS = 16_000  # one test's report as stored; longer ones keep their head and tail
HEAD_CHARS = 4_000
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-_]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_PYTEST_TMP = re.compile(r"/tmp/pytest-of-[^/\s]+/pytest-\d+/")
_TMP = re.compile(r"/tmp/(?:tmp|codemill-[\w-]+?-)[A-Za-z0-9_]{6,}(?=[/\s'\"):,]|$)")
_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,16}\b")
_DURATION = re.compile(r"(?<=\bin )\d+(?:\.\d+)?\s?(?:s|ms|seconds)\b|(?<=\()\d+(?:\.\d+)?\s?(?:s|ms)(?=\))")


FAILURES = pa.list_(pa.struct([("test", pa.string()), ("output", pa.large_string())]))  # the stored column


@dataclass(frozen=True)
class Failure:
    """One FAIL_TO_PASS test and its report before the fix (normalised, redacted, bounded)."""

    test: str
    output: str


def failure_rows(failures: Sequence[Failure]) -> list[dict[str, str]]:
    """`failures` as the `FAILURES` column stores them."""
    return [{"test": f.test, "output": f.output} for f in failures]


def from_rows(rows: Sequence[Mapping[str, str]] | None) -> list[Failure]:
    """The stored column back as `Failure`s."""
    return [Failure(r["test"], r["output"]) for r in rows or ()]


def normalise(text: str, roots: Sequence[str] = ()) -> str:
    """`text` without terminal escapes or control characters (newlines and tabs kept), with `roots` (the
    checkout's absolute paths) made relative and run-specific paths, addresses and durations replaced."""
    text = _CONTROL.sub("", _ANSI.sub("", text.replace("\r\n", "\n").replace("\r", "\n")))
    for root in sorted((str(r).rstrip("/") for r in roots if str(r).strip("/")), key=len, reverse=True):
        text = text.replace(root + "/", "").replace(root, ".")
    text = _PYTEST_TMP.sub("<tmp>/", text)
    text = _TMP.sub("<tmp>", text)
    text = _ADDRESS.sub("0x<addr>", text)
    return _DURATION.sub("<t>", text)


def bounded(text: str, limit: int = STORED_CHARS, head: int = HEAD_CHARS) -> str:
    """`text` within `limit` characters: its head and tail (where the exception is), cut at line ends."""
    if len(text) <= limit:
        return text
    first = text[:head].rsplit("\n", 1)[0]
    last = text[len(text) - (limit - head - 80):].split("\n", 1)[-1]
    omitted = text.count("\n") - first.count("\n") - last.count("\n")
    return f"{first}\n[... {omitted} lines omitted ...]\n{last}"


def test_path(test: str) -> str:
    """The file part of a pytest nodeid."""
    return test.split("::", 1)[0]


def stored_failures(details: Mapping[str, str], tests: Sequence[str], roots: Sequence[str] = ()
                    ) -> tuple[list[Failure], list[str]]:
    """The reports of `tests` (nodeids) from a run's `details` ({nodeid or file: report}), ready to store, and
    the kinds of secrets redacted from them. A test absent from the run (its file failed to import) gets its
    file's collection error; a test with no report at all is left out."""
    out, kinds = [], set()
    for test in tests:
        report = details.get(test) or details.get(test_path(test))
        if not report:
            continue
        red = redact(normalise(report, roots), test_path(test))
        kinds.update(red.counts)
        out.append(Failure(test, bounded(red.text)))
    return out, sorted(kinds)
