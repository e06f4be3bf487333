"""Function-level tasks with verifiable rewards: cut a tested function's body out, find the tests that need it,
and score answers by splicing them back and running those tests in the task's workspace.

- `functions`: stub a function, read an answer's definition, splice it in (text-level, located with `ast`).
- `tasks`: which tests a function answers to, by running the suite with it stubbed.
- `prompt`: the task's user message (file context around the stub, signature, docstring).
- `workspace`: reward-time workspaces built from exported archives, one lock each.
"""
