"""engine.executors: a pool worker never outlives the driver that started it."""

from __future__ import annotations

import os
import subprocess
import sys

CHECK = "import os, sys; from codemill.engine.executors import _die_with_parent; _die_with_parent(int(sys.argv[1]))"


def test_a_worker_whose_driver_is_already_gone_exits_at_once() -> None:
    """A driver SIGKILLed while its workers were still importing never armed their death signal: the worker sees
    another parent and exits (an orphan held the killed driver's output pipe open, and `communicate` waited)."""
    gone = subprocess.run([sys.executable, "-c", CHECK, "1"], check=False, timeout=60)
    assert gone.returncode == 1
    here = subprocess.run([sys.executable, "-c", CHECK, str(os.getpid())], check=False, timeout=60)
    assert here.returncode == 0
