"""The built-in stages read from their source are the imported classes, judged alike; a stage whose body the
index cannot take at its word sends the caller back to importing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import codemill
from codemill.config import Config
from codemill.engine import version as v
from codemill.stages.index import StageInfo, builtin_stages
from codemill.stages.registry import PIPELINE


def test_the_index_is_the_imported_pipeline() -> None:
    infos = builtin_stages()
    assert infos is not None and all(isinstance(i, StageInfo) for i in infos)
    changed = Config.model_validate({"issues": {"archive": ["gharchive/2024-01-01-0.json.gz"]},
                                     "dedup": {"threshold": 0.9}, "license": {"keep_missing": True}})
    assert [i.name for i in infos] == [cls.name for cls in PIPELINE]
    for info, cls in zip(infos, PIPELINE, strict=True):
        assert (info.upstream, info.sections(), info.config_keys, info.version, info.module) == \
            (cls.upstream, cls.sections(), cls.config_keys, cls.version, cls.__module__), cls.name
        assert info.code_version() == cls.code_version(), cls.name
        for config in (Config(), changed):
            assert info.config_digest(config) == cls.config_digest(config), cls.name


def test_events_digests_only_the_key_it_reads() -> None:
    events = next(cls for cls in PIPELINE if cls.name == "events")
    other = Config.model_validate({"issues": {"api": True}})
    assert events.config_digest(other) == events.config_digest(Config())
    archived = Config.model_validate({"issues": {"archive": ["gharchive/2024-01-01-0.json.gz"]}})
    assert events.config_digest(archived) != events.config_digest(Config())


@pytest.fixture
def package(tmp_path: Path) -> Path:
    root = tmp_path / "codemill"
    shutil.copytree(Path(codemill.__file__).parent, root, ignore=shutil.ignore_patterns("__pycache__"))
    return root


@pytest.mark.parametrize("old, new", [
    ('    upstream = ("repos",)\n', '    upstream = tuple(["repos"])\n'),  # computed
    ('    upstream = ("repos",)\n', '    upstream = ("repos",)\n\n    @classmethod\n'
                                  '    def sections(cls) -> tuple[str, ...]:\n        return ()\n'),  # overridden
    ("class CommitsStage(Stage[ChainShard]):", "@dataclass\nclass CommitsStage(Stage[ChainShard]):"),  # decorated
])
def test_a_stage_the_source_does_not_state_plainly_is_not_indexed(package: Path, old: str, new: str) -> None:
    v.forget()
    assert builtin_stages(package) is not None
    path = package / "stages/commits/__init__.py"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    v.forget()
    builtin_stages.cache_clear()
    assert builtin_stages(package) is None
    builtin_stages.cache_clear()
