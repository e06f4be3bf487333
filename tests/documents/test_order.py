from __future__ import annotations

import random

from codemill.documents import dependency_edges, dependency_order


def assert_dependencies_first(order: list[str], edges: dict[str, set[str]], cyclic: set[str] = frozenset()) -> None:
    pos = {p: i for i, p in enumerate(order)}
    for src, targets in edges.items():
        for t in targets:
            if t in pos and src in pos and not {src, t} <= cyclic:
                assert pos[t] < pos[src], f"{t} should precede its importer {src}"


def test_realistic_python_repo_dependencies_first_then_unlinked_files_by_path() -> None:
    files = [
        ("README.md", "# shop", "Markdown"),
        ("setup.cfg", "[metadata]", "INI"),
        ("shop/__init__.py", "", "Python"),
        ("shop/app.py", "from shop import views, db\n", "Python"),
        ("shop/views.py", "from shop.models import Item\nfrom shop import db\n", "Python"),
        ("shop/models.py", "from shop.db import Base\n", "Python"),
        ("shop/db.py", "import sqlite3\n", "Python"),
        ("scripts/lonely.py", "import sys\n", "Python"),
    ]
    edges = dependency_edges(files)
    order = dependency_order([p for p, _t, _l in files], edges)
    assert order == ["shop/db.py", "shop/models.py", "shop/views.py", "shop/app.py",
                     "README.md", "scripts/lonely.py", "setup.cfg", "shop/__init__.py"]
    assert_dependencies_first(order, edges)


def test_cycle_broken_deterministically_by_imports_within_the_cycle_then_path() -> None:
    # a -> b -> c -> a is a cycle; c also imports b, so inside the cycle a (imports 1, imported by 1) and
    # b (imports 1, imported by 2) tie on imports and b comes first for being imported more.
    edges = {"a.py": {"b.py"}, "b.py": {"c.py"}, "c.py": {"a.py", "b.py"}, "main.py": {"a.py"}, "leaf.py": set()}
    order = dependency_order(list(edges), edges)
    assert order == ["b.py", "a.py", "c.py", "main.py", "leaf.py"]


def test_two_file_cycle_with_equal_degrees_falls_back_to_path() -> None:
    edges = {"z/x.py": {"a/y.py"}, "a/y.py": {"z/x.py"}}
    assert dependency_order(["z/x.py", "a/y.py"], edges) == ["a/y.py", "z/x.py"]


def test_order_independent_of_input_order_and_edge_iteration_order() -> None:
    rng = random.Random(7)
    paths = [f"pkg/m{i:03d}.py" for i in range(200)]
    edges: dict[str, set[str]] = {p: set() for p in paths}
    for _ in range(400):
        a, b = rng.sample(paths, 2)
        edges[a].add(b)
    expected = dependency_order(paths, edges)
    assert sorted(expected) == sorted(paths)
    for seed in range(5):
        shuffled = paths[:]
        random.Random(seed).shuffle(shuffled)
        reordered = {p: set(sorted(edges[p], reverse=True)) for p in reversed(shuffled)}
        assert dependency_order(shuffled + shuffled[:10], reordered) == expected


def test_acyclic_random_graph_is_topological() -> None:
    rng = random.Random(3)
    paths = [f"f{i:04d}.c" for i in range(500)]
    rank = {p: rng.random() for p in paths}
    edges = {p: {q for q in rng.sample(paths, 5) if rank[q] < rank[p]} for p in paths}
    order = dependency_order(paths, edges)
    assert len(order) == len(set(order)) == len(paths)
    assert_dependencies_first(order, edges)


def test_unknown_targets_and_self_edges_ignored() -> None:
    edges = {"a.py": {"a.py", "gone.py"}, "b.py": {"a.py"}}
    assert dependency_order(["b.py", "a.py", "c.py"], edges) == ["a.py", "b.py", "c.py"]


def test_long_import_chain_needs_no_recursion() -> None:
    n = 100_000
    paths = [f"m{i:06d}.py" for i in range(n)]
    edges = {paths[i]: {paths[i + 1]} for i in range(n - 1)}  # each imports the next: the last comes first
    order = dependency_order(paths, edges)
    assert order[0] == paths[-1] and order[-1] == paths[0]
    assert order == paths[::-1]
