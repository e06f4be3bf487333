from __future__ import annotations

import socket

import pytest
from labelled import DATA, content

from codemill.licenses import evidence_for_file, fulltext


def _text(name: str) -> str:
    return (DATA / "texts" / f"{name}.txt").read_text()


def test_gpl3_appendix_is_not_a_second_license():
    (r,) = fulltext.identify(_text("GPL-3.0-only"))
    assert r.spdx == "GPL-3.0-only" and r.confidence >= 0.9


def test_grant_before_the_text_refines_it():
    grant = ("This program is free software; you can redistribute it and/or modify it under the terms of the GNU "
             "General Public License as published by the Free Software Foundation; either version 2 of the "
             "License, or (at your option) any later version.\n\n")  # fmt: skip
    (r,) = fulltext.identify(grant + _text("GPL-2.0-only"))
    assert r.spdx == "GPL-2.0-or-later"


def test_lgpl3_incorporates_gpl3():
    (r,) = fulltext.identify(_text("LGPL-3.0-only"))  # the SPDX text carries the GPL-3.0 text after it
    assert r.spdx == "LGPL-3.0-only"


def test_bundled_texts_combine_with_and_unless_a_choice_is_offered():
    both = _text("MIT") + "\n\n" + _text("GPL-3.0-only")
    assert [r.spdx for r in fulltext.identify(both)] == ["GPL-3.0-only AND MIT"]
    dual = "You may choose either of the following licenses, at your option.\n\n" + both
    assert [r.spdx for r in fulltext.identify(dual)] == ["GPL-3.0-only OR MIT"]


def test_gpl_appendix_wording_is_not_read_as_a_choice():
    """The GPL appendix says "at your option"; it must not turn a bundle into a choice."""
    both = _text("Apache-2.0") + "\n\n" + _text("GPL-3.0-only")
    assert [r.spdx for r in fulltext.identify(both)] == ["Apache-2.0 AND GPL-3.0-only"]


def test_confirmer_identifies_what_the_primary_misses():
    qhull = (DATA / "real" / "qhull-COPYING.txt").read_text()
    assert fulltext.identify(qhull, confirm=False) == []
    (r,) = fulltext.identify(qhull)
    assert r.spdx == "Qhull" and r.detail.startswith("askalono") and 0.5 <= r.confidence < 0.9


def test_confirmer_rescues_an_edited_text():
    text = content("@texts/SSPL-1.0.txt|copyright")
    (r,) = fulltext.identify(text)
    assert r.spdx == "SSPL-1.0"


def test_confirmer_is_skipped_for_clear_matches(monkeypatch):
    monkeypatch.setattr(fulltext, "confirmer", lambda text: pytest.fail("confirmer called"))
    (r,) = fulltext.identify(_text("Apache-2.0"))
    assert r.spdx == "Apache-2.0"


def test_nothing_is_fetched(monkeypatch):
    """Matchers and indexes ship in their wheels: no socket is ever opened."""

    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    assert [e.spdx for e in evidence_for_file("LICENSE", (DATA / "real" / "qhull-COPYING.txt").read_text())] == [
        "Qhull"
    ]
    assert [e.spdx for e in evidence_for_file("COPYING", _text("EUPL-1.2"))] == ["EUPL-1.2"]


def test_prose_is_not_a_license():
    readme = "# Widget\n\nA small widget. It is released under the MIT license; see the LICENSE file.\n" * 40
    assert fulltext.identify(readme) == []


def test_exceptions_attach_to_their_license():
    text = _text("GPL-2.0-only") + (
        "\n\nIn addition to the permissions in the GNU General Public License, the authors give you unlimited "
        "permission to link the compiled version of this library into combinations with other programs, and to "
        "distribute those combinations without any restriction coming from the use of this file.\n"
    )
    (r,) = fulltext.identify(text)
    assert r.spdx == "GPL-2.0-only WITH GCC-exception-2.0"
