"""Language by file extension or name: a stop-gap until the files stage brings Linguist's rules."""

from __future__ import annotations

_BY_EXT = {
    "py": "Python", "pyi": "Python", "pyx": "Cython", "ipynb": "Jupyter Notebook",
    "js": "JavaScript", "mjs": "JavaScript", "cjs": "JavaScript", "jsx": "JavaScript",
    "ts": "TypeScript", "tsx": "TypeScript", "mts": "TypeScript", "cts": "TypeScript",
    "vue": "Vue", "svelte": "Svelte", "html": "HTML", "htm": "HTML", "css": "CSS", "scss": "SCSS",
    "sass": "Sass", "less": "Less", "java": "Java", "kt": "Kotlin", "kts": "Kotlin", "scala": "Scala",
    "groovy": "Groovy", "go": "Go", "rs": "Rust", "c": "C", "h": "C", "cc": "C++", "cpp": "C++",
    "cxx": "C++", "hpp": "C++", "hh": "C++", "hxx": "C++", "cs": "C#", "fs": "F#", "swift": "Swift",
    "m": "Objective-C", "mm": "Objective-C++", "rb": "Ruby", "php": "PHP", "pl": "Perl", "pm": "Perl",
    "lua": "Lua", "r": "R", "jl": "Julia", "hs": "Haskell", "ml": "OCaml", "mli": "OCaml",
    "ex": "Elixir", "exs": "Elixir", "erl": "Erlang", "clj": "Clojure", "dart": "Dart", "zig": "Zig",
    "nim": "Nim", "sh": "Shell", "bash": "Shell", "zsh": "Shell", "fish": "Shell", "ps1": "PowerShell",
    "sql": "SQL", "proto": "Protocol Buffer", "md": "Markdown", "rst": "reStructuredText",
    "txt": "Text", "json": "JSON", "yaml": "YAML", "yml": "YAML", "toml": "TOML", "xml": "XML",
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
