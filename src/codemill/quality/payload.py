"""Payload: how much of the response is code a model can learn to write, rather than data, assets or output.

A pair whose diff is mostly an SVG, a regenerated snapshot, a lockfile, a minified bundle, generated stubs or a
JSON fixture teaches the model to emit bytes no instruction determines; the same code change without them is
the example. The score is the share of changed lines (plus one per file, so a binary file weighs something) in
source or test code; the rest is data, docs, configuration, assets, generated or vendored.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from codemill.paths import is_lockfile, is_vendored
from codemill.quality.coherence import Change, as_change
from codemill.quality.tests_signal import is_code_path

BINARY_WEIGHT = 20  # lines a binary file counts for: an image in a diff is not free
_GENERATED = re.compile(
    r"(^|/)(dist|generated|gen|__generated__|autogen)/|\.min\.(js|css)$|\.bundle\.js$|_pb2(_grpc)?\.pyi?$|"
    r"\.pb\.(go|cc|h)$|\.g\.dart$|\.designer\.cs$|\.generated\.\w+$|(^|/)zz_generated|\.map$", re.I)
_SNAPSHOT = re.compile(r"(^|/)__snapshots__/|\.snap$|(^|/)snapshots?/|snapshot\.(md|json|txt)$", re.I)


_FRONTEND = re.compile(r"\.(css|scss|sass|less|styl|html?|hbs|handlebars|ejs|erb|twig|astro|storyboard|xib)$", re.I)
_DOCS_DIR = re.compile(r"(^|/)(docs?|documentation|site|website|examples?|demos?|playground)/", re.I)


def is_payload_code(path: str) -> bool:
    """Source, test or front-end code a person wrote (not generated, vendored, a snapshot or a lockfile)."""
    code = is_code_path(path) or (bool(_FRONTEND.search(path)) and not _DOCS_DIR.search(path))
    return (code and not is_lockfile(path) and not is_vendored(path)
            and not _GENERATED.search(path) and not _SNAPSHOT.search(path))


def payload(files: Sequence[Change]) -> float:
    """Share of the change's weight in hand-written code, in [0, 1]; 0 for an empty change."""
    code = total = 0
    for f in map(as_change, files):
        weight = BINARY_WEIGHT if f.binary else f.added + f.deleted + 1
        total += weight
        if not f.binary and is_payload_code(f.path):
            code += weight
    return code / total if total else 0.0
