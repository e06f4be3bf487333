from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from codemill.config import Config, ConfigError, commented_default, load_config, parse_config, to_toml


def test_defaults_load_without_a_file():
    assert load_config(None) == Config()


def test_unknown_key_is_named(tmp_path: Path):
    p = tmp_path / "c.toml"
    p.write_text("[commits]\nshard_comits = 10\n")
    with pytest.raises(ConfigError, match=r"commits\.shard_comits: unknown key"):
        load_config(p)


def test_bad_value_is_named(tmp_path: Path):
    p = tmp_path / "c.toml"
    p.write_text("[pairs]\nmax_files = -1\n")
    with pytest.raises(ConfigError, match=r"pairs\.max_files"):
        load_config(p)


def test_unknown_section_is_named(tmp_path: Path):
    p = tmp_path / "c.toml"
    p.write_text("[pears]\nx = 1\n")
    with pytest.raises(ConfigError, match=r"pears: unknown section \(a user stage is configured in \[stages.pears\]\)"):
        load_config(p)


def test_a_misspelt_category_target_is_named(tmp_path: Path):
    """A target for a category that does not exist would silently select nothing for it."""
    p = tmp_path / "c.toml"
    p.write_text("[select.targets]\nbugfx = 0.5\nfeature = 0.5\n")
    with pytest.raises(ConfigError, match=r"select: targets: unknown category 'bugfx' \(the categories are bugfix"):
        load_config(p)


def test_settings_that_only_work_together_are_checked_when_read(tmp_path: Path):
    p = tmp_path / "c.toml"
    p.write_text('[documents]\nfim_level = "token"\n')
    with pytest.raises(ConfigError, match=r'documents\.fim_level = "token" needs tokenizer\.path'):
        load_config(p)
    p.write_text('[documents]\nfim_level = "token"\n[tokenizer]\npath = "tok.json"\n')
    assert load_config(p).documents.fim_level == "token"


def test_weights_written_under_pairs_are_read_as_select_weights(tmp_path: Path):
    """A run directory's config.toml from before the score moved to `select` still loads, with the same weights."""
    p = tmp_path / "c.toml"
    p.write_text("[pairs.weights]\nbias = -1.0\ntests = 2.5\n")
    cfg = load_config(p)
    assert (cfg.select.weights.bias, cfg.select.weights.tests) == (-1.0, 2.5)
    assert "weights" not in type(cfg.pairs).model_fields
    p.write_text("[pairs.weights]\nbias = -1.0\n[select.weights]\nbias = -2.0\n")
    with pytest.raises(ConfigError, match=r"pairs\.weights and select\.weights are both set"):
        load_config(p)


def test_invalid_toml_and_missing_file(tmp_path: Path):
    p = tmp_path / "c.toml"
    p.write_text("[run\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(p)
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")


def test_flags_override_file(tmp_path: Path):
    p = tmp_path / "c.toml"
    p.write_text("[run]\nworkers = 3\nexecutor = 'local'\n")
    cfg = load_config(p, {"run": {"workers": 1, "executor": None}})
    assert cfg.run.workers == 1 and cfg.run.executor == "local"


def test_commented_default_parses_back_to_defaults():
    text = commented_default()
    assert text.count("\n# ") > 10
    assert Config.model_validate(tomllib.loads(text)) == Config()
    assert Config.model_validate(tomllib.loads(to_toml(Config()))) == Config()


def test_section_digest_changes_only_with_its_section():
    a, b = Config(), Config.model_validate({"pairs": {"max_files": 3}})
    assert a.pairs.digest() != b.pairs.digest()
    assert a.commits.digest() == b.commits.digest()


def test_a_user_stage_section_is_kept_and_written_back() -> None:
    """`[stages.<name>]` is free-form here (the stage's `config_model` checks it when the pipeline loads it), and
    a run directory's config.toml keeps it, so reading the run back finds the same section."""
    cfg = parse_config({"run": {"stages": ["mypkg.stages:WordCount"]}, "stages": {"wordcount": {"min_lines": 3}}})
    assert cfg.section("wordcount").model_dump() == {"min_lines": 3}
    assert cfg.section("unset").model_dump() == {}
    assert parse_config(tomllib.loads(to_toml(cfg))) == cfg
