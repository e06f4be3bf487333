"""A package whose re-exports load on first use offers exactly what its `if TYPE_CHECKING:` block imports, the
same objects as the submodules'; and the config, which every command reads, loads none of what it never calls."""

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


def test_reading_a_config_and_judging_a_run_imports_no_stage_pyarrow_or_numpy() -> None:
    """What `codemill status` imports, in a fresh interpreter: the built-ins are judged from their source."""
    code = ("import sys; from codemill.cli import status; from codemill.cli.terminal import print_status; "
            "from codemill.config import Config; from codemill.lineup import judged_stages; "
            "[s.code_version() for s in judged_stages(Config())]; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pyarrow', 'numpy', 'pygments') "
            "or m.startswith(('codemill.stages.', 'codemill.pipeline', 'codemill.engine.stage', "
            "'codemill.engine.executors')) and m not in ('codemill.stages.index', 'codemill.stages.user')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    assert out.stdout.strip() == "[]"
