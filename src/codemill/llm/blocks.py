"""Fenced code blocks out of a completion, for synthesis prompts that ask for a problem, a solution and tests.

Only closed fences count: a completion cut off at `max_tokens` ends inside a block, and half a solution is worse
than none as training data. Fences follow CommonMark: three or more backticks or tildes, indented at most three
spaces, closed by a fence of the same character at least as long (so a ```` block may quote a ``` one).
"""

from __future__ import annotations

import re

_OPEN = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n]*?)[ \t]*$")
_CLOSE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})[ \t]*$")


def extract_blocks(text: str) -> list[tuple[str, str]]:
    """Return `(lang, code)` for every closed fenced block, in order.

    `lang` is the info string's first word, lowercased (`""` when there is none). The code has the opening
    fence's indentation removed and no trailing newline.
    """
    blocks: list[tuple[str, str]] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = _OPEN.match(lines[i])
        # A backtick fence's info string may not contain backticks (that is inline code such as ```x```).
        if m is None or (m["fence"][0] == "`" and "`" in m["info"]):
            i += 1
            continue
        fence, indent = m["fence"], len(m["indent"])
        lang = m["info"].split()[0].lower().lstrip(".{").rstrip("}") if m["info"].strip() else ""
        body: list[str] = []
        j = i + 1
        while j < len(lines):
            c = _CLOSE.match(lines[j])
            if c is not None and c["fence"][0] == fence[0] and len(c["fence"]) >= len(fence):
                break
            line = lines[j]
            strip = min(indent, len(line) - len(line.lstrip(" ")))
            body.append(line[strip:])
            j += 1
        else:
            break  # unclosed: the completion was truncated inside this block
        blocks.append((lang, "\n".join(body)))
        i = j + 1
    return blocks
