"""Whether a text holds a failure report: a stack trace, a panic or an error line. An issue that shows one is
a reproducible bug with a concrete target, and its fix is debugging work (`issues` marks the link, the
categoriser reads it). One detector, used by both.

Line starts allow `[ \\t]`, not `\\s`, so a run of blank lines is not rescanned from every line start.
"""

from __future__ import annotations

import re

TRACEBACK_RES = tuple(re.compile(p, re.MULTILINE) for p in (
    r"Traceback \(most recent call last\):",  # Python
    r"^[ \t]*File \"[^\"]+\", line \d+, in ",  # Python frame (a traceback pasted without its header)
    r"^[ \t]+at (?:[\w$.<>]+ \()?\S+:\d+:\d+\)?$",  # JavaScript / Node frame: `at fn (file.js:1:2)`
    r"^[ \t]+at [\w$.<>]+\([\w$]+\.(?:java|kt|scala):\d+\)",  # JVM frame
    r"^Exception in thread \"|^Caused by: [\w$.]+",  # JVM header and cause
    r"^panic: |^goroutine \d+ \[[\w ]+\]:",  # Go
    r"thread '[^']*' panicked at ",  # Rust
    r"^error(?:\[E\d{4}\])?: ",  # rustc, cargo and many CLIs
    r"^[ \t]*(?:[\w$]+\.)*\w*(?:Error|Exception): \S",  # an error line: `ValueError: ...`, `TypeError: x is undefined`
    r"Segmentation fault|core dumped|AddressSanitizer|\bUnhandled(?:Promise)?Rejection",  # native crashes, Node
))


def has_traceback(*texts: str | None) -> bool:
    """Whether any text holds a stack trace, panic, crash or error line (`TRACEBACK_RES`)."""
    return any(p.search(t) for t in texts if t for p in TRACEBACK_RES)
