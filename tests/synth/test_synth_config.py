"""`[synth]`: off by default, a model is required when on, and the section survives the TOML round trip."""

from __future__ import annotations

import tomllib

import pytest

from codemill.config import Config, ConfigError, parse_config, to_toml

LLM = {"base_url": "http://127.0.0.1:8000/v1", "model": "qwen2.5-coder-0.5b-instruct"}


def test_off_by_default_and_a_model_is_required_when_on():
    assert Config().synth.enabled is False and Config().synth.llm is None
    with pytest.raises(ConfigError, match=r"synth: synth\.enabled needs synth\.llm"):
        parse_config({"synth": {"enabled": True}})
    with pytest.raises(ConfigError, match=r"synth\.llm\.modle: unknown key"):
        parse_config({"synth": {"llm": {**LLM, "modle": "x"}}})
    with pytest.raises(ConfigError, match="snippet_min_lines must not exceed"):
        parse_config({"synth": {"snippet_min_lines": 20}})


def test_the_section_round_trips_through_toml():
    cfg = parse_config({"synth": {"enabled": True, "llm": {**LLM, "requests_per_minute": 30},
                                  "limits": {"cpu_seconds": 5}}})
    again = parse_config(tomllib.loads(to_toml(cfg)))
    assert again == cfg and again.synth.llm is not None and again.synth.llm.cache_dir is None
    assert again.synth.limits.cpu_seconds == 5 and again.synth.digest() == cfg.synth.digest()
