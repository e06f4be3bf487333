"""License evidence for a repository at head: what license its code is under, why we think so, and whether a
policy keeps it.

Flow: `evidence_for_file(path, text)` (or `evidence_for_tree(files)`, which adds the two-file cases: a go.mod's
LICENSE, metadata pointing at a license file) -> `resolve(evidence)` -> `Resolution` (repository license plus
per-directory and per-file overrides) -> `license_for_path(resolution, path)` -> `decide(expr, policy)`.

Modules, one job each:

- `evidence`: the `Evidence` record and its Parquet row.
- `files`: which detectors a path calls for; running them.
- `fulltext`: full-text matching (licenseclassifier, confirmed by askalono) and why that pairing.
- `headers`: `SPDX-License-Identifier:` lines and license notices in a file's leading comments.
- `metadata`: license fields of package manifests.
- `aliases`: license names and trove classifiers -> SPDX.
- `expressions`: parsing, normalising and canonical rendering of SPDX expressions (license-expression).
- `resolve`: evidence -> repository license and overrides.
- `policy`: categories, the allow-list policy and drop reasons.

Everything is deterministic (sorted outputs, canonical expressions) and offline (every matcher and index ships
in its wheel).
"""

from typing import TYPE_CHECKING

from codemill.lazy import lazy_exports

if TYPE_CHECKING:
    from codemill.licenses.allow import DEFAULT_ALLOW, LicensePolicy
    from codemill.licenses.evidence import ARROW_TYPE, KINDS, Evidence, Kind
    from codemill.licenses.expressions import combine, normalize
    from codemill.licenses.files import detectors_for, evidence_for_file, evidence_for_tree
    from codemill.licenses.policy import (
        DEFAULT_POLICY,
        DROP_REASONS,
        LICENSE_COPYLEFT,
        LICENSE_MISSING,
        LICENSE_NOT_ALLOWED,
        LICENSE_RESTRICTIVE,
        LICENSE_UNKNOWN,
        LICENSE_WEAK_COPYLEFT,
        Category,
        classify,
        decide,
        severity,
    )
    from codemill.licenses.resolve import Resolution, license_for_path, resolve

__all__ = [
    "ARROW_TYPE",
    "DEFAULT_ALLOW",
    "DEFAULT_POLICY",
    "DROP_REASONS",
    "KINDS",
    "LICENSE_COPYLEFT",
    "LICENSE_MISSING",
    "LICENSE_NOT_ALLOWED",
    "LICENSE_RESTRICTIVE",
    "LICENSE_UNKNOWN",
    "LICENSE_WEAK_COPYLEFT",
    "Category",
    "Evidence",
    "Kind",
    "LicensePolicy",
    "Resolution",
    "classify",
    "combine",
    "decide",
    "detectors_for",
    "evidence_for_file",
    "evidence_for_tree",
    "license_for_path",
    "normalize",
    "resolve",
    "severity",
]

__getattr__, __dir__ = lazy_exports(__name__, __file__)  # imported when first used (`codemill.lazy`)
