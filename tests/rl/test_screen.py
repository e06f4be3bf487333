"""The screen an answer to a repository function task passes before it runs inside the tests' process."""

from __future__ import annotations

import pytest

from codemill.rl.screen import refusal

MODULE = '''import os
import sys
import inspect
from subprocess import run as launch
from types import TracebackType
from .util import helper
import requests
'''

ALLOWED = {
    "plain computation": (
        "def f(xs):\n    import math, itertools\n    return [math.floor(x) for x in itertools.chain(xs)]\n"),
    "a parameter named like a builtin": "def f(help, input, open=None):\n    return help or input or open\n",
    "annotations that only name types": "def f(self, tb: TracebackType | None) -> 'sys.modules':\n    return tb\n",
    "paths and the environment": "def f(p):\n    return os.path.join(os.getcwd(), p, os.environ.get('X', ''))\n",
    "the interpreter's version": "def f():\n    return sys.version_info >= (3, 8) and sys.platform\n",
    "inspecting a signature": "def f(fn):\n    return list(inspect.signature(fn).parameters)\n",
    "the repository's own package and its dependencies": (
        "def f(x):\n    from .util import helper\n    import requests\n    return helper(requests.get, x)\n"),
    "getattr with a literal name": "def f(obj):\n    return getattr(obj, 'name', None)\n",
    "a class of its own without judging methods": (
        "def f():\n    class Box:\n        def __init__(self, v):\n            self.v = v\n    return Box(1).v\n"),
    "super().__eq__ read, not replaced": "def __eq__(self, other):\n    return super().__eq__(other)\n",
}
REFUSED = {
    "imports atexit": "def f():\n    import atexit\n    atexit.register(print)\n",
    "imports os.system": "def f():\n    from os import system\n    system('true')\n",
    "uses ._exit": "def f():\n    os._exit(0)\n",
    "uses sys.exit": "def f():\n    sys.exit(0)\n",
    "uses .modules": "def f():\n    return sys.modules['_pytest']\n",
    "uses launch (subprocess.run)": "def f():\n    launch(['true'])\n",
    "uses eval": "def f(x):\n    return eval(x)\n",
    "uses open": "def f():\n    return open('tests/test_x.py').read()\n",
    "uses __import__": "def f():\n    return __import__('o' + 's')\n",
    "getattr() with a name the screen cannot read": "def f(x, n):\n    return getattr(x, n)\n",
    "getattr(…, '__globals__')": "def f(x):\n    return getattr(x, '__globals__')\n",
    "uses .__globals__": "def f():\n    return f.__globals__\n",
    "uses .__traceback__": (
        "def f():\n    try:\n        raise ValueError\n    except ValueError as e:\n        return e.__traceback__\n"),
    "uses .f_back": "def f(frame):\n    return frame.f_back\n",
    "uses .sys": "def f():\n    import re\n    return re.enum.sys\n",
    "uses .__subclasses__": "def f():\n    return object.__subclasses__()\n",
    "defines a class that decides its own __eq__": (
        "def f():\n    class A:\n        def __eq__(self, o):\n            return True\n    return A()\n"),
    "defines a class that decides its own __bool__": "def f():\n    class A:\n        __bool__ = lambda s: True\n",
    "replaces a class's __eq__": "def f(Span):\n    Span.__eq__ = lambda a, b: True\n",
    "creates a class with type()": "def f():\n    return type('A', (), {})\n",
    "names __eq__": (
        "def f():\n    import dataclasses\n    return dataclasses.make_dataclass('A', [], namespace={'__eq__': 1})\n"),
    "uses KeyboardInterrupt": "def f():\n    raise KeyboardInterrupt\n",
    "a call in an annotation": "def f(x: __import__('os').system('true')):\n    return x\n",
}


@pytest.mark.parametrize("name", ALLOWED)
def test_ordinary_answers_pass(name: str) -> None:
    assert refusal(ALLOWED[name], MODULE) is None


@pytest.mark.parametrize("name", REFUSED)
def test_answers_that_reach_the_process_are_refused_with_a_reason(name: str) -> None:
    """Each case is named by the reason the screen gives (the first thing it finds)."""
    assert refusal(REFUSED[name], MODULE) == (name if name != "a call in an annotation" else "uses .system")


def test_an_answer_that_does_not_parse_is_refused() -> None:
    assert refusal("def f(:\n", MODULE) == "does not parse"
