"""redact.patch: placeholders only on added lines, so every redacted patch still applies to its real parent; a
secret it cannot hide that way is counted, and `pairs` drops the pair (`secret_in_context`)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import redact_fixtures as fx

from codemill import pipeline
from codemill.config import Config
from codemill.redact.patch import redact_patch

from gitrepo import MIT, Repo
from readback import dropped_rows, kept_rows

PATCH = f"""diff --git a/src/conf.py b/src/conf.py
--- a/src/conf.py
+++ b/src/conf.py
@@ -1,2 +1,3 @@
 OWNER = "jane.smith84@gmail.com"
-TOKEN = "{fx.GHO}"
+TOKEN = "{fx.GH}"
+CONTACT = "ops.lead77@gmail.com"
"""


def test_added_lines_are_redacted_the_rest_is_counted() -> None:
    r = redact_patch(PATCH, "src/conf.py")
    assert fx.GH not in r.text and "ops.lead77@gmail.com" not in r.text
    assert '+TOKEN = "<TOKEN>"' in r.text and '+CONTACT = "<EMAIL>"' in r.text
    assert f'-TOKEN = "{fx.GHO}"' in r.text and ' OWNER = "jane.smith84@gmail.com"' in r.text  # untouched
    assert r.in_context == 2 and r.counts == {"TOKEN": 1, "EMAIL": 1}
    clean = redact_patch(PATCH.replace("jane.smith84@gmail.com", "x").replace(fx.GHO, "y"), "src/conf.py")
    assert clean.in_context == 0
    pem = "".join(f"+{line}\n" for line in fx.PEM.splitlines())
    whole = redact_patch(f"diff --git a/k b/k\n--- /dev/null\n+++ b/k\n@@ -0,0 +1,3 @@\n{pem}", "keys/k")
    assert whole.counts == {"PRIVATE_KEY": 1} and whole.in_context == 0


def _applies(repo: Path, sha: str, diff: str) -> bool:
    env = {"GIT_INDEX_FILE": str(repo / ".git" / "check-index"), "PATH": "/usr/bin:/bin"}
    parent = subprocess.run(["git", "rev-parse", "-q", "--verify", f"{sha}^"], cwd=repo, capture_output=True,
                            text=True, env=env).stdout.strip()
    subprocess.run(["git", "read-tree", parent or "--empty"], cwd=repo, env=env, check=True)  # a root: empty
    proc = subprocess.run(["git", "apply", "--cached", "--check", "-"], cwd=repo, input=diff.encode(), env=env)
    return proc.returncode == 0


def test_exported_patches_apply_to_their_real_parents(tmp_path: Path) -> None:
    r = Repo(tmp_path / "svc")
    r.commit("Start the service settings", {"LICENSE": MIT, "settings.py": 'OWNER = "jane.smith84@gmail.com"\n'
                                            'TIMEOUT = 10\n', "tests/test_url.py": "URL = 'x'\n"})
    r.commit("Raise the request timeout to 30 seconds for slow uploads",
             {"settings.py": 'OWNER = "jane.smith84@gmail.com"\nTIMEOUT = 30\n'})  # the secret is context
    r.commit("Read the deploy token from settings for the release upload",
             {"settings.py": f'OWNER = "x"\nTIMEOUT = 30\nTOKEN = "{fx.GH}"\n'})  # removed and added lines
    r.commit("Parse credentials out of URLs in the test fixtures for the proxy",
             {"tests/test_url.py": "URL = 'https://user:pass@example.com/'\nMAIL = 'username@gmail.com'\n"})
    out = tmp_path / "run"
    cfg = Config.model_validate({"run": {"workers": 1}, "select": {"min_score": 0.0}})
    assert pipeline.run(out, cfg, [str(r.path)], only=["sources", "repos", "commits", "events", "issues",
                                                        "reviews", "pairs"]).ok
    dropped = {p["instruction"].split()[0]: p["drop_reason"] for p in dropped_rows(out, "pairs")}
    assert dropped["Raise"] == dropped["Read"] == "secret_in_context"
    kept = {p["instruction"].split()[0]: p for p in kept_rows(out, "pairs")}
    fixture = kept["Parse"]
    assert "user:pass@example.com" in fixture["response"] and "username@gmail.com" in fixture["response"]
    for p in kept.values():
        assert _applies(r.path, p["commit_sha"], p["response"]), p["instruction"]
