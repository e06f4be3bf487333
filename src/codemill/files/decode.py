"""Bytes of a blob to text, or a reason why not: binary detection, strict UTF-8, then a guarded fallback.

Source code is overwhelmingly UTF-8, and a wrong guess at a legacy encoding silently corrupts every
non-ASCII character of a training document; so strict UTF-8 always wins, and charset-normalizer is
asked only when UTF-8 fails, restricted to encodings that real repositories use, and believed only when
its mess measure is low and the decoded text is almost all printable. Anything else is undecodable.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from charset_normalizer import from_bytes

HEAD_BYTES = 8192  # binary sniffing window, as git and Linguist do (first 8000/8192 bytes)
MAX_CONTROL_SHARE = 0.05  # share of C0 control bytes (bar \t \n \r \f \b ESC) above which a head is binary
MAX_CHAOS = 0.15  # charset-normalizer mess ratio accepted for a fallback guess (0 = clean, 1 = garbage)
MIN_PRINTABLE_SHARE = 0.98  # share of printable or whitespace characters a fallback decode must reach
DETECT_BYTES = 256 * 1024  # charset-normalizer sees at most this much; the chosen codec decodes the whole

# Legacy encodings met in source repositories, most common first: ties in charset-normalizer's scores
# (cp1250 and cp1252 often tie on short Western text) go to the earlier one.
FALLBACK_ENCODINGS = (
    "cp1252", "latin_1", "iso8859_15", "cp1250", "iso8859_2", "cp1251", "koi8_r", "cp1253", "cp1254",
    "cp1255", "cp1256", "cp1257", "cp874", "shift_jis", "cp932", "euc_jp", "gb18030", "big5", "cp949",
    "euc_kr",
)
_PRIORITY = {name: i for i, name in enumerate(FALLBACK_ENCODINGS)}

_BOMS = (  # UTF-32 before UTF-16: the UTF-32-LE BOM starts with the UTF-16-LE one
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
_CONTROL_BYTES = bytes([*range(0x00, 0x08), 0x0B, *range(0x0E, 0x1B), *range(0x1C, 0x20), 0x7F])
_NON_PRINTABLE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd]")


@dataclass(frozen=True, slots=True)
class Decoded:
    """Text of a blob (None when binary or undecodable), the codec that produced it, and why not."""

    text: str | None
    encoding: str | None
    is_binary: bool
    reason: str | None = None


def decode(data: bytes) -> Decoded:
    """Decode a blob: BOM-marked Unicode, else binary sniffing, strict UTF-8, then a guarded guess."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return Decoded(data.decode(codec), codec, False)
            except UnicodeDecodeError:
                break  # a BOM followed by garbage: judge the bytes as they are
    binary = binary_reason(data)
    if binary:
        return Decoded(None, None, True, binary)
    try:
        return Decoded(data.decode("utf-8"), "utf-8", False)
    except UnicodeDecodeError:
        pass
    return _fallback(data)


def binary_reason(data: bytes) -> str | None:
    """Why the head of a blob looks binary (a NUL byte, or too many control bytes), or None if it does not."""
    head = data[:HEAD_BYTES]
    if b"\x00" in head:
        return f"NUL byte in the first {HEAD_BYTES} bytes"
    control = len(head) - len(head.translate(None, _CONTROL_BYTES))
    if head and control / len(head) > MAX_CONTROL_SHARE:
        return f"{control / len(head):.0%} control bytes in the first {len(head)} bytes"
    return None


def printable_share(text: str) -> float:
    """Share of characters that are printable or ordinary whitespace (1.0 for empty text)."""
    if not text:
        return 1.0
    return 1.0 - len(_NON_PRINTABLE.findall(text)) / len(text)


def _rank(encoding: str) -> int:
    return _PRIORITY.get(encoding, len(_PRIORITY))


def _fallback(data: bytes) -> Decoded:
    """charset-normalizer's best candidate among FALLBACK_ENCODINGS, if clean enough, else undecodable."""
    matches = from_bytes(data[:DETECT_BYTES], cp_isolation=list(FALLBACK_ENCODINGS), threshold=MAX_CHAOS)
    # Below MAX_CHAOS the mess ratio does not separate sibling code pages (cp1257 can beat cp1252 on French
    # text), so clean candidates rank by language coherence, then by how common the encoding is.
    # A match stands for every code page that gave the same text (`could_be_from_charset`): take the commonest.
    clean = [(m, min(m.could_be_from_charset or [m.encoding], key=_rank)) for m in matches if m.chaos <= MAX_CHAOS]
    for _, encoding in sorted(clean, key=lambda pair: (-round(pair[0].coherence, 1), _rank(pair[1]))):
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue  # the sample decoded but a later byte does not
        if printable_share(text) >= MIN_PRINTABLE_SHARE:
            return Decoded(text, encoding, False)
    best = min((m.chaos for m in matches), default=None)
    why = "no candidate encoding" if best is None else f"no clean candidate (lowest chaos {best:.2f})"
    return Decoded(None, None, False, f"not UTF-8 and {why}")
