"""Full-text license matching: which SPDX license texts a file (or a comment block) contains.

Two matchers were evaluated on the labelled set in tests/licenses/data (`bench/license_accuracy.py` prints both
side by side). On its 129 single-file license texts, licenseclassifier alone (with the post-processing below)
names the exact expression for 95.3% at ~5 ms a file, askalono alone for 91.5% at ~140 ms a file; together, as
used here, 99.2% (the remaining miss is a markdown NCSA variant neither knows). So:

- `licenseclassifier` (pure Python port of google/licensecheck, patterns for ~700 SPDX licenses shipped in the
  wheel) is the primary. It reports each license *region* with character offsets, so a file holding two
  licenses yields both (and their order, which the GNU rules below need); it matches the standard notices as
  well as full texts (`either version 2 ... or (at your option) any later version` -> `GPL-2.0-or-later`), so the
  same matcher reads headers; it tolerates reflowed, re-cased, markdown-formatted texts and changed copyright
  lines; and it is fast (a few ms a file). It refuses to guess: below a coverage threshold it reports nothing.
- `askalono` (pyaskalono, Rust, similarity over the whole text, cache shipped in the wheel) is the confirmer.
  On its own it is less accurate here: it names one license per file, scores the Apache-2.0 text without its
  appendix as `Pixar` (a close Apache derivative) and a BSD-3-Clause with an edited clause as `BSD-3-Clause-HP`,
  reads GPL notices as `-only`, and it re-loads its cache on every call (~0.2 s). It is asked only when the
  primary is unsure: its agreement raises the confidence of a partial primary match, and on its own (score
  >= 0.9) it still identifies texts that licensecheck's patterns miss; a confident disagreement is kept as a
  second, weaker piece of evidence, so resolution sees the conflict instead of a silent pick.

Post-processing fixes what the pattern ids mean for a repository:

- licensecheck names full GNU texts by their bare ids (`GPL-3.0`): those are the `-only` ids (SPDX deprecates the
  bare ones in that sense; the text alone grants no "or later").
- The GPL-3.0 text ends with its "How to Apply" appendix, a notice that matches `GPL-3.0-or-later`: a notice
  *after* the full text of its license is that appendix and is dropped; a notice *before* it is the project's
  grant and refines the text's id (`GPL-2.0-or-later` rather than `GPL-2.0-only`).
- The LGPL-3.0 text is usually shipped followed by the GPL-3.0 text it incorporates: together they are LGPL-3.0.
- Several licenses in one file combine with AND (bundled texts must all be honoured) unless the prose around
  them offers a choice ("dual-licensed", "either ... or", "at your option"), then with OR.

Nothing is downloaded: both matchers ship their data in their wheels.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cache, lru_cache

from licenseclassifier import identify_license

from codemill.licenses import aliases, expressions

PRIMARY = "licenseclassifier"
CONFIRMER = "askalono"

MAX_TEXT_CHARS = 512 * 1024
STRONG_COVERAGE = 0.75  # licenseclassifier's own default threshold, as a fraction
PARTIAL_COVERAGE = 0.40
CONFIRMER_MIN_SCORE = 0.90  # askalono alone, or disagreeing
CONFIRMER_AGREE_SCORE = 0.50  # askalono agreeing with a partial primary match
SHORT_TEXT_CHARS = 4000

# licensecheck ids that are not licenses or not SPDX ids.
_SPECIAL: dict[str, str | None] = {
    "GooglePatentClause": None,  # Go's PATENTS grant: a patent grant, not a copyright license
    "GooglePatentsFile": None,
    "CommonsClause": aliases.family_ref("Commons-Clause"),
    "GPL-2.0-or-3.0": "GPL-2.0-only OR GPL-3.0-only",
}
_GNU_FULL_TEXTS = {
    "GPL-1.0", "GPL-2.0", "GPL-3.0", "LGPL-2.0", "LGPL-2.1", "LGPL-3.0", "AGPL-1.0", "AGPL-3.0",
    "GFDL-1.1", "GFDL-1.2", "GFDL-1.3",
}  # fmt: skip
_WORD = re.compile(r"\w+")
_CHOICE = re.compile(
    r"\bdual[- ]?licen[cs]|\bmulti[- ]?licen[cs]|\beither\b(?!\s+express)[^.]{0,160}?\bor\b|"
    r"\bat (?:your|the licensee'?s?) (?:option|choice)|\byour choice\b|\bchoose\b[^.]{0,60}\blicen[cs]e|"
    r"\balternatively\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Region:
    """One license region found by the primary matcher: `spdx` normalised, `raw` the matcher's own id."""

    spdx: str
    raw: str
    start: int
    end: int


@dataclass(frozen=True)
class TextResult:
    """What a text is licensed under, by which matcher and how sure (0..1)."""

    spdx: str
    confidence: float
    detail: str
    span: tuple[int, int]


def regions(text: str) -> list[Region]:
    """Every license region the primary matcher finds in `text`, in order, with ids normalised."""
    out = []
    for m in identify_license(text, coverage_threshold=0.0):
        spdx = _map_id(m.id)
        if spdx is not None:
            out.append(Region(spdx, m.id, m.start, m.end))
    return out


@lru_cache(maxsize=2048)
def _map_id(raw: str) -> str | None:
    if raw in _SPECIAL:
        return _SPECIAL[raw]
    return expressions.normalize(raw)


def refine(found: list[Region]) -> list[Region]:
    """Apply the GNU rules of the module docstring to the regions of one text."""
    found = sorted(found, key=lambda r: (r.start, r.end))
    full = {r.raw: r for r in found if r.raw in _GNU_FULL_TEXTS}
    keep: list[Region] = []
    refined: dict[str, str] = {}
    for r in found:
        fam = expressions.family(r.raw)
        if r.raw not in _GNU_FULL_TEXTS and fam in full and r.spdx.startswith(fam):
            if r.start > full[fam].start:
                continue  # the "How to Apply" appendix of the full text
            refined.setdefault(fam, r.spdx)  # a grant before the text: it says which version(s)
        keep.append(r)
    out = []
    for r in keep:
        if r.raw in refined:
            continue  # the grant stands for the text
        if r.raw == "GPL-3.0" and "LGPL-3.0" in full:
            continue  # incorporated by the LGPL-3.0
        out.append(r)
    return out


def coverage(text: str, found: list[Region]) -> float:
    """Fraction of the words of `text` inside the regions."""
    starts = [m.start() for m in _WORD.finditer(text)]
    if not starts:
        return 0.0
    covered = 0
    for r in _merged(found):
        covered += bisect.bisect_left(starts, r[1]) - bisect.bisect_left(starts, r[0])
    return covered / len(starts)


def _merged(found: list[Region]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for r in sorted(found, key=lambda r: r.start):
        if spans and r.start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], r.end))
        else:
            spans.append((r.start, r.end))
    return spans


def expression(text: str, found: list[Region], recognised: list[Region] | None = None) -> str | None:
    """The licenses of the regions combined: OR when the prose outside every recognised region (`recognised`,
    default `found`: pass the unrefined regions, so a dropped appendix's "at your option" is not read as a
    choice) offers one, else AND."""
    exprs = sorted({r.spdx for r in found})
    if len(exprs) <= 1:
        return exprs[0] if exprs else None
    outside, last = [], 0
    for start, end in _merged(recognised if recognised is not None else found):
        outside.append(text[last:start])
        last = end
    outside.append(text[last:])
    prose = " ".join(" ".join(outside).split())
    return expressions.combine(exprs, "OR" if _CHOICE.search(prose) else "AND")


def identify(text: str, *, confirm: bool = True) -> list[TextResult]:
    """The license(s) of a whole license text (a LICENSE/COPYING file), best first; [] when none is found."""
    text = text[:MAX_TEXT_CHARS]
    raw = regions(text)
    found = refine(raw)
    cov = coverage(text, raw)  # the appendix and a text refined by its grant are still recognised text
    expr = with_exception(expression(text, found, raw), text)
    span = (min(r.start for r in raw), max(r.end for r in raw)) if raw else (0, len(text))
    ids = ", ".join(sorted({r.spdx for r in found}))
    if expr is not None and cov >= STRONG_COVERAGE:
        conf = 0.9 + 0.1 * min(1.0, (cov - STRONG_COVERAGE) / (1 - STRONG_COVERAGE))
        return [TextResult(expr, conf, f"{PRIMARY}: {ids} (coverage {cov:.2f})", span)]
    alt = confirmer(text) if confirm else None
    agree = alt is not None and expr is not None and alt[1] >= CONFIRMER_AGREE_SCORE and _agrees(alt[0], expr)
    if expr is not None and cov >= PARTIAL_COVERAGE:
        if agree:
            detail = f"{PRIMARY}: {ids} (coverage {cov:.2f}); {CONFIRMER} agrees ({alt[1]:.2f})"  # type: ignore[index]
            return [TextResult(expr, 0.85, detail, span)]
        out = [TextResult(expr, 0.65, f"{PRIMARY}: {ids} (coverage {cov:.2f})", span)]
        if alt is not None and alt[1] >= CONFIRMER_MIN_SCORE and _stricter(alt[0], expr):
            detail = f"{CONFIRMER}: {alt[0]} ({alt[1]:.2f}), disagrees"
            out.append(TextResult(alt[0], 0.55, detail, (0, len(text))))
        return out
    if alt is not None and alt[1] >= CONFIRMER_MIN_SCORE:
        if agree:
            detail = f"{CONFIRMER}: {alt[0]} ({alt[1]:.2f}); {PRIMARY} agrees (coverage {cov:.2f})"
            return [TextResult(expr, 0.8, detail, span)]  # type: ignore[arg-type]
        if expr is None:
            conf = 0.5 + (alt[1] - CONFIRMER_MIN_SCORE)
            return [TextResult(alt[0], conf, f"{CONFIRMER}: {alt[0]} ({alt[1]:.2f})", (0, len(text)))]
    if expr is not None:
        short = len(text) <= SHORT_TEXT_CHARS
        conf = 0.6 if short else 0.35  # a license file that is one notice vs. prose that mentions a license
        out = [TextResult(expr, conf, f"{PRIMARY}: {ids} (coverage {cov:.2f}, partial)", span)]
        if alt is not None and alt[1] >= CONFIRMER_MIN_SCORE and _stricter(alt[0], expr):
            out.append(TextResult(alt[0], 0.55, f"{CONFIRMER}: {alt[0]} ({alt[1]:.2f}), disagrees", (0, len(text))))
        return out
    return []


def _agrees(alt: str, expr: str) -> bool:
    """Same license family, or one a variant of the other (`BSD-3-Clause-HP` of `BSD-3-Clause`)."""
    for a in map(expressions.family, expressions.keys(alt)):
        for k in map(expressions.family, expressions.keys(expr)):
            if a == k or a.startswith(k + "-") or k.startswith(a + "-"):
                return True
    return False


def _stricter(alt: str, expr: str) -> bool:
    """Whether a disagreeing confirmer would move the decision to the restrictive side (only then it counts)."""
    from codemill.licenses.policy import severity

    return severity(alt) > severity(expr)


_EXCEPTIONS: tuple[tuple[str, re.Pattern, tuple[str, ...]], ...] = tuple(
    (spdx, re.compile(pattern, re.IGNORECASE), bases)
    for spdx, pattern, bases in (
        ("GCC-exception-2.0", r"unlimited permission to link the compiled version of this (?:library|file) into "
         r"combinations with other programs", ("GPL-", "LGPL-")),
        ("Classpath-exception-2.0", r"permission to link this library with independent modules to produce an "
         r"executable", ("GPL-",)),
        ("LLVM-exception", r"as a result of your compiling your source code portions of this software are embedded "
         r"into an object form", ("Apache-2.0",)),
        ("Linux-syscall-note", r"does not cover user programs that use kernel services by normal system calls",
         ("GPL-",)),
        ("GCC-exception-3.1", r"gcc runtime library exception", ("GPL-3.0",)),
        ("Bison-exception-2.2", r"you may create a larger work that contains part or all of the bison parser "
         r"skeleton", ("GPL-",)),
        ("Font-exception-2.0", r"if you create a document which uses this font", ("GPL-",)),
    )
)  # fmt: skip


def with_exception(expr: str | None, text: str) -> str | None:
    """`expr` WITH the standard exception the text grants, when `expr` is the single license it applies to."""
    if expr is None or expressions.top_operator(expr) is not None or " WITH " in expr:
        return expr
    prose = " ".join(_WORD.findall(text))  # words only: comment markers and line breaks do not matter
    for spdx, pattern, bases in _EXCEPTIONS:
        if expr.startswith(bases) and pattern.search(prose):
            return expressions.normalize(f"{expr} WITH {spdx}")
    return expr


def confirmer(text: str) -> tuple[str, float] | None:
    """askalono's best match for `text` as (normalised SPDX expression, score), or None."""
    identify_fn = _askalono()
    if identify_fn is None or not text.strip():
        return None
    try:
        found = identify_fn(text)
    except Exception:  # a native matcher must not take a repository down with it
        return None
    if found is None or not getattr(found, "name", None):
        return None
    spdx = expressions.normalize(found.name)
    if spdx is None:
        return None
    return spdx, float(found.score)


@cache
def _askalono():
    try:
        import askalono
    except ImportError:  # the wheel is platform-specific; without it the primary works alone
        return None
    return askalono.identify
