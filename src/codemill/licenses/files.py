"""From a file to its license evidence: which detectors a path calls for, and running them.

A path decides the detectors, never the content: a license file (LICENSE, LICENCE, COPYING, NOTICE, UNLICENSE in
any case, with or without a document extension, and tagged forms such as LICENSE-MIT, LICENSE.APACHE2,
COPYING.LESSER, MIT-LICENSE, or a REUSE `LICENSES/<id>.txt`) gets the full-text matcher; a package manifest gets
its metadata parser; every other file gets the `SPDX-License-Identifier:` scan, and source files also the
license-notice detectors. Third-party notice files (THIRD-PARTY-NOTICES, LICENSE-THIRD-PARTY, ...) describe
dependencies, not the code beside them, and are not license files here. Nor is a license file under a test
directory (`tests/fixtures/gpl/LICENSE`, `testdata/COPYING`): it is input for the tests, not a declaration for
its folder, so it gives no evidence at all.

`evidence_for_tree` runs `evidence_for_file` over a repository's files and adds what needs two files: a go.mod
has no license field, so the LICENSE file in its directory is reported as the module's license; and metadata
that points at a license file (`license = {file = "LICENSE"}`, `license-file`, `SEE LICENSE IN x`) gets the
license of the file it points at.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from codemill.licenses import expressions, fulltext, headers, metadata
from codemill.licenses.evidence import Evidence, sort_evidence
from codemill.paths import is_test_path

_DOC_EXT = {"txt", "md", "markdown", "mdown", "mkd", "rst", "html", "htm", "adoc", "asciidoc", "org", "text", "textile"}
_LICENSE_NAME = re.compile(
    r"^(?P<stem>(?:un)?licen[cs]es?|copying|notice)(?:[-_. ](?P<tag>[a-z0-9][a-z0-9.+_-]*))?$"
    r"|^(?P<tag2>[a-z0-9][a-z0-9.+_-]*?)[-_.]licen[cs]e$"
)
_THIRD_PARTY = re.compile(r"third|3rd|thirdparty|dependenc|deps\b|vendor|bundled|notices", re.IGNORECASE)
_NOT_A_TAG = {"py", "js", "ts", "go", "rs", "rb", "java", "c", "h", "cc", "cpp", "hpp", "cs", "php", "pl", "pm", "sh",
              "json", "toml", "yaml", "yml", "xml", "ini", "cfg", "css", "scss", "png", "jpg", "jpeg", "gif", "svg",
              "pdf", "tmpl", "j2", "erb", "in", "lock", "kt", "swift", "scala", "sql", "vue", "tsx", "jsx", "mjs",
              "cjs", "dart", "ex", "exs", "erl", "hs", "ml", "lua", "r", "jl", "m", "mm", "zig", "nim", "el", "clj",
              "proto", "gradle", "bzl", "template", "spec", "test", "tests", "checker", "plugin", "plugins", "webpack",
              "gen", "generator", "tool", "tools", "list", "lists", "header", "headers", "check"}  # fmt: skip
_SOURCE_EXT = {
    "c", "h", "cc", "cpp", "cxx", "hpp", "hh", "hxx", "ino", "m", "mm", "java", "kt", "kts", "scala", "groovy",
    "gradle", "go", "rs", "py", "pyi", "pyx", "pxd", "js", "mjs", "cjs", "jsx", "ts", "tsx", "vue", "svelte", "rb",
    "rake", "php", "pl", "pm", "t", "sh", "bash", "zsh", "fish", "ps1", "psm1", "bat", "cmd", "swift", "cs", "fs",
    "fsx", "vb", "lua", "r", "jl", "hs", "lhs", "ml", "mli", "clj", "cljs", "cljc", "ex", "exs", "erl", "hrl",
    "dart", "sql", "css", "scss", "sass", "less", "html", "htm", "xml", "xsd", "xsl", "yaml", "yml", "cmake", "mk",
    "make", "proto", "thrift", "tf", "zig", "nim", "v", "sv", "svh", "vhd", "vhdl", "s", "asm", "el", "lisp", "lsp",
    "scm", "rkt", "f", "f90", "f95", "for", "cu", "cuh", "cl", "glsl", "hlsl", "metal", "wgsl", "sol", "move",
    "cairo", "d", "pas", "pp", "ada", "adb", "ads", "cob", "cbl", "tcl", "awk", "sed", "vim", "nix", "dhall", "bzl",
    "star", "jinja", "j2", "tex", "sty", "cls", "rst", "purs", "elm", "idr", "agda", "lean", "coq", "ll", "mlir",
    "td", "gd", "gdshader", "qml",
}  # fmt: skip
_SOURCE_NAMES = {"makefile", "gnumakefile", "dockerfile", "cmakelists.txt", "build", "build.bazel", "workspace",
                 "rakefile", "gemfile", "justfile", "meson.build", "sconstruct", "sconscript", "kconfig"}  # fmt: skip
_NOTICE = re.compile(r"^notice", re.IGNORECASE)


def normalize_path(path: str) -> str:
    """A repository-relative POSIX path: backslashes and leading "./" and "/" removed."""
    p = path.replace("\\", "/")
    while p.startswith("./"):
        p = p[2:]
    return p.lstrip("/")


def license_file_tag(path: str) -> str | bool | None:
    """For a license file: its tag (LICENSE-MIT -> "mit"), or None if untagged; False if not a license file."""
    parts = normalize_path(path).split("/")
    name = parts[-1].lower()
    if len(parts) >= 2 and parts[-2] == "LICENSES":  # REUSE: LICENSES/<SPDX id>.<ext>
        stem, _, ext = parts[-1].rpartition(".")
        if stem and ext.lower() in _DOC_EXT:
            return stem.lower()
        return parts[-1].lower() if "." not in parts[-1] else False
    stem, dot, ext = name.rpartition(".")
    if dot and ext in _DOC_EXT:
        name = stem
    m = _LICENSE_NAME.match(name)
    if not m:
        return False
    tag = m.group("tag") or m.group("tag2")
    if tag is None:
        return None
    if tag.rsplit(".", 1)[-1] in _NOT_A_TAG or tag in _NOT_A_TAG or _THIRD_PARTY.search(tag):
        return False
    return tag


def is_license_file(path: str) -> bool:
    return license_file_tag(path) is not False


def is_notice(path: str) -> bool:
    return bool(_NOTICE.match(normalize_path(path).rpartition("/")[2]))


def is_reuse_text(path: str) -> bool:
    """A license text in a REUSE `LICENSES/` folder: the texts of licenses used somewhere, not a folder license."""
    parts = normalize_path(path).split("/")
    return len(parts) >= 2 and parts[-2] == "LICENSES" and is_license_file(path)


def is_source(path: str) -> bool:
    name = normalize_path(path).rpartition("/")[2].lower()
    if name in _SOURCE_NAMES:
        return True
    ext = name.rpartition(".")[2] if "." in name else ""
    return ext in _SOURCE_EXT


def detectors_for(path: str) -> tuple[str, ...]:
    """The evidence kinds `evidence_for_file` looks for in a file at `path` (so callers can skip reading others)."""
    if is_license_file(path):
        return () if is_test_path(normalize_path(path)) else ("license_file",)
    if metadata.is_metadata(path):
        return ("package_metadata", "spdx_header")
    if is_source(path):
        return ("spdx_header", "license_header")
    return ("spdx_header",)


def evidence_for_file(path: str, text: str | bytes) -> list[Evidence]:
    """License evidence in one file, sorted. Headers are looked for in the first `headers.HEADER_CHARS` only.

    A file with an SPDX line is not searched for notices: the SPDX line is the authoritative statement.
    """
    path = normalize_path(path)
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    if "\x00" in text[:8192]:
        return []  # binary
    kinds = detectors_for(path)
    out: list[Evidence] = []
    if "license_file" in kinds:
        out += license_file_evidence(path, text)
    if "package_metadata" in kinds:
        name = path.rpartition("/")[2]
        for d in metadata.declared(path, text):
            out.append(Evidence(d.spdx, "package_metadata", path, f"{name} {d.field}", d.confidence, d.span))
    if "spdx_header" in kinds:
        for h in headers.spdx_lines(text):
            out.append(Evidence(h.spdx, "spdx_header", path, h.detail, h.confidence, h.span))
    if "license_header" in kinds and not any(e.kind == "spdx_header" for e in out):
        for h in headers.notices(text):
            out.append(Evidence(h.spdx, "license_header", path, h.detail, h.confidence, h.span))
    return sort_evidence(out)


def license_file_evidence(path: str, text: str) -> list[Evidence]:
    """Evidence from a whole license text (whatever its name): full-text matching, then rules for short files."""
    results = fulltext.identify(text)
    out = [Evidence(r.spdx, "license_file", path, r.detail, r.confidence, r.span) for r in results]
    if not out and len(text) <= fulltext.SHORT_TEXT_CHARS:
        prose = " ".join(text.split())
        for spdx, rule, conf in headers.rules(prose):
            out.append(Evidence(spdx, "license_file", path, f"rule: {rule}", round(conf * 0.9, 3), (0, len(text))))
    if is_reuse_text(path):
        out = _reuse_name(path, out)
    return out


def _reuse_name(path: str, found: list[Evidence]) -> list[Evidence]:
    """REUSE names each text by its SPDX id, which can say what the text cannot (`-or-later`)."""
    stem = normalize_path(path).rpartition("/")[2]
    stem = stem.rpartition(".")[0] if "." in stem and stem.rpartition(".")[2].lower() in _DOC_EXT else stem
    named = expressions.normalize(stem)
    if named is None or expressions.top_operator(named) is not None or not expressions.is_known_key(named):
        return found
    if not found:
        return [Evidence(named, "license_file", path, "REUSE file name", 0.7, None)]
    out = []
    for e in found:
        if expressions.top_operator(e.spdx) is None and expressions.family(e.spdx) == expressions.family(named):
            e = Evidence(named, e.kind, e.path, f"{e.detail}; REUSE file name {stem}", e.confidence, e.span)
        out.append(e)
    return out


def evidence_for_tree(files: Mapping[str, str | bytes]) -> list[Evidence]:
    """Evidence for a repository's files (path -> content at head), including the two-file cases, sorted."""
    texts = {normalize_path(p): t for p, t in files.items()}
    out: list[Evidence] = []
    by_path: dict[str, list[Evidence]] = {}
    for path in sorted(texts):
        found = evidence_for_file(path, texts[path])
        out += found
        by_path[path] = found
    for path in sorted(texts):
        if not metadata.is_metadata(path):
            continue
        name = path.rpartition("/")[2]
        text = texts[path]
        if isinstance(text, bytes):
            text = text.decode("utf-8", errors="replace")
        for ref in metadata.license_file_refs(path, text):
            ref_ev = [e for e in by_path.get(ref, []) if e.kind == "license_file"]
            if not ref_ev and ref in texts and not is_license_file(ref):
                ref_text = texts[ref]
                if isinstance(ref_text, bytes):
                    ref_text = ref_text.decode("utf-8", errors="replace")
                ref_ev = license_file_evidence(ref, ref_text)
            for e in ref_ev:
                detail = f"{name} license file {ref}: {e.detail}"
                out.append(Evidence(e.spdx, "package_metadata", path, detail, min(e.confidence, 0.9), None))
        if name == "go.mod":
            here = path.rpartition("/")[0]
            for lic_path in sorted(texts):
                if lic_path.rpartition("/")[0] != here or is_notice(lic_path):
                    continue
                for e in by_path.get(lic_path, []):
                    if e.kind == "license_file":
                        detail = f"go.mod: the module's license is {lic_path} ({e.detail})"
                        out.append(Evidence(e.spdx, "package_metadata", path, detail, e.confidence, None))
    return sort_evidence(out)
