"""Commit messages: decoding, subject/body/trailers, and the issue and PR references they make."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_TRAILER = re.compile(r"^(?P<key>[A-Za-z0-9][A-Za-z0-9-]*)\s*:\s*(?P<value>\S.*)$")
_REPO = r"(?:(?P<repo>[\w.-]+/[\w.-]+))?"
_CLOSING = re.compile(
    r"\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s*:?\s+" + _REPO + r"#(?P<num>\d+)\b", re.I
)
_SQUASH = re.compile(r"\(#(?P<num>\d+)\)\s*$")
_MERGE_PR = re.compile(r"^Merge pull request #(?P<num>\d+) from (?P<branch>\S+)")
_MENTION = re.compile(r"(?<![\w&/#])" + _REPO + r"(?:#|\bGH-)(?P<num>\d+)\b")


@dataclass(frozen=True)
class DecodedMessage:
    text: str
    encoding: str  # the codec that decoded it
    lossy: bool  # True when no declared or UTF-8 decoding worked and a guess was used


def decode_message(raw: bytes, declared: str | None) -> DecodedMessage:
    """Decode with the commit's declared encoding, else UTF-8, else a guess (cp1252, then latin-1)."""
    if declared:
        try:
            codecs.lookup(declared)
            return DecodedMessage(raw.decode(declared), declared.lower(), False)
        except (LookupError, UnicodeError):  # unknown, or a codec that cannot decode (e.g. `undefined`)
            pass
    try:
        return DecodedMessage(raw.decode("utf-8"), "utf-8", False)
    except UnicodeDecodeError:
        pass
    try:
        return DecodedMessage(raw.decode("cp1252"), "cp1252", True)
    except UnicodeDecodeError:
        return DecodedMessage(raw.decode("latin-1"), "latin-1", True)


def decode_text(raw: bytes) -> tuple[str, bool]:
    """UTF-8 text, or a replacement-decoded text flagged as lossy."""
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace"), True


@dataclass(frozen=True)
class ParsedMessage:
    subject: str
    body: str
    trailers: list[tuple[str, str]]


def parse_message(text: str) -> ParsedMessage:
    """Split a message into subject, body and trailers (`Key: value` lines of the last paragraph)."""
    text = text.replace("\r\n", "\n").strip("\n")
    lines = text.split("\n")
    # The subject is the first paragraph, joined, as `git log --format=%s` shows it.
    end = next((i for i, line in enumerate(lines) if not line.strip()), len(lines))
    subject = " ".join(line.strip() for line in lines[:end]).strip()
    rest = "\n".join(lines[end:]).strip("\n")
    paragraphs = re.split(r"\n\s*\n", rest) if rest else []
    trailers: list[tuple[str, str]] = []
    if paragraphs:
        parsed = _parse_trailers(paragraphs[-1])
        if parsed is not None:
            trailers = parsed
            paragraphs = paragraphs[:-1]
    return ParsedMessage(subject, "\n\n".join(paragraphs).strip(), trailers)


def _parse_trailers(paragraph: str) -> list[tuple[str, str]] | None:
    out: list[tuple[str, str]] = []
    for line in paragraph.split("\n"):
        if line[:1] in (" ", "\t") and out:
            key, value = out[-1]
            out[-1] = (key, f"{value} {line.strip()}")
            continue
        m = _TRAILER.match(line)
        if not m or m["value"].startswith("//"):  # a URL, not a trailer
            return None
        out.append((m["key"], m["value"].strip()))
    return out or None


@dataclass(frozen=True)
class Ref:
    kind: str  # closes | squash_pr | merge_pr | mention
    number: int
    repo: str | None

    def to_row(self) -> dict:
        return {"kind": self.kind, "number": self.number, "repo": self.repo}


def find_refs(subject: str, body: str) -> list[Ref]:
    """Issue/PR references: closing keywords, a squash suffix `(#N)`, a PR merge, and plain mentions."""
    text = f"{subject}\n{body}"
    if "#" not in text and "GH-" not in text:
        return []  # every pattern needs one of these; most messages have neither
    refs: list[Ref] = []
    seen: set[tuple[str | None, int]] = set()

    def add(kind: str, num: str, repo: str | None = None) -> None:
        key = (repo, int(num))
        if key not in seen:
            seen.add(key)
            refs.append(Ref(kind, int(num), repo))

    if m := _MERGE_PR.match(subject):
        add("merge_pr", m["num"])
    if m := _SQUASH.search(subject):
        add("squash_pr", m["num"])
    for m in _CLOSING.finditer(text):
        add("closes", m["num"], m["repo"])
    for m in _MENTION.finditer(text):
        add("mention", m["num"], m["repo"])
    return refs
