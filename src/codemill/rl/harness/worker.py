"""The process that runs the code under test (`solution.py`) and answers the tests' requests over its pipes.

Whatever the code does happens here: it can print, exit, loop, rewrite files it can write, or lie in its answers,
but its answers are plain values or handles (`_codemill_codec`), and it never shares a process with pytest, the
tests' assertions or the report. Stdlib only: this file is copied into the sandbox's work directory.
"""

import builtins
import operator
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # `-I` leaves the script's folder out
import _codemill_codec as codec

OPS = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
    "len": len, "bool": bool, "repr": repr, "str": str, "hash": hash, "iter": list, "contains": operator.contains,
    "getitem": operator.getitem, "setitem": operator.setitem, "delitem": operator.delitem, "neg": operator.neg,
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "//": operator.floordiv,
    "%": operator.mod, "int": int, "float": float,
}


def _builtin_bases(cls):
    return [c.__name__ for c in cls.__mro__ if getattr(builtins, c.__name__, None) is c]


def main():
    requests, answers = os.dup(0), os.dup(1)
    quiet = os.open(os.devnull, os.O_RDWR)
    os.dup2(quiet, 0)
    os.dup2(quiet, 1)  # the code's own prints go nowhere, not into the answers
    objects = {}

    def handle(obj):
        objects[id(obj)] = obj
        tag = {"$h": id(obj), "type": getattr(obj, "__name__", type(obj).__name__), "callable": callable(obj)}
        if isinstance(obj, type) and issubclass(obj, BaseException):
            tag["exc"] = _builtin_bases(obj)
        return tag

    def resolve(tag):
        if "$r" in tag and tag["$r"] in objects:
            return objects[tag["$r"]]
        raise codec.CodecError("not an object of this process")

    module = None
    while True:
        try:
            request = codec.receive(requests)
        except EOFError:
            return
        try:
            if module is None:
                import solution as module
            target = module if request.get("obj") is None else objects[request["obj"]]
            op = request["op"]
            args = codec.decode(request.get("args", {"$l": []}), resolve)
            if op == "getattr":
                value = getattr(target, request["name"])
            elif op == "call":
                value = target(*args, **codec.decode(request.get("kwargs", {"$d": []}), resolve))
            else:
                value = OPS[op](target, *args)
            answer = {"ok": codec.encode(value, handle)}
        except BaseException as exc:
            answer = {"raise": {"type": type(exc).__name__, "message": str(exc)[:2000],
                                "class": handle(type(exc))}}
        codec.send(answers, answer)


if __name__ == "__main__":
    main()
