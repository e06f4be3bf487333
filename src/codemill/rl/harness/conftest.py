"""The tests' side of the reward harness: the code under test never runs in the process whose outcomes count.

The signed report (`_codemill_report`, imported first, before any untrusted code exists) makes this process
non-dumpable and signs every outcome. The code under test then runs only in `_codemill_worker.py`, a child
process: the `solution` module the tests import is a proxy whose attributes forward calls there and bring back
plain values. Stdlib and pytest only: this file is copied into the sandbox's work directory.
"""

import builtins
import os
import subprocess
import sys
import types

import _codemill_codec as codec
import _codemill_report as report  # first: the key exists before the code under test does
from _codemill_report import pytest_collectreport, pytest_runtest_logreport  # noqa: F401  (hooks of this conftest)


class _Worker:
    proc = None

    @classmethod
    def ask(cls, request):
        if cls.proc is None or cls.proc.poll() is not None:
            here = os.path.dirname(os.path.abspath(__file__))
            cls.proc = subprocess.Popen([sys.executable, "-I", os.path.join(here, "_codemill_worker.py")],
                                        cwd=here, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, close_fds=True)
        try:
            codec.send(cls.proc.stdin.fileno(), request)
            answer = codec.receive(cls.proc.stdout.fileno())
        except (OSError, EOFError, ValueError) as exc:
            raise RuntimeError(f"the code under test did not answer: {exc}") from None
        if "raise" in answer:
            raise _exception(answer["raise"])
        return codec.decode(answer["ok"], _resolve)


_classes = {}


def _exception_class(tag):
    """A local exception class standing for one of the code's (cached by handle, so `pytest.raises` matches)."""
    if tag["$h"] not in _classes:
        base = next((getattr(builtins, n) for n in tag.get("exc") or [] if isinstance(getattr(builtins, n, None), type)
                     and issubclass(getattr(builtins, n), Exception)), Exception)
        _classes[tag["$h"]] = type(str(tag["type"]), (base,), {"__module__": "solution"})
    return _classes[tag["$h"]]


def _exception(info):
    if info["type"] == "SystemExit":
        return RuntimeError(f"the code under test exited: {info['message']}")
    return _exception_class(info["class"])(info["message"])


def _resolve(tag):
    if "exc" in tag:
        return _exception_class(tag)
    return Remote(tag["$h"], str(tag["type"]))


def _plain(value):
    def refuse(obj):
        if isinstance(obj, Remote):
            return {"$r": object.__getattribute__(obj, "_id")}
        raise TypeError(f"only plain values can be passed to the code under test, not {type(obj).__name__}")
    return codec.encode(value, refuse)


def _op(name, obj, *args):
    return _Worker.ask({"op": name, "obj": object.__getattribute__(obj, "_id"), "args": _plain(list(args))})


class Remote:
    """An object of the code under test: attribute access, calls and the usual operators are answered there."""

    __slots__ = ("_id", "_type")

    def __init__(self, oid, type_name):
        object.__setattr__(self, "_id", oid)
        object.__setattr__(self, "_type", type_name)

    def __getattr__(self, name):
        return _Worker.ask({"op": "getattr", "obj": object.__getattribute__(self, "_id"), "name": name})

    def __call__(self, *args, **kwargs):
        return _Worker.ask({"op": "call", "obj": object.__getattribute__(self, "_id"), "args": _plain(list(args)),
                            "kwargs": _plain(dict(kwargs))})

    # An object of the code is never equal to, ordered against or truthy like a plain value on its own say: an
    # object whose `__eq__` or `__bool__` always says yes would otherwise pass every `assert f(x) == expected`.
    # Between two of its own objects, the code's own comparison decides (the tests asked for its semantics).
    def __eq__(self, other): return _op("==", self, other) if isinstance(other, Remote) else NotImplemented
    def __ne__(self, other): return _op("!=", self, other) if isinstance(other, Remote) else NotImplemented
    def __lt__(self, other): return _op("<", self, other) if isinstance(other, Remote) else NotImplemented
    def __le__(self, other): return _op("<=", self, other) if isinstance(other, Remote) else NotImplemented
    def __gt__(self, other): return _op(">", self, other) if isinstance(other, Remote) else NotImplemented
    def __ge__(self, other): return _op(">=", self, other) if isinstance(other, Remote) else NotImplemented
    def __hash__(self): return _op("hash", self)
    def __len__(self): return _op("len", self)

    def __bool__(self):
        raise TypeError(f"the truth of a {object.__getattribute__(self, '_type')} of the code under test is not "
                        "trusted: compare a plain value")
    def __iter__(self): return iter(_op("iter", self))
    def __contains__(self, item): return bool(_op("contains", self, item))
    def __getitem__(self, key): return _op("getitem", self, key)
    def __setitem__(self, key, value): _op("setitem", self, key, value)
    def __delitem__(self, key): _op("delitem", self, key)
    def __neg__(self): return _op("neg", self)
    def __add__(self, other): return _op("+", self, other)
    def __sub__(self, other): return _op("-", self, other)
    def __mul__(self, other): return _op("*", self, other)
    def __truediv__(self, other): return _op("/", self, other)
    def __floordiv__(self, other): return _op("//", self, other)
    def __mod__(self, other): return _op("%", self, other)
    def __int__(self): return _op("int", self)
    def __float__(self): return _op("float", self)
    def __repr__(self): return str(_op("repr", self))
    def __str__(self): return str(_op("str", self))


class _Solution(types.ModuleType):
    """The `solution` module the tests import: every attribute is fetched from the worker."""

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        try:
            return _Worker.ask({"op": "getattr", "obj": None, "name": name})
        except AttributeError:
            raise
        except Exception as exc:
            raise ImportError(f"solution.{name}: {exc}") from None


sys.modules["solution"] = _Solution("solution")


def pytest_sessionfinish(session, exitstatus):
    report.pytest_sessionfinish(session, exitstatus)
    if _Worker.proc is not None:
        _Worker.proc.kill()
