from __future__ import annotations

import pytest

from codemill.licenses import evidence_for_file, normalize
from codemill.licenses.headers import HEADER_CHARS, leading_comment, rules, spdx_lines

APACHE_NOTICE = """# Copyright 2020 Example
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.
"""


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("// SPDX-License-Identifier: MIT\n", "MIT"),
        ("/* SPDX-License-Identifier: GPL-2.0 */\n", "GPL-2.0-only"),
        ("<!-- SPDX-License-Identifier: CC-BY-4.0 -->\n", "CC-BY-4.0"),
        ("# SPDX-License-Identifier: (Apache-2.0 OR MIT)\n", "Apache-2.0 OR MIT"),
        ("-- SPDX-License-Identifier: MPL-2.0\n", "MPL-2.0"),
        (' * SPDX-License-Identifier: BSD-3-Clause",\n', "BSD-3-Clause"),
        ("{# SPDX-License-Identifier: ISC #}\n", "ISC"),
    ],
)
def test_spdx_lines(line, expected):
    (m,) = spdx_lines(line)
    assert m.spdx == expected
    assert normalize(line[m.span[0] : m.span[1]]) == expected


def test_spdx_unknown_ids_are_kept_with_lower_confidence():
    (known,) = spdx_lines("// SPDX-License-Identifier: MIT\n")
    (ref,) = spdx_lines("// SPDX-License-Identifier: LicenseRef-Acme\n")
    (odd,) = spdx_lines("// SPDX-License-Identifier: Acme-Special-1.0\n")
    assert known.confidence == ref.confidence == 1.0
    assert odd.spdx == "Acme-Special-1.0" and odd.confidence < 1.0
    assert spdx_lines("// SPDX-License-Identifier: \n") == []


def test_only_the_head_is_read():
    late = "x = 1\n" * (HEADER_CHARS // 6 + 10) + "# SPDX-License-Identifier: GPL-3.0-only\n"
    assert evidence_for_file("src/late.py", late) == []


def test_leading_comment_spans():
    text = "#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n# Licensed under the MIT license.\n\nimport os\n# later\n"
    start, end = leading_comment(text)
    assert text[start:end].rstrip().endswith("MIT license.")
    c = "/*\n * a\n * b\n */\n#include <x.h>\n/* later */\n"
    assert c[slice(*leading_comment(c))] == "/*\n * a\n * b\n */\n"
    py = '"""Doc.\n\nLicensed under the MIT license.\n"""\nimport x\n'
    assert py[slice(*leading_comment(py))].endswith('"""\n')
    assert leading_comment("import os\n# Licensed under the MIT license.\n") == (0, 0)


def test_notice_evidence_points_into_the_file():
    (e,) = evidence_for_file("tool/build.py", APACHE_NOTICE + "import os\n")
    assert (e.spdx, e.kind) == ("Apache-2.0", "license_header")
    assert "Licensed under the Apache License" in APACHE_NOTICE[e.span[0] : e.span[1]]
    assert e.detail.startswith("licenseclassifier")


def test_spdx_line_wins_over_notices():
    text = "// SPDX-License-Identifier: MIT\n" + APACHE_NOTICE.replace("#", "//")
    assert [(e.kind, e.spdx) for e in evidence_for_file("a.go", text)] == [("spdx_header", "MIT")]


@pytest.mark.parametrize(
    ("prose", "expected"),
    [
        ("Licensed under the MIT license.", "MIT"),
        ("Released under the MIT License (see LICENSE).", "MIT"),
        ("Distributed under the Boost Software License, Version 1.0.", "BSL-1.0"),
        ("This code is licensed under the BSD 3-Clause license.", "BSD-3-Clause"),
        ("Use of this source code is governed by an MIT-style license that can be found in the LICENSE file.", "MIT"),
        ("This file is part of Foo, released under the GNU GPL v3 or later.", "GPL-3.0-or-later"),
        ("Licensed under the GNU Lesser General Public License, version 2.1.", "LGPL-2.1-only"),
        ("Licensed under GPLv2+.", "GPL-2.0-or-later"),
        ("Licensed under the GPL.", "LicenseRef-codemill-GPL"),
        ("you can redistribute it and/or modify it under the same terms as Perl itself.",
         "Artistic-1.0-Perl OR GPL-1.0-or-later"),
    ],
)  # fmt: skip
def test_rules(prose, expected):
    assert expected in [spdx for spdx, _, _ in rules(prose)]


@pytest.mark.parametrize(
    "prose",
    [
        "Unlike the GNU General Public License, our license lets you ship binaries.",
        "Use of this source code is governed by a BSD-style license that can be found in the LICENSE file.",
        "See the MIT license for comparison.",
        "Copyright 2020 Someone. All rights reserved.",
    ],
)
def test_rules_need_a_grant(prose):
    assert rules(prose) == []


def test_gpl_notice_with_classpath_exception():
    text = """/*
 * This code is free software; you can redistribute it and/or modify it
 * under the terms of the GNU General Public License version 2 only, as
 * published by the Free Software Foundation.  Oracle designates this
 * particular file as subject to the "Classpath" exception as provided
 * by Oracle in the LICENSE file that accompanied this code.
 *
 * Linking this library statically or dynamically with other modules is making a combined work based on this
 * library. As a special exception, the copyright holders of this library give you permission to link this
 * library with independent modules to produce an executable, regardless of the license terms of these
 * independent modules.
 */
package java.lang;
"""
    (e,) = evidence_for_file("src/java.base/java/lang/Thing.java", text)
    assert e.spdx == "GPL-2.0-only WITH Classpath-exception-2.0"


def test_files_without_headers_give_nothing():
    assert evidence_for_file("src/a.py", "import os\n\ndef f():\n    return 1\n") == []
    assert evidence_for_file("src/a.c", "#include <stdio.h>\nint main(void) { return 0; }\n") == []
    assert evidence_for_file("img/logo.png", "\x89PNG\r\n\x1a\n\x00\x00") == []
