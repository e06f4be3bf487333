"""The consumers' virtual environments: one per consumer under `.venv/consumers/<name>`, built once from
`envs/<name>.txt` (the pins) and `envs/<name>.lock` (every package of a build that passed, `pip freeze`), rebuilt
when either changes.

torch is installed first and alone (`torch==2.13.0` is a CPU build that this machine keeps on disk), then the
consumer with torch held by a constraint, so that no consumer's requirements can swap in a CUDA build of several
GB: a consumer that needs another torch fails to install, with pip's words. LLaMA-Factory needs torchvision, and
PyPI's torchvision does not import beside the CPU build ("operator torchvision::nms does not exist"): its
environment pins torch 2.14.1 with torchvision 0.29.1, the pair this machine also keeps on disk (a CUDA build of
torch, run on the CPU). A failed build leaves no stamp and
its log beside the environment; nothing here skips.

    python tests/consumers/venvs.py build [NAME ...]    # build (or find built) and print each result
    python tests/consumers/venvs.py freeze NAME ...     # write envs/NAME.lock from a built environment
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import venv
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
SPECS = HERE / "envs"
ROOT = HERE.parents[1]
DEFAULT_HOME = ROOT / ".venv" / "consumers"
# Installed first and alone, then held by a constraint (each spec pins them exactly).
TORCH_PACKAGES = ("torch", "torchvision")
PIP = ("-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--progress-bar", "off")
# Packages `pip freeze` lists that a lock must not pin: the installer's own, and codemill (installed from the
# checkout where a consumer calls it).
UNLOCKED = ("pip", "setuptools", "wheel", "codemill")


@dataclass(frozen=True)
class Env:
    """One consumer's environment: where it lives and what it is built from."""

    name: str
    home: Path

    @property
    def path(self) -> Path:
        return self.home / self.name

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"

    @property
    def spec(self) -> Path:
        return SPECS / f"{self.name}.txt"

    @property
    def lock(self) -> Path:
        return SPECS / f"{self.name}.lock"

    @property
    def stamp(self) -> Path:
        return self.path / ".installed"

    @property
    def log(self) -> Path:
        return self.home / f"{self.name}.install.log"

    def requirements(self) -> list[str]:
        lines = (raw.split("#", 1)[0].strip() for raw in self.spec.read_text(encoding="utf-8").splitlines())
        return [line for line in lines if line]

    def digest(self) -> str:
        """What the stamp records: the pins, the lock and whether codemill goes in."""
        h = hashlib.sha256(self.spec.read_bytes())
        if self.lock.exists():
            h.update(self.lock.read_bytes())
        return h.hexdigest()

    def built(self) -> bool:
        return self.stamp.exists() and self.stamp.read_text(encoding="utf-8").strip() == self.digest()


class InstallError(RuntimeError):
    """A consumer that will not install: the command and the tail of pip's output."""


def names() -> list[str]:
    return sorted(p.stem for p in SPECS.glob("*.txt"))


def _run(cmd: list[str], log: Path) -> None:
    with log.open("a", encoding="utf-8") as out:
        out.write(f"$ {' '.join(cmd)}\n")
        out.flush()
        done = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, check=False)
    if done.returncode:
        tail = "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-40:])
        raise InstallError(f"`{' '.join(cmd)}` exited {done.returncode}; the end of {log}:\n{tail}")


def build(env: Env, codemill: bool = False) -> Env:
    """Builds `env` unless built from the same pins; raises InstallError with pip's output when it will not
    install. `codemill` also installs this checkout with its `tasks` extra, as the RL README asks, for a
    consumer that calls `codemill.rewards`."""
    if env.built():
        return env
    env.home.mkdir(parents=True, exist_ok=True)
    env.stamp.unlink(missing_ok=True)
    env.log.write_text("", encoding="utf-8")
    if not env.python.exists():
        venv.EnvBuilder(with_pip=True, clear=True).create(env.path)
    py = str(env.python)
    reqs = env.requirements()
    constraints = ["-c", str(env.lock)] if env.lock.exists() else []
    if torch := [r for r in reqs if r.split("==")[0] in TORCH_PACKAGES]:
        _run([py, *PIP, *torch], env.log)
        pin = env.path / "torch-constraint.txt"
        pin.write_text("".join(f"{r}\n" for r in torch), encoding="utf-8")
        constraints += ["-c", str(pin)]
    if reqs:
        _run([py, *PIP, *constraints, *reqs], env.log)
    if codemill:
        _run([py, *PIP, *constraints, "-e", f"{ROOT}[tasks]"], env.log)
    _run([py, "-m", "pip", "check"], env.log)
    env.stamp.write_text(env.digest() + "\n", encoding="utf-8")
    return env


def freeze(env: Env) -> None:
    """Writes the lock from a built environment (run after a build that passed its checks)."""
    out = subprocess.run([str(env.python), "-m", "pip", "freeze", "--exclude-editable"], capture_output=True,
                         text=True, check=True).stdout
    keep = [line for line in out.splitlines()
            if line and line.split("==")[0].lower() not in UNLOCKED and " @ " not in line]
    env.lock.write_text("".join(f"{line}\n" for line in sorted(keep, key=str.lower)), encoding="utf-8")
    env.stamp.write_text(env.digest() + "\n", encoding="utf-8")


# The consumers whose checks import codemill: TRL GRPO and verl's reward manager call `codemill.rewards`.
WITH_CODEMILL = frozenset({"trl", "verl"})


def main(argv: list[str]) -> int:
    verb, *which = argv or ["build"]
    failed = 0
    for name in which or names():
        env = Env(name, DEFAULT_HOME)
        if verb == "freeze":
            freeze(env)
            print(f"{name}: wrote {env.lock.relative_to(ROOT)}")
            continue
        try:
            build(env, codemill=name in WITH_CODEMILL)
            print(f"{name}: built ({env.path})", flush=True)
        except InstallError as e:
            failed += 1
            print(f"{name}: FAILED to install\n{e}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
