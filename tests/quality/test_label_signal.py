from __future__ import annotations

import pytest

from codemill.quality.label_signal import label_signal, normalise


def test_no_labels_is_no_evidence() -> None:
    assert label_signal([]) is None
    assert label_signal(["area/networking", "P2", "windows"]) is None


@pytest.mark.parametrize(("label", "text"), [
    ("Type: Bug", "bug"), ("kind/feature-request", "feature request"), ("C-bug", "bug"),
    ("🐛 bug", "bug"), ("status: won't fix", "won't fix"),
])
def test_normalise_reduces_project_conventions(label: str, text: str) -> None:
    assert normalise(label) == text


def test_defects_and_features_are_positive_rejections_negative() -> None:
    assert label_signal(["bug"]) >= 0.8
    assert label_signal(["good first issue"]) >= 0.8
    assert label_signal(["enhancement"]) > 0.5
    for negative in ["wontfix", "invalid", "duplicate", "dependencies"]:
        assert label_signal([negative]) <= 0.2
    assert label_signal(["documentation"]) < label_signal(["enhancement"])


def test_one_rejection_outweighs_positive_labels() -> None:
    assert label_signal(["bug", "regression", "duplicate"]) == label_signal(["duplicate"])


def test_positive_labels_average_and_unknown_labels_are_ignored() -> None:
    assert label_signal(["bug", "documentation", "area/http"]) == pytest.approx((0.8 + 0.45) / 2)
