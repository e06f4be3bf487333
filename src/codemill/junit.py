"""pytest's JUnit XML back into {nodeid: status}: one reading for the verifier, mutation testing and eval scripts.

This file is also a script, embedded whole in the SWE-bench eval scripts (`exports.swebench`) and run there by
the task's own interpreter: `python - REPORT ROOT EXIT_CODE` prints `STATUS nodeid` per test, as pytest's short
summary does (what the harness's `parse_log_pytest` reads), then exits with pytest's exit code. So it uses the
standard library only and the syntax of the oldest interpreter an environment is built with (3.7): the ids the
harness grades are made by the very code that made FAIL_TO_PASS, whatever the pytest of the task's era prints.
"""

import os
import re
import sys
import xml.etree.ElementTree as ET

PASSED, FAILED, ERROR, SKIPPED = "PASSED", "FAILED", "ERROR", "SKIPPED"  # SWE-bench's status names
RANK = {PASSED: 0, SKIPPED: 1, FAILED: 2, ERROR: 3}  # a test with several entries (call, teardown) keeps the worst
# What a test that tried to reach another host prints when there is no network (the sandbox runs tests offline):
# the resolver's and the socket layer's errors, as Python, urllib3, requests and httpx word them.
NETWORK = re.compile(
    r"Name or service not known|Temporary failure in name resolution|nodename nor servname|getaddrinfo failed"
    r"|gaierror|Network is unreachable|No route to host|Failed to establish a new connection"
    r"|Max retries exceeded with url|Could not resolve host|ConnectTimeout|httpx\.ConnectError")


def _said(message, text):
    """The first line of a failure's message; for pytest's generic ones ("test failure", before pytest 3), the
    last `E   ` line of its report, where the exception is."""
    line = message.strip().splitlines()[0] if message.strip() else ""
    if line in ("", "test failure", "collection failure") or line.startswith("failed on setup"):
        raised = [row[1:].strip() for row in text.splitlines() if row.startswith("E ") and row[1:].strip()]
        line = raised[-1] if raised else line
    return line[:200]


def parse_junit(data, root=None, offline=None, messages=None, details=None):
    """{nodeid: status} from xunit1 JUnit XML bytes. Without a `file` attribute (pytest before 3.x, or xunit2)
    the nodeid is rebuilt from the dotted classname under `root`. `offline`, a set, receives the tests that
    failed or errored trying to reach the network (`NETWORK` in their failure text); `messages`, a dict, the
    first line of each failing test's message (`TypeError: ... unexpected keyword argument 'strict'`);
    `details`, a dict, the whole report of each failing test (every failure and error, in order)."""
    out = {}
    for case in ET.fromstring(data).iter("testcase"):
        file, classname, name = case.get("file") or "", case.get("classname") or "", case.get("name") or ""
        test = nodeid(file, classname, name) if file or not classname else node_id(classname, name, root)
        status = PASSED
        for child in case:
            if child.tag == "error":
                status = ERROR
            elif child.tag == "failure" and status != ERROR:
                status = FAILED
            elif child.tag == "skipped" and status == PASSED:
                status = SKIPPED
            if child.tag in ("error", "failure"):
                message = child.get("message") or ""
                if offline is not None and NETWORK.search(message + (child.text or "")):
                    offline.add(test)
                said = _said(message, child.text or "") if messages is not None else ""
                if said:
                    messages.setdefault(test, said)
                if details is not None:
                    text = (child.text or "").strip() or message
                    details[test] = details[test] + "\n" + text if details.get(test) else text
        if RANK[status] >= RANK.get(out.get(test, PASSED), 0):
            out[test] = status
    return out


def nodeid(file, classname, name):
    """pytest's nodeid back from JUnit's mangled address: classname is the module path with dots, then classes.

    A collection error has an empty classname and the dotted module as name; it is keyed by the file's path."""
    if not classname:
        return file or name.replace(".", "/") + ".py"
    module = file[:-3] if file.endswith(".py") else file
    module = module.replace("/", ".")
    classes = classname[len(module) + 1:].split(".") if classname.startswith(module + ".") else []
    return "::".join([file, *classes, name])


def node_id(classname, name, root):
    """pytest node id (`tests/test_x.py::TestA::test_b`) when the module file can be found under `root`: the
    dotted classname is split at the longest prefix that is a file."""
    if not classname:
        return name
    parts = classname.split(".")
    if root is not None:
        for cut in range(len(parts), 0, -1):
            module = "/".join(parts[:cut]) + ".py"
            if os.path.isfile(os.path.join(str(root), module)):
                return "::".join([module, *parts[cut:], name])
    return classname + "::" + name


def main(argv):
    """`REPORT ROOT EXIT_CODE`: the summary lines of the report (none when pytest wrote none), then exit with
    pytest's own exit code, so a harness that records `$?` records pytest's."""
    report, root, code = argv[0], argv[1], int(argv[2])
    if os.path.isfile(report):
        with open(report, "rb") as f:
            statuses = parse_junit(f.read(), root)
        for test in sorted(statuses):
            print(statuses[test] + " " + test)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
