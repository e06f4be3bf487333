"""A deterministic dependencies-first order of a repository's files (repo-level documents, as DeepSeek-Coder and
StarCoder2-style data with dependency context put what a file imports before the file).

Rule:

1. Files that import or are imported by another file (edge u -> v: u imports v) come first, in the order Tarjan's
   algorithm completes their strongly connected components: a component is emitted only after every component it
   imports, so dependencies precede their importers. The depth-first search starts from the files in path order and
   follows imports in path order, so a file tends to come right after its own dependencies and the result depends
   only on the set of paths and edges, not on their input order.
2. Inside a component (an import cycle) there is no right order; files are sorted by how many files of the cycle
   they import (fewest first: DeepSeek-Coder's rule of taking the node of minimal in-degree to break cycles, with its
   edges pointing from dependency to dependent), then by how many of the cycle import them (most first), then path.
3. Files with no edge at all follow, in path order.

Linear in files and edges apart from sorting the paths and each file's imports; iterative, so a 100k-file repository
(or a 100k-long import chain) needs no deep recursion.
"""

from __future__ import annotations


def dependency_order(paths: list[str], edges: dict[str, set[str]]) -> list[str]:
    """`paths` (duplicates dropped) ordered dependencies first; edges to paths not in `paths` are ignored."""
    names = sorted(set(paths))
    ids = {p: i for i, p in enumerate(names)}
    n = len(names)
    adj: list[list[int]] = [[] for _ in range(n)]
    linked = [False] * n
    for src, targets in edges.items():
        u = ids.get(src)
        if u is None:
            continue
        out = sorted({v for t in targets if (v := ids.get(t)) is not None and v != u})
        adj[u] = out
        if out:
            linked[u] = True
            for v in out:
                linked[v] = True

    index = [-1] * n
    low = [0] * n
    nxt = [0] * n  # next import of each file to visit
    on_stack = [False] * n
    stack: list[int] = []
    order: list[str] = []
    counter = 0
    for s in range(n):
        if index[s] != -1 or not linked[s]:
            continue
        index[s] = low[s] = counter
        counter += 1
        stack.append(s)
        on_stack[s] = True
        work = [s]
        while work:
            v = work[-1]
            targets, i = adj[v], nxt[v]
            while i < len(targets):
                w = targets[i]
                i += 1
                if index[w] == -1:
                    nxt[v] = i
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack[w] = True
                    work.append(w)
                    break
                if on_stack[w] and index[w] < low[v]:
                    low[v] = index[w]
            else:
                nxt[v] = i
                work.pop()
                if work and low[v] < low[work[-1]]:
                    low[work[-1]] = low[v]
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on_stack[w] = False
                        comp.append(w)
                        if w == v:
                            break
                    order += _cycle_order(comp, adj, names)
    order += [names[i] for i in range(n) if not linked[i]]
    return order


def _cycle_order(comp: list[int], adj: list[list[int]], names: list[str]) -> list[str]:
    """A component's files: fewest imports within it first, then most importers within it, then path."""
    if len(comp) == 1:
        return [names[comp[0]]]
    members = set(comp)
    imports = {v: sum(w in members for w in adj[v]) for v in comp}
    importers = dict.fromkeys(comp, 0)
    for v in comp:
        for w in adj[v]:
            if w in members:
                importers[w] += 1
    return [names[v] for v in sorted(comp, key=lambda v: (imports[v], -importers[v], names[v]))]
