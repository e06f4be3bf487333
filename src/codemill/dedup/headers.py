"""The license header a file opens with, left out of near-duplicate shingles.

Projects that put a 15-line Apache or MIT header on every file make every small file mostly header: on square/okio,
an `actual class Timeout` of five lines and the build's `jvm.kt` share J = 0.71 on BigCode's word 5-grams, and
nothing once the headers are gone (7 of okio's 15 near-duplicate drops were such pairs of unrelated files, and 3
more fell below the threshold without their headers). The header is boilerplate, not the file's content, so the
shingles are taken after it. Exact duplicates are unaffected (`normalize`), and a file whose header differs from
another's only in its year is still an exact-after-header near duplicate, as it should be.

A header is the first comment block after an optional shebang and blank lines (a `/* */` block, a run of `//`,
`#`, `--` or `;` line comments, or an `<!-- -->` block) that names a license or copyright; a `#` comment is one
followed by a space, `!` or the line's end, so a C preprocessor line (`#include`) never is.
"""

from __future__ import annotations

import re

_LEADING_COMMENT = re.compile(
    r"\A(?:\#![^\n]*\n)?\s*"
    r"(?:/\*.*?\*/"
    r"|(?:[ \t]*(?://|\#(?=[ \t!]|\n|\Z)|--|;)[^\n]*(?:\n|\Z))+"
    r"|<!--.*?-->)",
    re.S)
_NAMES_A_LICENSE = re.compile(r"licen[cs]e|copyright|\(c\)|©|SPDX-License-Identifier", re.I)


def without_license_header(text: str) -> str:
    """`text` after its leading license or copyright comment block; unchanged when it opens with none."""
    m = _LEADING_COMMENT.match(text)
    if m is None or not _NAMES_A_LICENSE.search(m.group(0)):
        return text
    return text[m.end():]
