from __future__ import annotations

import dataclasses

import pyarrow as pa
import pytest
from labelled import DATA

from codemill.licenses import ARROW_TYPE, Evidence, detectors_for, evidence_for_file, evidence_for_tree
from codemill.licenses.files import is_license_file, license_file_tag

MIT = (DATA / "texts" / "MIT.txt").read_text()


@pytest.mark.parametrize(
    ("path", "tag"),
    [
        ("LICENSE", None),
        ("license", None),
        ("LICENSE.txt", None),
        ("License.md", None),
        ("LICENCE.rst", None),
        ("COPYING", None),
        ("docs/COPYING.txt", None),
        ("NOTICE", None),
        ("UNLICENSE", None),
        ("LICENSES.txt", None),
        ("LICENSE-MIT", "mit"),
        ("LICENSE-APACHE", "apache"),
        ("LICENSE.APACHE2", "apache2"),
        ("LICENSE_BSD.txt", "bsd"),
        ("COPYING.LESSER", "lesser"),
        ("COPYING.LIB", "lib"),
        ("MIT-LICENSE", "mit"),
        ("MIT-LICENSE.txt", "mit"),
        ("LICENSES/GPL-3.0-or-later.txt", "gpl-3.0-or-later"),
    ],
)
def test_license_file_names(path, tag):
    assert license_file_tag(path) == tag
    assert detectors_for(path) == ("license_file",)


@pytest.mark.parametrize(
    "path",
    ["license.py", "src/license.js", "LICENSE.json", "licenses/index.ts", "THIRD-PARTY-NOTICES", "LICENSE-THIRD-PARTY",
     "LICENSE-3rdparty.csv", "README.md", "licensing.md", "license-checker.js", "copying_test.go"],
)  # fmt: skip
def test_not_license_files(path):
    assert not is_license_file(path)


def test_detectors_follow_the_path():
    assert detectors_for("pyproject.toml") == ("package_metadata", "spdx_header")
    assert detectors_for("sub/x.gemspec") == ("package_metadata", "spdx_header")
    assert detectors_for("go.mod") == ("package_metadata", "spdx_header")
    assert detectors_for("src/main.rs") == ("spdx_header", "license_header")
    assert detectors_for("Makefile") == ("spdx_header", "license_header")
    assert detectors_for("data/table.csv") == ("spdx_header",)


def test_license_file_evidence():
    (e,) = evidence_for_file("./vendor/x/LICENSE", MIT.encode())
    assert (e.spdx, e.kind, e.path) == ("MIT", "license_file", "vendor/x/LICENSE")
    assert e.confidence >= 0.9
    assert "Permission is hereby granted" in MIT[e.span[0] : e.span[1]]
    assert e.detail.startswith("licenseclassifier: MIT")


def test_evidence_record():
    e = Evidence("MIT", "spdx_header", "a/b.py", "SPDX-License-Identifier", 0.123456, (3, 6))
    assert e.confidence == 0.123
    assert e.directory == "a"
    row = e.to_row()
    assert row == {"spdx": "MIT", "kind": "spdx_header", "path": "a/b.py", "detail": "SPDX-License-Identifier",
                   "confidence": 0.123, "span_start": 3, "span_end": 6}  # fmt: skip
    table = pa.Table.from_pylist([row, Evidence("MIT", "license_file", "LICENSE", "x", 1.0).to_row()],
                                 schema=pa.schema(list(ARROW_TYPE)))  # fmt: skip
    assert table.num_rows == 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.spdx = "GPL-3.0-only"  # type: ignore[misc]
    with pytest.raises(ValueError):
        Evidence("MIT", "readme", "README", "x", 0.5)
    with pytest.raises(ValueError):
        Evidence("MIT", "license_file", "LICENSE", "x", 1.5)


def test_tree_is_order_independent_and_sorted():
    files = {
        "LICENSE": MIT,
        "go.mod": "module example.com/x\n",
        "src/a.go": "// SPDX-License-Identifier: Apache-2.0\npackage a\n",
        "pyproject.toml": '[project]\nname = "x"\nlicense = {file = "LICENSE"}\n',
    }
    forward = evidence_for_tree(files)
    backward = evidence_for_tree(dict(reversed(list(files.items()))))
    assert forward == backward == sorted(forward, key=Evidence.sort_key)
    assert [(e.path, e.kind, e.spdx) for e in forward] == [
        ("LICENSE", "license_file", "MIT"),
        ("go.mod", "package_metadata", "MIT"),
        ("pyproject.toml", "package_metadata", "MIT"),
        ("src/a.go", "spdx_header", "Apache-2.0"),
    ]
    go = next(e for e in forward if e.path == "go.mod")
    assert "LICENSE" in go.detail and go.span is None
