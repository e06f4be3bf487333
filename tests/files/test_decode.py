"""decode() on real encodings, binary headers and noise."""

from __future__ import annotations

import codecs
import random

import pytest

from codemill.files.decode import decode

FRENCH = "// Il a dit “bonjour” à l’été — c’est déjà fini…\nint compteur = 0;\n"
GERMAN = "# Größe über alles: Café crème, naïve Façade\nname = 'Müller'\n"
JAPANESE = "// 設定ファイルを読み込む。プログラムのコメントです。\nint x = 1;\n"
RUSSIAN = "// Это комментарий на русском языке для проверки.\nvar x = 1;\n"


def test_utf8_is_taken_strictly_first() -> None:
    got = decode("x = 'naïve'\n".encode())
    assert (got.text, got.encoding, got.is_binary, got.reason) == ("x = 'naïve'\n", "utf-8", False, None)


def test_utf8_bom_is_stripped() -> None:
    got = decode(codecs.BOM_UTF8 + b"print('hi')\n")
    assert got.text == "print('hi')\n"
    assert got.encoding == "utf-8-sig"


@pytest.mark.parametrize("codec", ["utf-16", "utf-32"])
def test_utf16_and_utf32_with_bom_decode_despite_nul_bytes(codec: str) -> None:
    got = decode("héllo = 1\n".encode(codec))
    assert got.text == "héllo = 1\n"
    assert not got.is_binary


@pytest.mark.parametrize(("text", "codec", "expected"), [
    (GERMAN * 2, "latin-1", "cp1252"),  # cp1252 is a superset of latin-1's printable range
    (FRENCH * 2, "cp1252", "cp1252"),
    (JAPANESE * 2, "shift_jis", None),
    (RUSSIAN * 2, "cp1251", "cp1251"),
])
def test_legacy_encodings_decode_to_the_original_text(text: str, codec: str, expected: str | None) -> None:
    got = decode(text.encode(codec))
    assert got.text == text
    if expected:
        assert got.encoding == expected


def test_png_header_is_binary() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06\x00\x00\x00"
    got = decode(png)
    assert got.is_binary and got.text is None
    assert "NUL" in (got.reason or "")


def test_random_bytes_are_not_text() -> None:
    rng = random.Random(7)
    with_nul = bytes(rng.randrange(256) for _ in range(4096))
    without_nul = bytes(rng.randrange(1, 256) for _ in range(4096))
    assert decode(with_nul).is_binary
    got = decode(without_nul)
    assert got.text is None and got.reason


def test_high_bytes_without_structure_are_undecodable() -> None:
    rng = random.Random(3)
    noise = bytes(rng.choice([*range(0x20, 0x7F), *range(0x80, 0x100)]) for _ in range(4096))
    got = decode(noise)
    assert got.text is None
    assert not got.is_binary
    assert "not UTF-8" in (got.reason or "")


def test_empty_blob_is_empty_text() -> None:
    assert decode(b"").text == ""
