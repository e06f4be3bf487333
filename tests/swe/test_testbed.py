"""A verified tree unpacked as a one-commit repository keeps every file of the archive through `git clean -x`."""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path

from codemill.swe.testbed import unpack


def _archive(path: Path, files: dict[str, str]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_a_tracked_file_the_gitignore_names_survives_a_clean(tmp_path: Path) -> None:
    """Flask tracks tests/test_apps/.env while its .gitignore ignores `.env`: a plain `git add -A` left it
    untracked, and the clean between an eval's runs deleted it (a PASS_TO_PASS test then failed)."""
    archive = _archive(tmp_path / "tree.tar.gz", {".gitignore": ".env\n", "tests/.env": "FOO=env\n",
                                                  "tests/test_env.py": "def test_env():\n    pass\n"})
    testbed = tmp_path / "testbed"
    unpack(archive, testbed, exclude=(".venv",))
    (testbed / ".venv").mkdir()
    (testbed / ".venv" / "marker").write_text("")
    (testbed / "scratch.txt").write_text("made by a run")
    subprocess.run(["git", "-C", str(testbed), "clean", "-qxdf", "-e", ".venv"], check=True)
    assert (testbed / "tests/.env").read_text() == "FOO=env\n"
    assert (testbed / ".venv" / "marker").exists() and not (testbed / "scratch.txt").exists()
    tracked = subprocess.run(["git", "-C", str(testbed), "ls-files"], capture_output=True, text=True, check=True)
    assert tracked.stdout.split() == [".gitignore", "tests/.env", "tests/test_env.py"]
