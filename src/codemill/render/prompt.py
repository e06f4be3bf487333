"""The prompt side of a pair: the instruction with the repository context a model would have had, in a budget.

A model asked to edit code without seeing it learns to guess; giving it the touched files' pre-change
contents and the file tree makes the pair answerable. Context is cut to `budget_chars` the cheap way round:
the tree goes first (from its end), then whole files, largest first — a half file would invite edits to
lines the model cannot see. What was cut is said in the prompt. The instruction itself is never cut.
"""

from __future__ import annotations

from codemill.render.diff import old_content
from codemill.render.edits import fence


def _tree(paths: list[str], shown: int) -> str:
    if not paths:
        return ""
    if not shown:
        return f"Repository files: {len(paths)} paths, not shown for length.\n"
    more = f"... and {len(paths) - shown} more paths, not shown for length.\n" if shown < len(paths) else ""
    return "Repository files:\n" + "".join(f"{p}\n" for p in paths[:shown]) + more


def _files(contents: dict[str, str], cut: list[str]) -> str:
    if not contents and not cut:
        return ""
    shown = {p: c for p, c in contents.items() if p not in cut}
    fence_ = fence(*shown.values())
    text = "Current contents of the files to change:\n"
    for path, content in shown.items():
        body = content if not content or content.endswith("\n") else content + "\n"
        text += f"\n{path}\n{fence_}\n{body}{fence_}\n"
    if cut:
        text += "\nNot shown for length: " + ", ".join(f"{p} ({len(contents[p])} chars)" for p in cut) + "\n"
    return text


def prompt_context(instruction: str, files: list[dict], tree_paths: list[str], *, budget_chars: int,
                   include_files: bool = True, include_tree: bool = True) -> str:
    """The instruction, then the file tree (paths, in the given order), then the pre-change contents of the
    touched files that existed before (renamed ones under their old path), within `budget_chars` when the
    instruction alone fits."""
    contents: dict[str, str] = {}
    if include_files:
        for f in files:
            text = None if f["status"] in ("A", "C") or f.get("binary") else old_content(f)
            if text is not None:
                contents[f.get("old_path") or f["path"]] = text
    paths = list(tree_paths) if include_tree else []

    def render(shown: int, cut: list[str]) -> str:
        sections = [instruction.rstrip("\n") + "\n", _tree(paths, shown), _files(contents, cut)]
        return "\n".join(s for s in sections if s)

    if len(render(len(paths), [])) <= budget_chars:
        return render(len(paths), [])
    lo, hi = 0, len(paths)  # the most tree paths that fit with every file: binary search on a monotone length
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if len(render(mid, [])) <= budget_chars else (lo, mid - 1)
    if lo and len(render(lo, [])) <= budget_chars:
        return render(lo, [])
    cut: list[str] = []
    for path in sorted(contents, key=lambda p: (-len(contents[p]), p)):
        if len(render(0, cut)) <= budget_chars:
            break
        cut.append(path)
    return render(0, cut)
