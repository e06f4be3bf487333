"""Reading a list of sources: a text file (one per line, `#` comments, `PATH=owner/name` to name one), or a CSV
or Parquet table with a `url` (or `repo`, `path`) column and an optional `name` column (owner/name), for input
lists of thousands of repositories."""

from __future__ import annotations

import csv
from pathlib import Path

from codemill.sources.identity import is_declared

COLUMNS = ("url", "repo", "path", "source")


class ListingError(ValueError):
    pass


def read_listing(path: Path) -> list[str]:
    """The source specs in `path`, in file order, blanks and comments skipped."""
    try:
        suffix = path.suffix.lower()
        if suffix == ".parquet":
            return _from_parquet(path)
        if suffix in (".csv", ".tsv"):
            return _from_csv(path, "\t" if suffix == ".tsv" else ",")
        lines = path.read_text().splitlines()
    except OSError as e:
        raise ListingError(f"cannot read {path}: {e.strerror or e}") from None
    return [s for line in lines if (s := line.split("#", 1)[0].strip())]


def _column(names: list[str], path: Path) -> str:
    for c in COLUMNS:
        if c in names:
            return c
    raise ListingError(f"{path} has no column named {' or '.join(COLUMNS)} (columns: {', '.join(names)})")


def _named(spec: str, name: str | None) -> str:
    """`spec=owner/name` when the row names its repository as owner/name (other `name` values are ignored)."""
    return f"{spec.strip()}={name.strip()}" if name and is_declared(name) else spec.strip()


def _from_csv(path: Path, delimiter: str) -> list[str]:
    with open(path, newline="") as f:
        reader = csv.DictReader(f, delimiter=delimiter)
        col = _column(list(reader.fieldnames or []), path)
        return [_named(v, row.get("name")) for row in reader if (v := row.get(col) or "").strip()]


def _from_parquet(path: Path) -> list[str]:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as e:  # pyarrow raises several types for a file that is not Parquet
        raise ListingError(f"{path} is not a readable Parquet file: {e}") from None
    col = _column(table.column_names, path)
    names = table.column("name").to_pylist() if "name" in table.column_names else [None] * table.num_rows
    return [_named(v, n) for v, n in zip(table.column(col).to_pylist(), names, strict=True) if v and v.strip()]
