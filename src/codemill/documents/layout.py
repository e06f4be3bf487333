"""Document layouts: one file, or one repository's files in the StarCoder2 repo-level layout.

Repo level (StarCoder2, arXiv:2402.19173 section 5): `<repo_name>name<file_sep>path1\\ncode1<file_sep>path2\\ncode2
...<|endoftext|>`, with the family's tokens and separators (see `families`). Without paths (StarCoder2 drops the
metadata half of the time): `<file_sep>code1<file_sep>code2...<|endoftext|>`. A family without a file separator
token (DeepSeek-Coder) gets each path as a comment line on top of its file instead.

Splitting at `max_chars` (every document, sentinels and header included, stays within it):

1. Files are packed greedily in the given order; when the next file does not fit, the document is closed and a new
   one starts, again with the repository header, so every document says which repository it comes from.
2. A file that does not fit in a document of its own is split at line boundaries into as few consecutive pieces as
   fit, each its own document with the same path header (a line longer than a whole document is cut within the
   line). Concatenating the pieces of a path, in order, gives the file back exactly.
3. A file whose content is already a FIM rendering (`apply_fim` before the layout) cannot be cut without breaking
   its sentinels: when it needs splitting it is restored to its original text (`unfim`) and split as plain code.

Only when `max_chars` is smaller than the header, path and sentinels themselves can a document exceed it (each piece
still carries at least one character).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from codemill.documents.families import Family
from codemill.documents.fim import FileTransform, unfim

_HASH_COMMENT = frozenset((
    ".py", ".pyi", ".pyx", ".sh", ".bash", ".zsh", ".rb", ".pl", ".pm", ".r", ".jl", ".yaml", ".yml", ".toml",
    ".cmake", ".ps1", ".nim", ".cr", ".ex", ".exs", ".tcl", ".mk", ".dockerfile", ".coffee", ".awk",
))
_DASH_COMMENT = frozenset((".sql", ".lua", ".hs", ".elm", ".ada", ".adb", ".ads", ".vhd", ".vhdl"))
_PERCENT_COMMENT = frozenset((".m", ".erl", ".hrl", ".tex", ".pro"))
_SEMI_COMMENT = frozenset((".el", ".clj", ".cljs", ".lisp", ".scm", ".rkt", ".asm", ".s"))
_MARKUP_COMMENT = frozenset((".html", ".htm", ".xml", ".md", ".markdown", ".vue", ".svelte", ".svg"))
_HASH_NAMES = frozenset(("makefile", "dockerfile", "cmakelists.txt", "gemfile", "rakefile", "build", "workspace"))


def path_comment(path: str) -> str:
    """The path as a one-line comment in the file's own language (DeepSeek-Coder's repo-level convention)."""
    base = posixpath.basename(path).lower()
    ext = posixpath.splitext(base)[1]
    if ext in _HASH_COMMENT or base in _HASH_NAMES:
        return f"# {path}"
    if ext in _DASH_COMMENT:
        return f"-- {path}"
    if ext in _PERCENT_COMMENT:
        return f"% {path}"
    if ext in _SEMI_COMMENT:
        return f"; {path}"
    if ext in _MARKUP_COMMENT:
        return f"<!-- {path} -->"
    return f"// {path}"


def _lead(path: str, fam: Family, with_path: bool) -> tuple[str, str]:
    """(text before the file body outside any FIM, path line that may go inside the FIM prefix)."""
    if fam.file_sep:
        return fam.file_sep, f"{path}\n" if with_path else ""
    return "", f"{path_comment(path)}\n" if with_path else ""


def _render(path: str, content: str, fam: Family, with_path: bool, fim: FileTransform | None) -> str:
    sep, line = _lead(path, fam, with_path)
    if fim is None:
        body = line + content
    elif fam.path_in_fim:
        body = fim(path, line, content)
    else:
        body = line + fim(path, "", content)
    return sep + body + fam.file_end


def file_document(path: str, content: str, family: Family, with_path: bool = True, *,
                  fim: FileTransform | None = None) -> str:
    """One file as a document: `<file_sep>path\\ncontent<eos>` (the path as a comment for DeepSeek-Coder), or just
    `content<eos>` without the path."""
    if not with_path:
        body = fim(path, "", content) if fim else content
        return body + family.eos
    return _render(path, content, family, True, fim) + family.eos


@dataclass(frozen=True)
class RepoDocument:
    """A repo-level document and the paths it holds, in order (a split file's path appears in each of its pieces)."""

    text: str
    paths: tuple[str, ...]


def _pieces(content: str, budget: int) -> list[str]:
    """`content` cut at line ends into pieces of at most `budget` characters (lines longer than that are cut)."""
    budget = max(budget, 1)
    pieces: list[str] = []
    cur: list[str] = []
    size = 0
    for line in content.splitlines(keepends=True):
        while len(line) > budget:
            if cur:
                pieces.append("".join(cur))
                cur, size = [], 0
            pieces.append(line[:budget])
            line = line[budget:]
        if size + len(line) > budget and cur:
            pieces.append("".join(cur))
            cur, size = [], 0
        if line:
            cur.append(line)
            size += len(line)
    if cur or not pieces:
        pieces.append("".join(cur))
    return pieces


def layout_repo(repo_name: str, files: list[tuple[str, str]], family: Family, max_chars: int, *,
                with_paths: bool = True, fim: FileTransform | None = None) -> list[RepoDocument]:
    """The repository's files, in the given order, as repo-level documents of at most `max_chars` characters.

    `fim` (see `fim.file_fim`) renders each file (or piece of a split file) with fill-in-the-middle; room for its
    sentinels is reserved so documents still fit.
    """
    fam = family
    header = f"{fam.repo_name}{repo_name}{fam.repo_name_end}" if with_paths and fam.repo_name else ""
    base = len(header) + len(fam.eos)
    reserve = fam.fim_overhead if fim else 0
    docs: list[RepoDocument] = []
    cur: list[str] = []
    cur_paths: list[str] = []
    size = base

    def close() -> None:
        nonlocal cur, cur_paths, size
        if cur:
            docs.append(RepoDocument(header + "".join(cur) + fam.eos, tuple(cur_paths)))
        cur, cur_paths, size = [], [], base

    for path, content in files:
        sep, line = _lead(path, fam, with_paths)
        frame = len(sep) + len(line) + len(fam.file_end) + reserve
        if base + frame + len(content) <= max_chars:
            entry = _render(path, content, fam, with_paths, fim)
            if size + len(entry) > max_chars:
                close()
            cur.append(entry)
            cur_paths.append(path)
            size += len(entry)
            continue
        close()
        plain, mode = unfim(content, fam)
        for piece in _pieces(plain if mode else content, max_chars - base - frame):
            docs.append(RepoDocument(header + _render(path, piece, fam, with_paths, fim) + fam.eos, (path,)))
    close()
    return docs


def repo_documents(repo_name: str, files: list[tuple[str, str]], family: Family, max_chars: int, *,
                   with_paths: bool = True, fim: FileTransform | None = None) -> list[str]:
    """The texts of `layout_repo` (use `layout_repo` to also learn which paths each document holds)."""
    return [d.text for d in layout_repo(repo_name, files, family, max_chars, with_paths=with_paths, fim=fim)]
