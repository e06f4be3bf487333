"""Licenses declared in package metadata: pyproject.toml, setup.cfg, setup.py, package.json, Cargo.toml, pom.xml,
*.gemspec and composer.json.

Each parser returns `Declared` values: the expression (normalised; free-text names go through `aliases`), the
field it came from, a confidence, and the value's span in the file. Confidence says how precise the field is:
an SPDX expression field (0.95) beats a free-text name we recognise (0.85), a trove classifier (0.8, 0.7 for
`Apache Software License`, which has no version), and a family-only name such as `BSD License` (0.4) or text
we do not recognise (0.3). A field that points at a file (`license = {file = "LICENSE"}`, Cargo's
`license-file`, npm's `SEE LICENSE IN x`) declares no license itself; `license_file_refs` returns those
paths so the tree-level pass can carry the referenced file's license over to the package.

Lists of licenses: npm's legacy `licenses` array, composer's array, Maven's `<licenses>` and a gemspec's
`licenses` are each documented (or, for gems, conventionally used) as a choice, so they combine with OR;
several trove classifiers are not declared as a choice, so they combine with AND. Parsing is lenient: a file
that does not parse yields nothing rather than an error (a repository's broken pom.xml is not our failure).
go.mod has no license field; see `files.evidence_for_tree`.
"""

from __future__ import annotations

import configparser
import json
import re
import tomllib
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from codemill.licenses import aliases, expressions, fulltext, policy

METADATA_NAMES = ("pyproject.toml", "setup.cfg", "setup.py", "package.json", "Cargo.toml", "pom.xml", "composer.json")

_POINTER = re.compile(r"^(?:see\s+|refer\s+to\s+)?(?:the\s+)?(?:licen[cs]e|copying)(?:\.\w+)?(?:\s+file)?\.?$",
                      re.IGNORECASE)  # fmt: skip
_SEE_LICENSE_IN = re.compile(r"^see\s+licen[cs]e\s+in\s+(?P<file>\S+)", re.IGNORECASE)


@dataclass(frozen=True)
class Declared:
    spdx: str
    field: str
    confidence: float
    span: tuple[int, int] | None


def is_metadata(path: str) -> bool:
    name = path.rpartition("/")[2]
    return name in METADATA_NAMES or name.endswith(".gemspec") or name == "go.mod"


def declared(path: str, text: str) -> list[Declared]:
    """The licenses `text` (the file at `path`) declares; [] for files that are not metadata or do not parse."""
    name = path.rpartition("/")[2]
    parser = _PARSERS.get(name) or (_gemspec if name.endswith(".gemspec") else None)
    if parser is None:
        return []
    try:
        found = parser(text)
    except (ValueError, TypeError, KeyError, AttributeError, ET.ParseError, configparser.Error, RecursionError):
        return []
    seen: dict[tuple[str, str], Declared] = {}
    for d in found:
        seen.setdefault((d.field, d.spdx), d)
    return sorted(seen.values(), key=lambda d: (d.field, d.spdx))


def license_file_refs(path: str, text: str) -> list[str]:
    """Repository-relative paths of license files the metadata at `path` points to."""
    name = path.rpartition("/")[2]
    base = path.rpartition("/")[0]
    refs: list[str] = []
    try:
        if name == "pyproject.toml":
            data = tomllib.loads(text)
            lic = data.get("project", {}).get("license")
            if isinstance(lic, dict) and isinstance(lic.get("file"), str):
                refs.append(lic["file"])
            refs += [f for f in data.get("project", {}).get("license-files", []) if isinstance(f, str)]
        elif name == "Cargo.toml":
            data = tomllib.loads(text)
            for table in (data.get("package", {}), data.get("workspace", {}).get("package", {})):
                if isinstance(table.get("license-file"), str):
                    refs.append(table["license-file"])
        elif name == "package.json":
            lic = json.loads(text).get("license")
            if isinstance(lic, str) and (m := _SEE_LICENSE_IN.match(lic.strip())):
                refs.append(m.group("file"))
        elif name == "setup.cfg":
            cp = _config(text)
            for key in ("license_file", "license_files"):
                if cp.has_option("metadata", key):
                    refs += cp.get("metadata", key).replace(",", "\n").split()
    except (ValueError, TypeError, AttributeError, configparser.Error):
        return []
    out = []
    for ref in refs:
        if any(ch in ref for ch in "*?[") or ref.startswith("/"):
            continue
        joined = f"{base}/{ref}" if base else ref
        out.append(_normpath(joined))
    return sorted(set(out))


def _normpath(path: str) -> str:
    parts: list[str] = []
    for part in path.replace("\\", "/").split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
            continue
        parts.append(part)
    return "/".join(parts)


# ---------------------------------------------------------------------------------------------------------
# Values


def _value(value: str, field: str, text: str, *, expression: bool) -> Declared | None:
    """A declared value: an SPDX expression (`expression=True` fields) or free text."""
    value = value.strip()
    if not value or _POINTER.match(value) or _SEE_LICENSE_IN.match(value):
        return None
    span = _locate(text, value)
    if len(value) > 200 and "\n" in value:  # a whole license text pasted into the field
        found = fulltext.identify(value, confirm=False)
        if not found:
            return Declared(aliases.UNKNOWN_REF, field, 0.3, span)
        return Declared(found[0].spdx, f"{field} (license text)", min(0.85, found[0].confidence), span)
    spdx = expressions.normalize(value)
    if spdx is None:
        return None
    if spdx == aliases.UNKNOWN_REF:
        return Declared(spdx, field, 0.3, span)
    keys = expressions.keys(spdx)
    if any(k in aliases.FAMILY_REFS for k in keys):
        conf = 0.4
    elif expression and expressions.is_valid(value):
        conf = 0.95  # a valid SPDX expression, as the field asks for
    else:
        conf = 0.85
    return Declared(spdx, field, conf, span)


def _classifiers(items, field: str, text: str) -> list[Declared]:
    found: list[Declared] = []
    for item in items or []:
        if not isinstance(item, str):
            continue
        spdx = aliases.classifier(item)
        if spdx is None:
            continue
        if spdx == aliases.UNKNOWN_REF:
            conf = 0.3
        elif spdx in aliases.FAMILY_REFS:
            conf = 0.4
        elif "Apache Software License" in item:
            conf = 0.7  # the classifier has no version; 2.0 is the one in use
        else:
            conf = 0.8
        found.append(Declared(spdx, field, conf, _locate(text, item.strip())))
    if len(found) <= 1:
        return found
    # Weak classifiers add nothing next to firm ones, unless they are non-permissive (never drop a GPL signal).
    strong = [d for d in found if d.confidence >= 0.5 or policy.severity(d.spdx) > policy.severity("MIT")] or found
    spdx = expressions.combine([d.spdx for d in strong], "AND")
    assert spdx is not None
    return [Declared(spdx, field, min(d.confidence for d in strong), None)]


def _choice(values: list[str], field: str, text: str) -> Declared | None:
    """Several licenses offered as alternatives (npm `licenses`, composer arrays, Maven, gemspec)."""
    found = [d for v in values if (d := _value(v, field, text, expression=True)) is not None]
    if not found:
        return None
    if len(found) == 1:
        return found[0]
    spdx = expressions.combine([d.spdx for d in found], "OR")
    assert spdx is not None
    return Declared(spdx, field, min(d.confidence for d in found), None)


def _locate(text: str, value: str) -> tuple[int, int] | None:
    i = text.find(value)
    return (i, i + len(value)) if i >= 0 else None


# ---------------------------------------------------------------------------------------------------------
# Formats


def _pyproject(text: str) -> list[Declared]:
    data = tomllib.loads(text)
    out: list[Declared] = []
    project = data.get("project", {})
    lic = project.get("license")
    if isinstance(lic, str):
        d = _value(lic, "[project].license", text, expression=True)
        out += [d] if d else []
    elif isinstance(lic, dict) and isinstance(lic.get("text"), str):
        d = _value(lic["text"], "[project].license.text", text, expression=False)
        out += [d] if d else []
    if isinstance(project.get("license-expression"), str):
        d = _value(project["license-expression"], "[project].license-expression", text, expression=True)
        out += [d] if d else []
    out += _classifiers(project.get("classifiers"), "[project].classifiers", text)
    poetry = data.get("tool", {}).get("poetry", {})
    if isinstance(poetry.get("license"), str):
        d = _value(poetry["license"], "[tool.poetry].license", text, expression=True)
        out += [d] if d else []
    out += _classifiers(poetry.get("classifiers"), "[tool.poetry].classifiers", text)
    return out


def _config(text: str) -> configparser.ConfigParser:
    cp = configparser.ConfigParser(interpolation=None, strict=False)
    cp.read_string(text)
    return cp


def _setup_cfg(text: str) -> list[Declared]:
    cp = _config(text)
    out: list[Declared] = []
    for key in ("license", "license_expression"):
        if cp.has_option("metadata", key):
            d = _value(cp.get("metadata", key), f"[metadata] {key}", text, expression=key != "license")
            out += [d] if d else []
    if cp.has_option("metadata", "classifiers"):
        items = [line.strip() for line in cp.get("metadata", "classifiers").splitlines()]
        out += _classifiers(items, "[metadata] classifiers", text)
    return out


_SETUP_PY_LICENSE = re.compile(r"""\blicense(?P<expr>_expression)?\s*=\s*(?P<q>['"])(?P<value>[^'"\n]{1,200})(?P=q)""")
_CLASSIFIER_STR = re.compile(r"""['"](?P<value>License\s*::[^'"\n]+)['"]""")


def _setup_py(text: str) -> list[Declared]:
    out: list[Declared] = []
    for m in _SETUP_PY_LICENSE.finditer(text):
        field = "setup(license_expression=)" if m.group("expr") else "setup(license=)"
        d = _value(m.group("value"), field, text, expression=bool(m.group("expr")))
        if d is not None:
            out.append(Declared(d.spdx, d.field, d.confidence, m.span("value")))
    out += _classifiers([m.group("value") for m in _CLASSIFIER_STR.finditer(text)], "setup(classifiers=)", text)
    return out


def _package_json(text: str) -> list[Declared]:
    data = json.loads(text)
    if not isinstance(data, dict):
        return []
    out: list[Declared] = []
    lic = data.get("license")
    if isinstance(lic, dict):
        lic = lic.get("type")
    if isinstance(lic, str):
        d = _value(lic, '"license"', text, expression=True)
        out += [d] if d else []
    legacy = data.get("licenses")
    if isinstance(legacy, list):
        values = [x.get("type") if isinstance(x, dict) else x for x in legacy]
        d = _choice([v for v in values if isinstance(v, str)], '"licenses"', text)
        out += [d] if d else []
    return out


def _cargo(text: str) -> list[Declared]:
    data = tomllib.loads(text)
    out: list[Declared] = []
    for field, table in (("package.license", data.get("package", {})),
                         ("workspace.package.license", data.get("workspace", {}).get("package", {}))):  # fmt: skip
        if isinstance(table.get("license"), str):
            d = _value(table["license"], field, text, expression=True)
            out += [d] if d else []
    return out


_URLS: tuple[tuple[re.Pattern, str], ...] = tuple(
    (re.compile(p, re.IGNORECASE), spdx)
    for p, spdx in (
        (r"apache\.org/licenses/LICENSE-2\.0", "Apache-2.0"),
        (r"opensource\.org/licenses/MIT", "MIT"),
        (r"opensource\.org/licenses/BSD-3-Clause", "BSD-3-Clause"),
        (r"opensource\.org/licenses/BSD-2-Clause", "BSD-2-Clause"),
        (r"gnu\.org/licenses/(?:old-licenses/)?gpl-2\.0", "GPL-2.0-only"),
        (r"gnu\.org/licenses/gpl-3\.0", "GPL-3.0-only"),
        (r"gnu\.org/licenses/(?:old-licenses/)?lgpl-2\.1", "LGPL-2.1-only"),
        (r"gnu\.org/licenses/lgpl-3\.0", "LGPL-3.0-only"),
        (r"gnu\.org/licenses/agpl-3\.0", "AGPL-3.0-only"),
        (r"eclipse\.org/legal/epl-v10", "EPL-1.0"),
        (r"eclipse\.org/legal/epl-(?:v)?20|eclipse\.org/legal/epl-2\.0", "EPL-2.0"),
        (r"mozilla\.org/MPL/2\.0", "MPL-2.0"),
        (r"creativecommons\.org/publicdomain/zero/1\.0", "CC0-1.0"),
        (r"spdx\.org/licenses/(?P<id>[A-Za-z0-9.+-]+?)(?:\.html)?$", ""),
    )
)


def _from_url(url: str) -> str | None:
    for pattern, spdx in _URLS:
        m = pattern.search(url.strip())
        if m:
            return spdx or m.group("id")
    return None


def _pom(text: str) -> list[Declared]:
    root = ET.fromstring(text)
    values: list[str] = []
    for lic in [el for el in root if _local(el.tag) == "licenses"][:1]:
        for entry in lic:
            if _local(entry.tag) != "license":
                continue
            fields = {_local(c.tag): (c.text or "").strip() for c in entry}
            name, url = fields.get("name", ""), fields.get("url", "")
            by_name = expressions.normalize(name) if name else None
            if by_name and by_name != aliases.UNKNOWN_REF:
                values.append(name)
            elif url and (by_url := _from_url(url)):
                values.append(by_url)
            elif name:
                values.append(name)
    d = _choice(values, "<licenses><license>", text)
    return [d] if d else []


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


_GEM_ONE = re.compile(r"""\.license\s*=\s*(?P<q>['"])(?P<value>[^'"\n]+)(?P=q)""")
_GEM_MANY = re.compile(r"""\.licenses\s*=\s*(?:\[(?P<list>[^\]]*)\]|%w[\[(](?P<words>[^\])]*)[\])])""")


def _gemspec(text: str) -> list[Declared]:
    out: list[Declared] = []
    for m in _GEM_ONE.finditer(text):
        d = _value(m.group("value"), "spec.license", text, expression=True)
        if d is not None:
            out.append(Declared(d.spdx, d.field, d.confidence, m.span("value")))
    for m in _GEM_MANY.finditer(text):
        if m.group("list") is not None:
            values = re.findall(r"""['"]([^'"]+)['"]""", m.group("list"))
        else:
            values = m.group("words").split()
        d = _choice(values, "spec.licenses", text)
        out += [d] if d else []
    return out


def _composer(text: str) -> list[Declared]:
    data = json.loads(text)
    if not isinstance(data, dict):
        return []
    lic = data.get("license")
    if isinstance(lic, str):
        d = _value(lic, '"license"', text, expression=True)
        return [d] if d else []
    if isinstance(lic, list):
        d = _choice([v for v in lic if isinstance(v, str)], '"license"', text)
        return [d] if d else []
    return []


_PARSERS = {
    "pyproject.toml": _pyproject,
    "setup.cfg": _setup_cfg,
    "setup.py": _setup_py,
    "package.json": _package_json,
    "Cargo.toml": _cargo,
    "pom.xml": _pom,
    "composer.json": _composer,
}
