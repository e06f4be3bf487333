"""Run untrusted commands (repository test suites, model-written solutions) under bubblewrap with limits.

`Sandbox().run(argv, workdir, Limits(...)) -> Result`. The default mode isolates with bwrap: new user, pid,
network, ipc, uts and cgroup namespaces, the command runs as uid 65534, sees a read-only system and codemill's
Python, a writable workdir, a fresh /tmp, and a clean environment (see `codemill.sandbox.bwrap` for exactly what is
bound and why). `mode="unsafe-subprocess"` keeps only the limits (see `codemill.sandbox.core`) and must be asked
for by name. `available()` says whether bwrap works here and, if not, why.
"""

from codemill.sandbox.core import Sandbox, available
from codemill.sandbox.model import Killed, Limits, Mode, Result, SandboxUnavailable

__all__ = ["Killed", "Limits", "Mode", "Result", "Sandbox", "SandboxUnavailable", "available"]
