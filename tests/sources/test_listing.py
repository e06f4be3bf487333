from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from codemill.sources.listing import ListingError, read_listing


def test_text_file_skips_blanks_and_comments(tmp_path: Path):
    p = tmp_path / "repos.txt"
    p.write_text("# mine\nhttps://github.com/psf/requests  # http\n\n  /src/flask\n")
    assert read_listing(p) == ["https://github.com/psf/requests", "/src/flask"]


def test_csv_and_tsv_by_url_column(tmp_path: Path):
    p = tmp_path / "repos.csv"
    p.write_text("name,url,stars\nrequests,https://github.com/psf/requests,1\nempty,,0\nflask,git@github.com:pallets/flask,2\n")
    assert read_listing(p) == ["https://github.com/psf/requests", "git@github.com:pallets/flask"]
    t = tmp_path / "repos.tsv"
    t.write_text("path\n/a\n/b\n")
    assert read_listing(t) == ["/a", "/b"]


def test_parquet_with_a_url_column(tmp_path: Path):
    p = tmp_path / "repos.parquet"
    urls = [f"https://github.com/org/repo{i}" for i in range(3000)] + [None, " "]
    pq.write_table(pa.table({"url": urls, "stars": list(range(len(urls)))}), p)
    assert read_listing(p) == urls[:3000]


def test_clear_errors(tmp_path: Path):
    p = tmp_path / "repos.csv"
    p.write_text("name,stars\nx,1\n")
    with pytest.raises(ListingError, match="no column named url"):
        read_listing(p)
    bad = tmp_path / "repos.parquet"
    bad.write_text("not parquet")
    with pytest.raises(ListingError, match="not a readable Parquet file"):
        read_listing(bad)
    with pytest.raises(ListingError, match="cannot read"):
        read_listing(tmp_path / "missing.txt")


def test_a_name_column_names_the_repository(tmp_path: Path):
    p = tmp_path / "repos.csv"
    p.write_text("path,name\n/m/a/repo,psf/requests\n/m/b/repo,\n/m/c/repo,just-a-label\n")
    assert read_listing(p) == ["/m/a/repo=psf/requests", "/m/b/repo", "/m/c/repo"]
    q = tmp_path / "repos.parquet"
    pq.write_table(pa.table({"path": ["/m/a/repo", "/m/b/repo"], "name": ["github.com/psf/requests", None]}), q)
    assert read_listing(q) == ["/m/a/repo=github.com/psf/requests", "/m/b/repo"]
