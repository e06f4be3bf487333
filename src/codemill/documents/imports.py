"""Which files of a repository each file imports, resolved to repository paths (for dependency-ordered documents).

Regexes per language rather than parsers: import statements are line-shaped in every supported language, a regex
pass is an order of magnitude cheaper than a parse, and a rare miss only costs a less ideal file order. Imports that
resolve to no file of the repository (standard library, third-party packages) are ignored.

- Python: `import a.b`, `from a.b import c` (the submodule a/b/c if it exists, else the module a/b), relative
  `from ..x import y`; a module is a `.py` file or a package's `__init__.py`, looked up under the importer's own
  directory and each of its ancestors, and under `src/` of each (sys.path-like roots: repository root, src-layout,
  sub-projects of a monorepo, scripts next to their helpers); the nearest root wins, and a package wins over a
  same-named module as in Python's own path finder.
- JavaScript/TypeScript/TSX: `import ... from './x'`, `import './x'`, `import('./x')`, `require('./x')`,
  `export ... from './x'`; only relative specifiers, resolved with the usual extensions, `index.*` files, and
  TypeScript's `./x.js` meaning `./x.ts`.
- Java: `import com.x.Y;` (also static and nested-class imports) -> a file ending in `com/x/Y.java`;
  `import com.x.*;` -> the `.java` files of a directory ending in `com/x`.
- Go: the module paths of every `go.mod`; an import inside a module is its directory under that `go.mod`, otherwise
  (no matching module, and not the standard library: first element without a dot) the longest suffix of the import
  path that is a directory of the repository. An import points to all non-test `.go` files of the directory.
- C/C++: `#include "x.h"` relative to the including file's directory, else any path ending in `/x.h`;
  `#include <a/b.h>` only by that suffix match (a project's own headers included with -I).

When a suffix matches several files, the one sharing the longest directory prefix with the importer is taken (ties:
path order), so results do not depend on the order of `files`.
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections import defaultdict
from collections.abc import Callable, Iterable

_PY_IMPORT = re.compile(r"^[ \t]*import[ \t]+([\w. \t,]+)", re.M)
_PY_FROM = re.compile(r"^[ \t]*from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+(\([^)]*\)|(?:[^\n\\]|\\\n)*)", re.M)

_JS_SPEC = re.compile(
    r"""(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)(['"`])(\.{1,2}/[^'"`\n]*|\.{1,2})\1""")
_JS_EXTS = (".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts", ".d.ts")
_TS_EXTS = (".ts", ".tsx", ".d.ts", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs")
_JS_TO_TS = {".js": (".ts", ".tsx"), ".jsx": (".tsx",), ".mjs": (".mts",), ".cjs": (".cts",)}

_JAVA_IMPORT = re.compile(r"^[ \t]*import[ \t]+(static[ \t]+)?([\w.]+?)(\.\*)?[ \t]*;", re.M)

_GO_BLOCK = re.compile(r"^import[ \t]*\(([^)]*)\)", re.M)
_GO_SINGLE = re.compile(r'^import[ \t]+(?:[\w.]+[ \t]+)?"([^"]+)"', re.M)
_GO_SPEC = re.compile(r'^[ \t]*(?:[\w.]+[ \t]+)?"([^"]+)"', re.M)
_GO_MODULE = re.compile(r"^module[ \t]+\"?([^\s\"]+)", re.M)

_C_INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*(?:"([^"\n]+)"|<([^>\n]+)>)', re.M)

_LANGS = {"Python", "JavaScript", "TypeScript", "TSX", "Java", "Go", "C", "C++"}


def _dir(path: str) -> str:
    """The directory of `path` with a trailing slash, "" at the repository root (for cheap concatenation)."""
    d = posixpath.dirname(path)
    return f"{d}/" if d else ""


def _ancestors(path: str) -> list[str]:
    """The file's directory and every ancestor up to the root, nearest first, each "" or ending in "/"."""
    parts = path.split("/")[:-1]
    return [("/".join(parts[:i]) + "/") if i else "" for i in range(len(parts), -1, -1)]


def _normalize(base: str, rel: str) -> str | None:
    """`rel` joined to directory `base` and normalised; None when it leaves the repository."""
    joined = posixpath.normpath(base + rel)
    if joined.startswith(("../", "/")) or joined in ("..", "."):
        return None
    return joined


class _Repo:
    """Indexes over the repository's paths, built once per call and only when a language needs them."""

    def __init__(self, paths: Iterable[str]) -> None:
        self.paths = set(paths)
        self._by_name: dict[str, list[str]] | None = None
        self._dirs: dict[str, list[str]] | None = None
        self._py: dict[str, list[tuple[str, bool, str]]] | None = None
        self._dir_suffix: dict[str, list[str]] = {}

    def by_name(self) -> dict[str, list[str]]:
        if self._by_name is None:
            self._by_name = defaultdict(list)
            for p in sorted(self.paths):
                self._by_name[posixpath.basename(p)].append(p)
        return self._by_name

    def dirs(self) -> dict[str, list[str]]:
        """Directory ("" or "a/b") -> its files, in path order."""
        if self._dirs is None:
            self._dirs = defaultdict(list)
            for p in sorted(self.paths):
                self._dirs[posixpath.dirname(p)].append(p)
        return self._dirs

    def dirs_ending_with(self, suffix: str) -> list[str]:
        """Directories equal to `suffix` or ending in "/" + `suffix` (memoised: packages recur across files)."""
        if suffix not in self._dir_suffix:
            tail = "/" + suffix
            self._dir_suffix[suffix] = [d for d in self.dirs() if d == suffix or d.endswith(tail)]
        return self._dir_suffix[suffix]

    def py_modules(self) -> dict[str, list[tuple[str, bool, str]]]:
        """A module's last name -> (its path without extension, is a plain module, file): packages sort first,
        as Python's path finder prefers a package directory to a same-named module."""
        if self._py is None:
            self._py = defaultdict(list)
            for p in sorted(self.paths):
                if p.endswith("/__init__.py"):
                    self._py[posixpath.basename(p[:-12])].append((p[:-12], False, p))
                elif p.endswith(".py"):
                    self._py[posixpath.basename(p)[:-3]].append((p[:-3], True, p))
        return self._py

    def ending_with(self, suffix: str) -> list[str]:
        """Paths equal to `suffix` or ending in "/" + `suffix`, in path order."""
        tail = "/" + suffix
        return [p for p in self.by_name().get(posixpath.basename(suffix), ()) if p == suffix or p.endswith(tail)]


def _closest(importer: str, candidates: list[str], *, are_dirs: bool = False) -> str | None:
    """The candidate (file, or directory) sharing the most leading directories with the importer (ties: path order)."""
    if not candidates:
        return None
    mine = importer.split("/")[:-1]

    def shared(p: str) -> int:
        n = 0
        for a, b in zip(mine, p.split("/") if are_dirs else p.split("/")[:-1], strict=False):
            if a != b:
                break
            n += 1
        return n

    return min(candidates, key=lambda p: (-shared(p), p))


# --- Python -----------------------------------------------------------------------------------------------------


def _py_module(repo: _Repo, root: str, dotted: str) -> str | None:
    rel = dotted.replace(".", "/")
    for cand in (f"{root}{rel}/__init__.py", f"{root}{rel}.py") if rel else (f"{root}__init__.py",):
        if cand in repo.paths:
            return cand
    return None


def _py_roots(path: str) -> list[str]:
    roots: list[str] = []
    for a in _ancestors(path):
        roots += [a, f"{a}src/"]
    return roots


def _py_names(names_text: str) -> list[str]:
    """The imported names of a `from ... import` clause (parentheses, continuations, aliases and comments removed)."""
    names_text = re.sub(r"#[^\n]*", "", names_text).replace("\\\n", " ").strip("() \t\n")
    return [words[0] for item in names_text.split(",") if (words := item.split()) and words[0] != "*"]


def _python(path: str, text: str, repo: _Repo) -> set[str]:
    out: set[str] = set()
    rank = {root: i for i, root in enumerate(_py_roots(path))}
    index = repo.py_modules()

    def absolute(dotted: str) -> str | None:
        rel = dotted.replace(".", "/")
        best: tuple[int, bool, str] | None = None
        for mod, plain, file in index.get(rel.rpartition("/")[2], ()):
            if mod == rel or mod.endswith("/" + rel):
                r = rank.get(mod[: len(mod) - len(rel)])
                if r is not None and (best is None or (r, plain) < best[:2]):
                    best = (r, plain, file)
        return best[2] if best else None

    for m in _PY_IMPORT.finditer(text):
        for item in m.group(1).split(","):
            words = item.split()
            if words and (hit := absolute(words[0].strip("."))):
                out.add(hit)
    for m in _PY_FROM.finditer(text):
        dots, module = m.group(1), m.group(2).strip(".")
        if dots:
            base: str | None = _ancestors(path)[0]
            for _ in range(len(dots) - 1):
                base = _dir(base.rstrip("/")) if base else None
            if base is None:
                continue
            resolve: Callable[[str], str | None] = functools.partial(_py_module, repo, base)
        else:
            resolve = absolute
        subs = [resolve(f"{module}.{name}" if module else name) for name in _py_names(m.group(3))]
        found = {s for s in subs if s}
        if not found and (module or dots) and (hit := resolve(module)):
            found.add(hit)
        out |= found
    out.discard(path)
    return out


# --- JavaScript / TypeScript ------------------------------------------------------------------------------------


def _js(path: str, text: str, language: str, repo: _Repo) -> set[str]:
    exts = _TS_EXTS if language in ("TypeScript", "TSX") else _JS_EXTS
    base = _dir(path)
    out: set[str] = set()
    for m in _JS_SPEC.finditer(text):
        spec = m.group(2).split("?", 1)[0].split("#", 1)[0]
        target = _normalize(base, spec)
        if target is None:
            continue
        stem, ext = posixpath.splitext(target)
        cands = [target] if target != "." else []
        cands += [target + e for e in exts]
        cands += [stem + e for e in _JS_TO_TS.get(ext, ())]
        index = "index" if target == "." else f"{target}/index"
        cands += [index + e for e in exts]
        hit = next((c for c in cands if c in repo.paths and c != path), None)
        if hit:
            out.add(hit)
    return out


# --- Java -------------------------------------------------------------------------------------------------------


def _java(path: str, text: str, repo: _Repo) -> set[str]:
    out: set[str] = set()
    for m in _JAVA_IMPORT.finditer(text):
        parts = m.group(2).split(".")
        if m.group(3):  # wildcard: a package's classes, or (static) a class's members
            best = _closest(path, repo.dirs_ending_with("/".join(parts)), are_dirs=True)
            if best is not None:
                out.update(p for p in repo.dirs()[best] if p.endswith(".java"))
                continue
        elif m.group(1):
            parts = parts[:-1]  # static import of a member
        while len(parts) >= 1:  # nested classes: com.x.Outer.Inner lives in com/x/Outer.java
            hit = _closest(path, repo.ending_with("/".join(parts) + ".java"))
            if hit:
                out.add(hit)
                break
            if len(parts) <= 2:
                break
            parts = parts[:-1]
    out.discard(path)
    return out


# --- Go ---------------------------------------------------------------------------------------------------------


def _go_modules(files: list[tuple[str, str, str | None]]) -> list[tuple[str, str]]:
    """(module path, its directory "" or "a/b"), longest module path first."""
    mods = []
    for path, text, _lang in files:
        if posixpath.basename(path) == "go.mod" and (m := _GO_MODULE.search(text)):
            mods.append((m.group(1), posixpath.dirname(path)))
    return sorted(mods, key=lambda m: (-len(m[0]), m))


def _go_dir(imp: str, modules: list[tuple[str, str]], go_dirs: dict[str, list[str]]) -> str | None:
    for mod, moddir in modules:
        if imp == mod or imp.startswith(mod + "/"):
            rel = imp[len(mod) + 1:]
            return posixpath.join(moddir, rel) if moddir and rel else (moddir or rel)
    if "." not in imp.split("/", 1)[0]:
        return None  # standard library
    parts = imp.split("/")
    for i in range(1, len(parts)):
        cand = "/".join(parts[i:])
        if cand in go_dirs:
            return cand
    return None


def _go(path: str, text: str, modules: list[tuple[str, str]], go_dirs: dict[str, list[str]]) -> set[str]:
    imports = [m.group(1) for m in _GO_SINGLE.finditer(text)]
    for block in _GO_BLOCK.finditer(text):
        imports += [m.group(1) for m in _GO_SPEC.finditer(block.group(1))]
    out: set[str] = set()
    for imp in imports:
        d = _go_dir(imp, modules, go_dirs)
        if d is not None and d in go_dirs:
            out.update(go_dirs[d])
    out.discard(path)
    return out


# --- C / C++ ----------------------------------------------------------------------------------------------------


def _c(path: str, text: str, repo: _Repo) -> set[str]:
    out: set[str] = set()
    base = _dir(path)
    for m in _C_INCLUDE.finditer(text):
        quoted, angled = m.group(1), m.group(2)
        inc = (quoted or angled).strip()
        plain = "./" not in inc and not inc.startswith("/")  # no normalisation needed (the common case)
        if quoted:
            local = base + inc if plain else _normalize(base, inc)
            if local is not None and local in repo.paths:
                out.add(local)
                continue
        suffix = inc if plain else posixpath.normpath(inc)
        while suffix.startswith("../"):
            suffix = suffix[3:]
        if suffix.startswith(("/", "..")) or suffix == ".":
            continue
        hit = _closest(path, repo.ending_with(suffix))
        if hit:
            out.add(hit)
    out.discard(path)
    return out


def dependency_edges(files: list[tuple[str, str, str | None]]) -> dict[str, set[str]]:
    """For every (path, text, language) of one repository, the repository paths it imports (possibly none).

    Languages are Linguist names; files of other languages get an empty set but can still be imported (a C file
    including a header Linguist called Objective-C, a Python package's `__init__.py`, ...).
    """
    repo = _Repo(p for p, _t, _l in files)
    edges: dict[str, set[str]] = {p: set() for p, _t, _l in files}
    go_modules: list[tuple[str, str]] | None = None
    go_dirs: dict[str, list[str]] | None = None
    for path, text, language in files:
        if language not in _LANGS or not text:
            continue
        if language == "Python":
            found = _python(path, text, repo)
        elif language in ("JavaScript", "TypeScript", "TSX"):
            found = _js(path, text, language, repo)
        elif language == "Java":
            found = _java(path, text, repo)
        elif language == "Go":
            if go_modules is None or go_dirs is None:
                go_modules = _go_modules(files)
                go_dirs = {d: [p for p in ps if p.endswith(".go") and not p.endswith("_test.go")]
                           for d, ps in repo.dirs().items()}
                go_dirs = {d: ps for d, ps in go_dirs.items() if ps}
            found = _go(path, text, go_modules, go_dirs)
        else:
            found = _c(path, text, repo)
        edges[path] |= found
    return edges
