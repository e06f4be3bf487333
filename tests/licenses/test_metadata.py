from __future__ import annotations

import pytest

from codemill.licenses import aliases, evidence_for_file
from codemill.licenses.metadata import declared, license_file_refs


def _spdx(path: str, text: str) -> list[tuple[str, str]]:
    return [(d.spdx, d.field) for d in declared(path, text)]


def test_pyproject_fields():
    text = """[project]
name = "x"
license = "MIT"
classifiers = ["License :: OSI Approved :: MIT License", "Programming Language :: Python"]
[tool.poetry]
license = "Apache-2.0"
"""
    assert _spdx("pyproject.toml", text) == [
        ("MIT", "[project].classifiers"),
        ("MIT", "[project].license"),
        ("Apache-2.0", "[tool.poetry].license"),
    ]
    (d,) = [d for d in declared("pyproject.toml", text) if d.field == "[project].license"]
    assert text[d.span[0] : d.span[1]] == "MIT" and d.confidence == 0.95


def test_pyproject_license_text_may_be_a_whole_license():
    mit = (
        "Permission is hereby granted, free of charge, to any person obtaining a copy of this software and\n"
        "associated documentation files (the \\\"Software\\\"), to deal in the Software without restriction, "
        "including\nwithout limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, "
        "and/or sell\ncopies of the Software, and to permit persons to whom the Software is furnished to do so, "
        "subject to the\nfollowing conditions:\n\nThe above copyright notice and this permission notice shall be "
        "included in all copies or substantial\nportions of the Software.\n\nTHE SOFTWARE IS PROVIDED \\\"AS IS\\\", "
        "WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT\nLIMITED TO THE WARRANTIES OF "
        "MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO\nEVENT SHALL THE AUTHORS OR "
        "COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER\nIN AN ACTION OF CONTRACT, "
        "TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE\nUSE OR OTHER DEALINGS "
        "IN THE SOFTWARE.\n"
    )
    text = f'[project]\nname = "x"\nlicense = {{text = """{mit}"""}}\n'
    assert _spdx("pyproject.toml", text) == [("MIT", "[project].license.text (license text)")]


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        ("setup.cfg", "[metadata]\nlicense = GPLv2+\n", "GPL-2.0-or-later"),
        ("setup.py", "setup(license='BSD-2-Clause')\n", "BSD-2-Clause"),
        ("setup.py", 'setup(license_expression="MIT OR Apache-2.0")\n', "Apache-2.0 OR MIT"),
        ("package.json", '{"license": "(ISC OR GPL-3.0)"}', "GPL-3.0-only OR ISC"),
        ("package.json", '{"licenses": ["MIT", "Apache-2.0"]}', "Apache-2.0 OR MIT"),
        ("Cargo.toml", '[package]\nlicense = "Apache-2.0/MIT"\n', "Apache-2.0 OR MIT"),
        ("composer.json", '{"license": ["MIT", "GPL-2.0-or-later"]}', "GPL-2.0-or-later OR MIT"),
        ("x.gemspec", "s.licenses = %w[MIT Apache-2.0]\n", "Apache-2.0 OR MIT"),
        ("pom.xml", "<project><licenses><license><url>http://www.gnu.org/licenses/gpl-3.0.html</url></license>"
                    "</licenses></project>", "GPL-3.0-only"),
    ],
)  # fmt: skip
def test_formats(path, text, expected):
    assert [d.spdx for d in declared(path, text)] == [expected]


def test_pom_ignores_licenses_outside_the_project_element():
    text = """<project><dependencies><dependency><licenses><license><name>GPL-3.0-only</name></license>
    </licenses></dependency></dependencies></project>"""
    assert declared("pom.xml", text) == []


def test_weak_and_pointer_values():
    assert [(d.spdx, d.confidence) for d in declared("setup.py", "setup(license='BSD')\n")] == [
        (aliases.family_ref("BSD"), 0.4)
    ]
    assert [(d.spdx, d.confidence) for d in declared("package.json", '{"license": "Custom EULA"}')] == [
        (aliases.UNKNOWN_REF, 0.3)
    ]
    for value in ("LICENSE", "See LICENSE", "see LICENSE.txt", "SEE LICENSE IN LICENSE.md"):
        assert declared("package.json", f'{{"license": "{value}"}}') == [], value


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("pyproject.toml", "[project\nlicense = "),
        ("package.json", "{not json"),
        ("package.json", "[1, 2]"),
        ("pom.xml", "<project><licenses>"),
        ("setup.cfg", "license = MIT\n[[["),
        ("Cargo.toml", "license = 3"),
        ("composer.json", '{"license": 7}'),
    ],
)
def test_broken_files_give_nothing(path, text):
    assert declared(path, text) == []
    assert evidence_for_file(path, text) == []


def test_license_file_refs():
    assert license_file_refs("pkg/pyproject.toml", '[project]\nlicense = {file = "../LICENSE.txt"}\n') == [
        "LICENSE.txt"
    ]
    assert license_file_refs("Cargo.toml", '[package]\nlicense-file = "legal/TERMS"\n') == ["legal/TERMS"]
    assert license_file_refs("web/package.json", '{"license": "SEE LICENSE IN EULA.md"}') == ["web/EULA.md"]
    assert license_file_refs("setup.cfg", "[metadata]\nlicense_files = LICENSE, NOTICE\n") == ["LICENSE", "NOTICE"]
    assert license_file_refs("package.json", '{"license": "MIT"}') == []


def test_evidence_rows_name_the_field():
    (e,) = evidence_for_file("crates/a/Cargo.toml", '[package]\nname = "a"\nlicense = "MIT OR Apache-2.0"\n')
    assert (e.kind, e.path, e.spdx) == ("package_metadata", "crates/a/Cargo.toml", "Apache-2.0 OR MIT")
    assert e.detail == "Cargo.toml package.license"


def test_several_classifiers_are_all_honoured():
    text = "setup(classifiers=['License :: OSI Approved :: MIT License',\n" \
           "                   'License :: OSI Approved :: GNU General Public License (GPL)'])\n"  # fmt: skip
    assert [d.spdx for d in declared("setup.py", text)] == ["LicenseRef-codemill-GPL AND MIT"]
    text = "setup(classifiers=['License :: OSI Approved :: Apache Software License', 'License :: OSI Approved :: BSD " \
           "License'])\n"  # fmt: skip
    assert [d.spdx for d in declared("setup.py", text)] == ["Apache-2.0"]  # a permissive family adds nothing
