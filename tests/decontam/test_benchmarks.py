"""Loading benchmarks: the built-in HumanEval and one sample file per supported JSONL schema."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from codemill.decontam import BenchmarkItem, BenchmarkLoadError, added_blocks, load_benchmarks, load_jsonl


def write_jsonl(path: Path, rows: list[object]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_builtin_humaneval_has_all_problems_with_prompt_solution_and_whole_function() -> None:
    items = load_benchmarks()
    assert len(items) == 164
    assert len({i.item_id for i in items}) == 164
    first = items[0]
    assert first.benchmark == "humaneval"
    assert first.item_id == "HumanEval/0"
    prompt, solution, whole, doc = first.texts
    assert prompt.startswith("from typing import List") and "def has_close_elements" in prompt
    assert "distance = abs(elem - elem2)" in solution
    assert whole == prompt + solution
    assert doc.startswith("Check if in given list of numbers")


def test_unknown_builtin_is_an_error() -> None:
    with pytest.raises(BenchmarkLoadError, match="unknown built-in benchmark 'mbpp'"):
        load_benchmarks(builtin=("mbpp",))


def test_mbpp(tmp_path: Path) -> None:
    f = write_jsonl(
        tmp_path / "mbpp.jsonl",
        [
            {
                "task_id": 11,
                "text": "Write a python function to remove first and last occurrence of a given character "
                "from the string.",
                "code": "def remove_Occ(s,ch): \r\n    for i in range(len(s)): \r\n        if (s[i] == ch): \r\n"
                "            s = s[0 : i] + s[i + 1:] \r\n            break\r\n    return s ",
                "test_list": ['assert remove_Occ("hello","l") == "heo"'],
                "test_setup_code": "",
                "challenge_test_list": [],
            }
        ],
    )
    (item,) = load_benchmarks(builtin=(), files=[f])
    assert item == BenchmarkItem(
        "mbpp",
        "11",
        (
            "Write a python function to remove first and last occurrence of a given character from the string.",
            "def remove_Occ(s,ch): \r\n    for i in range(len(s)): \r\n        if (s[i] == ch): \r\n"
            "            s = s[0 : i] + s[i + 1:] \r\n            break\r\n    return s ",
        ),
    )


def test_apps_solutions_as_json_string_or_list(tmp_path: Path) -> None:
    question = "You are given an array $a$ of $n$ integers. Find the number of pairs $(i, j)$ with $a_i = a_j$."
    sols = ["n = int(input())\nprint(n * (n - 1) // 2)\n", "import sys\nprint(0)\n"]
    f = write_jsonl(
        tmp_path / "apps_test.jsonl",
        [
            {"problem_id": 4000, "question": question, "solutions": json.dumps(sols), "difficulty": "interview"},
            {"id": 4001, "question": question + " Again.", "solutions": sols, "input_output": "{}"},
            {"problem_id": 4002, "question": "A problem without reference solutions.", "solutions": ""},
        ],
    )
    a, b, c = load_jsonl(f)
    assert (a.benchmark, a.item_id, a.texts) == ("apps_test", "4000", (question, *sols))
    assert (b.item_id, b.texts[1:]) == ("4001", tuple(sols))
    assert c.texts == ("A problem without reference solutions.",)


def test_ds1000_uses_metadata_problem_id(tmp_path: Path) -> None:
    prompt = (
        "Problem:\nI have a DataFrame with columns ['a', 'b'] and want the rows where a > b.\n"
        "A:\n<code>\nimport pandas as pd\ndf = pd.DataFrame({'a': [1, 3], 'b': [2, 1]})\n</code>\n"
        "result = ... # put solution in this variable\nBEGIN SOLUTION\n<code>\n"
    )
    f = write_jsonl(
        tmp_path / "ds1000.jsonl",
        [
            {
                "prompt": prompt,
                "reference_code": "result = df[df['a'] > df['b']]\n",
                "metadata": {"problem_id": 17, "library": "Pandas", "perturbation_type": "Origin"},
                "code_context": "def test_execution(solution: str): ...",
            }
        ],
    )
    (item,) = load_jsonl(f)
    assert (item.benchmark, item.item_id, item.texts) == ("ds1000", "17", (prompt, "result = df[df['a'] > df['b']]\n"))


def test_swebench_uses_added_lines_of_patches(tmp_path: Path) -> None:
    patch = (
        "diff --git a/src/flask/app.py b/src/flask/app.py\n"
        "--- a/src/flask/app.py\n"
        "+++ b/src/flask/app.py\n"
        "@@ -10,3 +10,4 @@ class Flask:\n"
        "     def run(self):\n"
        "-        host = None\n"
        "+        host = self.config.get('SERVER_NAME')\n"
        "+        port = int(self.config.get('PORT', 5000))\n"
        "         return host\n"
        "@@ -40,2 +41,3 @@ class Flask:\n"
        "     def stop(self):\n"
        "+        self._running = False\n"
        "         pass\n"
    )
    test_patch = (
        "--- a/tests/test_app.py\n+++ b/tests/test_app.py\n@@ -1,1 +1,3 @@\n import flask\n"
        "+def test_port(app):\n+    assert app.run() is not None\n"
    )
    f = write_jsonl(
        tmp_path / "swe.jsonl",
        [
            {
                "repo": "pallets/flask",
                "instance_id": "pallets__flask-4045",
                "base_commit": "d8c37f43724cd9fb0870f77877b7c4c7e38a19e0",
                "problem_statement": "Flask.run ignores SERVER_NAME and PORT from the config.",
                "patch": patch,
                "test_patch": test_patch,
                "benchmark": "swe-bench-lite",
            }
        ],
    )
    (item,) = load_jsonl(f)
    assert item.benchmark == "swe-bench-lite"  # the field wins over the file name
    assert item.item_id == "pallets__flask-4045"
    assert item.texts == (
        "Flask.run ignores SERVER_NAME and PORT from the config.",
        "        host = self.config.get('SERVER_NAME')\n        port = int(self.config.get('PORT', 5000))\n",
        "        self._running = False\n",
        "def test_port(app):\n    assert app.run() is not None\n",
    )
    assert not any("+++" in t or "@@" in t or "host = None" in t for t in item.texts)


def test_added_blocks_tells_file_headers_from_added_lines_starting_with_plus() -> None:
    patch = "--- a/x.c\n+++ b/x.c\n@@ -1,2 +1,2 @@\n int i;\n-i--;\n+++i;\n"
    assert added_blocks(patch) == ["++i;\n"]
    # wrong hunk counts: the next header still ends the hunk
    patch = "@@ -1,9 +1,9 @@\n a\n+b\n@@ -20,1 +20,2 @@\n c\n+d\n"
    assert added_blocks(patch) == ["b\n", "d\n"]


def test_humaneval_like_and_generic_and_gzip(tmp_path: Path) -> None:
    he = {
        "task_id": "MyEval/3",
        "prompt": 'def clamp(x: int, lo: int, hi: int) -> int:\n    """Clamp x into [lo, hi]."""\n',
        "canonical_solution": "    return max(lo, min(x, hi))\n",
        "test": "assert clamp(5, 0, 3) == 3",
        "entry_point": "clamp",
    }
    f = tmp_path / "myeval.jsonl.gz"
    with gzip.open(f, "wt", encoding="utf-8") as out:
        out.write(json.dumps(he) + "\n\n")  # a blank line is not an item
    (item,) = load_jsonl(f)
    assert item.benchmark == "myeval"
    assert item.texts == (
        he["prompt"],
        he["canonical_solution"],
        he["prompt"] + he["canonical_solution"],
        "Clamp x into [lo, hi].",
    )

    g = write_jsonl(
        tmp_path / "internal.jsonl",
        [
            {
                "id": "q-7",
                "prompt": "Reverse a linked list in place.",
                "solution": "def rev(h):\n    ...\n",
                "lang": "py",
            }
        ],
    )
    (gen,) = load_jsonl(g)
    assert (gen.benchmark, gen.item_id, gen.texts) == (
        "internal",
        "q-7",
        ("Reverse a linked list in place.", "def rev(h):\n    ...\n"),
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"task_id": 1, "text": "Write a function", "code": "def f(): pass"', "not valid JSON"),
        ('["not", "an", "object"]', "expected a JSON object, got list"),
        ('{"id": 3, "answer": "42"}', "unrecognised schema"),
        ('{"prompt": "no id here"}', "missing id field"),
        ('{"task_id": "X/1", "prompt": "p", "canonical_solution": 5}', "'canonical_solution' must be a string"),
        ('{"problem_id": 9, "question": "q", "solutions": "[broken"}', "'solutions' is a string but not a JSON list"),
        ('{"id": 4, "prompt": "   "}', "has no non-empty text"),
    ],
)
def test_malformed_line_names_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    good = json.dumps({"id": "ok", "prompt": "Sum the squares of the even numbers in a list."})
    f = tmp_path / "bench.jsonl"
    f.write_text(f"{good}\n\n{line}\n{good}\n", encoding="utf-8")
    with pytest.raises(BenchmarkLoadError, match=message) as err:
        load_benchmarks(builtin=(), files=[f])
    assert str(err.value).startswith(f"{f}:3: ")


def test_empty_or_missing_file_is_an_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(BenchmarkLoadError, match="no benchmark items"):
        load_jsonl(empty)
    with pytest.raises(BenchmarkLoadError, match="cannot read"):
        load_jsonl(tmp_path / "missing.jsonl")
