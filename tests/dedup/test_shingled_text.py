"""dedup.headers: a leading license comment is left out of near-duplicate shingles, nothing else is."""

from __future__ import annotations

import pytest

from codemill.dedup import DedupParams
from codemill.dedup.headers import without_license_header
from codemill.dedup.verify import exact_jaccard, shingle_sets

APACHE = """/*
 * Copyright (C) 2019 Square, Inc.
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *      http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */
"""
TIMEOUT = APACHE + ("package okio\n\nactual open class Timeout {\n  actual companion object {\n"
                    "    actual val NONE = Timeout()\n  }\n}\n")
BUILD = APACHE + ("import org.gradle.api.Project\n\nfun Project.jvmTarget(version: String) {\n"
                  "  extra[\"jvm\"] = version\n}\n")


@pytest.mark.parametrize(("text", "rest"), [
    (APACHE + "package okio\n", "\npackage okio\n"),
    ("#!/usr/bin/env python\n# Copyright 2020 Ada\n# SPDX-License-Identifier: MIT\nimport os\n", "import os\n"),
    ("// Copyright (c) Go authors. All rights reserved.\n// license: BSD\n\npackage http\n", "\npackage http\n"),
    ("-- Licensed under MIT\nlocal x = 1\n", "local x = 1\n"),
    ("<!-- Copyright 2021 -->\n<html></html>\n", "\n<html></html>\n"),
])
def test_a_license_header_is_left_out(text: str, rest: str) -> None:
    assert without_license_header(text) == rest


@pytest.mark.parametrize("text", [
    "/* a comment about the parser */\nint x;\n",  # a leading comment that names no license
    "#include <license.h>\n#define COPYRIGHT 1\nint x;\n",  # preprocessor lines are not comments
    "import os\n# Copyright 2020 (later in the file)\n",
    "",
])
def test_other_text_is_unchanged(text: str) -> None:
    assert without_license_header(text) == text


def test_two_unrelated_small_files_with_one_header_are_not_near_duplicates() -> None:
    """square/okio's `Timeout.kt` and the build's `jvm.kt`: near duplicates (J >= 0.7) only through the header."""
    with_header = DedupParams(strip_license_header=False)
    a, b = shingle_sets(with_header, [TIMEOUT, BUILD])
    assert exact_jaccard(a, b) >= 0.6
    a, b = shingle_sets(DedupParams(), [TIMEOUT, BUILD])
    assert exact_jaccard(a, b) == 0.0
    same, other_year = shingle_sets(DedupParams(), [TIMEOUT, TIMEOUT.replace("2019", "2024")])
    assert exact_jaccard(same, other_year) == 1.0
