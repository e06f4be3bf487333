from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def datasets(monkeypatch, tmp_path: Path):
    """`datasets`, offline, with its cache in the test's folder."""
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    import datasets

    return datasets
