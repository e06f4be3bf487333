"""The signed test report: a pytest plugin that decides and reports outcomes where the code under test cannot
forge them (`_codemill_report.py` in the sandbox; loaded by the reward harness's `conftest.py`, or with
`-p _codemill_report` before a repository's own code is imported).

At import, before any untrusted code exists, the process makes itself non-dumpable (no other process of the
sandbox may read its memory, environment or file descriptors, or ptrace it) and writes a fresh random key as the
first report line on stdout. Every outcome is then reported signed with the key (HMAC-SHA256, numbered), and the
session's end with the number of tests collected and collection errors; codemill trusts nothing else
(`codemill.rl.harness.signed_outcomes`). Anything in the sandbox can write to stdout (through `/proc/1/fd/1`),
but only this process holds the key. Stdlib only: this file is copied into the sandbox.
"""

import ctypes
import hashlib
import hmac
import json
import os
import secrets

PREFIX = "\x1fcodemill-reward "
PR_SET_DUMPABLE = 4
_KEY = secrets.token_bytes(32)
_OUT = os.dup(1)  # stdout as it is now: pytest's output capturing later redirects fd 1 around each test
_state = {"seq": 0, "collect_errors": 0, "outcome": {}}


def _emit(kind, payload):
    _state["seq"] += 1
    body = json.dumps([_state["seq"], kind, payload], sort_keys=True)
    mac = hmac.new(_KEY, body.encode(), hashlib.sha256).hexdigest()
    os.write(_OUT, f"\n{PREFIX}{body} {mac}\n".encode())  # on a line of its own, whatever pytest printed


if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
    raise RuntimeError("cannot make the test process non-dumpable: its report could be forged")
os.write(_OUT, f"{PREFIX}key {_KEY.hex()}\n".encode())


def pytest_collectreport(report):
    if report.failed:
        _state["collect_errors"] += 1


def pytest_runtest_logreport(report):
    seen = _state["outcome"].get(report.nodeid)
    if report.when == "setup":
        _state["outcome"][report.nodeid] = "passed" if report.passed else report.outcome
    elif report.when == "call" and seen == "passed":
        _state["outcome"][report.nodeid] = report.outcome
    elif report.when == "teardown":
        final = seen if report.passed else "error"
        _emit("test", {"id": report.nodeid, "outcome": final})


def pytest_sessionfinish(session, exitstatus):
    _emit("end", {"collected": session.testscollected, "collect_errors": _state["collect_errors"]})
