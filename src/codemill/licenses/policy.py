"""What kind of license an expression is, and whether a policy keeps code under it.

Categories (`classify`): `permissive`, `public_domain`, `weak_copyleft`, `copyleft` (strong: GPL, AGPL, SSPL,
EUPL, OSL, ...), `restrictive` (non-commercial, source-available, proprietary: CC-BY-NC-*, BUSL-1.1,
Elastic-2.0, ...) and `unknown`. The base is the ScanCode LicenseDB category that `license-expression` vendors
for every SPDX id (so ~2,500 ids are covered without a table of our own), corrected by `_OVERRIDES` where our
reading differs: ScanCode files SSPL under "source-available" and EUPL under "copyleft limited"; for training
data both are strong copyleft. A license WITH an exception keeps its base category, except that a strong
copyleft base becomes weak copyleft (an exception only ever grants more, e.g. `GPL-2.0-only WITH
Classpath-exception-2.0`), never permissive. OR takes the most permissive alternative (the licensee may
choose), AND the most restrictive part.

`decide` is policy, separate from category: a license is kept only if the allow-list names it, so a permissive
license that is not listed is dropped too, with its own reason (`license_not_allowed`) rather than being
counted as copyleft or unknown. The default list is the issue's, and Artistic-2.0 is deliberately not on it:
ScanCode and we class it weak copyleft, because it conditions the distribution of modified versions (make
them freely available, or rename and document them, ...), which the attribution-only licenses on the list do
not; a run that wants it adds it.
"""

from __future__ import annotations

from functools import cache
from typing import Literal

from license_expression import LicenseSymbol, LicenseWithExceptionSymbol

from codemill.licenses import aliases, expressions
from codemill.licenses.allow import LicensePolicy

Category = Literal["permissive", "public_domain", "weak_copyleft", "copyleft", "restrictive", "unknown"]

LICENSE_COPYLEFT = "license_copyleft"
LICENSE_WEAK_COPYLEFT = "license_weak_copyleft"
LICENSE_RESTRICTIVE = "license_restrictive"
LICENSE_UNKNOWN = "license_unknown"
LICENSE_MISSING = "license_missing"
LICENSE_NOT_ALLOWED = "license_not_allowed"
DROP_REASONS = (
    LICENSE_COPYLEFT,
    LICENSE_WEAK_COPYLEFT,
    LICENSE_RESTRICTIVE,
    LICENSE_UNKNOWN,
    LICENSE_MISSING,
    LICENSE_NOT_ALLOWED,
)

_SCANCODE: dict[str, Category] = {
    "Permissive": "permissive",
    "Public Domain": "public_domain",
    "Copyleft": "copyleft",
    "Copyleft Limited": "weak_copyleft",
    "Source-available": "restrictive",
    "Commercial": "restrictive",
    "Proprietary Free": "restrictive",
    "Free Restricted": "restrictive",
    "Patent License": "restrictive",
}

_OVERRIDES: dict[str, Category] = {
    "SSPL-1.0": "copyleft",
    "EUPL-1.0": "copyleft",
    "EUPL-1.1": "copyleft",
    "EUPL-1.2": "copyleft",
    "OSL-1.0": "copyleft",
    "OSL-1.1": "copyleft",
    "OSL-2.0": "copyleft",
    "OSL-2.1": "copyleft",
    "OSL-3.0": "copyleft",
    "AGPL-1.0": "copyleft",
    "AGPL-1.0-only": "copyleft",
    "AGPL-1.0-or-later": "copyleft",
    "AGPL-3.0-only": "copyleft",
    "AGPL-3.0-or-later": "copyleft",
    "BUSL-1.1": "restrictive",
    "Elastic-2.0": "restrictive",
    "CommonsClause": "restrictive",
}

# For ids the vendored index does not know yet (newer SPDX releases): only prefixes whose category is certain.
_PREFIXES: tuple[tuple[str, Category], ...] = (
    ("AGPL-", "copyleft"),
    ("LGPL-", "weak_copyleft"),
    ("GPL-", "copyleft"),
    ("CC-BY-NC", "restrictive"),
    ("CC-BY-ND", "restrictive"),
    ("PolyForm-", "restrictive"),
)

# Severity of a drop (and rank of a category under AND): higher is worse; OR takes the lowest.
_RANK: dict[Category, int] = {
    "public_domain": 0,
    "permissive": 1,
    "unknown": 2,
    "weak_copyleft": 3,
    "copyleft": 4,
    "restrictive": 5,
}
_REASON: dict[Category, str] = {
    "public_domain": LICENSE_NOT_ALLOWED,
    "permissive": LICENSE_NOT_ALLOWED,
    "unknown": LICENSE_UNKNOWN,
    "weak_copyleft": LICENSE_WEAK_COPYLEFT,
    "copyleft": LICENSE_COPYLEFT,
    "restrictive": LICENSE_RESTRICTIVE,
}
_REASON_RANK = {
    LICENSE_NOT_ALLOWED: 0, LICENSE_UNKNOWN: 1, LICENSE_WEAK_COPYLEFT: 2, LICENSE_COPYLEFT: 3, LICENSE_RESTRICTIVE: 4,
}  # fmt: skip


@cache
def _scancode_categories() -> dict[str, Category]:
    out: dict[str, Category] = {}
    for entry in expressions._license_index():
        cat = _SCANCODE.get(entry.get("category", ""), "unknown")
        key = entry.get("spdx_license_key")
        if not key:
            continue
        for k in [key, *entry.get("other_spdx_license_keys", [])]:
            out.setdefault(k.lower(), cat)
    return out


def classify_key(key: str) -> Category:
    """The category of one license id (no operators)."""
    if key in aliases.FAMILY_REFS:
        return aliases.FAMILY_REFS[key][1]  # type: ignore[return-value]
    if key in _OVERRIDES:
        return _OVERRIDES[key]
    if key.lower().startswith(("licenseref-", "documentref-")):
        return "unknown"
    cat = _scancode_categories().get(key.lower())
    if cat is not None:
        return cat
    for prefix, pcat in _PREFIXES:
        if key.startswith(prefix):
            return pcat
    return "unknown"


def classify(expr: str | None) -> Category:
    """The category of an SPDX expression (see the module docstring for how operators combine)."""
    norm = expressions.normalize(expr)
    if norm is None:
        return "unknown"
    return _classify(expressions.parse(norm))


def _classify(node) -> Category:
    if isinstance(node, LicenseWithExceptionSymbol):
        base = classify_key(node.license_symbol.key)
        return "weak_copyleft" if base == "copyleft" else base
    if isinstance(node, LicenseSymbol):
        return classify_key(node.key)
    cats = [_classify(a) for a in node.args]
    pick = max if expressions._op(node) == "AND" else min
    return pick(cats, key=lambda c: _RANK[c])


def severity(expr: str | None) -> int:
    """How restrictive an expression is (the rank of its category): higher is more restrictive."""
    return _RANK[classify(expr)]


DEFAULT_POLICY = LicensePolicy()


def decide(expr: str | None, policy: LicensePolicy = DEFAULT_POLICY) -> str | None:
    """None to keep code under `expr`, else the drop reason (one of `DROP_REASONS`)."""
    norm = expressions.normalize(expr)
    if norm is None:
        return None if policy.keep_missing else LICENSE_MISSING
    return _verdict(expressions.parse(norm), policy)


def _verdict(node, policy: LicensePolicy) -> str | None:
    if isinstance(node, LicenseWithExceptionSymbol):
        full = f"{node.license_symbol.key} WITH {node.exception_symbol.key}"
        if policy.allows(full) or policy.allows(node.license_symbol.key):
            return None  # an exception only adds permissions to an allowed license
        return _reason(_classify(node), policy)
    if isinstance(node, LicenseSymbol):
        if policy.allows(node.key):
            return None
        return _reason(classify_key(node.key), policy)
    verdicts = [_verdict(a, policy) for a in node.args]
    if expressions._op(node) == "OR":
        if any(v is None for v in verdicts):
            return None
        return min(verdicts, key=lambda r: _REASON_RANK[r])  # type: ignore[arg-type]
    refused = [v for v in verdicts if v is not None]
    return max(refused, key=lambda r: _REASON_RANK[r]) if refused else None


def _reason(cat: Category, policy: LicensePolicy) -> str | None:
    if cat == "unknown" and policy.keep_unknown:
        return None
    return _REASON[cat]
