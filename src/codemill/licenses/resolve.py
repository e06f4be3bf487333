"""From evidence to licenses: the repository's, and the directories and files that differ from it.

Directory level (the root gives the repository's license): the license files and package metadata in one
directory are merged:

1. Evidence below `MIN_CONFIDENCE` counts only when the directory has nothing firmer, except a weak
   non-permissive statement (an unversioned "GPL" classifier next to an MIT text), which is kept: a conflict is
   resolved towards the restrictive side, never by ignoring it.
2. A family ref (`LicenseRef-codemill-BSD`) gives way to a specific id of its family (`BSD-3-Clause`); a GNU
   `-only` read from a bare license text gives way to an `-or-later` declared beside it (the text cannot say
   "or later", the declaration can); the GPL-3.0 text shipped next to the LGPL-3.0 is part of the LGPL.
3. Choices: two or more license files whose names each name their license (LICENSE-MIT and LICENSE-APACHE) are
   the dual-licensing convention, so they are alternatives (OR); an OR declared in metadata (Cargo's
   "MIT OR Apache-2.0") or in a license text absorbs the files that merely hold its alternatives' texts.
4. What remains combines with AND: different licenses not declared as a choice must all be honoured.

NOTICE files count only in a directory without other license files; REUSE `LICENSES/` texts are not a
folder's license (REUSE puts each file's license in its header) and give the repository's license only when
the root declares none, as the AND of them all.

Below the root: a directory with its own license files or metadata carries their license for everything under
it (nearest ancestor wins), and a file whose header names a license carries it (an SPDX line beats a notice).
Only firm header evidence (an SPDX line, a standard notice or license text) may relax what a file inherits: a
short rule-matched notice ("... licensed under the MIT license") or a bare license URL could as well describe
code the file was ported from, so in a GPL directory it gives "GPL AND MIT", while it may always make a file
stricter.
`overrides` records only what differs from what the path would inherit, keyed by "dir/" or an exact path.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from codemill.licenses import aliases, expressions, files, policy
from codemill.licenses.evidence import Evidence, sort_evidence

MIN_CONFIDENCE = 0.5
FIRM_NOTICE = 0.85  # a standard notice or license text in a header; below: short rule-matched notices, bare URLs
_NON_PERMISSIVE = {"weak_copyleft", "copyleft", "restrictive"}


@dataclass
class Resolution:
    """`license`: the repository-level expression (None when none was found); `overrides`: "dir/" or file path
    -> expression, for paths whose license differs from what they would otherwise inherit."""

    license: str | None
    evidence: list[Evidence] = field(default_factory=list)
    overrides: dict[str, str] = field(default_factory=dict)

    def to_row(self) -> dict:
        """Plain values for a Parquet row: the license, the evidence rows and the overrides as (path, spdx)."""
        return {
            "license": self.license,
            "license_evidence": [e.to_row() for e in self.evidence],
            "license_overrides": [{"path": k, "spdx": v} for k, v in self.overrides.items()],
        }

    @staticmethod
    def from_row(row: dict) -> Resolution:
        """The license and overrides back from a stored row (evidence is left out: lookups do not need it)."""
        return Resolution(row["license"], [], {o["path"]: o["spdx"] for o in row.get("license_overrides") or []})


@dataclass(frozen=True)
class _Item:
    spdx: str
    source: str  # "file" | "metadata" | "reuse" (a text in LICENSES/, named by its id, not by choice)
    path: str
    confidence: float


def resolve(evidence: list[Evidence]) -> Resolution:
    """Resolve a repository's evidence (from `evidence_for_tree`, or `evidence_for_file` over its files)."""
    ev = sort_evidence(list(evidence))
    by_dir: dict[str, list[Evidence]] = defaultdict(list)
    by_file: dict[str, list[Evidence]] = defaultdict(list)
    reuse: list[Evidence] = []
    for e in ev:
        if e.kind == "license_file" and files.is_reuse_text(e.path):
            reuse.append(e)
        elif e.kind in ("license_file", "package_metadata"):
            by_dir[e.directory].append(e)
        else:
            by_file[e.path].append(e)
    dir_expr = {d: x for d in sorted(by_dir) if (x := _directory(by_dir[d])) is not None}
    repo = dir_expr.get("")
    if repo is None and reuse:
        repo = _merge([_Item(e.spdx, "reuse", e.path, e.confidence) for e in reuse])
    res = Resolution(repo, ev, {})
    for d in sorted((d for d in dir_expr if d), key=lambda d: (d.count("/"), d)):
        if dir_expr[d] != _inherited(res, d + "/"):
            res.overrides[d + "/"] = dir_expr[d]
    for path in sorted(by_file):
        inherited = license_for_path(res, path)
        x = _file(by_file[path], inherited)
        if x is not None and x != inherited:
            res.overrides[path] = x
    res.overrides = dict(sorted(res.overrides.items()))
    return res


def license_for_path(resolution: Resolution, path: str) -> str | None:
    """The license of the file at `path`: its own override, else its nearest overridden ancestor, else the
    repository's."""
    p = files.normalize_path(path)
    if p in resolution.overrides:
        return resolution.overrides[p]
    return _inherited(resolution, p)


def _inherited(resolution: Resolution, path: str) -> str | None:
    parts = path.rstrip("/").split("/")[:-1]
    for i in range(len(parts), 0, -1):
        key = "/".join(parts[:i]) + "/"
        if key in resolution.overrides:
            return resolution.overrides[key]
    return resolution.license


def _file(evs: list[Evidence], inherited: str | None) -> str | None:
    spdx = [e.spdx for e in evs if e.kind == "spdx_header" and e.confidence >= MIN_CONFIDENCE]
    if spdx:
        return expressions.combine(spdx, "AND")
    notices = [e for e in evs if e.kind == "license_header" and e.confidence >= MIN_CONFIDENCE]
    firm = [e.spdx for e in notices if e.confidence >= FIRM_NOTICE]
    if firm:
        return expressions.combine(firm, "AND")
    said = expressions.combine([e.spdx for e in notices], "AND")
    if said is not None and inherited is not None and policy.severity(said) < policy.severity(inherited):
        return expressions.combine([inherited, said], "AND")  # a short notice never relaxes what surrounds it
    return said


def _directory(evs: list[Evidence]) -> str | None:
    lic = [e for e in evs if e.kind == "license_file"]
    if any(not files.is_notice(e.path) for e in lic):
        lic = [e for e in lic if not files.is_notice(e.path)]
    items: list[_Item] = []
    per_file: dict[str, list[Evidence]] = defaultdict(list)
    for e in lic:
        per_file[e.path].append(e)
    for path, group in sorted(per_file.items()):
        strong = [e for e in group if e.confidence >= MIN_CONFIDENCE] or group
        spdx = expressions.combine([e.spdx for e in strong], "AND")
        if spdx is not None:
            items.append(_Item(spdx, "file", path, max(e.confidence for e in strong)))
    items += [_Item(e.spdx, "metadata", e.path, e.confidence) for e in evs if e.kind == "package_metadata"]
    return _merge(items)


def _merge(items: list[_Item]) -> str | None:
    if not items:
        return None
    strong = [i for i in items if i.confidence >= MIN_CONFIDENCE]
    weak = [i for i in items if i.confidence < MIN_CONFIDENCE]
    if not strong:
        strong, weak = weak, []
    families = {expressions.family(k) for i in strong for k in expressions.keys(i.spdx)}
    for w in weak:
        if policy.classify(w.spdx) in _NON_PERMISSIVE and not _covered(w.spdx, families, strong):
            strong.append(w)
    items = strong
    all_keys = {k for i in items for k in expressions.keys(i.spdx)}
    specific = [k for k in all_keys if k not in aliases.FAMILY_REFS]
    items = [i for i in items if not _refined_ref(i.spdx, specific)]
    items = [i for i in items if not _refined_text(i, all_keys)]
    if any(k.startswith("LGPL-3.0") for k in all_keys):
        items = [i for i in items if not (i.source == "file" and i.spdx == "GPL-3.0-only")]
    items = _dual_files(items)
    items = _choices(items)
    return expressions.combine([i.spdx for i in items], "AND")


def _covered(spdx: str, families: set[str], strong: list[_Item]) -> bool:
    """Whether a weak statement is already said (in a more specific form) by the strong ones."""
    specific = [k for i in strong for k in expressions.keys(i.spdx)]
    return all(
        expressions.family(k) in families or (k in aliases.FAMILY_REFS and _refined_ref(k, specific))
        for k in expressions.keys(spdx)
    )


def _refined_ref(spdx: str, specific: list[str]) -> bool:
    prefix = aliases.FAMILY_REFS.get(spdx, ("", ""))[0]
    return bool(prefix) and any(k.startswith(prefix) for k in specific)


def _refined_text(item: _Item, all_keys: set[str]) -> bool:
    if item.source != "file" or expressions.top_operator(item.spdx) is not None or not item.spdx.endswith("-only"):
        return False
    return f"{expressions.family(item.spdx)}-or-later" in all_keys


def _dual_files(items: list[_Item]) -> list[_Item]:
    named = [i for i in items if i.source == "file" and _names_its_license(i)]
    if len({i.spdx for i in named}) < 2:
        return items
    rest = [i for i in items if i not in named]
    spdx = expressions.combine([i.spdx for i in named], "OR")
    assert spdx is not None
    return [*rest, _Item(spdx, "file", named[0].path, min(i.confidence for i in named))]


def _names_its_license(item: _Item) -> bool:
    tag = files.license_file_tag(item.path)
    if not isinstance(tag, str):
        return False
    t = "".join(ch for ch in tag.lower() if ch.isalnum())
    if not t:
        return False
    for k in expressions.keys(item.spdx):
        kk = "".join(ch for ch in k.lower() if ch.isalnum())
        if kk.startswith(t) or t.startswith(kk):
            return True
    return False


def _choices(items: list[_Item]) -> list[_Item]:
    unique: dict[str, _Item] = {}
    for i in items:
        unique.setdefault(i.spdx, i)
    items = list(unique.values())
    for choice in [i for i in items if expressions.top_operator(i.spdx) == "OR"]:
        offered = set(expressions.keys(choice.spdx))
        items = [i for i in items if i is choice or not set(expressions.keys(i.spdx)) <= offered]
    return items
