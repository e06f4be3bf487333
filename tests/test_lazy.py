"""A package whose re-exports load on first use offers exactly what its `if TYPE_CHECKING:` block imports, the
same objects as the submodules'."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from codemill.lazy import _exports

LAZY = ["codemill.files", "codemill.licenses", "codemill.quality", "codemill.llm", "codemill.sandbox"]


@pytest.mark.parametrize("name", LAZY)
def test_every_re_export_is_its_submodules_object(name: str) -> None:
    package = importlib.import_module(name)
    exports = _exports(package.__file__)
    assert set(package.__all__) == set(exports)
    for attr, (module, original) in exports.items():
        assert getattr(package, attr) is getattr(importlib.import_module(module), original)
        assert attr in dir(package)
    with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
        _ = package.not_a_name


def test_a_submodule_is_still_imported_by_name() -> None:
    from codemill.licenses import aliases, normalize

    assert aliases.__name__ == "codemill.licenses.aliases" and callable(normalize)


def test_a_name_shared_with_its_submodule_stays_the_name_once_the_submodule_is_imported() -> None:
    """`codemill.files.decode` is a function and a module: importing the module first (as `stages.files` does,
    through another submodule) must not turn `from codemill.files import decode` into the module."""
    code = ("import codemill.files.decode, codemill.licenses.resolve; from codemill.files import decode; "
            "from codemill.licenses import resolve; print(callable(decode), callable(resolve), decode.__module__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    assert out.stdout.split() == ["True", "True", "codemill.files.decode"]
