"""`codemill report DIR` on real runs: every figure a PNG the page links, the page's numbers those of the manifests,
partial runs reported with notes, unreadable run directories refused with a clear error."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image

from codemill import pipeline
from codemill.config import Config
from codemill.engine.manifest import Manifest, ShardEntry, load_manifest
from codemill.rundir import RunDirError
from codemill.runreport import FigureId, ReportError, build_report
from codemill.stages.documents import family_of
from codemill.stages.registry import STAGES
from codemill.tokenize import save_tokenizer, train_tokenizer

from corpus_repos import build_alpha, build_beta
from gitrepo import MIT, Repo
from readback import kept_rows, through

FULL_RUN = set(FigureId) - {FigureId.TASKS}  # tasks and bugs are opt-in (they need the sandbox and an index)


def cfg(**sections) -> Config:
    base: dict = {"run": {"workers": 1}, "select": {"min_score": 0}}
    for k, v in sections.items():
        base.setdefault(k, {}).update(v)
    return Config.model_validate(base)


def history(path: Path) -> Repo:
    """A small realistic history: features, a fix, a lockfile, a merge, a bot commit."""
    r = Repo(path)
    r.commit("Add pagination helper for list endpoints",
             {"src/pages.py": "def page(items, n):\n    return items[:n]\n", "LICENSE": MIT})
    r.commit("Fix off-by-one in pagination when results are empty\n\nCloses #12",
             {"src/pages.py": "def page(items, n):\n    if not items:\n        return []\n    return items[:n]\n"})
    r.commit("Update lockfile", {"poetry.lock": "[[package]]\nname = 'x'\n"})
    r.commit("wip", {"src/pages.py": "def page(items, n):\n    if not items:\n        return []\n"
                                     "    return list(items[:n])\n"})
    r.branch("feature")
    r.commit("Add cursor-based pagination to the API (#7)",
             {"src/cursor.py": "def cursor(items, after):\n    return [i for i in items if i > after]\n"})
    r.checkout("main")
    r.merge("feature", "Merge pull request #7 from ada/feature")
    r.commit("Document the page size limits in the pagination helper",
             {"src/pages.py": "def page(items, n):\n    \"\"\"At most n items.\"\"\"\n    if not items:\n"
                              "        return []\n    return list(items[:n])\n"})
    r.commit("Bump deps", {"package.json": '{"name": "x"}\n'},
             author=("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com"))
    return r


@pytest.fixture(scope="module")
def repos(tmp_path_factory) -> list[Path]:
    root = tmp_path_factory.mktemp("report-repos")
    return [build_alpha(root / "alpha").path, build_beta(root / "beta").path, history(root / "pages").path]


@pytest.fixture(scope="module")
def tokenizer_path(tmp_path_factory) -> Path:
    """A small BPE trained on codemill's own source, so the corpus gets token counts."""
    import codemill

    texts = [p.read_text() for p in sorted(Path(codemill.__file__).parent.glob("stages/*.py"))]
    specials = family_of(Config().documents).special_tokens()
    tok = train_tokenizer(texts, vocab_size=600, special_tokens=specials)
    return save_tokenizer(tok, tmp_path_factory.mktemp("tok") / "tokenizer.json")


@pytest.fixture(scope="module")
def run(tmp_path_factory, repos, tokenizer_path) -> Path:
    out = tmp_path_factory.mktemp("report-run") / "out"
    config = cfg(tokenizer={"path": str(tokenizer_path)}, corpus={"seq_len": 64}, documents={"level": "both"})
    summary = pipeline.run(out, config, [str(p) for p in repos])
    assert summary.ok, summary.errors
    return out


@pytest.fixture(scope="module")
def partial(tmp_path_factory, repos) -> Path:
    """A run of the history side only, up to `pairs`: no select, no corpus, no tasks."""
    out = tmp_path_factory.mktemp("report-partial") / "out"
    assert pipeline.run(out, cfg(), [str(repos[2])], only=through("pairs")).ok
    return out


class Tables(HTMLParser):
    """The page's tables by id (rows of cell texts, header row excluded), and every `<img src>`."""

    def __init__(self, page: str):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.images: list[str] = []
        self._table: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self._table = a["id"]
            self.tables[self._table] = []
        elif tag == "tr":
            self._row = []
        elif tag == "td":
            self._cell = []
        elif tag == "img":
            self.images.append(a["src"])

    def handle_endtag(self, tag):
        if tag == "td":
            self._row.append("".join(self._cell))
            self._cell = None
        elif tag == "tr":
            if self._row:
                self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def num(cell: str) -> int:
    return int(cell.replace(",", ""))


@pytest.fixture(scope="module")
def report(run: Path) -> tuple[Path, Tables]:
    result = build_report(run)
    assert result.index == run / "report" / "index.html"
    return result.index, Tables(result.index.read_text())


@pytest.mark.slow
def test_every_figure_is_a_png_linked_from_the_page(run: Path, report):
    index, page = report
    for figure in FULL_RUN:
        path = index.parent / figure.png
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", figure
        with Image.open(path) as im:
            im.verify()
        with Image.open(path) as im:
            assert im.format == "PNG" and im.size[0] == 1000 and im.size[1] >= 200
            assert "Software" not in im.info  # no tool or time stamp in the metadata
        assert figure.png in page.images
    assert not (index.parent / FigureId.TASKS.png).exists()
    assert len(page.images) == len(FULL_RUN)
    text = index.read_text()
    assert "<script" not in text and "http://" not in text and "https://" not in text  # self-contained
    assert "Skipped: <code>tasks</code> not enabled" in text


def test_tables_hold_the_numbers_of_the_manifests(run: Path, report):
    _, page = report
    manifests = {row[0]: load_manifest(run / row[0]) for row in page.tables["funnel-table-0"]}
    for stage, in_, kept, dropped in ((r[0], r[2], r[3], r[4]) for r in page.tables["funnel-table-0"]):
        t = manifests[stage].totals()
        assert (num(in_), num(kept), num(dropped)) == (t["in"], t["kept"], t["dropped"]), stage
    reasons = {(r[0], r[1]): num(r[2]) for r in page.tables["drop_reasons-table-0"]}
    assert reasons == {(s, k): v for s, m in manifests.items() for k, v in m.totals()["drop_reasons"].items()}
    assert reasons[("clean", "vendored")] >= 1 and reasons[("dedup", "exact_duplicate")] >= 1
    timings = {r[0]: r for r in page.tables["timings-table-0"]}
    assert {s: num(r[1]) for s, r in timings.items()} == {s: len(m.shards) for s, m in manifests.items()}

    shortfall = json.loads((run / "select" / "shortfall.json").read_text())
    cats = {r[0]: [num(x) for x in r[2:]] for r in page.tables["categories-table-0"] if r[0] != "total"}
    assert cats == {c: [v["quota"], v["available"], v["selected"], v["lacking"]]
                    for c, v in shortfall["categories"].items()}

    pairs, select = manifests["pairs"].totals(), kept_rows(run, "select")
    repos = page.tables["repos-table-0"]
    assert sum(num(r[1]) for r in repos) == pairs["in"] and sum(num(r[2]) for r in repos) == pairs["kept"]
    assert sum(num(r[3]) for r in repos) == sum(r["copies"] for r in select)
    assert sum(num(r[2]) for r in page.tables["scores-table-0"]) == pairs["in"]

    dedup = manifests["dedup"].totals()
    clusters = page.tables["clusters-table-0"]
    assert clusters[-1][0] == "total" and num(clusters[-1][2]) == dedup["in"]
    assert any(num(r[0]) > 1 for r in clusters[:-1])  # beta's byte-for-byte copy of alpha's main.py
    for key in ("languages", "licenses"):
        assert sum(num(r[1]) for r in page.tables[f"{key}-table-0"]) == dedup["kept"]
    tokens = {r[0]: r[1] for r in page.tables["tokens-table-0"]}
    counters = manifests["corpus"].totals()["counters"]
    assert num(tokens["tokens"]) == counters["tokenized.tokens"] > 0
    assert num(tokens["documents"]) == counters["tokenized.documents"] == manifests["corpus"].totals()["kept"]


def test_the_report_is_byte_identical_when_built_again(run: Path, report, tmp_path: Path):
    index, _ = report
    build_report(run, tmp_path / "again")
    for path in sorted(index.parent.iterdir()):
        assert (tmp_path / "again" / path.name).read_bytes() == path.read_bytes(), path.name


def test_cards_link_to_the_report(run: Path, report):
    for card in (run / "export" / "README.md", run / "corpus" / "README.md"):
        text = card.read_text()
        assert "](../report/index.html)" in text and "`codemill report DIR`" in text
        assert (card.parent / "../report/index.html").resolve().is_file()


def test_a_run_without_optional_stages_reports_what_ran(partial: Path):
    result = build_report(partial)
    assert set(result.figures) == {FigureId.FUNNEL, FigureId.DROP_REASONS, FigureId.SCORES, FigureId.REPOS,
                                   FigureId.TIMINGS}
    page = Tables(result.index.read_text())
    assert sorted(page.images) == sorted(f.png for f in result.figures)
    text = result.index.read_text()
    for why in ("<code>select</code> did not run", "the corpus stages did not run", "<code>dedup</code> did not run",
                "<code>corpus</code> did not run", "<code>tasks</code> did not run"):
        assert f"Skipped: {why}" in text, why
    assert {r[0] for r in page.tables["funnel-table-0"]} == set(through("pairs"))
    repos = page.tables["repos-table-0"]
    assert [r[3] for r in repos] == ["-"]  # nothing selected: `select` did not run


def test_an_earlier_figure_no_longer_drawn_is_removed(partial: Path, tmp_path: Path):
    out = tmp_path / "report"
    out.mkdir()
    (out / FigureId.CATEGORIES.png).write_bytes(b"from an earlier report")
    build_report(partial, out)
    assert not (out / FigureId.CATEGORIES.png).exists()


def test_verification_outcomes_of_tasks_and_bugs(partial: Path, tmp_path: Path):
    """`tasks` and `bugs` need the sandbox and a package index, so their manifests are written here as those stages
    write them (one shard per repository with its drop reasons and counters, no kept instance)."""
    out = tmp_path / "run"
    shutil.copytree(partial, out)
    for stage, reasons, counters in (("tasks", {"env_failed": 2, "no_fail_to_pass": 3}, {}),
                                     ("bugs", {"baseline_failing": 1}, {"bugs.rejected.no_failing_test": 4})):
        m = Manifest(stage, STAGES[stage].code_version(), "x", {}, complete=True)
        m.shards["pages"] = ShardEntry("pages", 0, "fp", [], sum(reasons.values()), 0, reasons, 1.5, counters)
        (out / stage).mkdir()
        m.save(out / stage)
    result = build_report(out)
    assert FigureId.TASKS in result.figures
    page = Tables(result.index.read_text())
    outcomes = {(r[0], r[1]): num(r[2]) for r in page.tables["tasks-table-0"]}
    assert outcomes == {("tasks", "verified (kept)"): 0, ("tasks", "env_failed"): 2, ("tasks", "no_fail_to_pass"): 3,
                        ("bugs", "verified (kept)"): 0, ("bugs", "baseline_failing"): 1}
    assert page.tables["tasks-table-1"] == [["bugs", "bugs.rejected.no_failing_test", "4"]]


@pytest.mark.parametrize("damage", ["missing", "empty", "not_run", "manifest", "part"])
def test_an_unreadable_run_directory_is_refused_clearly(partial: Path, tmp_path: Path, damage: str):
    run_dir = tmp_path / "run"
    if damage in ("empty", "not_run"):
        run_dir.mkdir()
        if damage == "not_run":
            (run_dir / "sources.json").write_text("[]\n")
    elif damage != "missing":
        shutil.copytree(partial, run_dir)
        if damage == "manifest":
            (run_dir / "pairs" / "manifest.json").write_text("{not json")
        else:
            part = run_dir / "pairs" / "part-00000.parquet"
            part.write_bytes(part.read_bytes()[: part.stat().st_size // 2])
    expected = {"missing": "no run directory", "empty": "is not a run directory", "not_run": "holds no stage manifest",
                "manifest": "pairs/manifest.json cannot be read", "part": "pairs/part-00000.parquet cannot be read"}
    with pytest.raises(ReportError if damage == "not_run" else RunDirError, match=expected[damage]):
        build_report(run_dir)
    res = cli("report", str(run_dir))
    assert res.returncode == 2 and "error:" in res.stderr and expected[damage] in " ".join(res.stderr.split())
    assert "Traceback" not in res.stderr + res.stdout


def cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200", "CODEMILL_FAULT": ""}
    return subprocess.run([sys.executable, "-m", "codemill", *args], capture_output=True, text=True, env=env,
                          timeout=300)


@pytest.mark.slow
def test_cli_writes_the_report(partial: Path, tmp_path: Path):
    run_dir = tmp_path / "run"
    shutil.copytree(partial, run_dir)
    res = cli("report", str(run_dir))
    assert res.returncode == 0, res.stderr
    assert f"wrote {run_dir / 'report' / 'index.html'} (5 figures)" in " ".join(res.stdout.split())
    assert "skipped categories: `select` did not run" in res.stdout
    assert (run_dir / "report" / FigureId.FUNNEL.png).is_file()
    elsewhere = cli("report", str(run_dir), "--out", str(tmp_path / "elsewhere"))
    assert elsewhere.returncode == 0 and (tmp_path / "elsewhere" / "index.html").is_file()
