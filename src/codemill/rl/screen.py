"""Screening a model's function before it is spliced into a repository and run in the process of the tests.

A synthesized task's answer runs apart from its tests (`rl.harness`). A repository function's answer cannot: it is
code of the repository's module, called with the repository's objects from inside pytest. So what it may say is
checked before it runs, and an answer that could reach the process around it scores 0 without running:
- imports of anything but pure-computation standard modules, the repository's own package and what its module
  already imports;
- the builtins that evaluate, open, or hand out namespaces (`eval`, `exec`, `open`, `globals`, `__import__`, ...),
  and `getattr`-style access whose attribute name is not a literal the screen can read;
- the attributes that lead from any object to frames, globals, code, modules or subclasses (`__globals__`,
  `f_back`, `__subclasses__`, `modules`, ...), and the process controls of `os` and `sys`;
- any use of a module that controls the process or pytest (`subprocess`, `ctypes`, `atexit`, `signal`, `gc`,
  `inspect`, `pytest`, ...), however the repository's module bound it, and attributes named like them (any
  module leads to `sys` through the modules it imported: `re.enum.sys`);
- a class defined in the answer that decides its own equality or truth (an object equal to everything passes
  every `assert result == expected`), and `type()` with three arguments.

It is a screen, not a proof: Python has no boundary inside a process. The rest of the defence does not depend on
it: the tree is read-only to the run, and outcomes come from a report signed by a plugin loaded before any
repository code (`rl.graded`). What the screen refuses, it names, so a refused reference is visible in the funnel.
"""

from __future__ import annotations

import ast
import symtable
import sys
from collections.abc import Iterator, Mapping
from functools import lru_cache
from types import MappingProxyType

SAFE_MODULES = frozenset({
    "abc", "array", "base64", "binascii", "bisect", "calendar", "cmath", "collections", "contextlib", "copy",
    "dataclasses", "datetime", "decimal", "difflib", "enum", "fnmatch", "fractions", "functools", "hashlib",
    "heapq", "html", "ipaddress", "itertools", "json", "keyword", "math", "numbers", "operator", "posixpath",
    "random", "re", "statistics", "string", "struct", "textwrap", "time", "typing", "unicodedata", "urllib",
    "uuid", "warnings", "zlib",
})
# Modules no answer may touch, however they were bound: they control processes, the interpreter or pytest.
PROCESS_MODULES = frozenset({
    "_pytest", "atexit", "builtins", "code", "codeop", "ctypes", "faulthandler", "gc", "importlib", "inspect",
    "marshal", "multiprocessing", "os", "pdb", "pickle", "pluggy", "pty", "pytest", "resource", "runpy", "signal",
    "site", "socket", "subprocess", "sys", "threading", "_thread", "trace", "tracemalloc", "types", "unittest",
})
# Attribute names that lead from almost any module to the process (`re.enum.sys.exit`): the modules' own names,
# except those that are common words for ordinary attributes (`self.code`, `self.signal`, `self.types`).
MODULE_ATTRIBUTES = frozenset({
    "_pytest", "atexit", "builtins", "ctypes", "faulthandler", "gc", "importlib", "inspect", "marshal",
    "multiprocessing", "os", "pluggy", "pytest", "runpy", "subprocess", "sys", "_thread", "tracemalloc",
})
# What of `os` and `sys` an answer may use: paths, constants, the environment, listing folders.
ALLOWED_MEMBERS = {
    "os": frozenset({"path", "sep", "altsep", "extsep", "pathsep", "linesep", "curdir", "pardir", "devnull", "name",
                     "environ", "getenv", "fspath", "fsencode", "fsdecode", "PathLike", "getcwd", "cpu_count",
                     "listdir", "scandir", "walk", "stat", "strerror", "urandom", "SEEK_SET", "SEEK_CUR",
                     "SEEK_END"}),
    "sys": frozenset({"version_info", "version", "hexversion", "platform", "implementation", "maxsize", "maxunicode",
                      "byteorder", "float_info", "int_info", "getsizeof", "getrecursionlimit", "exc_info",
                      "exception", "getdefaultencoding", "getfilesystemencoding", "intern", "stdout", "stderr",
                      "stdin", "argv", "executable", "flags"}),
    "inspect": frozenset({"isclass", "isfunction", "ismethod", "isroutine", "isbuiltin", "iscoroutinefunction",
                          "iscoroutine", "isawaitable", "isgenerator", "isgeneratorfunction", "isasyncgenfunction",
                          "isabstract", "ismodule", "isdatadescriptor", "signature", "Signature", "Parameter",
                          "getdoc", "cleandoc", "getfullargspec", "unwrap", "getattr_static"}),
    "types": frozenset({"SimpleNamespace", "MappingProxyType", "MethodType", "GeneratorType", "CoroutineType",
                        "AsyncGeneratorType", "BuiltinFunctionType", "BuiltinMethodType", "FunctionType",
                        "LambdaType", "ModuleType", "TracebackType", "FrameType", "NoneType", "GenericAlias",
                        "UnionType", "MethodWrapperType", "WrapperDescriptorType"}),
}
FORBIDDEN_NAMES = frozenset({
    "__import__", "eval", "exec", "compile", "globals", "locals", "vars", "open", "breakpoint", "input", "exit",
    "quit", "help", "__builtins__", "__loader__", "__spec__", "SystemExit", "KeyboardInterrupt", "memoryview",
})
FORBIDDEN_ATTRIBUTES = frozenset({
    "__globals__", "__builtins__", "__code__", "__closure__", "__subclasses__", "__bases__", "__base__", "__mro__",
    "__getattribute__", "__reduce__", "__reduce_ex__", "__loader__", "__spec__", "__self__", "__func__",
    "__traceback__", "__import__", "__dict__", "__setattr__", "__delattr__", "__class_getitem__", "__init_subclass__",
    "f_back", "f_globals", "f_locals", "f_builtins", "f_trace", "f_code", "gi_frame", "gi_code", "cr_frame",
    "cr_code", "ag_frame", "ag_code", "tb_frame", "tb_next", "co_code", "modules", "_getframe", "_current_frames",
    "settrace", "setprofile", "addaudithook", "_exit", "system", "popen", "Popen", "fork", "forkpty", "kill",
    "killpg", "abort", "execv", "execve", "execvp", "execvpe", "execl", "execle", "execlp", "execlpe", "spawnv",
    "spawnve", "spawnl", "posix_spawn", "posix_spawnp", "read_text", "read_bytes", "write_text", "write_bytes",
})
ATTRIBUTE_BUILTINS = frozenset({"getattr", "setattr", "delattr", "hasattr"})
# A class that decides these for itself can stand for any expected value.
JUDGING_METHODS = frozenset({"__eq__", "__ne__", "__bool__", "__len__", "__hash__", "__contains__", "__lt__",
                             "__le__", "__gt__", "__ge__", "__instancecheck__", "__subclasscheck__", "__getattr__"})


def refusal(definition: str, module_source: str) -> str | None:
    """Why the answer `definition` may not run inside its module (`module_source`, the repository's file), or
    None when the screen finds nothing."""
    try:
        tree = ast.parse(definition)
    except SyntaxError:
        return "does not parse"
    module_bound, own = _module_context(module_source)
    bound = {**module_bound, **_bindings(tree)}
    free = _free_names(definition)
    for node in _executed(tree):
        why = _check(node, bound, own, free)
        if why:
            return why
    return None


def _executed(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node, but annotations without a call in them: they only name types (`tb: TracebackType`)."""
    todo = [tree]
    while todo:
        node = todo.pop()
        yield node
        for name, value in ast.iter_fields(node):
            children = value if isinstance(value, list) else [value]
            for child in children:
                if not isinstance(child, ast.AST):
                    continue
                if name in ("annotation", "returns") and not any(isinstance(n, ast.Call) for n in ast.walk(child)):
                    continue
                todo.append(child)


def _free_names(definition: str) -> frozenset[str]:
    """Names some scope of the answer takes from its module or the builtins rather than binding them itself: a
    parameter called `help` or `input` is not the builtin."""
    out: set[str] = set()
    try:
        todo = [symtable.symtable(definition, "answer", "exec")]
    except SyntaxError:  # `nonlocal` of a scope outside the answer: every name counts as free
        return frozenset(n.id for n in ast.walk(ast.parse(definition)) if isinstance(n, ast.Name))
    while todo:
        table = todo.pop()
        todo.extend(table.get_children())
        top = table.get_type() == "module"
        out.update(sym.get_name() for sym in table.get_symbols() if sym.is_referenced() and (
            (top and not sym.is_assigned() and not sym.is_imported()) or (not top and sym.is_global())))
    return frozenset(out)


def _check(node: ast.AST, bound: Mapping[str, str], own: frozenset[str], free: frozenset[str]) -> str | None:
    if isinstance(node, ast.Import | ast.ImportFrom):
        if isinstance(node, ast.ImportFrom) and node.level:
            return None  # the repository's own package
        names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
        for name in names:
            top = name.split(".")[0]
            if not (top in ALLOWED_MEMBERS or (top not in PROCESS_MODULES and (top in SAFE_MODULES or top in own))):
                return f"imports {name}"
            bad = [a.name for a in node.names if a.name not in ALLOWED_MEMBERS.get(top, ())]
            if isinstance(node, ast.ImportFrom) and top in ALLOWED_MEMBERS and bad:
                return f"imports {top}.{bad[0]}"
    elif isinstance(node, ast.Name) and node.id in free:
        if node.id in FORBIDDEN_NAMES:
            return f"uses {node.id}"
        origin = bound.get(node.id, "")
        if origin.split(".")[0] in PROCESS_MODULES and (
                origin not in ALLOWED_MEMBERS and not _allowed_member(origin)):
            return f"uses {node.id} ({origin})"
    elif isinstance(node, ast.Attribute):
        return _attribute(node, node.attr, bound)
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        if node.func.id in ATTRIBUTE_BUILTINS:
            name = node.args[1] if len(node.args) > 1 else None
            if not (isinstance(name, ast.Constant) and isinstance(name.value, str)):
                return f"{node.func.id}() with a name the screen cannot read"
            if name.value in FORBIDDEN_ATTRIBUTES or name.value in MODULE_ATTRIBUTES:
                return f"{node.func.id}(…, {name.value!r})"
        if node.func.id == "type" and len(node.args) == 3:
            return "creates a class with type()"
    elif isinstance(node, ast.ClassDef):
        judged = {f.name for f in node.body if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)}
        judged |= {t.id for a in node.body if isinstance(a, ast.Assign) for t in a.targets if isinstance(t, ast.Name)}
        if found := sorted(judged & JUDGING_METHODS):
            return f"defines a class that decides its own {found[0]}"
    elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("__") and (
            node.value in FORBIDDEN_ATTRIBUTES or node.value in JUDGING_METHODS):
        return f"names {node.value}"
    return None


def _attribute(node: ast.Attribute, attr: str, bound: Mapping[str, str]) -> str | None:
    if attr in FORBIDDEN_ATTRIBUTES or attr in MODULE_ATTRIBUTES:
        return f"uses .{attr}"
    if attr in JUDGING_METHODS and not isinstance(node.ctx, ast.Load):
        return f"replaces a class's {attr}"
    if isinstance(node.value, ast.Name):
        origin = bound.get(node.value.id, node.value.id if node.value.id in ALLOWED_MEMBERS else "")
        if origin in ALLOWED_MEMBERS and attr not in ALLOWED_MEMBERS[origin]:
            return f"uses {origin}.{attr}"
    return None


def _allowed_member(origin: str) -> bool:
    module, _, member = origin.partition(".")
    return module in ALLOWED_MEMBERS and member.split(".")[0] in ALLOWED_MEMBERS[module]


def _bindings(tree: ast.AST) -> dict[str, str]:
    """{name: dotted origin} of the imports in a tree (`import os.path as p` → {"p": "os.path"})."""
    bound: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                bound[alias.asname or top] = alias.name if alias.asname else top
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            for alias in node.names:
                bound[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return bound


@lru_cache(maxsize=64)
def _module_context(source: str) -> tuple[Mapping[str, str], frozenset[str]]:
    """The repository module's import bindings, and the top-level names it imports that are not standard modules
    (its own package and its dependencies, which the answer may import again: the module already holds them).
    Parsed once per module text: every reward of a task screens against the same file."""
    try:
        bound = _bindings(ast.parse(source))
    except SyntaxError:
        bound = {}
    own = frozenset(origin.split(".")[0] for origin in bound.values()
                    if origin.split(".")[0] not in sys.stdlib_module_names)
    return MappingProxyType(bound), own
