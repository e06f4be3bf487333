from __future__ import annotations

import ast

from codemill.mutate import TestOutcome
from codemill.rl.functions import STUB_BODY, answer_definition, splice, stub
from codemill.rl.prompt import ELIDED, context, task_prompt
from codemill.rl.tasks import classify_stub

SOURCE = '''import os


class Store:
    """A store."""

    @staticmethod
    def key(
        name,
        version,
    ):
        """The key of a name at a version."""
        base = name.lower()
        return f"{base}@{version}"

    def short(self): return 1

    def todo(self):
        raise NotImplementedError


def path(root):
    return os.path.join(root, "store")
'''


def test_stub_keeps_decorators_signature_and_docstring() -> None:
    s = stub(SOURCE, "Store.key")
    assert s is not None
    assert s.signature == '@staticmethod\ndef key(\n    name,\n    version,\n):\n'
    assert s.docstring == "The key of a name at a version."
    assert s.reference.startswith("@staticmethod\ndef key(") and s.reference.endswith('return f"{base}@{version}"\n')
    assert f"        {STUB_BODY}\n" in s.source and "name.lower()" not in s.source
    assert s.source.splitlines()[s.line].strip() == STUB_BODY
    ast.parse(s.source)
    assert s.source.replace(f'        """The key of a name at a version."""\n        {STUB_BODY}\n', "") == \
        SOURCE.replace('        """The key of a name at a version."""\n        base = name.lower()\n'
                       '        return f"{base}@{version}"\n', "")


def test_what_cannot_be_stubbed() -> None:
    assert stub(SOURCE, "Store.short") is None  # a one-liner
    assert stub(SOURCE, "Store.todo") is None  # already a stub
    assert stub(SOURCE, "nope") is None
    assert stub("def broken(:\n", "broken") is None


def test_an_answer_is_spliced_at_the_original_indent() -> None:
    answer = "```python\nimport os\n\ndef key(name, version):\n    return name + str(version)\n```"
    definition = answer_definition(answer.split("```python\n")[1].split("```")[0], "Store.key")
    assert definition == "def key(name, version):\n    return name + str(version)\n"
    spliced = splice(SOURCE, "Store.key", definition)
    assert "    def key(name, version):\n        return name + str(version)\n\n    def short" in spliced
    assert "@staticmethod" not in spliced  # the answer's definition replaces the original one whole
    assert splice(SOURCE, "path", "def path(root):\n    return root\n").endswith("def path(root):\n    return root\n")


def test_answers_without_the_function_or_unparseable_give_nothing() -> None:
    assert answer_definition("def other():\n    pass\n", "Store.key") is None
    assert answer_definition("def key(:\n", "Store.key") is None
    assert answer_definition("class Store:\n    def key(self):\n        return 1\n", "Store.key") == \
        "def key(self):\n    return 1\n"
    assert splice(SOURCE, "missing", "def missing():\n    pass\n") is None


def test_context_cuts_a_long_file_around_the_stub() -> None:
    long = "import os\nimport sys\n\n" + "".join(f"def f{i}():\n    return {i}\n\n" for i in range(300))
    long += "def target(x):\n    y = x + 1\n    return y\n\n" + "".join(f"def g{i}():\n    return {i}\n\n"
                                                             for i in range(300))
    s = stub(long, "target")
    text = context(s, 600)
    assert len(text) <= 600 + 2 * len(ELIDED)
    assert text.startswith("import os\nimport sys\n") and f"def target(x):\n    {STUB_BODY}\n" in text
    assert text.count(ELIDED) == 2 and "def f0()" not in text
    assert context(s, 10**6) == s.source
    prompt = task_prompt("acme/store", "store.py", "target", s, 600)
    assert "`target` in `store.py`" in prompt and "```python\ndef target(x):\n```" in prompt


def test_a_stub_is_judged_on_the_tests_that_passed() -> None:
    base = TestOutcome({"a": "passed", "b": "passed", "c": "failed", "d": "passed"})
    assert classify_stub(base, TestOutcome({"a": "failed", "b": "error", "c": "failed", "d": "passed"})) == (
        "kept", ("a", "b"), ("d",))  # an error (the function called from a fixture) counts as broken
    assert classify_stub(base, TestOutcome(dict(base.results)))[0] == "no_effect"
    assert classify_stub(base, TestOutcome({"a": "failed", "b": "passed", "c": "passed", "d": "passed"}))[0] == \
        "collateral"  # a test that failed at baseline must not move
    assert classify_stub(base, TestOutcome({"a": "failed", "b": "skipped", "c": "failed", "d": "passed"}))[0] == \
        "collateral"
    assert classify_stub(base, TestOutcome({"a": "failed"}))[0] == "collateral"
    assert classify_stub(base, TestOutcome({"a": "failed", "b": "failed", "c": "failed", "d": "error"}))[0] == \
        "breaks_all"
    assert classify_stub(base, TestOutcome({}, error="pytest killed"))[0] == "run_error"
