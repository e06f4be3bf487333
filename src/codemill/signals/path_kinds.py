"""Classifying the paths of a tree: source code, tests, CI configuration and packaging metadata."""

from __future__ import annotations

import re
from collections.abc import Iterable

from codemill.languages import language_of
from codemill.paths import is_test_path, is_vendored

# Languages (as `language_of` names them) that are documentation, data, markup, styling, schemas or build
# glue rather than source code: they count neither as code nor as tests.
NON_CODE_LANGUAGES = frozenset({
    "Markdown", "reStructuredText", "Text", "JSON", "YAML", "TOML", "XML", "INI", "TeX", "HTML", "CSS",
    "SCSS", "Sass", "Less", "Jupyter Notebook", "Protocol Buffer", "GraphQL", "Makefile", "Dockerfile",
    "CMake", "Starlark",
})
_EXTRA_CODE_EXTS = (".t", ".bats")  # Perl and Bash test scripts, unknown to `language_of`

def is_code(path: str) -> bool:
    """Source code by extension (not docs, data, markup or styling), outside vendored trees."""
    if "." not in path.rpartition("/")[2] or is_vendored(path):
        return False
    if path.endswith(_EXTRA_CODE_EXTS):
        return True
    lang = language_of(path)
    return lang is not None and lang not in NON_CODE_LANGUAGES


# CI system → the paths of its configuration (`*`: any name within one folder, `**`: anything below).
CI_SYSTEMS: dict[str, tuple[str, ...]] = {
    "github_actions": (".github/workflows/*.yml", ".github/workflows/*.yaml"),
    "gitlab_ci": (".gitlab-ci.yml", ".gitlab-ci.yaml"),
    "travis": (".travis.yml", ".travis.yaml"),
    "circleci": (".circleci/config.yml", ".circleci/config.yaml"),
    "azure_pipelines": ("azure-pipelines.yml", "azure-pipelines.yaml", ".azure-pipelines.yml",
                        ".azure-pipelines/**.yml", ".azure-pipelines/**.yaml"),
    "jenkins": ("Jenkinsfile", "Jenkinsfile.*"),
    "buildkite": (".buildkite/**",),
    "appveyor": ("appveyor.yml", ".appveyor.yml", "appveyor.yaml", ".appveyor.yaml"),
    "bitbucket_pipelines": ("bitbucket-pipelines.yml",),
    "drone": (".drone.yml", ".drone.yaml", ".drone.jsonnet", ".drone.star"),
    "woodpecker": (".woodpecker.yml", ".woodpecker.yaml", ".woodpecker/*.yml", ".woodpecker/*.yaml"),
    "cirrus": (".cirrus.yml", ".cirrus.star"),
    "semaphore": (".semaphore/*.yml", ".semaphore/*.yaml"),
    "teamcity": (".teamcity/**",),
    "zuul": (".zuul.yaml", ".zuul.yml", "zuul.yaml", "zuul.yml", ".zuul.d/**", "zuul.d/**"),
    "sourcehut": (".build.yml", ".builds/*.yml", ".builds/*.yaml"),
    "gitea_actions": (".gitea/workflows/*.yml", ".gitea/workflows/*.yaml", ".forgejo/workflows/*.yml",
                      ".forgejo/workflows/*.yaml"),
}


def _glob(pattern: str) -> str:
    return "".join(".*" if part == "**" else "[^/]*" if part == "*" else re.escape(part)
                   for part in re.split(r"(\*\*|\*)", pattern))


_CI = [(name, re.compile("|".join(_glob(p) for p in pats))) for name, pats in CI_SYSTEMS.items()]
_CI_DIRS = frozenset(p.split("/")[0] for pats in CI_SYSTEMS.values() for p in pats if "/" in p)


def ci_systems(paths: Iterable[str]) -> list[str]:
    """The CI systems configured at head (their files, placed where the CI system reads them), sorted."""
    top = [p for p in paths if "/" not in p or p.partition("/")[0] in _CI_DIRS]
    return sorted(name for name, rx in _CI if any(rx.fullmatch(p) for p in top))


PACKAGING_NAMES = frozenset({
    "pyproject.toml", "setup.py", "setup.cfg", "package.json", "Cargo.toml", "go.mod", "pom.xml",
    "build.gradle", "build.gradle.kts", "composer.json", "mix.exs", "Package.swift", "pubspec.yaml",
    "DESCRIPTION", "dune-project", "rebar.config", "build.sbt", "project.clj", "shard.yml", "Makefile.PL",
    "Build.PL", "dist.ini", "META6.json", "conanfile.py", "conanfile.txt", "vcpkg.json", "elm.json",
    "Project.toml", "build.zig.zon", "jsr.json", "deno.json",
})
PACKAGING_SUFFIXES = (".gemspec", ".csproj", ".fsproj", ".vbproj", ".nuspec", ".podspec", ".cabal", ".opam",
                      ".nimble")
# Folders whose manifests describe examples, fixtures or documentation, not the project.
_NOT_THE_PROJECT = re.compile(r"^(?:examples?|samples?|demos?|docs?|fixtures?|templates?|benchmarks?)/", re.I)


def packaging_files(paths: Iterable[str]) -> list[str]:
    """Packaging manifests at the root or one folder down (a monorepo's packages), not in tests, vendored
    trees, examples or docs; sorted."""
    out = []
    for p in paths:
        if p.count("/") > 1:
            continue
        name = p.rpartition("/")[2]
        if name not in PACKAGING_NAMES and not name.endswith(PACKAGING_SUFFIXES):
            continue
        if "/" in p and (is_test_path(p) or is_vendored(p) or _NOT_THE_PROJECT.match(p)):
            continue
        out.append(p)
    return sorted(out)
