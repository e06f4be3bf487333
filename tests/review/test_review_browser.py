"""The desk end to end in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright): pages of a
real run, judging with the keyboard by two reviewers, the precision and agreement tables updating, and a
screenshot of every main page (to $CODEMILL_SCREENSHOTS, else the test's tmp dir)."""

from __future__ import annotations

import os
import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from codemill.review.app import LOOPBACK_HOSTS, create_app
from codemill.review.labels import LabelStore

from readback import kept_rows
from reviewruns import add_tasks_stage, copy_run, fingerprint

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _browser_or_skip():
    """Playwright's sync API, or a skip when Chromium or Playwright is missing here; on CI (CI set) a failure."""
    why = None
    if not Path(CHROMIUM).is_file():
        why = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        from playwright import sync_api
    except ImportError:
        why = why or "the playwright package is not installed (pip install -e '.[dev]')"
        sync_api = None
    if why:
        if os.environ.get("CI"):
            pytest.fail(f"the browser tests must run on CI: {why}")
        pytest.skip(why)
    return sync_api


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    where = os.environ.get("CODEMILL_SCREENSHOTS")
    path = Path(where) if where else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def desk(built_run: Path, tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """uvicorn serving the desk on a free loopback port, over a copy of the real run plus a `tasks` stage."""
    import uvicorn

    run_dir = copy_run(built_run, tmp_path_factory.mktemp("desk") / "run")
    add_tasks_stage(run_dir)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(run_dir, allowed_hosts=LOOPBACK_HOSTS), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    ready = threading.Event()
    for _ in range(600):  # bounded: up to a minute for the server to bind
        if server.started or not thread.is_alive():
            ready.set()
            break
        ready.wait(0.1)
    assert server.started, "the desk did not start"
    yield f"http://127.0.0.1:{port}", run_dir
    server.should_exit = True
    thread.join(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    sync_api = _browser_or_skip()
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def new_page(browser, base: str):
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
    page = browser.new_context(viewport={"width": 1440, "height": 960}, base_url=base).new_page()
    page.set_default_timeout(30_000)
    return page, expect


def judge(page, key: str) -> None:
    """Press a judging key and wait for the desk to move on to the next item."""
    with page.expect_navigation():
        page.keyboard.press(key)


def precision_row(page, stage: str, decision: str):
    return page.locator(f'#precision tr[data-stage="{stage}"][data-decision="{decision}"]')


@pytest.mark.slow
def test_judging_with_the_keyboard_updates_precision(desk, browser, shots: Path):
    base, run_dir = desk
    before = fingerprint(run_dir)
    page, expect = new_page(browser, base)

    page.goto("/")
    expect(page.locator('#funnel tr[data-stage="pairs"]')).to_contain_text("lockfile_only")
    page.screenshot(path=shots / "01-funnel.png", full_page=True)
    page.click('#funnel a[href="/stage/pairs"]')
    expect(page.locator("#decisions")).to_contain_text("generic_message")
    page.screenshot(path=shots / "02-stage.png", full_page=True)

    page.goto("/stage/pairs/sample?role=kept&seed=0&n=6")
    expect(page.locator("#sample tbody tr")).to_have_count(6)
    page.screenshot(path=shots / "03-sample.png", full_page=True)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/stage/pairs/item/" in page.url
    first = page.url
    expect(page.locator("#position")).to_have_text("1")
    expect(page.locator("#commit-link")).to_have_attribute("href", re.compile(r"^https://github.com/ada/paging/commit/"))
    page.keyboard.press("d")
    expect(page.locator("#record")).to_have_class(re.compile("view-unified"))
    page.keyboard.press("d")
    expect(page.locator("#record")).to_have_class(re.compile("view-split"))

    page.keyboard.press("a")  # no reviewer name yet: refused, with a message, and nothing stored
    expect(page.locator("#flash")).to_contain_text("Enter your reviewer name")
    assert page.url == first and LabelStore.for_run(run_dir).events() == 0
    page.fill("#reviewer", "ada")
    page.press("#reviewer", "Enter")
    judge(page, "a")                                   # item 1: accept
    expect(page.locator("#position")).to_have_text("2")
    page.keyboard.press("r")
    expect(page.locator("#rejectpanel")).to_be_visible()
    page.screenshot(path=shots / "06-reject-reasons.png")
    judge(page, "2")                                   # item 2: reject, "trivial or mechanical change"
    judge(page, "s")                                   # item 3: skip
    expect(page.locator("#position")).to_have_text("4")
    with page.expect_navigation():
        page.keyboard.press("p")
    expect(page.locator("#verdicts")).to_contain_text("ada: skip")

    page.goto("/stats")
    kept = precision_row(page, "pairs", "kept")
    expect(kept.locator(".judged")).to_have_text("2")
    expect(kept.locator(".precision")).to_have_text("50%")

    # a second reviewer, in another browser context, agrees on the first item and not on the second
    other, _ = new_page(browser, base)
    other.goto(first)
    other.fill("#reviewer", "bob")
    other.press("#reviewer", "Enter")
    judge(other, "a")
    judge(other, "a")
    page.reload()
    expect(kept.locator(".precision")).to_have_text("75%")  # item 2 now counts half right
    expect(page.locator("#agreement")).to_contain_text("ada · bob")
    expect(page.locator("#agreement .kappa")).to_have_text("0.00")

    # a dropped row, judged from a sample of its reason: the filter was right
    page.goto("/stage/pairs/sample?role=dropped&reason=lockfile_only")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#decision")).to_contain_text("lockfile_only")
    page.keyboard.press("r")
    page.keyboard.press("1")
    expect(page.locator("#verdicts")).to_contain_text("ada: reject")  # the last item: the desk stays
    page.goto("/stats")
    expect(precision_row(page, "pairs", "lockfile_only").locator(".precision")).to_have_text("100%")
    page.screenshot(path=shots / "07-stats.png", full_page=True)

    labels = {(j.item_id, j.reviewer): j for j in LabelStore.for_run(run_dir).labels("pairs")}
    assert len(labels) == 6 and {j.reviewer for j in labels.values()} == {"ada", "bob"}
    assert sum(j.reason == "trivial or mechanical change" for j in labels.values()) == 1
    assert fingerprint(run_dir) == before  # the session changed no artifact
    for name in ("01-funnel", "02-stage", "03-sample", "06-reject-reasons", "07-stats"):
        assert (shots / f"{name}.png").stat().st_size > 0


def test_file_and_swe_pages(desk, browser, shots: Path):
    base, run_dir = desk
    page, expect = new_page(browser, base)
    fix = next(p for p in kept_rows(run_dir, "pairs") if p["instruction"].startswith("Fix the command line"))
    page.goto(f"/stage/pairs/item/{fix['pair_id']}")
    expect(page.locator("table.diff.split").first).to_be_visible()
    expect(page.locator("#category")).to_contain_text("bugfix")
    page.screenshot(path=shots / "04-pair-split.png", full_page=True)
    page.keyboard.press("d")
    expect(page.locator("table.diff.unified").first).to_be_visible()
    expect(page.locator("table.diff.split").first).to_be_hidden()
    page.screenshot(path=shots / "05-pair-unified.png", full_page=True)
    page.goto("/stage/clean/sample?role=kept")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#signals")).to_contain_text("alnum_fraction")
    expect(page.locator("#content .hl")).to_be_visible()
    page.screenshot(path=shots / "08-file.png", full_page=True)
    page.goto("/stage/tasks/sample?role=kept")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#outcomes")).to_contain_text("tests/test_cursor.py::test_unsorted")
    expect(page.locator("#problem")).to_contain_text("Fix cursor()")
    page.screenshot(path=shots / "09-swe-instance.png", full_page=True)
    page.goto("/stage/pairs/item/not-a-pair")
    expect(page.locator("#error-message")).to_contain_text("no row with pair_id")
    page.screenshot(path=shots / "10-error.png")
    for name in ("04-pair-split", "05-pair-unified", "08-file", "09-swe-instance", "10-error"):
        assert (shots / f"{name}.png").stat().st_size > 0

