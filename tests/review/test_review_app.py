"""The desk's pages and API on a real run: what each record shows, judging, errors, tokens, read-only-ness."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from codemill import pipeline
from codemill.engine.manifest import load_manifest
from codemill.pipeline import verify_run
from codemill.quality import COMPONENTS
from codemill.review import serve as serve_module
from codemill.review.app import LOOPBACK_HOSTS, create_app
from codemill.review.labels import LabelStore

from readback import dropped_rows, kept_rows
from reviewruns import add_tasks_stage, config, fingerprint

BASE = "http://127.0.0.1"


@pytest.fixture
def client(run_dir: Path) -> TestClient:
    return TestClient(create_app(run_dir), base_url=BASE)


def sample(client: TestClient, stage: str = "pairs", **q) -> dict:
    r = client.get("/api/sample", params={"stage": stage, **q})
    assert r.status_code == 200, r.text
    return r.json()


def label(client: TestClient, s: dict, item: str, verdict: str, reviewer: str = "ada", stage: str = "pairs",
          reason: str | None = None, **sample_q) -> dict:
    body = {"stage": stage, "item_id": item, "verdict": verdict, "reviewer": reviewer, "digest": s["digest"],
            "reason": reason, "sample": {"role": "kept", "seed": 0, "n": 20, **sample_q}}
    r = client.post("/api/label", json=body)
    assert r.status_code == 200, r.text
    return r.json()


def test_overview_shows_every_stage_funnel(client: TestClient, run_dir: Path):
    html = client.get("/").text
    for stage in ("sources", "repos", "commits", "pairs", "select", "files", "clean"):
        assert f'data-stage="{stage}"' in html
    assert "/stage/pairs/sample?role=dropped&amp;reason=lockfile_only" in html
    assert f">{len(kept_rows(run_dir, 'pairs'))}</a>" in html  # kept count links to a sample of kept rows
    stage = client.get("/stage/pairs").text
    assert 'data-decision="kept"' in stage and 'data-decision="lockfile_only"' in stage


def test_a_pair_shows_instruction_diff_category_components_and_provenance(client: TestClient, run_dir: Path):
    pair = next(p for p in kept_rows(run_dir, "pairs") if p["instruction"].startswith("Fix cursor()"))
    html = client.get(f"/stage/pairs/item/{pair['pair_id']}").text
    assert "Fix cursor() returning the item equal to the cursor" in html
    assert f'id="category">{pair["category"]}' in html and pair["category_rule"] in html
    for c in COMPONENTS:
        assert f"<td>{c}</td>" in html
    assert f'href="https://github.com/ada/paging/commit/{pair["commit_sha"]}"' in html
    assert "MIT" in html and ">ada/paging<" in html  # named from its origin remote
    # both renderings of the stored diff, highlighted by Pygments (Python keywords get their token class)
    assert 'class="diff split hl"' in html and 'class="diff unified hl"' in html
    assert '<span class="k">def</span>' in html or '<span class="kd">def</span>' in html
    assert 'class="code del"' in html and 'class="code add"' in html
    assert "src/paging/cursor.py" in html and "tests/test_cursor.py" in html


def test_a_select_row_shows_its_pair(client: TestClient, run_dir: Path):
    row = kept_rows(run_dir, "select")[0]
    html = client.get(f"/stage/select/item/{row['pair_id']}").text
    pair = next(p for p in kept_rows(run_dir, "pairs") if p["pair_id"] == row["pair_id"])
    assert pair["instruction"].splitlines()[0] in html and "<dt>split</dt>" in html


def test_a_file_shows_its_content_and_quality_signals(client: TestClient, run_dir: Path):
    f = next(r for r in kept_rows(run_dir, "clean") if r["path"] == "src/paging/cursor.py")
    html = client.get(f"/stage/clean/item/{f['file_id']}").text
    assert 'class="hltable"' in html or 'class="hl"' in html
    assert '<span class="k">def</span>' in html or '<span class="kd">def</span>' in html
    for signal in ("alnum_fraction", "max_line_length", "lines"):
        assert f"<td>{signal}</td>" in html
    dropped = next(r for r in dropped_rows(run_dir, "clean"))
    html = client.get(f"/stage/clean/item/{dropped['file_id']}").text
    assert f"dropped: <b>{dropped['drop_reason']}</b>" in html


def test_an_swe_instance_shows_problem_patches_and_outcomes(client: TestClient, run_dir: Path):
    row = add_tasks_stage(run_dir)
    html = client.get(f"/stage/tasks/item/{row['instance_id']}").text
    assert "Fix cursor() returning the item equal to the cursor" in html
    assert "patch (the fix)" in html and "test patch" in html
    assert "tests/test_cursor.py::test_unsorted" in html and "tests/test_pages.py::test_empty" in html
    assert "FAIL_TO_PASS" in html and "PASS_TO_PASS" in html and "pytest==8.3.4" in html
    flaky = client.get(f"/stage/tasks/item/{row['instance_id']}-flaky").text
    assert "dropped: <b>all_flaky</b>" in flaky


def test_any_other_row_has_a_page(client: TestClient, run_dir: Path):
    src = kept_rows(run_dir, "sources")[0]
    html = client.get(f"/stage/sources/item/{src['source_id']}").text
    assert "<td>has_ci</td>" in html and "license_evidence" in html


def test_judging_updates_the_precision_table(client: TestClient, run_dir: Path):
    s = sample(client)
    ids = [i["item_id"] for i in s["items"]]
    label(client, s, ids[0], "accept")
    label(client, s, ids[1], "reject", reason="trivial or mechanical change")
    out = label(client, s, ids[1], "accept", reviewer="bob")
    assert out["verdicts"] == {"ada": "reject (trivial or mechanical change)", "bob": "accept"}
    d = sample(client, role="dropped", reason="lockfile_only")
    body = {"stage": "pairs", "item_id": d["items"][0]["item_id"], "verdict": "reject", "reviewer": "ada",
            "reason": "a lockfile", "digest": d["digest"],
            "sample": {"role": "dropped", "reason": "lockfile_only", "n": 20}}
    assert client.post("/api/label", json=body).status_code == 200
    stats = {(p["stage"], p["decision"]): p for p in client.get("/api/stats").json()["precision"]}
    assert stats[("pairs", "kept")]["judged"] == 2 and stats[("pairs", "kept")]["precision"] == pytest.approx(0.75)
    assert stats[("pairs", "lockfile_only")]["precision"] == 1.0 and stats[("pairs", "lockfile_only")]["judged"] == 1
    html = client.get("/stats").text
    row = re.search(r'data-stage="pairs" data-decision="kept".*?</tr>', html, re.S).group(0)
    assert '<td class="num judged">2</td>' in row and "75%" in row
    assert "ada · bob" in html
    judged = LabelStore.for_run(run_dir).labels("pairs")
    lockfile = next(j for j in judged if j.role == "dropped")
    assert lockfile.drop_reason == "lockfile_only" and lockfile.features["coherence"] is not None
    sample_html = client.get("/stage/pairs/sample", params={"role": "kept"}).text
    assert "ada: accept" in sample_html


def test_malformed_requests_and_unknown_ids_get_clear_4xx(client: TestClient, run_dir: Path):
    s = sample(client)
    item = s["items"][0]["item_id"]
    one = sample(client, n=1)["items"][0]["item_id"]
    outside = next(i["item_id"] for i in s["items"] if i["item_id"] != one)
    pages = [
        ("/stage/pears", 404, "unknown stage"),
        ("/stage/export", 404, "has not run"),
        ("/stage/pairs/item/deadbeef", 404, "no row with pair_id"),
        ("/stage/pairs/sample?seed=abc", 400, "seed"),
        ("/stage/pairs/sample?n=0", 400, "n: Input should be greater than or equal to 1"),
        ("/stage/pairs/sample?role=kept&reason=merge", 400, "only applies to dropped"),
        ("/stage/pairs/sample?role=dropped&reason=nope", 404, "reasons are"),
        ("/stage/pairs/sample?role=maybe", 400, "role"),
        (f"/stage/pairs/item/{item}?role=kept", 400, "digest"),
        (f"/stage/pairs/item/{outside}?role=kept&seed=0&n=1&v={s['digest'][:16]}", 404, "not in this sample"),
        ("/api/sample?stage=export", 404, "writes files, not rows"),
        ("/nowhere", 404, "no such page"),
    ]
    for url, status, message in pages:
        r = client.get(url)
        assert r.status_code == status, (url, r.text)
        assert message in (r.json()["error"] if url.startswith("/api/") else r.text), (url, r.text)
    good = {"stage": "pairs", "item_id": item, "verdict": "accept", "reviewer": "ada", "digest": s["digest"]}
    posts = [
        ({}, 400, "malformed request"),
        ({**good, "verdict": "maybe"}, 400, "verdict"),
        ({**good, "verdict": "reject"}, 400, "needs a reason"),
        ({**good, "reviewer": ""}, 400, "reviewer"),
        ({**good, "surprise": 1}, 400, "surprise"),
        ({**good, "item_id": "deadbeef"}, 404, "no row with pair_id"),
        ({**good, "stage": "pears"}, 404, "unknown stage"),
        ({**good, "digest": "0" * 16}, 409, "re-written"),
        ({**good, "sample": {"role": "kept", "seed": "x"}}, 400, "malformed sample"),
    ]
    for body, status, message in posts:
        r = client.post("/api/label", json=body)
        assert r.status_code == status, (body, r.text)
        assert message in r.json()["error"], (body, r.json())
    form = {"content-type": "application/x-www-form-urlencoded"}
    r = client.post("/api/label", content=b"verdict=accept", headers=form)
    assert r.status_code == 400 and "error" in r.json()
    r = client.post("/api/label", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400 and "malformed" in r.json()["error"]
    assert LabelStore.for_run(run_dir).events() == 0


def test_a_rewritten_run_directory_gives_409_not_a_crash(client: TestClient, run_dir: Path):
    s = sample(client)
    item = s["items"][0]["item_id"]
    old_url = f"/stage/pairs/item/{item}?role=kept&seed=0&n=20&v={s['digest'][:16]}"
    assert client.get(old_url).status_code == 200
    # a run re-writes pairs (a tight response budget drops most of them) while the page is open
    changed = config().model_copy(update={"pairs": config().pairs.model_copy(update={"max_response_bytes": 300})})
    res = pipeline.run(run_dir, changed, [], only=["pairs"])
    assert res.ok and res.ran["pairs"] >= 1
    r = client.get(old_url)
    assert r.status_code == 409 and "was re-written since this page was drawn" in r.text
    r = client.post("/api/label", json={"stage": "pairs", "item_id": item, "verdict": "accept", "reviewer": "ada",
                                        "digest": s["digest"], "sample": {"role": "kept"}})
    assert r.status_code == 409 and "reload the sample" in r.json()["error"]
    fresh = sample(client)
    assert fresh["digest"] != s["digest"] and client.get("/stage/pairs/sample").status_code == 200
    # a part vanishing or torn under a reader (a run replacing it) is a 409 too
    part = run_dir / next(a.path for a in load_manifest(run_dir / "pairs").artifacts() if a.role == "kept" and a.rows)
    saved = part.read_bytes()
    part.write_bytes(b"PAR1 torn")
    r = client.get(f"/stage/pairs/item/{fresh['items'][0]['item_id']}")
    assert r.status_code == 409 and "cannot be read" in r.text
    part.unlink()
    r = client.get("/api/sample", params={"stage": "pairs", "seed": 99})
    assert r.status_code == 409 and "is missing" in r.json()["error"]
    part.write_bytes(saved)
    (run_dir / "pairs" / ".journal.jsonl").write_text("")
    assert "(being re-run)" in client.get("/").text
    (run_dir / "select" / "manifest.json").write_text("{torn")
    r = client.get("/")
    assert r.status_code == 200 and "Manifest unreadable" in r.text and 'data-stage="select"' not in r.text
    assert client.get("/stage/select/sample").status_code == 404
    assert LabelStore.for_run(run_dir).events() == 0


def test_a_session_of_judging_changes_no_artifact(client: TestClient, run_dir: Path):
    before = fingerprint(run_dir)
    for page in ("/", "/stats", "/stage/pairs", "/stage/clean", "/stage/select/sample", "/stage/clean/sample"):
        assert client.get(page).status_code == 200
    for stage, q in (("pairs", {}), ("pairs", {"role": "dropped"}), ("clean", {}), ("select", {})):
        s = sample(client, stage, **q)
        for i, it in enumerate(s["items"]):
            assert client.get(f"/stage/{stage}/item/{it['item_id']}").status_code == 200
            verdict = ("accept", "reject", "skip")[i % 3]
            body = {"stage": stage, "item_id": it["item_id"], "verdict": verdict, "reviewer": "ada",
                    "reason": "bad" if verdict == "reject" else None, "digest": s["digest"]}
            assert client.post("/api/label", json=body).status_code == 200
    assert client.get("/stats").status_code == 200
    assert fingerprint(run_dir) == before
    assert verify_run(run_dir).ok
    assert sorted(p.name for p in (run_dir / "review").iterdir() if not p.name.startswith("labels.sqlite-")) == \
        ["labels.sqlite"]


def test_a_token_is_required_when_one_is_set(run_dir: Path):
    app = create_app(run_dir, token="s3cret")
    c = TestClient(app, base_url=BASE)
    r = c.get("/")
    assert r.status_code == 401 and "needs its token" in r.text
    assert c.post("/api/label", json={}).json()["error"].startswith("this review desk needs its token")
    assert c.get("/?token=wrong").status_code == 401
    assert c.get("/?token=s3cret").status_code == 200
    assert c.get("/stats").status_code == 200  # the cookie set by the first visit carries it
    other = TestClient(app, base_url=BASE)
    assert other.get("/stats", headers={"X-Review-Token": "s3cret"}).status_code == 200


def test_a_loopback_desk_refuses_other_host_names(run_dir: Path):
    c = TestClient(create_app(run_dir, allowed_hosts=LOOPBACK_HOSTS), base_url=BASE)
    assert c.get("/").status_code == 200
    r = c.get("/", headers={"host": "evil.example:8765"})
    assert r.status_code == 400 and "not served here" in r.text


def test_serving_off_loopback_makes_a_token(run_dir: Path, monkeypatch):
    import uvicorn

    served = {}

    def run(server, sockets):
        served.update(app=server.config.app, host=sockets[0].getsockname()[0])

    monkeypatch.setattr(uvicorn.Server, "run", run)
    lines: list[str] = []
    serve_module.serve(run_dir, host="0.0.0.0", port=0, echo=lines.append)
    token = re.search(r"\?token=(\S+)", lines[0]).group(1)
    assert served["host"] == "0.0.0.0" and len(token) >= 24
    c = TestClient(served["app"], base_url="http://10.0.0.5:9999")
    assert c.get("/").status_code == 401 and c.get(f"/?token={token}").status_code == 200
    lines.clear()
    serve_module.serve(run_dir, port=0, echo=lines.append)
    assert served["host"] == "127.0.0.1" and "token" not in lines[0] and "http://127.0.0.1:0/" in lines[0]


def test_a_busy_port_is_one_error_before_anything_is_printed_or_created(run_dir: Path, tmp_path: Path):
    from codemill.review.data import ReviewError
    from codemill.review.labels import db_path

    with serve_module.listen("127.0.0.1", 0) as taken:
        port = taken.getsockname()[1]
        lines: list[str] = []
        with pytest.raises(ReviewError, match=f"cannot listen on 127.0.0.1:{port}"):
            serve_module.serve(run_dir, port=port, echo=lines.append)
    assert lines == [] and not db_path(run_dir).exists()


def test_a_locked_labels_database_is_a_503_with_a_message(run_dir: Path):
    import sqlite3

    app = create_app(run_dir)
    app.state.store.busy_timeout_s = 0.2
    app.state.store.close()
    c = TestClient(app, base_url=BASE)
    s = sample(c)
    holder = sqlite3.connect(app.state.store.path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process holding the write lock for too long
    try:
        r = c.post("/api/label", json={"stage": "pairs", "item_id": s["items"][0]["item_id"], "verdict": "accept",
                                       "reviewer": "ada", "digest": s["digest"]})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert r.status_code == 503 and "cannot be used right now" in r.json()["error"]
    r = c.post("/api/label", json={"stage": "pairs", "item_id": s["items"][0]["item_id"], "verdict": "accept",
                                   "reviewer": "ada", "digest": s["digest"]})
    assert r.status_code == 200


def test_request_bodies_are_limited(client: TestClient, run_dir: Path) -> None:
    """A label is a few hundred bytes: a larger body is refused (413) before it is read or stored."""
    from codemill.review.limits import MAX_BODY_BYTES, BodyLimit

    big = {"stage": "pairs", "item_id": "x", "verdict": "accept", "reviewer": "ada", "digest": "d",
           "reason": "r" * (MAX_BODY_BYTES + 1), "sample": {"role": "kept"}}
    r = client.post("/api/label", json=big)
    assert r.status_code == 413 and "request body over" in r.text
    # A declared length is refused without reading the body: a client announcing 10 GiB holds nothing.
    sent: list[dict] = []

    async def never() -> dict:
        raise AssertionError("the body was read")

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/api/label",
             "headers": [(b"host", b"127.0.0.1"), (b"content-length", str(10 * 2**30).encode())]}
    asyncio.run(BodyLimit(create_app(run_dir))(scope, never, send))
    assert sent[0]["status"] == 413

    def chunks():  # no Content-Length at all: counted as it arrives
        for _ in range(MAX_BODY_BYTES // 1024 + 2):
            yield b"x" * 1024

    r = client.post("/api/label", content=chunks())
    assert r.status_code == 413
    assert LabelStore.for_run(run_dir).labels("pairs") == []
    assert client.post("/api/label", json={"stage": "pairs"}).status_code == 400  # small bodies still reach the API
