"""Every shipped recipe is a valid config."""

from __future__ import annotations

from pathlib import Path

import pytest

from codemill.config import load_config

RECIPES = sorted((Path(__file__).parent.parent / "configs").glob("*.toml"))


@pytest.mark.parametrize("recipe", RECIPES, ids=[p.stem for p in RECIPES])
def test_recipe_loads(recipe: Path):
    load_config(recipe)


def test_there_are_recipes():
    assert {p.stem for p in RECIPES} >= {"laptop", "cluster"}
