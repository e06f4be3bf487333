"""The reward harness: files written next to a task's tests so that the code under test never runs where the
test outcomes are decided or reported (see `codemill.rewards`).

- `codec.py` (`_codemill_codec.py` in the work directory): plain values across the process boundary.
- `worker.py` (`_codemill_worker.py`): the process that imports the untrusted `solution` and answers requests.
- `report.py` (`_codemill_report.py`): the pytest plugin that makes the test process non-dumpable, reports a fresh
  key on stdout before any untrusted code exists, and reports every outcome signed with that key. It also serves
  alone, for a repository's own tests (`rl.graded`).
- `conftest.py`: the pytest side of a synthesized task: the signed report, and a `solution` module whose
  attributes are proxies into the worker.
"""

from __future__ import annotations

import os
import threading
from importlib.resources import files
from pathlib import Path

REPORT = {"_codemill_report.py": "report.py"}
FILES = {"conftest.py": "conftest.py", "_codemill_worker.py": "worker.py", "_codemill_codec.py": "codec.py", **REPORT}


def write(work: Path, parts: dict[str, str] = FILES) -> None:
    """Write the harness (or some `parts` of it) into a folder, named as the sandboxed processes import them. A
    file already right is left alone and a wrong one replaced by a rename, so runs that share the folder (a
    workspace's replicas, `rl.workspace`) never import half a file."""
    for name, source in parts.items():
        text, target = files(__package__).joinpath(source).read_text(), work / name
        if target.is_file() and target.read_text() == text:
            continue
        fresh = target.with_name(f".{name}.{os.getpid()}.{threading.get_ident()}")
        fresh.write_text(text)
        os.replace(fresh, target)


PREFIX = "\x1fcodemill-reward "  # as report.py writes it


def signed_outcomes(stdout: str) -> dict[str, str] | None:
    """{test id: outcome} from the report lines the harness signed, or None when the report cannot be trusted:
    no key line first, a line whose signature or number is wrong, a test reported twice, no end record, a
    collection error, or fewer reports than tests collected."""
    import hashlib
    import hmac
    import json

    lines = [line.split(PREFIX, 1)[1] for line in stdout.splitlines() if PREFIX in line]
    if not lines or not lines[0].startswith("key "):
        return None
    key = bytes.fromhex(lines[0][4:].strip())
    outcomes: dict[str, str] = {}
    for n, line in enumerate(lines[1:], start=1):
        body, _, mac = line.rpartition(" ")
        if not hmac.compare_digest(hmac.new(key, body.encode(), hashlib.sha256).hexdigest(), mac):
            return None
        seq, kind, payload = json.loads(body)
        if seq != n:
            return None
        if kind == "test":
            if payload["id"] in outcomes:
                return None
            outcomes[payload["id"]] = payload["outcome"]
        elif kind == "end":
            ok = payload["collect_errors"] == 0 and payload["collected"] == len(outcomes) and n == len(lines) - 1
            return outcomes if ok else None
    return None
