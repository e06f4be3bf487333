"""Rewards run real tests in the real sandbox: pass fractions for right, partial, broken and runaway answers."""

from __future__ import annotations

import pytest

from codemill.rewards import compute_score, compute_score_batch, pass_fraction, solution_code, test_pass_reward
from codemill.sandbox import available

from clamp_task import HALF, PARTIAL, RIGHT, TESTS, WRONG

pytestmark = pytest.mark.skipif(not available()[0], reason=f"bubblewrap cannot run here: {available()[1]}")



def test_right_partial_and_broken_answers():
    assert pass_fraction(RIGHT, TESTS) == 1.0
    assert pass_fraction(PARTIAL, TESTS) == 0.75
    assert pass_fraction("def clamp(x, lo, hi)\n    return x\n", TESTS) == 0.0  # syntax error
    assert pass_fraction("raise SystemExit(3)\n", TESTS) == 0.0  # collection fails


@pytest.mark.slow
def test_a_runaway_answer_scores_zero():
    assert pass_fraction("while True:\n    pass\n", TESTS) == 0.0


def test_trl_and_verl_entry_points():
    fenced = f"Here is the fix:\n\n```python\n{RIGHT}```\n"
    conversational = [[{"role": "assistant", "content": fenced}], [{"role": "assistant", "content": PARTIAL}]]
    assert test_pass_reward(conversational, tests=[TESTS, TESTS], prompts=["p", "p"]) == [1.0, 0.75]
    assert compute_score(data_source="codemill", solution_str=fenced, ground_truth=TESTS, extra_info={}) == 1.0
    assert solution_code(fenced).strip() == RIGHT.strip()


def test_a_batch_scores_each_answer_as_alone():
    """verl's batch reward manager and TRL hand over many answers: each gets what `compute_score` gives it, in
    order, duplicates and non-parsing answers included."""
    answers = [RIGHT, WRONG, "def clamp(:\n", HALF, RIGHT, PARTIAL]
    alone = [compute_score("codemill", a, TESTS) for a in answers]
    assert alone == [1.0, 0.25, 0.0, 0.5, 1.0, 0.75]
    assert compute_score_batch(["codemill"] * 6, answers, [TESTS] * 6, [{}] * 6) == alone
