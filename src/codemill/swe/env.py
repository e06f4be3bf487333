"""The test environment of a repository at one commit: what to install (a recipe read from its packaging files)
and building it as `checkout/.venv` inside the sandbox.

The venv lives in the checkout because the sandbox's only writable place is its workdir; it is created
`--without-pip` and filled by codemill's own installer (uv, or pip with `--python`), which saves the ensurepip step
on every build; setuptools is seeded for interpreters before 3.12, as `venv` and virtualenv did.
The frozen package list is kept so an instance's environment can be rebuilt later without re-resolving.
"""

from __future__ import annotations

import configparser
import os
import re
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path

from codemill.git import read as gitread
from codemill.sandbox import Limits, Sandbox
from codemill.sandbox.proxy import INDEX_HOSTS
from codemill.swe.era import Era, Interpreter, choose, interpreters, later, uv_path
from codemill.swe.setup_py import read_setup_py, requirement_strings

TEST_EXTRAS = ("test", "tests", "testing")
DEV_EXTRAS = ("dev",)
BUILD_LIMITS = Limits(cpu_seconds=900, wall_seconds=1200, memory_mb=4096, processes=256, file_size_mb=1024,
                      output_bytes=4_000_000, disk_mb=16_384)  # a .venv with large wheels
# Trust settings only: pip inside the sandbox must verify TLS like the host does (proxies with their own CA), but
# nothing else of the host's environment (index URLs can carry credentials) is handed to untrusted builds.
_CA_VARIABLES = ("PIP_CERT", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE")
# uv builds a setup.py project with `setuptools>=40.8.0` (its PEP 517 fallback needs `build_meta:__legacy__`),
# released 2019-02-05: an era before that still gets the first setuptools that can build it.
UV_SETUPTOOLS_FLOOR = "2019-02-06T00:00:00Z"
# A tox dependency for some environments only (`devel: https://...`, `py38,py39: mock`): not the default one's.
_TOX_FACTOR = re.compile(r"^!?[\w.-]+(?:[,-]!?[\w.-]+)*\s*:\s")


@dataclass(frozen=True)
class EnvRecipe:
    """How to install a repository for testing; `sources` lists the files it was read from, for auditing."""

    python: str | None = None  # requires-python / python_requires, as written
    package_version: str | None = None  # static [project] / [metadata] version: SWE-bench's `version` grouping
    installable: bool = True  # has pyproject.toml, setup.py or setup.cfg
    extras: tuple[str, ...] = ()
    requirements: tuple[str, ...] = ()  # test requirement specifiers (tox deps, dependency groups, tests_require)
    # What the project itself needs, with its test extras' needs, when declared as literals (None: not known):
    # installed instead of the project when today's installer cannot build it.
    dependencies: tuple[str, ...] | None = None
    requirement_files: tuple[str, ...] = ()
    pytest_configured: bool = False
    sources: tuple[str, ...] = ()

    def install_commands(self) -> list[list[str]]:
        """pip argument lists, in order; the first (editable) falls back to a plain install in `build_env`."""
        commands: list[list[str]] = []
        if self.installable:
            target = f".[{','.join(self.extras)}]" if self.extras else "."
            commands.append(["install", "-e", target])
        commands += [["install", "-r", name] for name in self.requirement_files]
        commands.append(["install", *self.requirements, "pytest"])
        return commands

    def to_dict(self) -> dict:
        return {key: list(value) if isinstance(value, tuple) else value for key, value in asdict(self).items()}


@dataclass(frozen=True)
class EnvResult:
    """A built (or failed) environment; `frozen` is `pip freeze --exclude-editable`, enough to rebuild it."""

    ok: bool
    python: str | None = None  # the venv interpreter's version
    frozen: tuple[str, ...] = ()
    editable: bool = False
    failed_step: str | None = None
    log_tail: str = ""
    seconds: float = 0.0
    commands: tuple[str, ...] = field(default=())
    era: dict | None = None  # the interpreter and package-upload cutoff it was built with (`swe.era`)
    failed_eras: tuple[dict, ...] = ()  # earlier attempts: their era and the step that failed

    def failure(self, tail: int = 1500) -> str:
        """Why the build failed, for a drop detail: each era tried and its failed step, then the last log."""
        tried = "; ".join(f"python {e['python']} with packages until {e['uploaded_prior_to'] or 'today'}: "
                          f"{e['failed_step']}" for e in self.failed_eras)
        return f"{tried or self.failed_step}\n{self.log_tail[-tail:]}"


def recipe_at(repo: Path, commit: str) -> EnvRecipe:
    """The recipe of `commit` in `repo`, read from git objects through libgit2 (no checkout, and nothing the
    repository configures runs)."""
    names = set(gitread.tree_paths(repo, commit))

    def read(name: str) -> str | None:
        return gitread.read_text(repo, commit, name) if name in names else None

    return _recipe(read, names)


def detect_recipe(checkout: Path) -> EnvRecipe:
    """The recipe of a checked-out tree."""
    names = {str(p.relative_to(checkout)) for p in checkout.glob("requirements*/*.txt")}
    names |= {p.name for p in checkout.iterdir() if p.is_file()}

    def read(name: str) -> str | None:
        path = checkout / name
        return path.read_text(errors="replace") if path.is_file() else None

    return _recipe(read, names)


_UNRELEASED = re.compile(r"(?:^|[-_.])(?:dev|nightly|master|main|git|upstream|latest)(?:[-_.]|$)", re.I)
_MINIMUM = re.compile(r"(?:^|[-_./])(?:min|minimum|mindeps|lowest|oldest)(?:[-_.]|$)", re.I)


def _minimum_versions(name: str) -> bool:
    """A requirements file that pins the oldest supported versions (`tests-pallets-min.txt`): it tests a
    compatibility floor, not the environment the commit's own CI ran its tests in."""
    return bool(_MINIMUM.search(name.rsplit("/", 1)[-1]))


def _recipe(read: Callable[[str], str | None], names: set[str]) -> EnvRecipe:
    python, version, extras, requirements, req_files, sources = None, None, [], [], [], []
    dependencies: list[str] | None = None
    pytest_configured = False
    if (text := read("pyproject.toml")) is not None:
        sources.append("pyproject.toml")
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            data = {}
        project = data.get("project", {})
        python, version = project.get("requires-python"), project.get("version")
        extras += _pick(project.get("optional-dependencies", {}))
        if isinstance(project.get("dependencies"), list) and "dependencies" not in project.get("dynamic", []):
            dependencies = _with_test_extras(project["dependencies"], project.get("optional-dependencies", {}))
        groups = data.get("dependency-groups", {})
        for name in _pick(groups):
            requirements += _group(groups, name, set())
        pytest_configured = "pytest" in data.get("tool", {})
    if (text := read("setup.cfg")) is not None:
        sources.append("setup.cfg")
        cfg = _ini(text)
        if cfg.has_section("options.extras_require"):
            extras += _pick(dict(cfg.items("options.extras_require")))
        python = python or cfg.get("options", "python_requires", fallback=None)
        version = version or cfg.get("metadata", "version", fallback=None)
        pytest_configured |= cfg.has_section("tool:pytest")
    if (text := read("setup.py")) is not None:  # read, not run: literals only (`swe.setup_py`)
        sources.append("setup.py")
        declared = read_setup_py(text)
        extras += _pick(declared.extras_require)
        requirements += declared.tests_require
        python = python or declared.python_requires
        if dependencies is None and declared.install_requires is not None:
            dependencies = _with_test_extras(declared.install_requires, declared.extras_require)
    if (text := read("tox.ini")) is not None:
        sources.append("tox.ini")
        cfg = _ini(text)
        pytest_configured |= cfg.has_section("pytest")
        for line in cfg.get("testenv", "deps", fallback="").splitlines():
            line = line.split("#", 1)[0].strip()
            if line.startswith("-r"):
                req_files.append(line[2:].strip())
            elif line and not line.startswith(("-", "{", ".")) and "{" not in line and not _TOX_FACTOR.match(line) \
                    and "://" not in line:  # a branch archive (`.../werkzeug/archive/main.tar.gz`) moves: the
                requirements.append(line)      # release the package declares is installed instead
    if "pytest.ini" in names:
        pytest_configured = True
    found: dict[str, list[str]] = {"test": [], "dev": []}
    for name in sorted(names):
        base = name.rsplit("/", 1)[-1]
        at_root = "/" not in name and base.startswith("requirements") and base.endswith(".txt")
        in_dir = name.startswith("requirements/") and base.startswith(("test", "dev")) and base.endswith(".txt")
        if at_root and base == "requirements.txt" and name not in req_files:
            req_files.append(name)
        elif at_root or in_dir:
            for kind, group in found.items():
                if kind in base and not _minimum_versions(base):
                    group.append(name)
                    break
    # Test requirements of released versions; else a developer's everything-file (docs, linters, release tools);
    # test requirements that pin unreleased development branches (`tests-pallets-dev.txt`, which move) last.
    released = [name for name in found["test"] if not _UNRELEASED.search(name.rsplit("/", 1)[-1])]
    req_files += released or found["dev"] or found["test"]
    req_files = [name for name in dict.fromkeys(req_files) if name in names and not _minimum_versions(name)]
    sources += [name for name in req_files if name not in sources]
    return EnvRecipe(
        python=python,
        package_version=version if isinstance(version, str) and not version.startswith(("attr:", "file:")) else None,
        installable=bool(names & {"pyproject.toml", "setup.py", "setup.cfg"}),
        extras=tuple(dict.fromkeys(extras)),
        requirements=tuple(dict.fromkeys(r for r in requirements if r.strip() != "pytest")),
        requirement_files=tuple(req_files),
        dependencies=tuple(dependencies) if dependencies is not None else None,
        pytest_configured=pytest_configured,
        sources=tuple(sources),
    )


def _pick(table: dict) -> list[str]:
    """The test extras/groups; `dev` only when there is no test one, as it often pulls in docs and linters."""
    found = [name for name in TEST_EXTRAS if name in table]
    return found or [name for name in DEV_EXTRAS if name in table]


def _with_test_extras(dependencies: list, extras: dict) -> list[str]:
    """A project's requirement strings and those of its test extras (`_pick`): what installing `.[test]` asks."""
    picked = [d for name in _pick(extras) if isinstance(extras[name], list) for d in extras[name]]
    return requirement_strings([*dependencies, *picked])


def _group(groups: dict, name: str, seen: set[str]) -> list[str]:
    """PEP 735 group entries with `{include-group = ...}` resolved (cycles cut)."""
    seen.add(name)
    out: list[str] = []
    for entry in groups.get(name, []):
        if isinstance(entry, str):
            out.append(entry)
        elif isinstance(entry, dict) and (inc := entry.get("include-group")) and inc not in seen:
            out += _group(groups, inc, seen)
    return out


def _ini(text: str) -> configparser.RawConfigParser:
    cfg = configparser.RawConfigParser(strict=False)
    try:
        cfg.read_string(text)
    except configparser.Error:
        return configparser.RawConfigParser()
    return cfg


def networked(sandbox: Sandbox, network: bool = True, env: dict[str, str] | None = None) -> Sandbox:
    """The same sandbox with the package index reachable (installs) or no network at all (test runs), and the
    host's CA settings for pip. The index is reached through the allow-listing proxy (`sandbox.proxy`): a build
    backend reaches nothing else, neither the host's loopback services nor a metadata address."""
    env = {**sandbox.env, **(env or {})}
    if network:
        env.update({k: v for k, v in os.environ.items() if k in _CA_VARIABLES and Path(v).exists()})
    # Test runs do not see the package cache (`with_cache`): only installs write it.
    return sandbox.derive(network=network, env=env, allow_hosts=INDEX_HOSTS if network else None,
                          rw_paths=sandbox.rw_paths if network else ())


def with_cache(sandbox: Sandbox, cache: Path | None) -> Sandbox:
    """The sandbox with a package cache that outlives one build: uv's and pip's downloads and built wheels, so
    the candidates of one repository after the first install from disk, not from the index. The folder is
    writable by the builds that use it, so it is one repository's (`tasks` keys it by repository): a build
    script that poisons it reaches only that repository's later builds, whose code it already is. Files are
    copied out of it, never linked, so what a test writes into its `.venv` never reaches the cache."""
    if cache is None:
        return sandbox
    cache.mkdir(parents=True, exist_ok=True)
    env = {**sandbox.env, "UV_CACHE_DIR": str(cache / "uv"), "PIP_CACHE_DIR": str(cache / "pip"),
           "UV_LINK_MODE": "copy"}
    return sandbox.derive(rw_paths=(*sandbox.rw_paths, cache.resolve()), env=env)


def with_interpreter(sandbox: Sandbox, interpreter: Interpreter) -> Sandbox:
    """The sandbox with `interpreter`'s install prefix readable: a venv's `python` is a link into it."""
    prefix = Path(interpreter.prefix).resolve()
    if prefix.is_relative_to("/usr") or prefix in sandbox.ro_paths or prefix == Path(sys.base_prefix).resolve():
        return sandbox
    return sandbox.derive(ro_paths=(*sandbox.ro_paths, prefix))


def present() -> Era:
    """Today's tools: codemill's own interpreter, nothing pinned."""
    return Era(Interpreter(sys.executable, sys.version_info[:2], sys.base_prefix))


def eras(when: datetime | None, recipe: EnvRecipe, pinned: bool = True) -> list[Era]:
    """The environments to try, in order: the commit's era and the same a few months on (when pinned and there
    is one), then the present."""
    tried = [present()]
    if pinned and when is not None and (era := choose(when, recipe.python, interpreters())) is not None:
        tried[:0] = [era] + ([after] if (after := later(era)) else [])
    return list(dict.fromkeys(tried))


def build_in_era(checkout: Path, recipe: EnvRecipe, sandbox: Sandbox, when: datetime | None, *,
                 pinned: bool = True, limits: Limits = BUILD_LIMITS, collect: bool = False,
                 budget_seconds: float | None = None) -> tuple[EnvResult, Sandbox]:
    """Build the environment in the commit's era, falling back to the present; also the sandbox that can run it.

    With `collect`, an environment counts as built only when its pytest can collect the suite (`can_collect`):
    an era's pytest too old for its interpreter, or a conftest needing a newer one, moves on to the next era
    instead of reporting every test as failing. A failed attempt is wiped (`git clean`) so the next starts from
    the pristine checkout; the result lists the failed attempts (`failed_eras`) and its `era` says which one was
    kept. Once `budget_seconds` are spent, no further era is tried.
    """
    result, failed = EnvResult(False, failed_step="no interpreter"), []
    start = time.monotonic()
    for era in eras(when, recipe, pinned):
        if failed and budget_seconds is not None and time.monotonic() - start > budget_seconds:
            failed.append({**era.to_dict(), "failed_step": f"not tried: the build budget ({budget_seconds:g} s) "
                                                           "was spent"})
            break
        box = with_interpreter(sandbox, era.interpreter)
        result = build_env(checkout, recipe, box, limits, era=era)
        if result.ok and collect and (why := can_collect(checkout, box)) is not None:
            result = replace(result, ok=False, failed_step=why)
        if result.ok:
            return replace(result, failed_eras=tuple(failed)), box
        failed.append({**era.to_dict(), "failed_step": result.failed_step})
        subprocess.run(["git", "-C", str(checkout), "clean", "-xdfq"], capture_output=True, check=False)
    return replace(result, failed_eras=tuple(failed)), sandbox


def declares_dependencies(path: str) -> bool:
    """Whether a changed file is where a project declares what it needs installed."""
    name = path.rsplit("/", 1)[-1]
    return name in ("pyproject.toml", "setup.py", "setup.cfg", "tox.ini") or (
        name.endswith(".txt") and (name.startswith("requirements") or path.startswith("requirements/")))


def era_named(python: str | None, uploaded_prior_to: str | None = None) -> Era:
    """The era an environment recorded (`EnvResult.era`, a task's `python`): that interpreter of this machine
    with that package cutoff, or the present when the interpreter is not here."""
    found = [i for i in interpreters() if i.label == python]
    return Era(found[0], uploaded_prior_to) if found else present()


def reinstall(checkout: Path, sandbox: Sandbox, env: EnvResult) -> EnvResult:
    """Install the checkout's recipe again into its `.venv`, with the interpreter and package era `env` was
    built with: a change that adds a dependency gets it."""
    era = era_named(env.era["python"], env.era.get("uploaded_prior_to")) if env.era else present()
    return build_env(checkout, detect_recipe(checkout), sandbox, era=era)


COLLECT_LIMITS = Limits(cpu_seconds=300, wall_seconds=600, memory_mb=4096, processes=256, output_bytes=2_000_000)


def can_collect(checkout: Path, sandbox: Sandbox) -> str | None:
    """None when the checkout's `.venv` pytest can collect its tests (some modules failing to import is the
    tests' business), else why not: pytest's internal or usage error (exit 3 or 4: a conftest that cannot be
    imported, a pytest that does not run on this interpreter), a crash (exit 1: a plugin that cannot be imported),
    or a collection that never ended."""
    argv = [str(checkout / ".venv" / "bin" / "python"), "-m", "pytest", "--collect-only", "-q", "-p",
            "no:cacheprovider"]
    res = networked(sandbox, network=False).run(argv, checkout, COLLECT_LIMITS)
    if res.killed is not None:
        return f"pytest --collect-only killed ({res.killed})"
    # A module that errors at collection is the tests' business (exit 2; 1 before pytest 3); a bare traceback with
    # exit 1 is a crash before pytest's own handling (a plugin that fails to import); 3 and 4 are pytest's
    # internal and usage errors.
    out = res.stdout + res.stderr
    crashed = res.returncode == 1 and "Traceback (most recent call last)" in out and "ERROR collecting" not in out
    if res.returncode in (3, 4) or crashed:
        tail = [line for line in out.strip().splitlines() if line.strip()][-3:]
        return f"pytest cannot collect (exit {res.returncode}): {' | '.join(tail)[:500]}"
    return None


def build_env(checkout: Path, recipe: EnvRecipe, sandbox: Sandbox, limits: Limits = BUILD_LIMITS,
              era: Era | None = None) -> EnvResult:
    """Create `checkout/.venv` with `era`'s interpreter (default: codemill's) and install the recipe into it, in
    the sandbox with the network on and the installer held to the era's upload cutoff."""
    start = time.monotonic()
    era = era or present()
    python = era.interpreter.executable
    venv_python = str(checkout / ".venv" / "bin" / "python")
    pip, env = installer(era, venv_python)
    net = networked(sandbox, env=env)
    done: list[str] = []
    log: list[str] = []

    def step(argv: list[str]) -> bool:
        res = net.run(argv, checkout, limits)
        killed = f"[killed: {res.killed}]\n" if res.killed else ""
        log.append(f"$ {' '.join(argv)}\n{res.stdout}{res.stderr}{killed}")
        if res.ok:
            done.append(" ".join(argv))
        return res.ok

    def failed(name: str) -> EnvResult:
        return EnvResult(False, failed_step=name, log_tail="".join(log)[-4000:], seconds=time.monotonic() - start,
                         commands=tuple(done), era=era.to_dict())

    def declared_instead() -> bool:
        """Today's installer cannot build the project itself (uv reads the date-tagged version of a 2013
        setup.cfg, `0.10-dev-20261207`, as no version at all): what it declares is installed instead, and its
        source goes first on sys.path (below), as an editable install would do. False when that is not known."""
        needs = recipe.dependencies
        return needs is not None and (not needs or step(pip(["install", *needs])))

    if not step([python, "-m", "venv", "--without-pip", str(checkout / ".venv")]):
        return failed("venv")
    # Seeded as the CI's virtualenv or `python -m venv` seeded it before 3.12: pytest before 4 finds its plugins
    # (pytest-httpbin's fixtures) through setuptools' pkg_resources, and setup.py-era test suites import it.
    if era.interpreter.version < (3, 12) and not step(pip(["install", "setuptools"])):
        return failed("install setuptools")
    editable = False
    for command in recipe.install_commands():
        if command[:2] == ["install", "-e"]:
            editable = step(pip(command))
            if not (editable or step(pip(["install", command[2]])) or declared_instead()):
                return failed(" ".join(command))
        elif not step(pip(command)):
            return failed(" ".join(command))
    version = net.run([venv_python, "-c", "import platform; print(platform.python_version())"], checkout, limits)
    # pip leaves setuptools out of its freeze unless asked (`--all`); uv's lists everything.
    frozen = net.run(pip(["freeze", "--exclude-editable", *(["--all"] if era.installer == "pip" else [])]),
                     checkout, limits)
    if not (version.ok and frozen.ok):
        log.append(version.stderr + frozen.stderr)
        return failed("freeze")
    if recipe.installable and not editable:
        source_first(checkout)  # after the freeze, which then names the copy by its path (left out)
    return EnvResult(True, python=version.stdout.strip(), frozen=frozen_lines(frozen.stdout, checkout),
                     editable=editable, log_tail="".join(log)[-4000:], seconds=time.monotonic() - start,
                     commands=tuple(done), era=era.to_dict())


def frozen_lines(freeze: str, checkout: Path) -> tuple[str, ...]:
    """`pip freeze` output as requirement lines (a direct reference, `name @ file:///...`, is one line, not three),
    without the project itself when it was installed as a copy of the checkout: a rebuild installs the project
    from its own tree, and the checkout's path means nothing elsewhere."""
    own = f"@ {checkout.resolve().as_uri()}"
    return tuple(line.strip() for line in freeze.splitlines()
                 if line.strip() and not line.strip().endswith(own) and f"{own}/" not in line)


def build_pins(frozen: list[str] | tuple[str, ...]) -> str:
    """The `name==version` lines of a freeze, as constraints for a rebuild's source builds: an sdist that the
    verification built with its era's setuptools (seeded, so frozen too) fails with today's."""
    return "".join(f"{line}\n" for line in frozen if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*==\S+", line))


def source_first(checkout: Path) -> Path | None:
    """After a non-editable install (an editable one failed: old setuptools), put the checkout's own source ahead
    of the installed copy, as an editable install would: otherwise a code patch applied to the checkout changes
    nothing the tests import (a src-layout package is only importable as the installed copy). A `.pth` line
    that inserts the source root at the front of `sys.path`; returns the file, or None without a site-packages."""
    site = sorted((checkout / ".venv").glob("lib/python*/site-packages"))
    if not site:
        return None
    src = checkout / "src"
    layout = src if src.is_dir() and any(p.suffix == ".py" or (p / "__init__.py").is_file() for p in src.iterdir()) \
        else checkout
    pth = site[0] / "_codemill_source_first.pth"
    pth.write_text(f"import sys; sys.path.insert(0, {str(layout)!r})\n")
    return pth


# How every uv install runs in the sandbox: no config files, no interpreter downloads; the cache is the sandbox's
# /tmp unless `with_cache` gave one.
UV_ENV = {"UV_PYTHON_DOWNLOADS": "never", "UV_NO_CONFIG": "1"}


def installer(era: Era, venv_python: str) -> tuple[Callable[[list[str]], list[str]], dict[str, str]]:
    """How to run a pip subcommand (`["install", ...]`, `["freeze", ...]`) against the venv in `era`, and the
    environment it needs: uv with `--exclude-newer` for a pinned era when uv is there, else codemill's pip
    (`--python`), pinned through `PIP_UPLOADED_PRIOR_TO`."""
    if era.installer == "uv":
        uv, cutoff = uv_path(), era.uploaded_prior_to

        def uv_command(sub: list[str]) -> list[str]:
            # Compiled at install as pip does: an old dependency compiled at import under `filterwarnings = error`
            # would turn its SyntaxWarnings into import errors.
            pinned = ["--exclude-newer", cutoff, "--exclude-newer-package",
                      f"setuptools={max(cutoff, UV_SETUPTOOLS_FLOOR)}", "--compile-bytecode"]
            pinned = pinned if sub[0] == "install" else []
            return [uv, "pip", sub[0], "--python", venv_python, *pinned, *sub[1:]]

        return uv_command, dict(UV_ENV)
    pip = [sys.executable, "-m", "pip", "--python", venv_python, "--disable-pip-version-check", "--no-input"]
    return (lambda sub: [*pip, *sub]), era.pip_env()
