"""License statements at the top of a file: `SPDX-License-Identifier:` lines and standard license notices.

Only the first `HEADER_CHARS` characters are read: a header is a header. Notices are found two ways:

- the full-text matcher (`fulltext.regions`) on the leading comment block, which knows the standard notices
  (Apache-2.0, GNU GPL/LGPL/AGPL with "only" vs "or any later version", MPL-2.0) and whole license texts pasted
  into a header (MIT, BSD); its tokenizer skips comment markers, so it runs on the block as it is and its
  offsets are the file's;
- rules for the short forms it deliberately does not match ("Licensed under the MIT license", "This file is
  part of Foo, released under the GNU GPL v3 or later", "same terms as Perl itself"), run on the block with
  comment markers removed. A rule names a license only where a grant verb ("licensed", "released",
  "distributed", "under the terms of", ...) precedes it, so a comment that merely mentions a license does not
  count. "Use of this source code is governed by a BSD-style license that can be found in the LICENSE file"
  names no license of its own: it defers to the LICENSE file, so it gives no evidence.

A header is a declaration, not data: a license statement quoted inside the block (`"released under the GNU GPL
v3"` in a license detector's docstring) is an example, and an SPDX line inside a string literal (`"# SPDX-...`,
a test fixture) is a value; neither counts. The module docstring is a header, as many Python projects put
`:license:` or a notice there; only its quoted statements are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from codemill.licenses import aliases, expressions, fulltext

HEADER_CHARS = 16 * 1024

# The tag at the start of a line, after comment markers at most (not inside code: `tag = "SPDX-License-...`).
_SPDX_LINE = re.compile(r"^[^\w\r\n]{0,12}(?:@?rem\s+)?SPDX-License-Identifier\s*:\s*(?P<expr>[^\r\n]*)",
                        re.IGNORECASE | re.MULTILINE)  # fmt: skip
_IN_STRING = re.compile(r"(?<![\"'])[\"'`](?![\"'])")  # a lone quote before the tag: the line is a string literal
_SPDX_TAIL = re.compile(r"\s*(?:\*/|-->|#\}|%\}|\*\)|-\}|\"\"\"|'''|[\"';,]|\\n)+\s*$")

# Lines that may precede or belong to a leading comment block without being code.
_PREAMBLE = re.compile(r"^\s*(?:#!|<\?php|<\?xml|<!doctype|\ufeff|@echo off|---\s*$)", re.IGNORECASE)
_LINE_COMMENT = re.compile(
    r"^\s*(?:#(?!\s*(?:include|define|if|ifdef|ifndef|endif|else|elif|pragma|import|undef|error)\b)|//|--|;|%|"
    r"\*|rem\b|\.\.)",
    re.IGNORECASE,
)
_BLOCK_OPEN = (("/*", "*/"), ("<!--", "-->"), ('"""', '"""'), ("'''", "'''"), ("(*", "*)"), ("{-", "-}"),
               ("=begin", "=end"), ("--[[", "]]"))  # fmt: skip
_MARKERS = re.compile(r"^\s*(?:/\*+|\*+/|\*+|//+!?|#+'?|--+(?:\[\[)?|;+|%+|!|rem\b|\.\.|<!--|-->|\"\"\"|'''|\(\*|\*\))",
                      re.IGNORECASE)  # fmt: skip

_GRANT = (
    r"(?:licen[cs]ed|licen[cs]es\s+this\s+file|released|distributed|available|provided|published|made available|"
    r"covered|governed|offered|dual[- ]licen[cs]ed)\s+(?:[\w,]+\s+){0,3}?(?:under|by|with)|under\s+the\s+terms\s+of|"
    r"redistribute\s+it\s+and/or\s+modify\s+it\s+under|subject\s+to\s+the\s+terms\s+of|\blicen[cs]e:"
)


@dataclass(frozen=True)
class HeaderMatch:
    spdx: str
    kind: str  # "spdx_header" | "license_header"
    detail: str
    confidence: float
    span: tuple[int, int]


def spdx_lines(text: str) -> list[HeaderMatch]:
    """Every `SPDX-License-Identifier:` line in the head of `text` whose value parses."""
    out = []
    for m in _SPDX_LINE.finditer(text[:HEADER_CHARS]):
        if _IN_STRING.search(m.group(0)[: m.start("expr") - m.start()].split("SPDX")[0]):
            continue
        value = _SPDX_TAIL.sub("", m.group("expr")).strip()
        if not value:
            continue
        spdx = expressions.normalize(value)
        if spdx is None or spdx == aliases.UNKNOWN_REF:
            continue
        known = all(expressions.is_known_key(k) or k.lower().startswith("licenseref-") for k in expressions.keys(spdx))
        start = m.start("expr")
        out.append(HeaderMatch(spdx, "spdx_header", "SPDX-License-Identifier", 1.0 if known else 0.6,
                               (start, start + len(value))))  # fmt: skip
    return out


def leading_comment(text: str) -> tuple[int, int]:
    """The character span of the comment block(s) at the top of `text` (after a shebang and the like)."""
    head = text[:HEADER_CHARS]
    pos, end, closer = 0, 0, None
    for line in head.splitlines(keepends=True):
        stripped = line.strip()
        nxt = pos + len(line)
        if closer is not None:
            end = nxt
            if closer in line:
                closer = None
        elif not stripped or _PREAMBLE.match(line):
            pass
        else:
            opener = next(((o, c) for o, c in _BLOCK_OPEN if stripped.startswith(o)), None)
            if opener is not None:
                end = nxt
                rest = stripped[len(opener[0]) :]
                if opener[1] not in rest:
                    closer = opener[1]
            elif _LINE_COMMENT.match(line):
                end = nxt
            else:
                break
        pos = nxt
    return (0, end)


def comment_text(block: str) -> str:
    """The prose of a comment block: markers removed, whitespace collapsed."""
    lines = [_MARKERS.sub(" ", line) for line in block.splitlines()]
    text = " ".join(" ".join(lines).split())
    return re.sub(r"\s*(\*/|-->|\"\"\"|''')\s*", " ", text)


def notices(text: str) -> list[HeaderMatch]:
    """License notices in the leading comment block of `text` (full-text matcher first, then rules)."""
    start, end = leading_comment(text)
    block = text[start:end]
    if not block or not _MENTIONS.search(block):
        return []
    out: dict[str, HeaderMatch] = {}
    quoted = quoted_statements(block)
    for r in fulltext.refine(fulltext.regions(block)):
        if any(s <= r.start and r.end <= e for s, e in quoted):
            continue
        words = len(re.findall(r"\w+", block[r.start : r.end]))
        conf = 0.9 if words >= 12 else 0.7  # a bare license URL is a weaker statement than a notice
        out.setdefault(r.spdx, HeaderMatch(r.spdx, "license_header", f"{fulltext.PRIMARY}: {r.raw}", conf,
                                           (start + r.start, start + r.end)))  # fmt: skip
    prose = comment_text(_blank(block, quoted))
    for spdx, rule, conf in rules(prose):
        if spdx not in out:
            out[spdx] = HeaderMatch(spdx, "license_header", f"rule: {rule}", conf, (start, end))
    found = _tidy_matches(list(out.values()))
    if len(found) == 1:  # "As a special exception, ..." after a GPL notice
        m = found[0]
        spdx = fulltext.with_exception(m.spdx, block)
        if spdx is not None and spdx != m.spdx:
            found = [HeaderMatch(spdx, m.kind, f"{m.detail} + exception", m.confidence, m.span)]
    return found


def quoted_statements(block: str) -> list[tuple[int, int]]:
    """Spans of quoted text that makes a grant ("licensed under the MIT license"): examples, not declarations.
    A quoted name alone (`under the "MIT License"`) is still the block's own statement."""
    return [m.span() for m in _QUOTED.finditer(block) if _GRANT_RE.search(comment_text(m.group(0)))]


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    for s, e in spans:
        text = text[:s] + " " * (e - s) + text[e:]
    return text


def _tidy_matches(found: list[HeaderMatch]) -> list[HeaderMatch]:
    keep = tidy([m.spdx for m in found])
    return sorted((m for m in found if m.spdx in keep), key=lambda m: (m.span, m.spdx))


_MENTIONS = re.compile(
    r"licen[cs]|copyright|copyleft|permission|redistribut|warrant|free software|public domain|perl itself|\bgnu\b|"
    r"\bgpl|mozilla|apache|\bmit\b|\bbsd\b",
    re.IGNORECASE,
)

_GNU = re.compile(
    r"(?:gnu\s+)?(?P<kind>affero\s+|lesser\s+|library\s+)?general\s+public\s+licen[cs]e"
    r"|\b(?P<abbr>a?gpl|lgpl)(?:[\s,-]*(?:v|version)?\.?\s*(?P<abbrver>[123](?:\.[01])?))?(?P<plus>\+)?(?![\w-]|\.\d)",
    re.IGNORECASE,
)
_GNU_VERSION = re.compile(r"(?:version|v\.?)\s*(?P<ver>[123](?:\.[01])?)\b|\b(?P<ver2>[123]\.[01])\b", re.IGNORECASE)
_LATER = re.compile(r"any\s+later\s+version|or\s+(?:\(at\s+your\s+option\)\s+)?(?:any\s+)?later|\(at\s+your\s+"
                    r"option\)\s+any\s+later|or\s+newer", re.IGNORECASE)  # fmt: skip
_OR_LATER = re.compile(r"\s*\bor\s+(?:\(at\s+your\s+option\)\s+)?(?:any\s+)?(?:later|newer)(?:\s+versions?)?",
                       re.IGNORECASE)  # fmt: skip
_ASIDES = re.compile(r"<[^<>]{0,200}>|\((?!at\s+your\s+option)[^()]{0,200}\)", re.IGNORECASE)
# A grant, then the license name(s) up to the end of the clause.
_NAMED = re.compile(
    rf"(?P<grant>{_GRANT})\s+(?:(?:the|a|an)\s+)?(?:terms\s+of\s+(?:(?:the|a|an)\s+)?)?"
    r"(?P<either>either\s+(?:of\s+)?(?:the\s+)?)?"
    r"(?P<names>(?:[^.;:<>\"]|\.(?=\w)){2,160}?)"
    r"(?=\s*(?:\.(?:\s|$)|[;:<>\"]|,\s+(?:at|see|which|you|and\s+is)\b|\s+(?:at\s+your|see|which|that|as\s+published|"
    r"found|unless|for\s+details|you|in\s+the|with\s+the|copies)\b|$))",
    re.IGNORECASE,
)
_SPLIT = re.compile(r"(?:\s+(?:or|and)\s+|\s*[/&]\s*)(?:the\s+)?", re.IGNORECASE)
_TRAILER = re.compile(r"(?:[\s,]*(?:licen[cs]es?|terms|conditions))+\s*$", re.IGNORECASE)
_GNUISH = re.compile(r"general\s+public|\ba?gpl|\blgpl|\bgnu\b", re.IGNORECASE)
_PERL = re.compile(r"under\s+the\s+same\s+terms\s+as\s+perl\s+itself", re.IGNORECASE)
_DEFERS = re.compile(r"found\s+in\s+the\s+licen[cs]e|see\s+(?:the\s+)?licen[cs]e\s+file", re.IGNORECASE)
_GRANT_RE = re.compile(_GRANT, re.IGNORECASE)
_QUOTED = re.compile(r'(?<!")"(?!")[^"]{1,400}?"|\u201c[^\u201d]{1,400}?\u201d|(?<!`)`[^`]{1,400}?`')


def rules(prose: str) -> list[tuple[str, str, float]]:
    """(spdx, rule name, confidence) for the notices in comment prose that a rule recognises."""
    out: list[tuple[str, str, float]] = []
    if _PERL.search(prose):
        out.append(("Artistic-1.0-Perl OR GPL-1.0-or-later", "same-terms-as-perl", 0.8))
    gnu = _gnu_rule(prose)
    if gnu is not None:
        out.append(gnu)
    plain = _ASIDES.sub(" ", prose)
    for m in _NAMED.finditer(plain):
        found = _named(m, plain)
        if found is not None:
            out.append(found)
    seen: dict[str, tuple[str, str, float]] = {}
    for item in out:
        if item[0] not in seen or item[2] > seen[item[0]][2]:
            seen[item[0]] = item
    keep = tidy(list(seen))
    return sorted(v for k, v in seen.items() if k in keep)


def tidy(found: list[str]) -> set[str]:
    """The expressions to keep among those found in one header: a family ref gives way to a specific id of its
    family, and a choice (an OR) absorbs the alternatives also found on their own."""
    specific = [k for f in found for k in expressions.keys(f) if k not in aliases.FAMILY_REFS]
    keep = set()
    for f in found:
        prefix = aliases.FAMILY_REFS.get(f, ("", ""))[0]
        if prefix and any(k.startswith(prefix) for k in specific):
            continue
        keep.add(f)
    for choice in [f for f in keep if expressions.top_operator(f) == "OR"]:
        offered = set(expressions.keys(choice))
        keep = {f for f in keep if f == choice or not set(expressions.keys(f)) <= offered}
    return keep


def _named(m: re.Match, prose: str) -> tuple[str, str, float] | None:
    """The license(s) a grant names: "licensed under the MIT license", "dual licensed under the MIT or GPL
    Version 2 licenses", "under the Apache License, Version 2.0 or the MIT license, at your option"."""
    names = _OR_LATER.sub("+", m.group("names")).strip(" ,-")
    parts = [p for p in _SPLIT.split(names) if p.strip()]
    found: list[str] = []
    for part in parts:
        part = _TRAILER.sub("", part).strip(" ,-") or part
        spdx = _license_name(part)
        if spdx is None and _GNUISH.search(part):
            gnu = _gnu_rule(f"licensed under the {part}")
            spdx = gnu[0] if gnu else None
        if spdx is None:
            return None  # one name we cannot read: do not guess at the combination
        found.append(spdx)
    if not found:
        return None
    if found == [aliases.family_ref("BSD")] and _DEFERS.search(prose[m.start() :]):
        return None  # "a BSD-style license that can be found in the LICENSE file": the file decides
    choice = bool(m.group("either")) or "dual" in m.group("grant").lower() or re.search(r"\bor\b|/", names, re.I)
    spdx = expressions.combine(found, "OR" if choice else "AND")
    if spdx is None:
        return None
    conf = 0.5 if all(k in aliases.FAMILY_REFS for k in expressions.keys(spdx)) else 0.8
    return spdx, f"named-license: {names}", conf


def _license_name(name: str) -> str | None:
    for candidate in (name, f"{name} License", re.sub(r"[- ]style$", "-style", name, flags=re.I)):
        hit = aliases.lookup(candidate)
        if hit is not None:
            return hit
    norm = expressions.normalize(name)
    if norm is None or norm == aliases.UNKNOWN_REF or not all(map(expressions.is_known_key, expressions.keys(norm))):
        return None
    return norm


def _gnu_rule(prose: str) -> tuple[str, str, float] | None:
    for m in _GNU.finditer(prose):
        sentence = re.split(r"[.;!?]\s", prose[max(0, m.start() - 200) : m.start()])[-1]
        if not _GRANT_RE.search(sentence):
            continue  # a mention, not a grant: "unlike the GNU GPL, ..."
        if m.group("abbr"):
            abbr = m.group("abbr").upper()
            ident = {"GPL": "GPL", "LGPL": "LGPL", "AGPL": "AGPL"}[abbr]
            version = m.group("abbrver")
            window = prose[m.end() : m.end() + 60]
        else:
            kind = (m.group("kind") or "").strip().lower()
            ident = {"affero": "AGPL", "lesser": "LGPL", "library": "LGPL", "": "GPL"}[kind]
            window = prose[m.end() : m.end() + 160]
            vm = _GNU_VERSION.search(prose[max(0, m.start() - 60) : m.end()] + " " + window)
            version = (vm.group("ver") or vm.group("ver2")) if vm else None
        if version is None:
            conf = 0.6  # an unversioned GPL is still copyleft: weak on the id, firm on the category
            return aliases.family_ref(ident), f"gnu-notice: {ident}", conf
        if "." not in version:
            version += ".0"
        later = bool(m.group("plus")) or bool(_LATER.search(window[:160]))
        spdx = f"{ident}-{version}-{'or-later' if later else 'only'}"
        if not expressions.is_known_key(spdx):
            continue
        return spdx, f"gnu-notice: {ident}-{version}{' or later' if later else ''}", 0.8
    return None
