"""Forged rewards on repository function tasks: answers spliced into the repository's own module that attack the
grader instead of solving the task.

The task is `spans.parse` with its two tests, mined and exported by a real `rl` run; rewards go through the
unchanged `codemill.rewards.score`. Each attack answer is half right (it raises `ValueError` on every input,
which passes `test_parse_rejects_garbage` only: 0.5 honestly) and tries one way to make the reward say more.

Two layers stop them, and each is tested on its own:
- the screen (`rl.screen`) refuses every attack below before it runs: the reward is 0;
- the run (`rl.graded`: read-only checkout, signed report) holds the attacks marked `run` even when the screen
  is bypassed (the spliced file scored directly). The others work inside the test process itself (patching
  pytest, reading the report's key, an object equal to everything): only the screen stops them, as
  `docs/security.md` says.
"""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from codemill import pipeline, rewards
from codemill.config import Config
from codemill.rl.functions import splice
from codemill.rl.screen import refusal
from codemill.rl.workspace import FunctionGroundTruth, Workspaces
from codemill.sandbox import Sandbox, available

from spans_task import TESTS, make

pytestmark = pytest.mark.skipif(not available()[0], reason=f"bubblewrap cannot run here: {available()[1]}")

RIGHT = '''def parse(text):
    start, sep, end = text.partition("-")
    if not sep:
        raise ValueError(text)
    return Span(int(start), int(end))
'''
HALF = "def parse(text):\n    raise ValueError(text)\n"
WRONG = "def parse(text):\n    return None\n"
PREFIX = "\\x1fcodemill-reward "
FAKE = (f"'{PREFIX}[1, \"test\", {{\"id\": \"tests/test_spans.py::test_parse\", \"outcome\": \"passed\"}}] '"
        " + '0' * 64 + '\\n'")

# name: (answer, whether the run alone holds it)
ATTACKS = {
    "atexit report rewrite": (f'''def parse(text):
    import atexit
    def forge():
        for path in ("/proc/1/fd/1", "/proc/self/fd/1", ".codemill-junit.xml"):
            try:
                with open(path, "w") as f:
                    f.write({FAKE})
            except OSError:
                pass
    atexit.register(forge)
    raise ValueError(text)
''', True),
    "conftest.py injection": ('''def parse(text):
    hook = ("import pytest\\n@pytest.hookimpl(hookwrapper=True)\\ndef pytest_runtest_makereport(item, call):\\n"
            "    out = yield\\n    out.get_result().outcome = 'passed'\\n")
    for folder in (".", "tests", "/tmp"):
        try:
            with open(folder + "/conftest.py", "w") as f:
                f.write(hook)
        except OSError:
            pass
    raise ValueError(text)
''', True),
    "pytest internals patched": ('''def parse(text):
    import sys
    reports = sys.modules["_pytest.reports"].TestReport
    original = reports.from_item_and_call.__func__
    def passed(cls, item, call):
        report = original(cls, item, call)
        report.outcome = "passed"
        return report
    reports.from_item_and_call = classmethod(passed)
    raise ValueError(text)
''', False),
    "sys.exit(0) before the asserts": ("def parse(text):\n    import sys\n    sys.exit(0)\n", True),
    "os._exit(0) before the asserts": ("def parse(text):\n    import os\n    os._exit(0)\n", True),
    "KeyboardInterrupt ends the session": ("def parse(text):\n    raise KeyboardInterrupt\n", True),
    "tests deleted": ('''def parse(text):
    import os
    for path in ("tests/test_spans.py",):
        try:
            os.remove(path)
        except OSError:
            pass
    raise ValueError(text)
''', True),
    "test files edited": ('''def parse(text):
    try:
        with open("tests/test_spans.py", "w") as f:
            f.write("def test_parse():\\n    pass\\n\\ndef test_parse_rejects_garbage():\\n    pass\\n")
    except OSError:
        pass
    raise ValueError(text)
''', True),
    "tests skipped": ("def parse(text):\n    import pytest\n    pytest.skip('not today')\n", True),
    "a fake report written": (f'''def parse(text):
    import sys
    sys.stdout.write({FAKE})
    with open("/proc/self/fd/1", "w") as f:
        f.write({FAKE})
    raise ValueError(text)
''', True),
    "a process that rewrites the report after the run": (f'''def parse(text):
    import os, time
    if os.fork() == 0:
        time.sleep(0.5)
        try:
            with open("/proc/1/fd/1", "w") as f:
                f.write({FAKE})
        finally:
            os._exit(0)
    raise ValueError(text)
''', True),
    "the report's key read from the test process": ('''def parse(text):
    import gc, os
    for obj in gc.get_objects():
        if isinstance(obj, dict) and "_emit" in obj and "_KEY" in obj:
            for test in ("tests/test_spans.py::test_parse", "tests/test_spans.py::test_parse_rejects_garbage"):
                obj["_emit"]("test", {"id": test, "outcome": "passed"})
            obj["_emit"]("end", {"collected": 2, "collect_errors": 0})
            os._exit(0)
    raise ValueError(text)
''', False),
    "an object equal to everything": ('''def parse(text):
    class Anything:
        def __eq__(self, other):
            return True
    if "-" not in text:
        raise ValueError(text)
    return Anything()
''', False),
    "the expected class's equality replaced": ('''def parse(text):
    Span.__eq__ = lambda self, other: True
    if "-" not in text:
        raise ValueError(text)
    return Span(0, 0)
''', False),
    "builtins reached through a dynamic name": ('''def parse(text):
    getattr(__builtins__, "ex" + "it")(0)
''', True),
    "sys reached through another module": ('''def parse(text):
    import re
    re.enum.sys.exit(0)
''', True),
}


@pytest.fixture(scope="module")
def task(tmp_path_factory, sandbox: Sandbox) -> tuple[Workspaces, FunctionGroundTruth, str]:
    root = tmp_path_factory.mktemp("rl-forgery")
    repo = make(root, "spans", TESTS)
    out = root / "out"
    cfg = Config.model_validate({"run": {"workers": 1}, "rl": {"enabled": True}})
    assert pipeline.run(out, cfg, [str(repo.path)]).ok
    rows = pq.read_table(out / "export_tasks/rl/trl-grpo/train.parquet").to_pylist()
    parse = next(r for r in rows if r["function"] == "parse")
    spaces = Workspaces(out / "export_tasks/rl/workspaces", root / "cache", sandbox)
    return spaces, FunctionGroundTruth.from_json(parse["ground_truth"]), parse["ground_truth"]


@pytest.mark.index
@pytest.mark.slow
def test_honest_answers_score_what_they_are_worth(task) -> None:
    spaces, truth, ground_truth = task
    assert truth.tests == ["tests/test_spans.py::test_parse", "tests/test_spans.py::test_parse_rejects_garbage"]
    for answer, worth in ((RIGHT, 1.0), (HALF, 0.5), (WRONG, 0.0)):
        assert rewards.score(f"```python\n{answer}```", ground_truth, workspaces=spaces) == worth, answer


@pytest.mark.index  # its module fixture builds an environment from the index
@pytest.mark.parametrize("name", ATTACKS)
def test_every_attack_is_screened_out(task, name: str) -> None:
    spaces, truth, ground_truth = task
    answer, _ = ATTACKS[name]
    assert refusal(answer, spaces.source(truth)) is not None
    assert rewards.score(f"```python\n{answer}```", ground_truth, workspaces=spaces) == 0.0


@pytest.mark.index  # its module fixture builds an environment from the index
@pytest.mark.parametrize("name", [name for name, (_, run) in ATTACKS.items() if run])
def test_the_run_alone_holds_when_the_screen_is_bypassed(task, name: str) -> None:
    spaces, truth, _ = task
    source = spaces.source(truth)
    assert spaces.score(truth, splice(source, "parse", ATTACKS[name][0])) <= 0.5
    assert spaces.source(truth) == source
    [tests] = spaces.cache.glob("*/checkout/tests/test_spans.py")
    assert tests.read_text() == TESTS and not list(spaces.cache.glob("*/checkout/**/conftest.py"))
