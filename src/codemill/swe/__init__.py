"""SWE-bench-style task instances verified by running tests in the sandbox.

- `split`: a commit's diff into the code patch and the test patch.
- `env`: the environment recipe from the repository's packaging files, and the venv built from it.
- `run`: per-test outcomes of pytest runs in the sandbox, repeated to find flaky tests.
- `instance`: `verify` (FAIL_TO_PASS / PASS_TO_PASS) and `SWEInstance` in SWE-bench and SWE-Gym forms.
"""
