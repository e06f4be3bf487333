"""A corpus of real source files with planted near duplicates, and exact Jaccard for every pair.

Base files are the Python modules of a fixed list of packages installed in the project's venv, read at test
time (tests skip when too few are there). Variants are built with a seeded RNG, so the corpus is the same on
every run: edited copies (lines deleted, inserted, replaced at rates spanning the threshold), copies with
identifiers renamed, and reformatted copies (re-indented, CRLF, trailing spaces, operators spaced).
"""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

from codemill.dedup.headers import without_license_header
from codemill.dedup.shingles import shingle_hashes

# Only packages that `make test` installs (main and dev dependencies), so every machine builds the same corpus.
PACKAGES = ("click", "rich", "pydantic", "attr", "pyarrow", "pygit2", "typer", "filelock", "fsspec", "idna")
SITE = Path(sys.prefix) / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"


def base_files(n: int, min_bytes: int = 1500, max_bytes: int = 40_000) -> list[tuple[str, str]]:
    """Up to `n` (name, text) of modules of PACKAGES, in a fixed order, distinct after normalising."""
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    per_pkg = max(1, n // len(PACKAGES) + 1)
    for pkg in PACKAGES:
        files = sorted((SITE / pkg).rglob("*.py")) if (SITE / pkg).is_dir() else []
        taken = 0
        for f in files:
            text = f.read_text("utf-8", errors="replace")
            if not min_bytes <= len(text) <= max_bytes or text in seen:
                continue
            seen.add(text)
            out.append((f"{pkg}/{f.relative_to(SITE / pkg)}", text))
            taken += 1
            if taken >= per_pkg:
                break
    return out[:n]


def edit_lines(text: str, rate: float, rng: random.Random, pool: list[str]) -> str:
    out = []
    for line in text.split("\n"):
        x = rng.random()
        if x < rate / 3:
            continue  # deleted
        if x < 2 * rate / 3:
            out.append(rng.choice(pool))  # replaced
            continue
        out.append(line)
        if x < rate:
            out.append(rng.choice(pool))  # inserted after
    return "\n".join(out)


def rename_identifiers(text: str, count: int, rng: random.Random) -> str:
    words = re.findall(r"\b[a-z_][a-z0-9_]{3,}\b", text)
    freq: dict[str, int] = {}
    for w in words:
        freq[w] = freq.get(w, 0) + 1
    names = sorted(freq, key=lambda w: (-freq[w], w))[: count * 3]
    for name in rng.sample(names, min(count, len(names))):
        text = re.sub(rf"\b{name}\b", f"{name}_v{rng.randrange(100)}", text)
    return text


def reformat(text: str) -> str:
    lines = []
    for line in text.split("\n"):
        stripped = line.lstrip(" ")
        indent = (len(line) - len(stripped)) // 2
        lines.append(" " * indent + re.sub(r" ?([=+\-*/<>]) ?", r" \1 ", stripped) + "  ")
    return "\r\n".join(lines)


def planted_corpus(n_base: int = 150, seed: int = 7) -> list[tuple[str, str, str]]:
    """(doc_id, text, kind) for base files and their variants; kind is base/edit/rename/reformat."""
    rng = random.Random(seed)
    bases = base_files(n_base)
    pool = [line for _, t in bases for line in t.split("\n") if line.strip()]
    docs = [(f"{i:04d}-base", text, "base") for i, (_, text) in enumerate(bases)]
    for i, (_, text) in enumerate(bases):
        r = rng.random()
        if r < 0.5:
            for j, rate in enumerate(rng.sample([0.02, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4], 2)):
                docs.append((f"{i:04d}-edit{j}", edit_lines(text, rate, rng, pool), "edit"))
        elif r < 0.75:
            docs.append((f"{i:04d}-rename", rename_identifiers(text, rng.choice([1, 2, 4, 8]), rng), "rename"))
        else:
            docs.append((f"{i:04d}-reformat", reformat(text), "reformat"))
    return docs


def exact_pairs(texts: list[str], threshold: float, k: int = 5) -> tuple[set[tuple[int, int]], dict]:
    """Pairs (i < j) with exact Jaccard of shingle sets >= threshold, and the Jaccard of every pair > 0.3; the
    shingles are taken after each text's license header, as the index takes them."""
    sets = [frozenset(shingle_hashes(without_license_header(t), k).tolist()) for t in texts]
    true: set[tuple[int, int]] = set()
    jac: dict[tuple[int, int], float] = {}
    for i in range(len(sets)):
        a = sets[i]
        for j in range(i + 1, len(sets)):
            b = sets[j]
            if not a or not b:
                continue
            small, big = (a, b) if len(a) < len(b) else (b, a)
            if len(small) < 0.3 * len(big):
                continue  # J <= |small|/|big| < 0.3
            inter = len(small & big)
            jv = inter / (len(a) + len(b) - inter)
            if jv > 0.3:
                jac[(i, j)] = jv
            if jv >= threshold:
                true.add((i, j))
    return true, jac

