"""The labelled license set (tests/licenses/data/cases.toml): loading, the text transforms, and scoring.

Shared by tests/licenses/test_accuracy.py and bench/license_accuracy.py. A case is a small repository (path ->
content) plus the expected SPDX expression, either of the repository (no `path`) or of one file (`path`, read
with `license_for_path`), and the expected keep/drop decision under the default policy. Optional `overrides`
are the exact expected `Resolution.overrides`.

File contents are inline text, `@data/file|transform|transform`, or a list of those (concatenated): the license
texts are stored once and the variants (reflowed, copyright lines edited, markdown) are derived here,
deterministically:

- `reflow:W`: every paragraph re-wrapped at W columns;
- `copyright`: placeholders (`<year>`, `[name of copyright owner]`, ...) filled and copyright lines replaced by
  other names and years (a copyright line is added when the text has none);
- `markdown`: the title as a heading, the all-caps disclaimer in bold, numbered clauses as a list.
"""

from __future__ import annotations

import re
import textwrap
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from codemill.licenses import decide, evidence_for_tree, license_for_path, resolve
from codemill.licenses.expressions import equivalent

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Case:
    id: str
    kind: str
    files: dict[str, str]
    expect: str | None
    keep: bool
    path: str | None = None
    overrides: dict[str, str] | None = None
    note: str = ""


@dataclass
class Outcome:
    case: Case
    got: str | None
    kept: bool
    overrides: dict[str, str] = field(default_factory=dict)
    evidence: list = field(default_factory=list)

    @property
    def id_ok(self) -> bool:
        ok = equivalent(self.got, self.case.expect)
        if self.case.overrides is not None:
            ok = ok and self.overrides == self.case.overrides
        return ok

    @property
    def decision_ok(self) -> bool:
        return self.kept == self.case.keep

    def line(self) -> str:
        marks = ("" if self.id_ok else " ID") + ("" if self.decision_ok else " DECISION")
        extra = f" overrides={self.overrides} expected {self.case.overrides}" if self.case.overrides is not None else ""
        return (f"{self.case.id}:{marks} got {self.got!r} keep={self.kept}, expected {self.case.expect!r} "
                f"keep={self.case.keep}{extra}")  # fmt: skip


def load_cases(path: Path = DATA / "cases.toml") -> list[Case]:
    raw = tomllib.loads(path.read_text())
    cases = []
    for c in raw["case"]:
        expect = c["expect"]
        cases.append(
            Case(
                id=c["id"],
                kind=c["kind"],
                files={p: content(v) for p, v in c["files"].items()},
                expect=None if expect == "NONE" else expect,
                keep=c["keep"],
                path=c.get("path"),
                overrides=c.get("overrides"),
                note=c.get("note", ""),
            )
        )
    ids = [c.id for c in cases]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    return cases


def run_case(case: Case) -> Outcome:
    evidence = evidence_for_tree(case.files)
    res = resolve(evidence)
    got = license_for_path(res, case.path) if case.path else res.license
    return Outcome(case, got, decide(got) is None, dict(res.overrides), evidence)


# ---------------------------------------------------------------------------------------------------------
# Contents and transforms


def content(spec: str | list[str]) -> str:
    """A file's content: inline text, "@file|transform|...", or a list of those joined by blank lines."""
    if isinstance(spec, list):
        return "\n\n".join(content(s).strip("\n") for s in spec) + "\n"
    if not spec.startswith("@"):
        return spec
    name, *transforms = spec[1:].split("|")
    text = (DATA / name).read_text()
    for t in transforms:
        op, _, arg = t.partition(":")
        text = _TRANSFORMS[op](text, arg)
    return text


def reflow(text: str, width: str) -> str:
    paragraphs = re.split(r"\n\s*\n", text.strip())
    wrap = textwrap.TextWrapper(width=int(width), break_long_words=False, break_on_hyphens=False)
    return "\n\n".join(wrap.fill(" ".join(p.split())) for p in paragraphs) + "\n"


_PLACEHOLDERS = [
    (r"<\s*year\s*>|\[\s*yyyy\s*\]|\[\s*year\s*\]|\{\s*yyyy\s*\}|<\s*yyyy\s*>", "2016-2024"),
    (r"<\s*(?:copyright holders?|owner|name of author|organization|author|holders?)\s*>"
     r"|\[\s*(?:name of copyright owner|fullname|name|owner|copyright holders?)\s*\]", "Grace Hopper and contributors"),
]
_COPYRIGHT_LINE = re.compile(r"^[ \t]*(?:copyright\b|\(c\)|©).*$", re.IGNORECASE | re.MULTILINE)
_NEW_LINE = "Copyright (c) 2009-2023 Ada Lovelace <ada@example.org>, Charles Babbage"


def copyright_edit(text: str, _arg: str = "") -> str:
    out = text
    for pattern, value in _PLACEHOLDERS:
        out = re.sub(pattern, value, out, flags=re.IGNORECASE)
    edited, n = _COPYRIGHT_LINE.subn(_NEW_LINE, out, count=2)
    if n == 0:
        edited = f"{_NEW_LINE}\n\n{out}"
    return edited


def markdown(text: str, _arg: str = "") -> str:
    lines = text.strip().splitlines()
    first = next(i for i, line in enumerate(lines) if line.strip())
    lines[first] = "# " + lines[first].strip()
    body = "\n".join(lines)
    paragraphs = re.split(r"\n\s*\n", body)
    out = []
    for p in paragraphs:
        flat = " ".join(p.split())
        letters = [ch for ch in flat if ch.isalpha()]
        if len(letters) > 40 and sum(ch.isupper() for ch in letters) > 0.9 * len(letters):
            p = f"**{flat}**"
        p = re.sub(r"^(\s*)(\d+)\.\s", r"\1\2. ", p, flags=re.MULTILINE)
        p = re.sub(r"(https?://[^\s)>\]]+)", r"<\1>", p)
        out.append(p)
    return "\n\n".join(out) + "\n"


_TRANSFORMS = {"reflow": reflow, "copyright": copyright_edit, "markdown": markdown}
