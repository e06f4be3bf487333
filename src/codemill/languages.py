"""Language by file extension or name, as GitHub Linguist names it ("TSX", "C++", "Shell"): the one table.

Commits, pairs and signals use it alone (a path is all they have, and it runs for every changed file); the files
stage asks Linguist itself (`files.language`, through enry) and falls back on it.
"""

from __future__ import annotations

_BY_EXT = {
    "py": "Python", "pyi": "Python", "pyw": "Python", "pyx": "Cython", "ipynb": "Jupyter Notebook",
    "js": "JavaScript", "mjs": "JavaScript", "cjs": "JavaScript", "jsx": "JavaScript",
    "ts": "TypeScript", "tsx": "TSX", "mts": "TypeScript", "cts": "TypeScript",
    "vue": "Vue", "svelte": "Svelte", "html": "HTML", "htm": "HTML", "css": "CSS", "scss": "SCSS",
    "sass": "Sass", "less": "Less", "java": "Java", "kt": "Kotlin", "kts": "Kotlin", "scala": "Scala",
    "groovy": "Groovy", "go": "Go", "rs": "Rust", "c": "C", "h": "C", "cc": "C++", "cpp": "C++",
    "cxx": "C++", "hpp": "C++", "hh": "C++", "hxx": "C++", "cs": "C#", "fs": "F#", "swift": "Swift",
    "m": "Objective-C", "mm": "Objective-C++", "rb": "Ruby", "php": "PHP", "pl": "Perl", "pm": "Perl",
    "lua": "Lua", "r": "R", "jl": "Julia", "hs": "Haskell", "ml": "OCaml", "mli": "OCaml",
    "ex": "Elixir", "exs": "Elixir", "erl": "Erlang", "clj": "Clojure", "dart": "Dart", "zig": "Zig",
    "nim": "Nim", "sh": "Shell", "bash": "Shell", "zsh": "Shell", "fish": "Shell", "ps1": "PowerShell",
    "sql": "SQL", "proto": "Protocol Buffer", "md": "Markdown", "rst": "reStructuredText",
    "txt": "Text", "csv": "CSV", "tsv": "TSV", "json": "JSON", "yaml": "YAML", "yml": "YAML", "toml": "TOML",
    "xml": "XML",
    "ini": "INI", "cfg": "INI", "cmake": "CMake", "tex": "TeX", "graphql": "GraphQL", "tf": "HCL",
}
_BY_NAME = {
    "Makefile": "Makefile", "GNUmakefile": "Makefile", "Dockerfile": "Dockerfile", "CMakeLists.txt": "CMake",
    "Rakefile": "Ruby", "Gemfile": "Ruby", "BUILD": "Starlark", "BUILD.bazel": "Starlark",
}


def language_of(path: str) -> str | None:
    # String slicing, not PurePosixPath: this runs for every changed file (PurePosixPath cost 5% of the stage).
    name = path.rpartition("/")[2]
    if name in _BY_NAME:
        return _BY_NAME[name]
    dot = name.rfind(".")
    return _BY_EXT.get(name[dot + 1:].lower()) if 0 < dot < len(name) - 1 else None
