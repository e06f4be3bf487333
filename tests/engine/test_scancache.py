"""The scan cache never serves a scan of other bytes: a real edit to a module in a stage's closure (even one that
keeps the file's size and mtime) changes the stage's version in the next process, and a cache that cannot be
read or written only costs the parse."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

import codemill
from codemill.engine import scancache
from codemill.engine import version as v
from codemill.engine.scancache import ScanCache


@pytest.fixture
def package(tmp_path: Path) -> Path:
    root = tmp_path / "src" / "codemill"
    shutil.copytree(Path(codemill.__file__).parent, root, ignore=shutil.ignore_patterns("__pycache__"))
    return root


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    fresh_process()
    yield home
    fresh_process()


def fresh_process() -> None:
    """What a new `codemill` process starts from: nothing read yet, the cache file not loaded."""
    v.forget()
    scancache.shared.cache_clear()


def commits_version(root: Path) -> str:
    fresh_process()
    return v.stage_code_version("codemill.stages.commits", 1, root)


def test_a_warm_cache_gives_the_same_versions_without_parsing(package: Path, cache_home: Path) -> None:
    cold = commits_version(package)
    [file] = (cache_home / "codemill" / "scans").iterdir()
    stored = file.read_bytes()
    assert commits_version(package) == cold
    assert not scancache.shared()._added  # every scan came from the file
    assert file.read_bytes() == stored


def test_an_edit_that_keeps_size_and_mtime_still_changes_the_version(package: Path, cache_home: Path) -> None:
    """`stages/commits/prs.py` is imported by the commits stage; swapping two characters keeps its size, and its
    mtime is put back: a cache keyed on (path, size, mtime) would serve the old scan and version."""
    before = commits_version(package)
    prs = package / "stages/commits/prs.py"
    stat = prs.stat()
    text = prs.read_text()
    assert text.startswith('"""') and text[3].isalpha()
    prs.write_text(text[:3] + text[3].swapcase() + text[4:])  # a docstring's first letter: same size, still Python
    os.utime(prs, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert prs.stat().st_size == stat.st_size and prs.stat().st_mtime_ns == stat.st_mtime_ns
    assert commits_version(package) != before


def test_a_new_import_is_followed_from_the_next_process(package: Path, cache_home: Path) -> None:
    """The closure itself comes from the cache: an import added to a module in it brings the imported module in."""
    assert package / "review/app.py" not in v.module_closure("codemill.stages.commits", package)
    before = commits_version(package)
    prs = package / "stages/commits/prs.py"
    prs.write_text(prs.read_text() + "\n\ndef _late() -> None:\n    import codemill.review.app  # noqa\n")
    after = commits_version(package)
    assert after != before and package / "review/app.py" in v.module_closure("codemill.stages.commits", package)
    (package / "review/app.py").write_text((package / "review/app.py").read_text() + "\n# edited\n")
    assert commits_version(package) != after


def test_an_unusable_cache_only_costs_the_parse(package: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    expected = commits_version(package)
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    assert commits_version(package) == expected  # cannot write: no error
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "corrupt"))
    path = scancache.cache_file()
    assert path is not None
    path.parent.mkdir(parents=True)
    path.write_bytes(b'{"truncated": ')
    assert commits_version(package) == expected
    assert isinstance(json.loads(path.read_bytes()), dict)  # rewritten whole
    fresh_process()


def test_two_writers_each_leave_a_whole_file_with_both_entries(tmp_path: Path) -> None:
    path = tmp_path / "scans.json"
    one, two = ScanCache(path), ScanCache(path)
    one.scan(b"import codemill.a\n", "codemill", ("codemill",))
    two.scan(b"import codemill.b\n", "codemill", ("codemill",))
    one.save()
    two.save()
    assert len(json.loads(path.read_bytes())) == 2
    third = ScanCache(path)
    assert third.scan(b"import codemill.a\n", "codemill", ("codemill",)).imports == (("codemill.a", None),)
    assert not third._added
