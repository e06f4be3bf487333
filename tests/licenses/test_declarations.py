"""A license header is a declaration in the file's own comments; license text held as data is not."""

from __future__ import annotations

from pathlib import Path

from labelled import DATA

from codemill.licenses import evidence_for_file, evidence_for_tree, license_for_path, resolve

ROOT = Path(__file__).resolve().parents[2]
GPL_TEXT = (DATA / "texts" / "GPL-3.0-only.txt").read_text()
MIT_TEXT = (DATA / "texts" / "MIT.txt").read_text()
GPL_NOTICE = """This program is free software: you can redistribute it and/or modify
it under the terms of the GNU General Public License as published by
the Free Software Foundation, either version 3 of the License, or
(at your option) any later version.
"""


def _spdx(path: str, text: str) -> list[str]:
    return [e.spdx for e in evidence_for_file(path, text)]


def test_a_gpl_notice_in_the_leading_comment_is_the_files_license():
    header = "".join(f"# {line}\n" for line in GPL_NOTICE.splitlines())
    assert _spdx("src/tool.py", header + "import os\n") == ["GPL-3.0-or-later"]


def test_a_gpl_notice_held_in_a_string_constant_is_data():
    detector = f'"""Notices this detector knows."""\n\nNOTICES = {{\n    "GPL-3.0-or-later": """{GPL_NOTICE}""",\n}}\n'
    assert _spdx("src/detect/table.py", detector) == []


def test_a_docstring_quoting_a_notice_is_an_example_but_its_own_license_line_counts():
    quoting = ('"""Recognises short notices ("This file is part of Foo, released under the GNU GPL v3 or later",\n'
               '"Licensed under the MIT license") in leading comments."""\nimport re\n')  # fmt: skip
    assert _spdx("src/detect/rules.py", quoting) == []
    own = '"""\n    flask.app\n    ~~~~~~~~~\n\n    :license: BSD-3-Clause, see LICENSE for more details.\n"""\n'
    assert _spdx("src/flask/app.py", own) == ["BSD-3-Clause"]


def test_an_spdx_line_inside_a_string_literal_is_a_value():
    fixture = ('HEADER = (\n    "# SPDX-License-Identifier: GPL-3.0-only\\n"\n'
               "    '// SPDX-License-Identifier: MIT'\n)\n")
    assert _spdx("tests/test_spdx.py", fixture) == []
    assert _spdx("src/a.py", '"""\nSPDX-License-Identifier: MIT\n"""\n') == ["MIT"]
    assert _spdx("src/b.py", '"""SPDX-License-Identifier: MIT"""\n') == ["MIT"]


def test_a_license_file_among_test_fixtures_declares_nothing():
    tree = {"LICENSE": MIT_TEXT, "tests/fixtures/gpl-project/LICENSE": GPL_TEXT, "testdata/COPYING": GPL_TEXT,
            "tests/fixtures/gpl-project/main.py": "print(1)\n", "vendor/lib/LICENSE": GPL_TEXT}  # fmt: skip
    resolution = resolve(evidence_for_tree(tree))
    assert license_for_path(resolution, "tests/fixtures/gpl-project/main.py") == "MIT"
    assert license_for_path(resolution, "testdata/x.py") == "MIT"
    assert license_for_path(resolution, "vendor/lib/x.c") == "GPL-3.0-only"  # a real folder license still counts


def test_codemills_own_license_detector_is_not_licensed_by_the_texts_it_knows():
    sources = sorted((ROOT / "src" / "codemill" / "licenses").glob("*.py"))
    sources += sorted((ROOT / "tests" / "licenses").glob("*.py")) + sorted((ROOT / "tests" / "redact").glob("*.py"))
    assert len(sources) > 15
    found = {p.relative_to(ROOT).as_posix(): _spdx(p.relative_to(ROOT).as_posix(), p.read_text()) for p in sources}
    assert {p: s for p, s in found.items() if s} == {}
