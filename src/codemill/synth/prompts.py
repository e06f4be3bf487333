"""The synthesis prompt: a real seed snippet, the style of task a category needs, and a fixed answer layout.

Every category of `codemill.categorize` has a style that can be checked by running tests: the model writes the
task as that kind of change request (a bug report with the buggy code, a feature request on existing code, a
traceback to debug, a review comment to address, ...), the complete module `solution` that resolves it, and
pytest tests that import from `solution`. Categories that are not about behaviour (docs, style, build_ci, ...)
still get a behavioural check, so a kept answer is at least correct code. A category this table does not know
(a custom `[select] targets` key) gets the generic style of `other`.

The layout (three `###` sections, the code in ```python fences) is what `codemill.synth.parse` reads. It is given
as a numbered list, not as a template with `<...>` placeholders: Qwen2.5-Coder-0.5B copied the placeholder as its
problem statement in 10 of 17 recorded answers to the template, and in none of 23 to the list.
"""

from __future__ import annotations

from codemill.synth.seeds import Seed

SYSTEM_PROMPT = ("You are an experienced Python developer who writes realistic, self-contained programming tasks "
                 "with a correct reference solution and pytest tests.")

STYLES: dict[str, str] = {
    "bugfix": "a bug report: show a short buggy Python function in the problem, say what goes wrong and what "
              "should happen; the solution is the fixed code",
    "feature": "a feature request: show a short existing Python function or class in the problem and ask for "
               "a new capability; the solution is the extended code",
    "refactor": "a refactoring request: show working but tangled Python code in the problem and ask for a "
                "cleaner structure with the same behaviour; the solution is the refactored code",
    "perf": "a performance issue: show correct but slow Python code in the problem and ask for a faster "
            "version with the same results; the solution is the faster code",
    "tests": "a test-driven task: give the pytest tests a function must pass and a stub of it in the problem; "
             "the solution implements the function",
    "docs": "a documentation task: show an undocumented Python function in the problem and ask for docstrings "
            "and type hints without changing behaviour; the solution is the documented code",
    "build_ci": "a build tooling task: ask for a small Python helper a build or CI script needs (parsing a "
                "version string, a requirements line or a config value); the solution is the helper",
    "deps": "a dependency task: ask for a small compatibility helper, such as comparing version strings or "
            "parsing dependency specifiers; the solution is the helper",
    "style": "a code style task: show working Python code with poor names and layout in the problem and ask "
             "for idiomatic, readable code with the same behaviour; the solution is the cleaned-up code",
    "revert": "a regression: show a recent change to a Python function that broke earlier behaviour and ask "
              "to restore it; the solution is the corrected code",
    "release": "a release tooling task: ask for a small Python helper used when releasing, such as bumping a "
               "semantic version or formatting changelog entries; the solution is the helper",
    "ui": "a user-facing output task: ask for a Python function that formats text for people (a table, a "
          "progress line, a command-line message); the solution is the function",
    "code_review": "a code review: show a short Python function and a reviewer's comment pointing out a "
                   "concrete problem in it; the solution is the code revised to address the comment",
    "debugging": "a debugging task: show a short Python function and the traceback it raises for a given "
                 "input; the solution is the fixed code",
    "other": "a programming task: describe a small, concrete Python function or class to write; the solution "
             "implements it",
}


def style_of(category: str) -> str:
    return STYLES.get(category, STYLES["other"])


def user_prompt(category: str, seed: Seed) -> str:
    fence = "```"
    lang = seed.hunk.language.lower().replace(" ", "")
    return (
        f"Here is a code snippet from an open-source project:\n\n{fence}{lang}\n{seed.text}\n{fence}\n\n"
        f"Using it as inspiration, create a new, self-contained Python task: {style_of(category)}. Keep it "
        "small: one function or class, and a few tests that your solution passes (import pytest if they use it)."
        "\n\nWrite your answer in three sections, in this order:\n"
        f"1. `### Problem`: the task statement in your own words, naming the function to write (any starting code "
        f"in a {fence}python block).\n"
        f"2. `### Solution`: one {fence}python block with the complete module `solution.py` (standard library "
        "only).\n"
        f"3. `### Tests`: one {fence}python block of pytest tests that starts with `from solution import ...`; "
        "each test is a `def test_...():` function with plain `assert` statements."
    )


def messages(category: str, seed: Seed) -> list[dict[str, str]]:
    """The chat messages of one request; the same seed and category always give the same messages."""
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user_prompt(category, seed)}]
