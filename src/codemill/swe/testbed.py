"""A verified tree unpacked from its archive as a git repository of one commit (what an exported SWE task's eval
script and a function task's rewards reset to, `git checkout` and `git clean`, between runs), and its verified
environment rebuilt from the frozen requirements alone, as the exported Dockerfile builds it."""

from __future__ import annotations

import subprocess
import tarfile
from collections.abc import Sequence
from pathlib import Path

from codemill.sandbox import Sandbox
from codemill.swe.env import BUILD_LIMITS, UV_ENV, build_pins, detect_recipe, networked, source_first
from codemill.swe.era import Interpreter, uv_path

# Committing needs an identity and must not ask a key to sign: the caller's git configuration does not apply.
GIT = ["git", "-c", "user.name=codemill", "-c", "user.email=codemill@localhost", "-c", "commit.gpgsign=false"]


def unpack(archive: Path, testbed: Path, exclude: Sequence[str] = ()) -> None:
    """Extract `archive` (a tar, compressed or not; only regular files, directories and links inside the target)
    into the new folder `testbed`, commit it, and keep `exclude` (the `.venv`, harness files) out of git."""
    testbed.mkdir(parents=True)
    with tarfile.open(archive) as tar:
        tar.extractall(testbed, filter="data")
    subprocess.run(["git", "init", "-q", str(testbed)], check=True, capture_output=True)
    # Forced: every file of the archive is the tree's, even one its .gitignore names (a tracked tests/.env); a
    # `git clean -x` between runs would otherwise delete it.
    subprocess.run([*GIT, "-C", str(testbed), "add", "-A", "--force"], check=True, capture_output=True)
    subprocess.run([*GIT, "-C", str(testbed), "commit", "-qm", "base"], check=True, capture_output=True)
    (testbed / ".git" / "info").mkdir(exist_ok=True)
    (testbed / ".git" / "info" / "exclude").write_text("".join(f"{name}\n" for name in exclude))


def rebuild(testbed: Path, requirements: str, interpreter: Interpreter, box: Sandbox,
            constraints: str | None = None) -> str | None:
    """The testbed's `.venv` with `interpreter` (which `box` must bind): the requirements exactly as frozen (no
    resolution; source builds held to `constraints`, by default the frozen pins, as the Dockerfile holds them),
    then the project editable, else source-first. Why the build failed, or None."""
    net = networked(box, env=UV_ENV)
    venv_python = str(testbed / ".venv" / "bin" / "python")
    files = {testbed / ".codemill-requirements.txt": requirements,
             testbed / ".codemill-constraints.txt": build_pins(requirements.splitlines())
             if constraints is None else constraints}
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
    # Compiled at install, as pip (the Dockerfile's) does: compiled at import under `filterwarnings = error`, an
    # old dependency's SyntaxWarning would be an import error.
    uv = [uv_path() or "uv", "pip", "install", "--python", venv_python, "--no-deps", "--compile-bytecode",
          "--build-constraints", str(testbed / ".codemill-constraints.txt")]
    try:
        for argv in ([interpreter.executable, "-m", "venv", "--without-pip", str(testbed / ".venv")],
                     [*uv, "-r", ".codemill-requirements.txt"]):
            res = net.run(argv, testbed, BUILD_LIMITS)
            if not res.ok:
                return f"{' '.join(argv[:4])} failed: {(res.stdout + res.stderr)[-1500:]}"
        if detect_recipe(testbed).installable and not net.run([*uv, "-e", "."], testbed, BUILD_LIMITS).ok:
            source_first(testbed)
        return None
    finally:
        for path in files:
            path.unlink(missing_ok=True)
