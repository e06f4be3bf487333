"""Run untrusted commands (repository test suites, model-written solutions) under bubblewrap with limits.

`Sandbox().run(argv, workdir, Limits(...)) -> Result`. The default mode isolates with bwrap: new user, pid,
network, ipc, uts and cgroup namespaces, the command runs as uid 65534, sees a read-only system and codemill's
Python, a writable workdir, a fresh /tmp, and a clean environment (see `codemill.sandbox.bwrap` for exactly what is
bound and why). `mode="unsafe-subprocess"` keeps only the limits (see `codemill.sandbox.core`) and must be asked
for by name. `available()` says whether bwrap works here and, if not, why.
"""

from typing import TYPE_CHECKING

from codemill.lazy import lazy_exports

if TYPE_CHECKING:
    from codemill.sandbox.core import Sandbox, available
    from codemill.sandbox.model import Killed, Limits, Mode, Result, SandboxUnavailable

__all__ = ["Killed", "Limits", "Mode", "Result", "Sandbox", "SandboxUnavailable", "available"]

__getattr__, __dir__ = lazy_exports(__name__, __file__)  # imported when first used (`codemill.lazy`)
