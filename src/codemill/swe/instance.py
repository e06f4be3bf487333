"""SWE-bench-style task instances: a base commit, the code patch to be written, the test patch that grades it, and
the tests that go from failing to passing (FAIL_TO_PASS) or keep passing (PASS_TO_PASS) when the patch is applied.

`verify` establishes those lists by running the tests, twice per state so flaky tests are left out: an instance is
only worth keeping when some test demonstrably fails without the code change and passes with it.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from codemill.failures.store import Failure, stored_failures
from codemill.git import read as gitread
from codemill.junit import ERROR, FAILED, PASSED, SKIPPED
from codemill.paths import is_test_path
from codemill.sandbox import Sandbox
from codemill.swe.env import (
    EnvRecipe,
    EnvResult,
    build_in_era,
    declares_dependencies,
    detect_recipe,
    present,
    reinstall,
)
from codemill.swe.run import TEST_LIMITS, Outcomes, TestRunError, stable_outcomes
from codemill.swe.split import patch_files, split_patch

Reason = Literal["no_test_patch", "no_code_patch", "env_failed", "patch_failed", "run_failed", "timeout",
                 "no_fail_to_pass", "all_flaky", "import_error_only", "needs_network"]


@dataclass
class SWEInstance:
    """One task in SWE-bench's fields, plus how its environment was built (recipe and frozen requirements)."""

    repo: str
    instance_id: str
    base_commit: str
    patch: str
    test_patch: str
    problem_statement: str
    hints_text: str = ""
    created_at: str = ""
    version: str = ""
    FAIL_TO_PASS: list[str] = field(default_factory=list)
    PASS_TO_PASS: list[str] = field(default_factory=list)
    environment_setup_commit: str = ""
    env_recipe: dict[str, Any] = field(default_factory=dict)
    requirements: list[str] = field(default_factory=list)  # pip freeze of the verified environment

    def to_swegym(self) -> dict[str, Any]:
        """Test lists as lists, as SWE-Gym and most trainers read them."""
        return asdict(self)

    def to_swebench(self) -> dict[str, Any]:
        """Test lists as JSON strings, as the SWE-bench harness (and its Hugging Face datasets) store them."""
        row = asdict(self)
        row["FAIL_TO_PASS"], row["PASS_TO_PASS"] = json.dumps(self.FAIL_TO_PASS), json.dumps(self.PASS_TO_PASS)
        return row


@dataclass
class Verification:
    """What running the tests before and after the code patch showed; `kept` iff FAIL_TO_PASS is non-empty."""

    kept: bool
    reason: Reason | None = None
    detail: str = ""
    fail_to_pass: list[str] = field(default_factory=list)
    pass_to_pass: list[str] = field(default_factory=list)
    flaky: list[str] = field(default_factory=list)
    before: dict[str, str] = field(default_factory=dict)
    after: dict[str, str] = field(default_factory=dict)
    env: EnvResult | None = None
    recipe: EnvRecipe | None = None
    tests: list[str] | None = None
    failures: list[Failure] = field(default_factory=list)  # FAIL_TO_PASS tests' reports before the change
    failures_redacted: list[str] = field(default_factory=list)  # kinds of secrets redacted from them


def verify(repo_path: Path, base_commit: str, code_patch: str, test_patch: str, sandbox: Sandbox, *,
           repeats: int = 2, tests: list[str] | None = None, scratch: Path | None = None,
           require_test_patch: bool = True, era: bool = True, keep_import_errors: bool = False,
           build_budget: float | None = None) -> Verification:
    """Build the env at `base_commit`, apply the test patch, run, apply the code patch, run again; compare.

    `tests` defaults to the test files the test patch leaves in the tree (as SWE-bench runs them), or the whole
    suite when it touches none (fixtures only). The checkout is a throwaway local clone, so the repository itself
    is never changed and git metadata (for setuptools-scm and the like) is there inside the sandbox. A synthesized
    bug's tests already exist: it is verified with `require_test_patch=False` and an empty test patch. With `era`,
    the environment is first built with the interpreter and packages of the base commit's date (`swe.era`);
    `build_budget` seconds bound the eras tried (`build_in_era`).
    """
    if require_test_patch and not test_patch.strip():
        return Verification(False, "no_test_patch")
    original_sandbox, original_tests = sandbox, tests
    if not code_patch.strip():
        return Verification(False, "no_code_patch")
    with tempfile.TemporaryDirectory(prefix="codemill-swe-", dir=scratch) as tmp:
        checkout = Path(tmp) / "checkout"
        _git(Path(tmp), "clone", "-q", "--no-checkout", str(Path(repo_path).resolve()), str(checkout))
        _git(checkout, "checkout", "-q", "--detach", base_commit)
        # Builds and tests may read git metadata (setuptools-scm) but never write it: a `core.fsmonitor` or a
        # filter planted in .git/config would run on the host at the next `git apply` or `git clean`.
        sandbox = sandbox.derive(frozen=(*sandbox.frozen, ".git"))
        recipe = detect_recipe(checkout)
        when = datetime.fromtimestamp(int(_git(checkout, "show", "-s", "--format=%ct", "HEAD").strip()), UTC)
        env, sandbox = build_in_era(checkout, recipe, sandbox, when, pinned=era, collect=True,
                                    budget_seconds=build_budget)
        if not env.ok:
            return Verification(False, "env_failed", env.failure(4000), env=env, recipe=recipe)
        if test_patch.strip() and (why := _apply(checkout, test_patch)) is not None:
            return Verification(False, "patch_failed", f"test patch: {why}", env=env)
        if tests is None:
            tests = [p for p in patch_files(test_patch) if p.endswith(".py") and not p.endswith("conftest.py")
                     and is_test_path(p) and (checkout / p).is_file()] or None
        try:
            before = stable_outcomes(checkout, tests, sandbox, TEST_LIMITS, repeats)
            if (why := _apply(checkout, code_patch)) is not None:
                return Verification(False, "patch_failed", f"code patch: {why}", env=env, before=before.statuses)
            if any(declares_dependencies(path) for path in patch_files(code_patch)):
                # The change declares dependencies of its own: install them, as its CI would have, before the
                # tests that need them run.
                updated = reinstall(checkout, sandbox, env)
                if not updated.ok:
                    return Verification(False, "env_failed", "after the code patch: " + updated.failure(4000),
                                        env=updated, recipe=recipe, before=before.statuses)
                env = replace(updated, failed_eras=env.failed_eras)
            after = stable_outcomes(checkout, tests, sandbox, TEST_LIMITS, repeats)
        except TestRunError as exc:
            reason: Reason = "timeout" if exc.killed in ("wall", "cpu") else "run_failed"
            return Verification(False, reason, str(exc), env=env, recipe=recipe, tests=tests)
    result = compare(before, after, env, tests, keep_import_errors=keep_import_errors)
    result.recipe = recipe
    _drop_located(result, tmp)
    # What the tests said before the change, kept for debugging pairs: bounded, redacted, scratch paths made
    # relative to the checkout (inside the sandbox it is bound at the same path).
    result.failures, result.failures_redacted = stored_failures(
        before.details, result.fail_to_pass, (str(checkout.resolve()), str(checkout), tmp))
    skipped = [t for t, status in after.statuses.items() if status == SKIPPED and before.statuses.get(t) != PASSED]
    if era and not result.kept and skipped and env.era != present().to_dict():
        # An era's interpreter can be older than the new tests need (`importorskip("tomllib")`): the present's
        # environment decides instead of calling the change untestable.
        again = verify(repo_path, base_commit, code_patch, test_patch, original_sandbox, repeats=repeats,
                       tests=original_tests, scratch=scratch, require_test_patch=require_test_patch, era=False,
                       keep_import_errors=keep_import_errors, build_budget=build_budget)
        tried = (f"python {env.era['python'] if env.era else '?'} (the commit's era) skipped {len(skipped)} "
                 f"test(s) ({result.detail}), so today's environment was tried")
        if not again.kept and again.reason in ("env_failed", "patch_failed", "run_failed", "timeout"):
            # Today's environment could not even run the tests: the era's finding stands, with what was tried.
            result.detail = f"{tried}, and failed ({again.reason}): {again.detail}"
            return result
        again.detail = tried + (f"; {again.detail}" if again.detail else "")
        return again
    return result


def _drop_located(result: Verification, scratch: str) -> None:
    """Leave out tests whose id names the verifier's scratch path (a test parametrized with `tmp_path` or the
    checkout's absolute path): the same test gets another id anywhere else, so no harness could grade it."""
    located = [t for t in (*result.fail_to_pass, *result.pass_to_pass) if scratch in t]
    if not located:
        return
    result.fail_to_pass = [t for t in result.fail_to_pass if scratch not in t]
    result.pass_to_pass = [t for t in result.pass_to_pass if scratch not in t]
    if result.kept and not result.fail_to_pass:
        result.kept, result.reason = False, "no_fail_to_pass"
        result.detail = (f"every FAIL_TO_PASS test's id names the verifier's own path ({len(located)} test(s), "
                         f"e.g. {located[0]}): no other checkout would run it under that id")


def compare(before: Outcomes, after: Outcomes, env: EnvResult | None = None,
            tests: list[str] | None = None, *, keep_import_errors: bool = False) -> Verification:
    """FAIL_TO_PASS: failed, errored or absent (not collectable) before and passed after; PASS_TO_PASS: passed
    both times; flaky tests in neither.

    When every FAIL_TO_PASS test was absent before (its file could not even be imported), the instance grades
    an import, not a behaviour: it is refused as `import_error_only` unless `keep_import_errors` (SWE-bench keeps
    them). A refusal says what the runs showed, so its causes can be told apart."""
    flaky = before.flaky | after.flaky
    f2p = [t for t, s in after.statuses.items() if s == PASSED and before.statuses.get(t, ERROR) in (FAILED, ERROR)]
    p2p = [t for t, s in after.statuses.items() if s == PASSED and before.statuses.get(t) == PASSED]
    kept_f2p = sorted(t for t in f2p if t not in flaky)
    result = Verification(bool(kept_f2p), fail_to_pass=kept_f2p, pass_to_pass=sorted(t for t in p2p if t not in flaky),
                          flaky=sorted(flaky), before=before.statuses, after=after.statuses, env=env, tests=tests)
    offline = sorted(t for t in after.offline if after.statuses.get(t) in (FAILED, ERROR))
    if not kept_f2p:
        result.reason = "all_flaky" if f2p else "needs_network" if offline else "no_fail_to_pass"
        result.detail = _outcome_summary(before, after)
        if offline:
            result.detail = (f"{len(offline)} test(s) failed reaching the network after the change (tests run "
                             f"offline), e.g. {offline[0]}; {result.detail}")
    elif not keep_import_errors and all(t not in before.statuses for t in kept_f2p):
        result.kept, result.reason = False, "import_error_only"
        result.detail = (f"all {len(kept_f2p)} FAIL_TO_PASS test(s) could not be collected before the change "
                         f"(they fail at import, not at an assertion; `[tasks] keep_import_errors` keeps such "
                         f"instances); {_outcome_summary(before, after)}")
    return result


def _outcome_summary(before: Outcomes, after: Outcomes) -> str:
    """Counts of each status before and after, and the files that failed to collect: enough to tell a patch
    with no effect from tests that never ran, were skipped or could not be imported."""
    def counts(o: Outcomes) -> str:
        tally = Counter(s for t, s in o.statuses.items() if "::" in t)
        return ", ".join(f"{n} {s.lower()}" for s, n in sorted(tally.items())) or "no test collected"

    def uncollectable(o: Outcomes) -> list[str]:
        return sorted(t for t, s in o.statuses.items() if "::" not in t and s == ERROR)

    text = f"before: {counts(before)}; after: {counts(after)}"
    failing = [after.messages[t] for t, s in after.statuses.items() if s in (FAILED, ERROR) and t in after.messages]
    if failing:  # what most failures after the change say: an API of the interpreter, a missing fixture...
        message, n = Counter(failing).most_common(1)[0]
        text += f"; commonest failure after: {message} ({n} of {len(failing)})"
    for name, o in (("before", before), ("after", after)):
        if bad := uncollectable(o):
            text += f"; not collectable {name}: {', '.join(bad[:5])}" + (f" (+{len(bad) - 5})" if len(bad) > 5 else "")
    return text


def instance_from_commit(repo_path: Path, commit: str, sandbox: Sandbox, *, repo: str | None = None,
                         version: str | None = None, repeats: int = 2, era: bool = True,
                         scratch: Path | None = None, base: str | None = None,
                         instance_id: str | None = None, keep_import_errors: bool = False,
                         build_budget: float | None = None) -> tuple[SWEInstance | None, Verification]:
    """The instance the change base → `commit` makes, if verified, and the verification. `base` defaults to the
    commit's first parent; a pull request's is its merge-base and `commit` its tip."""
    repo_path = Path(repo_path)
    # The source repository is read through libgit2: its own config and attributes run nothing (`gitread`).
    base = gitread.rev_parse(repo_path, base or f"{commit}^1")
    commit = gitread.rev_parse(repo_path, commit)
    diff = gitread.patch(repo_path, base, commit)
    code_patch, test_patch = split_patch(diff)
    verification = verify(repo_path, base, code_patch, test_patch, sandbox, repeats=repeats, scratch=scratch,
                          era=era, keep_import_errors=keep_import_errors, build_budget=build_budget)
    if not verification.kept:
        return None, verification
    name = repo or repo_path.name
    stamp = gitread.commit_time(repo_path, commit)
    env = verification.env
    instance = SWEInstance(
        repo=name,
        instance_id=instance_id or f"{name.replace('/', '__')}-{commit[:12]}",
        base_commit=base,
        patch=code_patch,
        test_patch=test_patch,
        problem_statement=gitread.message(repo_path, commit).strip(),
        created_at=datetime.fromtimestamp(stamp, UTC).isoformat().replace("+00:00", "Z"),
        version=version or (verification.recipe.package_version if verification.recipe else None) or "",
        FAIL_TO_PASS=verification.fail_to_pass,
        PASS_TO_PASS=verification.pass_to_pass,
        environment_setup_commit=base,
        env_recipe={**(verification.recipe.to_dict() if verification.recipe else {}),
                    "era": env.era if env else None, "failed_eras": list(env.failed_eras) if env else []},
        requirements=list(env.frozen) if env else [],
    )
    return instance, verification


def _apply(checkout: Path, patch: str) -> str | None:
    """git apply in the clone; the error text when the patch does not apply."""
    proc = subprocess.run(["git", "-C", str(checkout), "apply", "--whitespace=nowarn", "-"], input=patch.encode(),
                          capture_output=True, check=False)
    return None if proc.returncode == 0 else proc.stderr.decode(errors="replace").strip()


def _git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout.decode(errors="replace")

