"""A workspace's replicas: rewards of one task scored in parallel are the serial rewards, concurrent answers
cannot see each other, and an answer that crashes or loops leaves nothing behind for the next.

The task is `spans.parse` (two tests) mined and exported by a real `rl` run; every run is the real sandbox.
Answers here are spliced and scored directly (`Workspaces.score`), past the screen, as the worst case: the run's
isolation must hold on its own.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from codemill import pipeline, rewards
from codemill.config import Config
from codemill.rl.functions import splice
from codemill.rl.workspace import FunctionGroundTruth, Workspaces
from codemill.sandbox import Limits, Sandbox

from spans_task import TESTS, make

pytestmark = [pytest.mark.slow, pytest.mark.index]  # the module fixture builds the workspace from the index

RIGHT = '''def parse(text):
    start, sep, end = text.partition("-")
    if not sep:
        raise ValueError(text)
    return Span(int(start), int(end))
'''
HALF = "def parse(text):\n    raise ValueError(text)\n"
# Right only when it finds another answer's code (MARKER) anywhere it can read: the replica folders beside the
# checkout, /tmp, every process's command line, files and root. Isolated, it is half right.
MARKER = "codemill-marker-" + "7f3a"
SEEK = '''def parse(text):
    import glob, os
    seen = []
    for pattern in ("../replicas/*/*", "../../*/replicas/*/*", "/tmp/**", "/proc/*/cmdline", "/proc/*/root/tmp/*",
                    "/proc/*/cwd/src/spans/__init__.py"):
        for path in glob.glob(pattern, recursive=True):
            try:
                with open(path, "rb") as f:
                    seen.append(f.read(1 << 20))
            except OSError:
                pass
    if any(b"codemill-marker-" + b"7f3a" in blob for blob in seen):
        start, sep, end = text.partition("-")
        return Span(int(start), int(end))
    raise ValueError(text)
'''


@pytest.fixture(scope="module")
def task(tmp_path_factory, sandbox: Sandbox) -> tuple[Path, FunctionGroundTruth, str, Path]:
    """The exported task, and one workspace cache for the module (its environment is built once)."""
    root = tmp_path_factory.mktemp("rl-pool")
    out = root / "out"
    cfg = Config.model_validate({"run": {"workers": 1}, "rl": {"enabled": True}})
    assert pipeline.run(out, cfg, [str(make(root, "spans", TESTS).path)]).ok
    rows = pq.read_table(out / "export_tasks/rl/trl-grpo/train.parquet").to_pylist()
    parse = next(r for r in rows if r["function"] == "parse")
    return out / "export_tasks/rl/workspaces", FunctionGroundTruth.from_json(parse["ground_truth"]), \
        parse["ground_truth"], root / "cache"


def test_pooled_rewards_are_the_serial_rewards(task, sandbox: Sandbox, monkeypatch) -> None:
    archives, _truth, ground_truth, cache = task
    answers = [f"```python\n{a}```" for a in (RIGHT, HALF, "def parse(text:\n", RIGHT, "no code",
                                                   RIGHT.replace("int(end)", "int(end) + 1"),
                                                   "def parse(text):\n    open('x')\n")]
    serial_spaces = Workspaces(archives, cache, sandbox, replicas=1)
    serial = [rewards.score(a, ground_truth, workspaces=serial_spaces) for a in answers]
    assert serial == [1.0, 0.5, 0.0, 1.0, 0.0, 0.5, 0.0]
    pooled = Workspaces(archives, cache, sandbox, replicas=3)
    assert rewards.score_many(answers, [ground_truth] * len(answers), workspaces=pooled) == serial
    # The trainers' batch entry points, through the environment a trainer sets.
    monkeypatch.setenv("CODEMILL_RL_WORKSPACES", str(archives))
    monkeypatch.setenv("CODEMILL_RL_CACHE", str(cache))
    rewards._workspaces.cache_clear()
    try:
        assert rewards.test_pass_reward(answers, ground_truth=[ground_truth] * len(answers)) == serial
        assert rewards.compute_score_batch(["codemill/repo_function"] * len(answers), answers,
                                           [ground_truth] * len(answers)) == serial
    finally:
        rewards._workspaces.cache_clear()


def test_concurrent_answers_cannot_see_each_other(task, sandbox: Sandbox) -> None:
    archives, truth, _, cache = task
    spaces = Workspaces(archives, cache, sandbox, replicas=2)
    source = spaces.source(truth)
    # A: right, and slow enough to be running all the while B runs; its code carries the marker.
    slow = RIGHT.replace('    start, sep', f'    import time\n    time.sleep(8)  # {MARKER}\n    start, sep', 1)
    scores: dict[str, float] = {}
    running = threading.Thread(target=lambda: scores.update(a=spaces.score(truth, splice(source, "parse", slow))))
    running.start()
    [home] = [p for p in cache.iterdir() if p.is_dir()]
    deadline = time.monotonic() + 60
    while not list(home.glob("replicas/*/answer.py")) and time.monotonic() < deadline:
        time.sleep(0.05)
    [a_file] = home.glob("replicas/*/answer.py")
    # The control: outside the sandbox, B's search finds A's code where A's replica keeps it.
    assert MARKER in a_file.read_text()
    scores["b"] = spaces.score(truth, splice(source, "parse", SEEK))
    a_still_running = running.is_alive()
    running.join()
    assert a_still_running, "A finished before B: the test proved nothing"
    assert scores == {"a": 1.0, "b": 0.5}
    assert spaces.source(truth) == source and not list(home.glob("replicas/*/answer.py"))


def test_a_crashed_or_looping_answer_leaves_its_replica_clean(task, sandbox: Sandbox) -> None:
    archives, truth, _, cache = task
    limits = Limits(cpu_seconds=5, wall_seconds=15, memory_mb=2048, processes=256, output_bytes=2_000_000)
    spaces = Workspaces(archives, cache, sandbox, replicas=1, limits=limits)
    source = spaces.source(truth)
    crashes = {
        "loop": "def parse(text):\n    while True:\n        pass\n",
        "segfault": "def parse(text):\n    import ctypes\n    ctypes.string_at(0)\n",
        "killed": "def parse(text):\n    import os, signal\n    os.kill(os.getpid(), signal.SIGKILL)\n",
        # A daemon that outlives the run and tries to plant a conftest.py and a `spans` module for the next one.
        "daemon": ("def parse(text):\n    import os, time\n    if os.fork() == 0:\n        os.setsid()\n"
                   "        for _ in range(100):\n            for p in ('conftest.py', 'tests/conftest.py', "
                   "'src/spans/__init__.py', '/tmp/spans.py'):\n                try:\n"
                   "                    open(p, 'w').write('import pytest\\n')\n                except OSError:\n"
                   "                    pass\n            time.sleep(0.1)\n        os._exit(0)\n"
                   "    raise ValueError(text)\n"),
    }
    for name, answer in crashes.items():
        assert spaces.score(truth, splice(source, "parse", answer)) <= 0.5, name
        # The same (only) replica, straight after: the right answer is right, the wrong one is not.
        assert spaces.score(truth, splice(source, "parse", RIGHT)) == 1.0, name
        assert spaces.score(truth, splice(source, "parse", HALF)) == 0.5, name
    assert spaces.source(truth) == source
    [home] = [p for p in cache.iterdir() if p.is_dir()]
    assert not list(home.glob("checkout/**/conftest.py")) and not list(home.glob("replicas/*/*.py"))
    # An earlier codemill spliced answers into the checkout itself; one killed mid-run left its answer there.
    (home / "checkout" / truth.path).write_text(splice(source, "parse", HALF) or "")
    assert Workspaces(archives, cache, sandbox).source(truth) == source


def test_the_originals_bytecode_never_passes_for_an_answer(task, sandbox: Sandbox) -> None:
    """Preparing compiles the tree once (runs cannot write bytecode, so each would compile it again); Python
    checks bytecode by its source's mtime and size, so an answer of the original's exact size must still run
    as itself."""
    archives, truth, _, cache = task
    spaces = Workspaces(archives, cache, sandbox, replicas=1)
    source = spaces.source(truth)
    [home] = [p for p in cache.iterdir() if p.is_dir()]
    assert list(home.glob("checkout/src/spans/__pycache__/__init__.*.pyc"))
    assert list(home.glob("checkout/tests/__pycache__/test_spans.*-pytest-*.pyc"))
    swapped = source.replace("Span(int(start), int(end))", "Span(int(end), int(start))")
    assert len(swapped) == len(source) and swapped != source
    assert spaces.score(truth, swapped) == 0.5
    assert spaces.score(truth, source) == 1.0
