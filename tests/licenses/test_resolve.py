from __future__ import annotations

import random

from codemill.licenses import Evidence, Resolution, decide, license_for_path, resolve


def ev(spdx: str, kind: str, path: str, confidence: float = 1.0, detail: str = "test") -> Evidence:
    return Evidence(spdx, kind, path, detail, confidence)  # type: ignore[arg-type]


def test_nothing_means_no_license():
    res = resolve([])
    assert res == Resolution(None, [], {})
    assert license_for_path(res, "a/b.py") is None
    assert decide(license_for_path(res, "a/b.py")) == "license_missing"


def test_repository_license_and_overrides():
    evidence = [
        ev("MIT", "license_file", "LICENSE"),
        ev("GPL-2.0-only", "license_file", "vendor/gpl/COPYING"),
        ev("MIT", "license_file", "vendor/gpl/contrib/LICENSE"),
        ev("Apache-2.0", "license_file", "docs/LICENSE"),
        ev("MIT", "license_file", "sub/LICENSE"),  # same as inherited: no override
        ev("GPL-3.0-or-later", "license_header", "src/getopt.c", 0.8),
        ev("MIT", "spdx_header", "vendor/gpl/mit.c"),
        ev("Apache-2.0", "license_header", "src/weak.c", 0.4),  # below the bar: ignored
    ]
    res = resolve(evidence)
    assert res.license == "MIT"
    assert res.overrides == {
        "docs/": "Apache-2.0",
        "src/getopt.c": "GPL-3.0-or-later",
        "vendor/gpl/": "GPL-2.0-only",
        "vendor/gpl/contrib/": "MIT",
        "vendor/gpl/mit.c": "MIT",
    }
    assert list(res.overrides) == sorted(res.overrides)
    assert license_for_path(res, "src/main.c") == "MIT"
    assert license_for_path(res, "src/getopt.c") == "GPL-3.0-or-later"
    assert license_for_path(res, "src/weak.c") == "MIT"
    assert license_for_path(res, "vendor/gpl/x/y.c") == "GPL-2.0-only"
    assert license_for_path(res, "vendor/gpl/contrib/z.c") == "MIT"
    assert license_for_path(res, "vendor/gpl/mit.c") == "MIT"
    assert license_for_path(res, "./docs/index.md") == "Apache-2.0"
    assert license_for_path(res, "docsite/index.md") == "MIT"  # a prefix of a name is not an ancestor


def test_resolution_is_order_independent():
    evidence = [
        ev("MIT", "license_file", "LICENSE-MIT"),
        ev("Apache-2.0", "license_file", "LICENSE-APACHE"),
        ev("GPL-2.0-only", "spdx_header", "a/b.c"),
        ev("ISC", "package_metadata", "pkg/package.json", 0.95),
    ]
    first = resolve(evidence)
    for seed in range(5):
        shuffled = evidence[:]
        random.Random(seed).shuffle(shuffled)
        again = resolve(shuffled)
        assert (again.license, again.overrides, again.evidence) == (first.license, first.overrides, first.evidence)
    assert first.license == "Apache-2.0 OR MIT"


def test_dual_files_need_tags_that_name_their_license():
    tagged = resolve([ev("MIT", "license_file", "LICENSE.MIT"), ev("Apache-2.0", "license_file", "LICENSE.APACHE2")])
    assert tagged.license == "Apache-2.0 OR MIT"
    untagged = resolve([ev("MIT", "license_file", "LICENSE"), ev("Apache-2.0", "license_file", "COPYING")])
    assert untagged.license == "Apache-2.0 AND MIT"
    mislabeled = resolve([ev("GPL-3.0-only", "license_file", "LICENSE-MIT"), ev("MIT", "license_file", "LICENSE-X")])
    assert mislabeled.license == "GPL-3.0-only AND MIT"


def test_declared_choice_absorbs_its_texts():
    res = resolve([
        ev("MIT", "license_file", "LICENSE"),
        ev("GPL-2.0-only", "license_file", "COPYING"),
        ev("GPL-2.0-only OR MIT", "package_metadata", "package.json", 0.95),
    ])  # fmt: skip
    assert res.license == "GPL-2.0-only OR MIT"


def test_conflicts_resolve_to_the_restrictive_side():
    res = resolve([ev("MIT", "license_file", "LICENSE"), ev("GPL-3.0-only", "package_metadata", "setup.py", 0.85)])
    assert res.license == "GPL-3.0-only AND MIT"
    assert decide(res.license) == "license_copyleft"


def test_weak_evidence():
    # alone, weak evidence is all there is
    assert resolve([ev("LicenseRef-codemill-BSD", "package_metadata", "setup.py", 0.4)]).license == (
        "LicenseRef-codemill-BSD"
    )
    # a family gives way to a specific id of that family
    res = resolve([
        ev("BSD-2-Clause", "license_file", "LICENSE"),
        ev("LicenseRef-codemill-BSD", "package_metadata", "setup.py", 0.4),
    ])  # fmt: skip
    assert res.license == "BSD-2-Clause"
    # a weak permissive statement beside a firm one is noise; a weak copyleft one is not
    noise = ev("LicenseRef-codemill-unknown", "package_metadata", "setup.py", 0.3)
    assert resolve([ev("MIT", "license_file", "LICENSE"), noise]).license == "MIT"
    copyleft = ev("LicenseRef-codemill-GPL", "package_metadata", "setup.py", 0.4)
    assert resolve([ev("MIT", "license_file", "LICENSE"), copyleft]).license == "LicenseRef-codemill-GPL AND MIT"


def test_notice_counts_only_without_other_license_files():
    assert resolve([ev("Apache-2.0", "license_file", "LICENSE"), ev("MIT", "license_file", "NOTICE")]).license == (
        "Apache-2.0"
    )
    assert resolve([ev("MIT", "license_file", "NOTICE")]).license == "MIT"


def test_to_row():
    res = resolve([ev("MIT", "license_file", "LICENSE"), ev("GPL-2.0-only", "spdx_header", "x.c")])
    row = res.to_row()
    assert row["license"] == "MIT"
    assert row["license_overrides"] == [{"path": "x.c", "spdx": "GPL-2.0-only"}]
    assert [r["path"] for r in row["license_evidence"]] == ["LICENSE", "x.c"]


def test_short_notices_never_relax_what_a_file_inherits():
    gpl_repo = [ev("GPL-3.0-only", "license_file", "COPYING")]
    ported = ev("MIT", "license_header", "src/port.c", 0.8, "rule: named-license: MIT license")
    res = resolve([*gpl_repo, ported])
    assert license_for_path(res, "src/port.c") == "GPL-3.0-only AND MIT"
    firm = ev("MIT", "license_header", "src/vendored.c", 0.9, "licenseclassifier: MIT")
    assert license_for_path(resolve([*gpl_repo, firm]), "src/vendored.c") == "MIT"
    spdx = ev("MIT", "spdx_header", "src/x.c")
    assert license_for_path(resolve([*gpl_repo, spdx]), "src/x.c") == "MIT"
    stricter = ev("GPL-2.0-only", "license_header", "src/y.c", 0.8, "rule: gnu-notice: GPL-2.0")
    assert license_for_path(resolve([ev("MIT", "license_file", "LICENSE"), stricter]), "src/y.c") == "GPL-2.0-only"
