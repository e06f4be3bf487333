"""codemill as a PyPI package: the wheel builds offline, carries its data and metadata, installs into a clean
virtual environment and mills a repository from there; a feature whose extra is missing names the extra."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

from codemill.extras import EXTRAS, MissingExtra, missing, need

ROOT = Path(__file__).resolve().parents[1]
# what the default mill needs at run time besides the code: the fitted models and the review desk's templates
DATA = ("codemill/categorize/model.json", "codemill/quality/weights.json", "codemill/py.typed",
        "codemill/review/templates/")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from a copy of what a source distribution holds (the checkout stays untouched)."""
    src = tmp_path_factory.mktemp("sdist")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(ROOT / "src", src / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(src)],
                   check=True, capture_output=True)
    (built,) = out.glob("codemill-*.whl")
    return built


@pytest.mark.slow
def test_wheel_metadata_and_data(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        (meta_name,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        meta = Parser().parsestr(z.read(meta_name).decode())
    import codemill

    assert meta["Name"] == "codemill" and meta["Version"] == codemill.__version__
    assert meta["License-Expression"] == "Apache-2.0"
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert "Programming Language :: Python :: 3.11" in meta.get_all("Classifier")
    for data in DATA:
        assert any(n.startswith(data) for n in names), data
    # the default install leaves every extra's libraries out; each is behind its extra marker
    requires = meta.get_all("Requires-Dist")
    unconditional = {r.split(";")[0].strip() for r in requires if "extra ==" not in r}
    for modules in EXTRAS.values():
        for module in modules:
            assert not any(r.lower().startswith(module) for r in unconditional), module
    assert {"report", "review", "tasks", "ray", "all"} <= set(meta.get_all("Provides-Extra"))


@pytest.mark.slow
def test_wheel_installs_and_mills(wheel: Path, small_repo, tmp_path: Path) -> None:
    """Installed without its dependencies into a clean venv, which borrows them from this one: the installed
    package, not the checkout, must be what runs."""
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    py = env_dir / "bin" / "python"
    site = Path(_run(py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip())
    ours = sysconfig.get_paths()["purelib"]
    # dependencies come after the venv's own site-packages, so the wheel's codemill wins over an editable one
    (site / "zz_deps.pth").write_text(ours + "\n")
    _run(sys.executable, "-m", "pip", "--python", py, "install", "-q", "--no-deps", "--no-index", wheel)
    where = _run(py, "-c", "import codemill; print(codemill.__file__)", cwd=tmp_path)
    assert where.startswith(str(site)), where
    out = tmp_path / "run"
    _run(env_dir / "bin" / "codemill", "run", "--repo", small_repo.path, "--out", out, "--workers", "1", cwd=tmp_path)
    manifest = json.loads((out / "pairs" / "manifest.json").read_text())
    assert manifest["complete"] and manifest["totals"]["kept"] > 0


def _run(*argv: str | Path, cwd: Path | None = None) -> str:
    """Run outside this checkout's PYTHONPATH; a failure shows the command's own output."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([str(a) for a in argv], capture_output=True, text=True, env=env, cwd=cwd)
    assert proc.returncode == 0, f"{argv}: {proc.stdout}{proc.stderr}"
    return proc.stdout


def test_missing_extra_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(EXTRAS, "report", ("matplotlib", "codemill_no_such_module"))
    assert missing("report") == ["codemill_no_such_module"]
    with pytest.raises(MissingExtra, match=r"pip install 'codemill\[report\]'"):
        need("report", "codemill report")


@pytest.mark.parametrize(("command", "blocked", "extra"), [("report", "matplotlib", "report"),
                                                            ("review", "fastapi", "review")])
def test_cli_without_the_extra(command: str, blocked: str, extra: str, small_repo) -> None:
    """The command stops before importing anything heavy, with one line naming the extra (exit status 2)."""
    code = (f"import sys; sys.modules[{blocked!r}] = None\n"
            f"from codemill.cli import main\nmain([{command!r}, {str(small_repo.path)!r}])")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 2, proc.stderr
    assert f"pip install 'codemill[{extra}]'" in proc.stdout + proc.stderr
    assert blocked in proc.stdout + proc.stderr
