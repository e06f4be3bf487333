"""SPDX license expressions: parse them, normalise them, and write them one canonical way.

Parsing and key resolution are `license-expression`'s (`get_spdx_licensing()`, built from the ScanCode
LicenseDB index it vendors, so nothing is fetched): any case, deprecated ids (`GPL-2.0` -> `GPL-2.0-only`),
`+` suffixes (`GPL-2.0+` -> `GPL-2.0-or-later`) and ScanCode's aliases. What we add:

- Free text that is not an expression (`Apache License, Version 2.0`, `GPLv3+`, `BSD`) goes through the alias
  table in `aliases.py` first, since the parser would read `GNU GPL v3 or later` as an OR of two words.
- Cargo's legacy `MIT/Apache-2.0` means OR.
- A key that is neither known nor shaped like an SPDX id (spaces, punctuation) becomes `UNKNOWN_REF`, so an
  expression never carries free text; `LicenseRef-*` and id-shaped keys (newer SPDX ids) are kept verbatim.
- Rendering is ours: operands of AND/OR are flattened, de-duplicated and sorted, so the same licenses give the
  same string whatever order the evidence arrived in (determinism of the rows that carry it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache, lru_cache

from license_expression import (
    LicenseSymbol,
    LicenseWithExceptionSymbol,
    Licensing,
    get_spdx_licensing,
)

from codemill.licenses import aliases

UNKNOWN_REF = aliases.UNKNOWN_REF
_ID_SHAPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+-]*$")
_REF_SHAPE = re.compile(r"^(?:DocumentRef-[A-Za-z0-9.-]+:)?LicenseRef-[A-Za-z0-9.-]+$", re.IGNORECASE)
_SLASH_OR = re.compile(r"\s*/\s*")
_NONE = {"none", "noassertion", ""}


@cache
def licensing() -> Licensing:
    """The shared SPDX licensing (built once per process from the vendored index)."""
    return get_spdx_licensing()


@cache
def _known_keys() -> dict[str, str]:
    """Lower-cased SPDX key or alias -> canonical key, from the vendored index."""
    out: dict[str, str] = {}
    for entry in _license_index():
        key = entry.get("spdx_license_key")
        if not key:
            continue
        for k in [key, *entry.get("other_spdx_license_keys", [])]:
            if not k.lower().startswith("licenseref-"):
                out.setdefault(k.lower(), key)
    return out


@cache
def _license_index() -> tuple[dict, ...]:
    from license_expression import get_license_index

    return tuple(get_license_index())


def is_known_key(key: str) -> bool:
    """Whether `key` is an SPDX license or exception id that the vendored index knows."""
    return key.lower() in _known_keys()


def normalize(text: str | None) -> str | None:
    """The canonical expression for `text` (an SPDX expression or a common license name), or None if empty.

    Returns None for empty text and SPDX's `NONE`/`NOASSERTION`; text that names no license we can identify
    gives `UNKNOWN_REF` rather than None, because "something unrecognised was declared" is not "nothing".
    """
    if text is None:
        return None
    raw = " ".join(str(text).split()).strip().strip(",;").strip()
    if raw.startswith("(") and raw.endswith(")") and raw.count("(") == 1:
        raw = raw[1:-1].strip()
    if raw.lower() in _NONE:
        return None
    return _normalize(raw)


@lru_cache(maxsize=4096)
def _normalize(raw: str) -> str:
    alias = aliases.lookup(raw)
    if alias is not None:
        return alias
    candidate = _SLASH_OR.sub(" OR ", raw) if "/" in raw and "://" not in raw else raw
    try:
        parsed = licensing().parse(candidate, validate=False, strict=False, simple=False)
    except Exception:  # ExpressionError and friends: a repository's license string must never crash us
        return UNKNOWN_REF
    if parsed is None:
        return UNKNOWN_REF
    return render(_repair(parsed))


def _repair(node):
    """Replace keys the index does not know: by alias when one matches, else by `UNKNOWN_REF`."""
    L = licensing()
    if isinstance(node, LicenseWithExceptionSymbol):
        lic = _repair(node.license_symbol)
        if not isinstance(lic, LicenseSymbol):
            return lic
        return LicenseWithExceptionSymbol(lic, node.exception_symbol)
    if isinstance(node, LicenseSymbol):
        key = node.key
        if _REF_SHAPE.match(key):
            return LicenseSymbol(key)
        canonical = _known_keys().get(key.lower())
        if canonical is not None:
            return LicenseSymbol(canonical)
        alias = aliases.lookup(key)
        if alias is not None:
            return L.parse(alias)
        if _ID_SHAPE.match(key):
            return LicenseSymbol(key)
        return LicenseSymbol(UNKNOWN_REF)
    return node.__class__(*[_repair(a) for a in node.args])


def is_valid(text: str) -> bool:
    """Whether `text` is, as written, a valid SPDX expression of ids the index knows (or `LicenseRef-`s)."""
    try:
        info = licensing().validate(text)
    except Exception:  # the validator itself can fail on malformed input (AttributeError in 30.4)
        return False
    if info.errors:
        return all(_REF_SHAPE.match(k) for k in _unknown_keys(info.errors))
    return True


def _unknown_keys(errors: list[str]) -> list[str]:
    out: list[str] = []
    for err in errors:
        if not err.startswith("Unknown license key(s): "):
            return ["?"]
        out += [k.strip() for k in err.split(":", 1)[1].split(",")]
    return out


def parse(expr: str):
    """The license-expression tree of an expression produced by `normalize` (cached)."""
    return _parse(expr)


@lru_cache(maxsize=8192)
def _parse(expr: str):
    return licensing().parse(expr, validate=False, strict=False, simple=False)


def render(node) -> str:
    """Canonical text: AND/OR operands flattened, de-duplicated and sorted; compound operands parenthesised."""
    if isinstance(node, LicenseWithExceptionSymbol):
        return f"{node.license_symbol.key} WITH {node.exception_symbol.key}"
    if isinstance(node, LicenseSymbol):
        return node.key
    op = _op(node)
    parts = sorted(set(_flatten(node, op)), key=_sort_key)
    if len(parts) == 1:
        return parts[0]
    return f" {op} ".join(parts)


def _flatten(node, op: str) -> Iterable[str]:
    for arg in node.args:
        if not isinstance(arg, LicenseSymbol | LicenseWithExceptionSymbol) and _op(arg) == op:
            yield from _flatten(arg, op)
        else:
            text = render(arg)
            yield f"({text})" if (" AND " in text or " OR " in text) else text


def _op(node) -> str:
    return "AND" if isinstance(node, licensing().AND) else "OR"


def _sort_key(text: str) -> tuple[str, str]:
    return (text.lstrip("(").lower(), text)


def combine(exprs: Iterable[str | None], op: str = "AND") -> str | None:
    """`op` ("AND" or "OR") over the given expressions, canonical; None when there are none."""
    parts = sorted({e for e in exprs if e}, key=_sort_key)
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return render(parse(f" {op} ".join(f"({p})" for p in parts)))


def keys(expr: str) -> list[str]:
    """The license keys (not exceptions) in an expression, sorted."""
    out: set[str] = set()
    _collect(parse(expr), out)
    return sorted(out)


def _collect(node, out: set[str]) -> None:
    if isinstance(node, LicenseWithExceptionSymbol):
        out.add(node.license_symbol.key)
    elif isinstance(node, LicenseSymbol):
        out.add(node.key)
    else:
        for arg in node.args:
            _collect(arg, out)


def top_operator(expr: str) -> str | None:
    """The top operator of a compound expression ("AND" or "OR"); None for one license, with or without exception."""
    node = parse(expr)
    if isinstance(node, LicenseSymbol | LicenseWithExceptionSymbol):
        return None
    return _op(node)


def family(key: str) -> str:
    """A key without its version-grant suffix: `GPL-2.0-or-later` and `GPL-2.0-only` are both `GPL-2.0`."""
    for suffix in ("-or-later", "-only", "+"):
        if key.endswith(suffix):
            return key[: -len(suffix)]
    return key


def equivalent(a: str | None, b: str | None) -> bool:
    """Whether two expressions name the same licenses under the same operators (order-insensitive)."""
    if a is None or b is None:
        return a is b
    na, nb = normalize(a), normalize(b)
    if na == nb:
        return True
    if na is None or nb is None:
        return False
    return bool(licensing().is_equivalent(na, nb))
