"""The prompt of a function task: the file around the stub, the signature and docstring, and the answer format.

The model sees what a developer would: the module's imports and the code around the function, with the body
cut out; a long file is cut to `budget` characters, the imports first (a fifth of the budget) and then the lines
nearest the function. The answer format (one fenced Python block with the whole definition) is what
`codemill.rewards` reads back.
"""

from __future__ import annotations

from codemill.rl.functions import Stubbed

ELIDED = "# ...\n"


def context(stubbed: Stubbed, budget: int) -> str:
    """The stubbed file, or as much of it as fits in `budget` characters around the stub."""
    text = stubbed.source
    if len(text) <= budget:
        return text
    lines = text.splitlines(keepends=True)
    at = stubbed.line
    head, used = [], 0
    for line in lines[:at]:
        if (line.strip() and not line.startswith(("import ", "from "))) or used + len(line) > budget // 5:
            break
        head.append(line)
        used += len(line)
    lo = hi = at
    used += len(lines[at])
    while True:  # widen around the stub, one line each side at a time
        grew = False
        if hi + 1 < len(lines) and used + len(lines[hi + 1]) <= budget:
            hi += 1
            used += len(lines[hi])
            grew = True
        if lo - 1 >= len(head) and used + len(lines[lo - 1]) <= budget:
            lo -= 1
            used += len(lines[lo])
            grew = True
        if not grew:
            break
    middle = lines[lo:hi + 1]
    gap = [ELIDED] if lo > len(head) else []
    tail = [ELIDED] if hi + 1 < len(lines) else []
    return "".join([*head, *gap, *middle, *tail])


def task_prompt(repo: str, path: str, function: str, stubbed: Stubbed, budget: int) -> str:
    """The user message of one task."""
    doc = f"\nIts docstring says:\n\n{stubbed.docstring.strip()}\n" if stubbed.docstring else ""
    return (
        f"In the repository `{repo}`, the body of `{function}` in `{path}` has been removed "
        f"(it now raises NotImplementedError). Implement it so that the repository's tests pass.\n\n"
        f"The signature is:\n\n```python\n{stubbed.signature}```\n{doc}\n"
        f"The file `{path}`:\n\n```python\n{context(stubbed, budget)}```\n\n"
        f"Answer with the complete definition of `{function.rsplit('.', 1)[-1]}` (signature and body, no class "
        f"around it) in one ```python block."
    )
