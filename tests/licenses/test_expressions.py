from __future__ import annotations

import pytest

from codemill.licenses import aliases, normalize
from codemill.licenses.expressions import combine, equivalent, family, keys, top_operator


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MIT", "MIT"),
        ("mit", "MIT"),
        ("  (MIT)  ", "MIT"),
        ("GPL-2.0", "GPL-2.0-only"),
        ("GPL-2.0+", "GPL-2.0-or-later"),
        ("LGPL-2.1", "LGPL-2.1-only"),
        ("MIT OR Apache-2.0", "Apache-2.0 OR MIT"),
        ("Apache-2.0 or mit", "Apache-2.0 OR MIT"),
        ("MIT/Apache-2.0", "Apache-2.0 OR MIT"),
        ("(MIT AND Zlib) OR Apache-2.0", "Apache-2.0 OR (MIT AND Zlib)"),
        ("MIT AND MIT", "MIT"),
        ("gpl-2.0-only with classpath-exception-2.0", "GPL-2.0-only WITH Classpath-exception-2.0"),
        ("Apache License, Version 2.0", "Apache-2.0"),
        ("The Apache Software License, Version 2.0", "Apache-2.0"),
        ("GPLv3+", "GPL-3.0-or-later"),
        ("GNU GPL v3 or later", "GPL-3.0-or-later"),
        ("New BSD License", "BSD-3-Clause"),
        ("BSD", aliases.family_ref("BSD")),
        ("UNLICENSED", aliases.PROPRIETARY_REF),
        ("LicenseRef-Acme-Internal", "LicenseRef-Acme-Internal"),
        ("My own license, see README", aliases.UNKNOWN_REF),
        ("MIT OR", aliases.UNKNOWN_REF),
        ("", None),
        ("NONE", None),
        ("NOASSERTION", None),
        (None, None),
    ],
)
def test_normalize(text, expected):
    assert normalize(text) == expected


def test_rendering_is_canonical_whatever_the_order():
    a = normalize("Zlib AND (MIT OR Apache-2.0) AND BSD-2-Clause")
    b = normalize("BSD-2-Clause AND (Apache-2.0 OR MIT) AND Zlib")
    assert a == b == "(Apache-2.0 OR MIT) AND BSD-2-Clause AND Zlib"
    assert combine(["MIT", "Apache-2.0", "MIT"], "OR") == "Apache-2.0 OR MIT"
    assert combine(["Apache-2.0 OR MIT", "Zlib"]) == "(Apache-2.0 OR MIT) AND Zlib"
    assert combine([]) is None
    assert combine([None, "MIT"]) == "MIT"


def test_helpers():
    assert keys("(MIT OR Apache-2.0) AND GPL-2.0-only WITH Classpath-exception-2.0") == [
        "Apache-2.0", "GPL-2.0-only", "MIT",
    ]  # fmt: skip
    assert top_operator("MIT") is None
    assert top_operator("GPL-2.0-only WITH Classpath-exception-2.0") is None
    assert top_operator("MIT OR Apache-2.0") == "OR"
    assert top_operator("(MIT OR Apache-2.0) AND Zlib") == "AND"
    assert family("GPL-2.0-or-later") == family("GPL-2.0-only") == "GPL-2.0"
    assert equivalent("MIT OR Apache-2.0", "Apache-2.0 OR MIT")
    assert not equivalent("MIT OR Apache-2.0", "Apache-2.0 AND MIT")
    assert equivalent(None, None) and not equivalent("MIT", None)


@pytest.mark.parametrize(
    ("classifier", "expected"),
    [
        ("License :: OSI Approved :: MIT License", "MIT"),
        ("License :: OSI Approved :: Apache Software License", "Apache-2.0"),
        ("License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)", "GPL-2.0-or-later"),
        ("License :: OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)", "LGPL-3.0-only"),
        ("License :: OSI Approved :: GNU Affero General Public License v3", "AGPL-3.0-only"),
        ("License :: OSI Approved :: BSD License", aliases.family_ref("BSD")),
        ("License :: OSI Approved :: GNU General Public License (GPL)", aliases.family_ref("GPL")),
        ("License :: CC0 1.0 Universal (CC0 1.0) Public Domain Dedication", "CC0-1.0"),
        ("License :: Other/Proprietary License", aliases.PROPRIETARY_REF),
        ("License :: OSI Approved :: Something New (NEW-1.0)", aliases.UNKNOWN_REF),
        ("License :: OSI Approved", None),
        ("Programming Language :: Python", None),
    ],
)
def test_classifiers(classifier, expected):
    assert aliases.classifier(classifier) == expected
