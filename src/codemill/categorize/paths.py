"""Coarse roles of changed paths (docs, tests, CI, lockfile, front-end …) for the diff-shape rules.

The roles come from ecosystem conventions (file names the tools themselves require, directory names
most projects share), so they hold across languages without knowing the repository.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from enum import StrEnum

from codemill.paths import is_test_path


class Role(StrEnum):
    LOCK = "lock"  # resolved dependency pins: regenerated, never hand-written
    REQS = "reqs"  # requirement lists that only name dependencies
    MANIFEST = "manifest"  # package manifests: dependencies, but also version, scripts, metadata
    VERSION = "version"  # files whose only job is to hold the version string
    CHANGELOG = "changelog"
    DOCS = "docs"
    TESTS = "tests"
    CI = "ci"
    BUILD = "build"
    VENDOR = "vendor"  # third-party code copied into the tree
    META = "meta"  # AUTHORS, TODO, LICENSE …: project bookkeeping
    FRONTEND = "frontend"  # components, templates, stylesheets
    CODE = "code"


_LOCK_NAMES = {
    "cargo.lock", "go.sum", "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml",
    "poetry.lock", "pipfile.lock", "gemfile.lock", "composer.lock", "uv.lock", "pdm.lock", "bun.lockb",
    "bun.lock", "gradle.lockfile", "mix.lock", "packages.lock.json", "flake.lock",
}
_MANIFEST_NAMES = {
    "package.json", "cargo.toml", "go.mod", "pom.xml", "build.gradle", "build.gradle.kts", "pyproject.toml",
    "setup.py", "setup.cfg", "pipfile", "gemfile", "composer.json", "mix.exs", "pnpm-workspace.yaml",
    "package.swift", "pubspec.yaml", "deno.json", "jsr.json", "bower.json",
}
_MANIFEST_EXT = {".gemspec", ".podspec", ".nuspec", ".cabal", ".rockspec"}
_VERSION_NAMES = {"version", "version.txt", "__version__.py", "_version.py", "version.py", "version.go", "version.rb",
                  "version.json", "citation.cff", ".release-please-manifest.json"}
_RELEASE_DIRS = {".yarn/versions", ".changeset"}  # pending release plans: version bookkeeping
_CHANGELOG = re.compile(r"^(change[-_ ]?log|changes|history|news|release[-_ ]?notes)(\.\w+)?$", re.I)
_META_NAMES = re.compile(
    r"^(authors|contributors|maintainers|todo|codeowners|\.mailmap|notice|license|licence|copying|unlicense|"
    r"code_of_conduct|security|funding)(\.\w+)?$", re.I,
)
_DOC_EXT = {".md", ".markdown", ".rst", ".adoc", ".asciidoc", ".txt", ".rdoc", ".pod", ".1", ".3", ".5", ".8"}
_DOC_DIRS = {"doc", "docs", "documentation", "man", "manual", "website", "site"}
_DOC_NAMES = re.compile(r"^(readme|contributing|faq|usage|install|upgrading|migration)(\.\w+)?$", re.I)
# Benchmarks and fuzz targets change with the tests, not with the product: the same role here.
_BENCH_DIRS = {"benchmarks", "bench", "fuzz"}
_CI = re.compile(
    r"^(\.github/(workflows|actions)/|\.github/[^/]+\.ya?ml$|\.circleci/|\.buildkite/|\.gitlab-ci\.yml$|"
    r"\.travis\.yml$|\.?appveyor\.yml$|_?azure-pipelines|\.cirrus\.yml$|jenkinsfile$|\.?codecov\.ya?ml$|ci/)",
    re.I,
)
_BUILD_NAMES = re.compile(
    r"^(makefile|gnumakefile|cmakelists\.txt|.*\.cmake|.*\.pc\.in|dockerfile|.*\.dockerfile|docker-compose\.ya?ml|"
    r"\.dockerignore|tox\.ini|noxfile\.py|manifest\.in|\.pre-commit-config\.yaml|\.gitignore|\.gitattributes|"
    r"\.gitmodules|\.editorconfig|\.ignore|\.golangci\.ya?ml|\.eslintrc.*|eslint\.config\.\w+|\.prettierrc.*|"
    r"\.prettierignore|tsconfig.*\.json|rollup\.config\.\w+|webpack\.config\.\w+|babel\.config\.\w+|\.babelrc|"
    r"build\.rs|settings\.gradle(\.kts)?|gradle\.properties|meson\.build|meson_options\.txt|configure\.ac|"
    r"build|workspace|.*\.bzl|\.clang-format|\.clang-tidy|rustfmt\.toml|\.rustfmt\.toml|clippy\.toml|"
    r"\.flake8|\.pylintrc|mypy\.ini|\.coveragerc|pytest\.ini|\.npmignore|\.nvmrc|\.python-version|"
    r"api-extractor.*\.json|renovate\.json|\.renovaterc.*|\.readthedocs\.ya?ml|"
    r"global\.json|nuget\.config|directory\.build\.(props|targets)|.*\.(csproj|vbproj|fsproj|vcxproj|sln|props|"
    r"targets|pbxproj|xcscheme|xcconfig|xcworkspacedata|xcodeproj|entitlements|gradle|gradle\.kts|mk|ninja|bazel)|"
    r"build\.(ps1|sh|cmd|bat|cake|fsx)|justfile|taskfile\.ya?ml|rakefile|\.replit|\.gitpod\.ya?ml|\.npmrc|"
    r"\.yarnrc(\.ya?ml)?|lerna\.json|turbo\.json|nx\.json|biome\.jsonc?|\.swiftlint\.ya?ml|\.rubocop.*\.ya?ml|"
    r"phpunit\.xml(\.dist)?|phpstan.*\.neon(\.dist)?|psalm\.xml(\.dist)?|\.php[-_]cs[-_]fixer.*|\.styleci\.ya?ml|"
    r"(jest|vitest|vite|karma|playwright|cypress|svelte|astro|nuxt|next|tailwind|postcss|stylelint|commitlint|"
    r"lint-staged|size-limit|tsup|esbuild|rspack|vue|metro)\.config\.\w+|karma\.conf\.\w+|\.mocharc.*|\.nycrc.*|"
    r"\.c8rc.*|\.stylelintrc.*|\.browserslistrc|\.rspec|rust-toolchain(\.toml)?|deny\.toml|\.cargo/config.*|"
    r"codecov\.ya?ml|\.mergify\.ya?ml|\.pre-commit-hooks\.yaml|\.markdownlint.*|\.yamllint.*|\.shellcheckrc|"
    r"\.clang-format-ignore|\.flake8rc|ruff\.toml|\.ruff\.toml|pyrightconfig\.json|\.jshintrc|\.jscsrc|"
    r"\.eslintignore|\.travis\.yml|netlify\.toml|vercel\.json|dockerfile\..*|containerfile|\.gitlab-ci\.yml)$",
    re.I,
)
_BUILD_DIRS = {"scripts", "script", "tools", "tooling", "buildsrc", "build-logic", ".devcontainer", ".vscode", ".idea",
               ".husky", ".circleci", "packaging", "pkg", "debian", "rpm", "nix", "docker", "eng", ".config"}
_VENDOR_DIRS = {"vendor", "_vendor", "vendored", "third_party", "thirdparty", "third-party"}
_FRONTEND_EXT = {".vue", ".svelte", ".jsx", ".tsx", ".css", ".scss", ".sass", ".less", ".styl", ".html", ".htm",
                 ".hbs", ".handlebars", ".ejs", ".pug", ".jade", ".jinja", ".jinja2", ".j2", ".njk", ".erb",
                 ".twig", ".astro", ".mdx", ".storyboard", ".xib"}
_REQS = re.compile(r"(^|/)(requirements[^/]*\.(txt|in)|constraints[^/]*\.txt|requirements/[^/]+\.(txt|in))$", re.I)


def role(path: str) -> Role:
    """The role of one repository-relative path; the first matching convention wins."""
    p = path.strip().strip("/")
    low = p.lower()
    parts = low.split("/")
    name = parts[-1]
    ext = name[name.rfind("."):] if "." in name[1:] else ""
    dirs = parts[:-1]
    if name in _LOCK_NAMES:
        return Role.LOCK
    if _REQS.search(low):
        return Role.REQS
    if any(d in _VENDOR_DIRS for d in dirs):
        return Role.VENDOR
    if name in _VERSION_NAMES or any(low.startswith(d + "/") for d in _RELEASE_DIRS - {".changeset"}):
        return Role.VERSION
    if _CHANGELOG.match(name) or any(d in {"changelog", "changes", "changelog.d", "newsfragments", ".changeset",
                                          "release-notes", "release_notes", "releasenotes"} for d in dirs):
        return Role.CHANGELOG
    if _CI.match(low):
        return Role.CI
    if low.startswith(".github/"):  # issue/PR templates, funding: text for humans
        return Role.DOCS
    if is_test_path(p) or any(d in _BENCH_DIRS for d in dirs):
        return Role.TESTS
    if dirs and dirs[0] in _DOC_DIRS:
        return Role.DOCS
    if name in _MANIFEST_NAMES or ext in _MANIFEST_EXT:
        return Role.MANIFEST
    if _BUILD_NAMES.match(name) or any(d.endswith((".xcodeproj", ".xcworkspace")) for d in dirs):
        return Role.BUILD
    if dirs and dirs[0] in _BUILD_DIRS and ext not in _DOC_EXT:
        return Role.BUILD
    if _META_NAMES.match(name):
        return Role.META
    if ext in _DOC_EXT or _DOC_NAMES.match(name):
        return Role.DOCS
    if ext in _FRONTEND_EXT or (ext in {".js", ".ts"} and "components" in dirs):
        return Role.FRONTEND
    return Role.CODE


_role = functools.lru_cache(maxsize=4096)(role)  # a repository's paths recur from commit to commit


def roles(paths: Iterable[str]) -> list[Role]:
    return [_role(p) for p in paths]
