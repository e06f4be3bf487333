"""The `issues` stage: GH Archive hours and a loopback REST API about `octo/widgets`, linked to a real clone.

The clone is local, so it carries its GitHub identity the way a real clone does: `origin` is
https://github.com/octo/widgets. Its history has a squash-merged PR (#12), a merge-button PR (#15), a PR merged
into a release branch (#20) and none of a PR merged after the clone was taken (#22).
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from codemill import pipeline
from codemill.config import Config
from codemill.engine.manifest import load_manifest
from codemill.github.identity import github_repo
from codemill.ids import stable_id
from codemill.stages.issues import SCHEMA
from codemill.tracebacks import has_traceback

from gitrepo import MIT, Repo, git
from loopback import Loopback
from readback import dropped_rows, kept_rows, through

GH = "octo/widgets"
UPTO_ISSUES = ["sources", "repos", "events", "issues"]
TRACEBACK = """Paging past the end with no cursor crashes:

```
Traceback (most recent call last):
  File "widgets/cursor.py", line 4, in after
    return [i for i in items if i > cursor]
TypeError: '>' not supported between instances of 'int' and 'NoneType'
```"""


# --- the repository ------------------------------------------------------------------------------------------


@pytest.fixture
def widgets(tmp_path: Path) -> tuple[Repo, dict[str, str]]:
    """Commits at 2024-01-01 01:00, 02:00, ... UTC (gitrepo's clock); the tip (the merge of #15) is at 06:00."""
    r = Repo(tmp_path / "widgets")
    git(r.path, "remote", "add", "origin", "https://github.com/octo/widgets.git")
    shas = {"init": r.commit("Add the pager", {"LICENSE": MIT, "widgets/pages.py": "def page(xs, n):\n"
                                                                                    "    return xs[0:n]\n"})}
    r.branch("release-1.x")
    shas["20"] = r.commit("Cap the page size (#20)", {"widgets/pages.py": "def page(xs, n):\n"
                                                                         "    return xs[0:min(n, 100)]\n"})
    r.checkout("main")
    shas["12"] = r.commit("Fix empty page handling (#12)\n\n* Return [] for an empty page",
                          {"widgets/pages.py": "def page(xs, n):\n    return list(xs[0:n]) if xs else []\n"})
    r.branch("feature")
    shas["15a"] = r.commit("Accept a missing cursor", {"widgets/cursor.py": "def after(xs, c=None):\n"
                                                                            "    return xs if c is None else xs\n"})
    r.checkout("main")
    r.commit("Document paging", {"README.md": "# widgets\n\nPages and cursors.\n"})
    shas["15"] = r.merge("feature", "Merge pull request #15 from ada/feature\n\nAccept a missing cursor")
    return r, shas


# --- GH Archive events in the Events API's format -------------------------------------------------------------


def at(hour: int, minute: int = 0, day: int = 1) -> str:
    return f"2024-01-{day:02d}T{hour:02d}:{minute:02d}:00Z"


def user(login: str) -> dict:
    uid = 5000 + sum(map(ord, login))
    return {"login": login, "id": uid, "node_id": f"MDQ6VXNlcj{uid}", "gravatar_id": "",
            "url": f"https://api.github.com/users/{login}", "html_url": f"https://github.com/{login}",
            "type": "User", "site_admin": False}


def issue_json(n: int, title: str, body: str, author: str, created: str, labels: tuple[str, ...] = (),
               pull: bool = False) -> dict:
    """An issue object as the Events and REST APIs embed it."""
    obj = {"url": f"https://api.github.com/repos/{GH}/issues/{n}", "html_url": f"https://github.com/{GH}/issues/{n}",
           "id": 2_000_000_000 + n, "node_id": f"I_kwDO{n:08d}", "number": n, "title": title, "user": user(author),
           "labels": [{"id": 900 + i, "name": name, "color": "d73a4a", "default": False}
                      for i, name in enumerate(labels)],
           "state": "open", "locked": False, "assignee": None, "assignees": [], "milestone": None, "comments": 0,
           "created_at": created, "updated_at": created, "closed_at": None, "author_association": "CONTRIBUTOR",
           "body": body}
    if pull:
        obj["pull_request"] = {"url": f"https://api.github.com/repos/{GH}/pulls/{n}", "merged_at": None}
    return obj


def ref(name: str, sha: str) -> dict:
    return {"label": f"octo:{name}", "ref": name, "sha": sha,
            "repo": {"id": 700001, "url": f"https://api.github.com/repos/{GH}", "name": "widgets"}}


def pull_json(n: int, title: str, body: str, author: str, created: str, head: tuple[str, str], base: str,
              merged_at: str | None = None, merge_sha: str | None = None, state: str = "open") -> dict:
    """A full pull request object (the Events API's until 2025-10-07, the REST API's list item)."""
    return {"url": f"https://api.github.com/repos/{GH}/pulls/{n}", "id": 1_800_000_000 + n, "number": n,
            "html_url": f"https://github.com/{GH}/pull/{n}", "state": state, "locked": False, "title": title,
            "user": user(author), "body": body, "created_at": created, "updated_at": merged_at or created,
            "closed_at": merged_at, "merged_at": merged_at, "merge_commit_sha": merge_sha, "labels": [],
            "draft": False, "head": ref(*head), "base": ref(base, "6dcb09b5b57875f334f61aebed695e2e4193db5e"),
            "author_association": "CONTRIBUTOR"}


def pull_stub(n: int, head: tuple[str, str], base: str) -> dict:
    """The trimmed `pull_request` the Events API has sent since 2025-10-07 (merges as a `merged` action)."""
    return {"url": f"https://api.github.com/repos/{GH}/pulls/{n}", "id": 1_800_000_000 + n, "number": n,
            "head": ref(*head), "base": ref(base, "6dcb09b5b57875f334f61aebed695e2e4193db5e")}


def comment_json(cid: int, author: str, body: str, created: str) -> dict:
    return {"id": cid, "node_id": f"IC_kwDO{cid}", "user": user(author), "created_at": created,
            "updated_at": created, "author_association": "CONTRIBUTOR", "body": body,
            "html_url": f"https://github.com/{GH}/issues/0#issuecomment-{cid}"}


class Events:
    """GH Archive lines, written as hourly `YYYY-MM-DD-H.json.gz` dumps by the hour of each event."""

    def __init__(self, first_id: int = 35_000_000_000) -> None:
        self.first_id = first_id  # event ids are unique across dumps: a repeated id is a re-crawled event
        self.lines: list[tuple[str, str]] = []

    def add(self, kind: str, actor: str, created: str, payload: dict, repo: str = GH) -> None:
        event = {"id": str(self.first_id + len(self.lines)), "type": kind,
                 "actor": {"id": user(actor)["id"], "login": actor, "display_login": actor, "gravatar_id": "",
                           "url": f"https://api.github.com/users/{actor}",
                           "avatar_url": f"https://avatars.githubusercontent.com/u/{user(actor)['id']}?"},
                 "repo": {"id": 700001, "name": repo, "url": f"https://api.github.com/repos/{repo}"},
                 "payload": payload, "public": True, "created_at": created,
                 "org": {"id": 9001, "login": repo.split("/")[0], "gravatar_id": "",
                         "url": f"https://api.github.com/orgs/{repo.split('/')[0]}"}}
        self.lines.append((created, json.dumps(event, separators=(",", ":"))))

    def raw(self, created: str, line: str) -> None:
        self.lines.append((created, line))

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        hours: dict[str, list[str]] = defaultdict(list)
        for created, line in self.lines:
            hours[f"{created[:10]}-{int(created[11:13])}"].append(line)
        for hour, lines in hours.items():
            with gzip.open(folder / f"{hour}.json.gz", "wt", encoding="utf-8") as fh:
                fh.write("\n".join(lines) + "\n")
        return folder


def widgets_events(shas: dict[str, str]) -> Events:
    ev = Events()
    ten = issue_json(10, "Empty pages show a blank list",
                     "Asking for page 3 of an empty folder shows nothing at all.", "grace", at(0, 10), ("bug",))
    ev.add("IssuesEvent", "grace", at(0, 10), {"action": "opened", "issue": ten})
    ev.add("IssuesEvent", "linus-t", at(0, 20), {"action": "opened", "issue": issue_json(
        11, "Crash when the cursor is missing", TRACEBACK, "linus-t", at(0, 20), ("bug", "crash"))})
    ev.add("IssueCommentEvent", "ada", at(0, 30), {"action": "created", "issue": ten, "comment": comment_json(
        801, "ada", "Happens with page=0 too.", at(0, 30))})
    ev.add("WatchEvent", "someone", at(0, 40), {"action": "started"})
    ev.add("IssuesEvent", "grace", at(0, 45), {"action": "opened", "issue": issue_json(
        10, "Not ours", "Fixes nothing", "grace", at(0, 45))}, repo="someone/else")
    ev.raw(at(0, 50), '{"id":"35000009999","type":"IssuesEvent","payload":{"action":"ope')  # a cut-off line
    # #18 is fixed on the release branch only.
    ev.add("IssuesEvent", "grace", at(1, 0), {"action": "opened", "issue": issue_json(
        18, "Page size is unbounded on 1.x", "page(xs, 10**9) allocates everything.", "grace", at(1, 0))})
    ev.add("PullRequestEvent", "ada", at(1, 30), {"action": "opened", "number": 20, "pull_request": pull_json(
        20, "Cap the page size", "Fixes #18", "ada", at(1, 30), ("cap", shas["20"]), "release-1.x")})
    ev.add("PullRequestEvent", "ada", at(2, 0), {"action": "closed", "number": 20, "pull_request": pull_json(
        20, "Cap the page size", "Fixes #18", "ada", at(1, 30), ("cap", shas["20"]), "release-1.x",
        merged_at=at(2, 0), merge_sha=shas["20"], state="closed") | {"merged": True}})
    # #12 squash-merged, #15 merged by the button; both merges reported as stubs, without merge_commit_sha.
    ev.add("PullRequestEvent", "ada", at(2, 30), {"action": "opened", "number": 12, "pull_request": pull_json(
        12, "Fix empty page handling", "Fixes #10", "ada", at(2, 30), ("empty", "e" * 40), "main")})
    ev.add("IssueCommentEvent", "grace", at(2, 40), {"action": "created", "issue": ten, "comment": comment_json(
        802, "grace", "Thanks, the PR fixes it for me.", at(2, 40))})
    ev.add("PullRequestEvent", "linus-t", at(3, 0), {"action": "merged", "number": 12,
                                                     "pull_request": pull_stub(12, ("empty", "e" * 40), "main")})
    ev.add("PullRequestEvent", "ada", at(3, 30), {"action": "opened", "number": 15, "pull_request": pull_json(
        15, "Accept a missing cursor", "Closes #11", "ada", at(3, 30), ("feature", shas["15a"]), "main")})
    ev.add("PullRequestEvent", "ada", at(3, 40), {"action": "opened", "number": 16, "pull_request": pull_json(
        16, "Another take on empty pages", "Fixes #10", "bob", at(3, 40), ("other", "d" * 40), "main")})
    ev.add("PullRequestEvent", "linus-t", at(6, 0), {"action": "merged", "number": 15,
                                                     "pull_request": pull_stub(15, ("feature", shas["15a"]), "main")})
    # #22 was merged the next day, after this clone was taken.
    ev.add("IssuesEvent", "bob", at(4, 0), {"action": "opened", "issue": issue_json(
        21, "Add a page iterator", "Iterating over pages by hand is tedious.", "bob", at(4, 0))})
    ev.add("PullRequestEvent", "bob", at(7, 0), {"action": "opened", "number": 22, "pull_request": pull_json(
        22, "Page iterator", "Resolves #21", "bob", at(7, 0), ("iter", "c" * 40), "main")})
    late = "3f786850e387550fdab836ed7e6dc881de23001b"
    ev.add("PullRequestEvent", "bob", at(9, 0, day=2), {"action": "closed", "number": 22, "pull_request": pull_json(
        22, "Page iterator", "Resolves #21", "bob", at(7, 0), ("iter", "c" * 40), "main", merged_at=at(9, 0, day=2),
        merge_sha=late, state="closed") | {"merged": True}})
    return ev


def config(**issues: object) -> Config:
    return Config.model_validate({"run": {"workers": 1}, "issues": issues, "license": {"keep_missing": True}})


def by_issue(rows: list[dict]) -> dict[int, dict]:
    return {r["issue_number"]: r for r in rows}


# --- the archive path through the whole pipeline ---------------------------------------------------------------


def test_archive_links_through_the_whole_pipeline(tmp_path: Path, widgets: tuple[Repo, dict[str, str]]) -> None:
    repo, shas = widgets
    dumps = widgets_events(shas).write(tmp_path / "gharchive")
    out = tmp_path / "run"
    summary = pipeline.run(out, config(archive=[str(dumps)]), [str(repo.path)])
    assert summary.ok, summary.errors
    repo_id = str(repo.path.resolve())

    kept = by_issue(kept_rows(out, "issues"))
    assert sorted(kept) == [10, 11]
    ten, eleven = kept[10], kept[11]
    assert set(ten) == set(SCHEMA.names)
    assert ten["link_id"] == stable_id("issue_pr", repo_id, "10", "12")
    assert (ten["pr_number"], ten["link_method"], ten["commit_shas"]) == (12, "squash_suffix", [shas["12"]])
    assert (ten["repo_id"], ten["repo_name"]) == (repo_id, "octo/widgets")  # named from its origin remote
    assert (ten["issue_title"], ten["issue_author"], ten["issue_labels"]) == (
        "Empty pages show a blank list", "grace", ["bug"])
    assert ten["issue_created_at"] == datetime(2024, 1, 1, 0, 10, tzinfo=UTC)
    assert (ten["pr_title"], ten["pr_body"]) == ("Fix empty page handling", "Fixes #10")
    assert ten["pr_merged_at"] == datetime(2024, 1, 1, 3, 0, tzinfo=UTC)  # the time of the `merged` stub event
    # No commit times in the archive: comments before the PR was opened; the later "thanks" is left out.
    assert ten["hints"] == "Happens with page=0 too."
    assert ten["has_traceback"] is False
    # #16 also says "Fixes #10" but was never merged: no link, so #10 has one PR.
    assert (ten["issue_has_several_prs"], ten["pr_closes_several_issues"]) == (False, False)

    assert (eleven["pr_number"], eleven["link_method"], eleven["commit_shas"]) == (15, "merge_message", [shas["15"]])
    assert eleven["has_traceback"] is True and eleven["issue_labels"] == ["bug", "crash"]

    # Each linked PR's commit gives an issue → PR pair: the issue states the task, the commit's diff answers it
    # (for the merge-button PR, the merge commit's first-parent diff: the PR's whole change).
    issue_pairs = {p["pair_id"]: p for p in kept_rows(out, "pairs") + dropped_rows(out, "pairs")
                   if p["kind"] == "issue_pr"}
    ids = {n: stable_id("pair", "issue_pr", repo_id, str(n), str(pr)) for n, pr in ((10, 12), (11, 15))}
    assert set(issue_pairs) == set(ids.values())
    merged = issue_pairs[ids[11]]
    assert merged["commit_sha"] == shas["15"] and merged["response"].startswith("diff --git")
    assert merged["category"] == "debugging"  # the issue carries a traceback
    # The merged PR is also a pair of its own (kind `pr`), with the same change from the same base.
    pr_pair = next(p for p in kept_rows(out, "pairs") if p["kind"] == "pr" and p["pr_number"] == 15)
    base = git(repo.path, "merge-base", f"{shas['15']}^1", f"{shas['15']}^2")
    assert (merged["pr_number"], merged["base_sha"]) == (15, base) == (pr_pair["pr_number"], pr_pair["base_sha"])
    assert pr_pair["merge_sha"] == shas["15"] and pr_pair["response"] == merged["response"]
    pair = issue_pairs[ids[10]]
    assert pair["instruction"].startswith("Empty pages show a blank list\n\nAsking for page")
    # The comments before the fix are kept apart (SWE-bench's hints_text); appended only with `issue_hints`.
    assert pair["hints"] == "Happens with page=0 too." and "page=0" not in pair["instruction"]
    assert commit_pair_hints(out, shas["12"]) is None
    assert pair["commit_sha"] == shas["12"] and pair["labels"] == ["bug"]
    commit_pair = next(p for p in kept_rows(out, "pairs") if p["kind"] == "commit" and p["commit_sha"] == shas["12"])
    assert pair["response"] == commit_pair["response"] and pair["category"] == "bugfix"
    assert {"score", "score_specificity", "score_coherence", "category_rule"} <= set(pair)

    dropped = by_issue(dropped_rows(out, "issues"))
    assert {n: (r["pr_number"], r["drop_reason"]) for n, r in dropped.items()} == {
        18: (20, "pr_not_on_branch"), 21: (22, "commit_missing")}
    assert dropped[18]["drop_detail"] == "merged into release-1.x, not main"
    assert "3f786850e387" in dropped[21]["drop_detail"]
    assert dropped[18]["commit_shas"] == [] and dropped[18]["link_method"] is None

    m = load_manifest(out / "issues")
    totals = m.totals()
    assert (totals["in"], totals["kept"], totals["dropped"]) == (4, 2, 2)
    assert totals["counters"]["archive.events"] == 15
    # The cut-off line is reported once, by the dump that holds it (`events`), not once per repository.
    [bad] = dropped_rows(out, "events")
    where = f"{dumps / '2024-01-01-0.json.gz'}:6"
    assert (bad["drop_reason"], bad["drop_detail"].split(": ")[0]) == ("malformed", where)
    assert set(m.shards) == {repo_id}

    again = pipeline.run(out, config(archive=[str(dumps)]), [])
    assert again.ok and again.ran["issues"] == 0 and again.reused["issues"] == 1
    assert sum(again.ran.values()) == 0

    # A new hour of the archive re-runs the shard.
    more = Events(first_id=36_000_000_000)
    more.add("IssuesEvent", "grace", at(8, 0), {"action": "labeled", "issue": issue_json(
        10, "Empty pages show a blank list", "Asking for page 3 of an empty folder shows nothing at all.",
        "grace", at(0, 10), ("bug", "good first issue"))})
    more.write(dumps)
    third = pipeline.run(out, config(archive=[str(dumps)]), [], only=UPTO_ISSUES)
    assert third.ok and third.ran["issues"] == 1
    assert by_issue(kept_rows(out, "issues"))[10]["issue_labels"] == ["bug", "good first issue"]


def commit_pair_hints(out: Path, sha: str) -> str | None:
    return next(p["hints"] for p in kept_rows(out, "pairs") if p["kind"] == "commit" and p["commit_sha"] == sha)


def test_a_truncated_dump_fails_the_shard_and_the_run_goes_on(tmp_path: Path,
                                                               widgets: tuple[Repo, dict[str, str]]) -> None:
    repo, shas = widgets
    dumps = widgets_events(shas).write(tmp_path / "gharchive")
    whole = (dumps / "2024-01-01-0.json.gz").read_bytes()
    (dumps / "2024-01-01-23.json.gz").write_bytes(whole[: len(whole) // 2])  # an interrupted download
    plain = Repo(tmp_path / "plain")  # no GitHub identity: no shard
    plain.commit("Start", {"a.py": "A = 1\n"})
    out = tmp_path / "run"
    summary = pipeline.run(out, config(archive=[str(dumps)]), [str(repo.path), str(plain.path)],
                           only=through("pairs"))
    repo_id = str(repo.path.resolve())
    assert list(summary.errors["issues"]) == [repo_id]
    assert "2024-01-01-23.json.gz: truncated or corrupt gzip" in summary.errors["issues"][repo_id]
    assert not summary.errors["pairs"] and kept_rows(out, "pairs")  # the rest of the run went on

    (dumps / "2024-01-01-23.json.gz").unlink()
    fixed = pipeline.run(out, config(archive=[str(dumps)]), [], only=UPTO_ISSUES)
    assert fixed.ok and fixed.ran["issues"] == 1
    assert sorted(by_issue(kept_rows(out, "issues"))) == [10, 11]


def test_without_data_or_identity_there_are_no_shards(tmp_path: Path, widgets: tuple[Repo, dict[str, str]]) -> None:
    repo, _ = widgets
    out = tmp_path / "run"
    summary = pipeline.run(out, config(), [str(repo.path)], only=UPTO_ISSUES)
    assert summary.ok and load_manifest(out / "issues").shards == {}
    git(repo.path, "remote", "set-url", "origin", "https://gitlab.com/octo/widgets.git")
    summary = pipeline.run(tmp_path / "run2", config(archive=[str(tmp_path)]), [str(repo.path)], only=UPTO_ISSUES)
    assert summary.ok and load_manifest(tmp_path / "run2" / "issues").shards == {}


# --- the API path ------------------------------------------------------------------------------------------------


class FakeAPI:
    """A loopback api.github.com: JSON per path, with ETags answered by 304 as GitHub does."""

    def __init__(self) -> None:
        self.routes: dict[str, bytes] = {}
        self.requests: list[tuple[str, str | None]] = []
        self.base = ""

    def add(self, path: str, obj: object) -> None:
        self.routes[path] = json.dumps(obj).encode()


@pytest.fixture
def api() -> Iterator[FakeAPI]:
    state = FakeAPI()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests.append((self.path, self.headers.get("Authorization")))
            body = state.routes.get(self.path)
            etag = f'"{hashlib.sha1(body).hexdigest()}"' if body is not None else None
            if body is None:
                status, body = 404, b'{"message":"Not Found"}'
            elif self.headers.get("If-None-Match") == etag:
                status, body = 304, b""
            else:
                status = 200
            self.send_response(status)
            if etag:
                self.send_header("ETag", etag)
            if status != 304:
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    with Loopback(Handler, state) as loop:
        state.base = loop.base
        yield state


def pull_commit(sha: str, message: str, date: str) -> dict:
    return {"sha": sha, "node_id": f"C_{sha[:8]}", "author": user("ada"), "committer": user("ada"),
            "commit": {"author": {"name": "Ada Lovelace", "email": "ada@example.org", "date": date},
                       "committer": {"name": "Ada Lovelace", "email": "ada@example.org", "date": date},
                       "message": message}}


def serve_widgets(api: FakeAPI, shas: dict[str, str]) -> None:
    q = "per_page=100"
    api.add(f"/repos/{GH}/issues?state=all&{q}", [
        issue_json(15, "Accept a missing cursor", "Closes #11", "ada", at(3, 30), pull=True),
        issue_json(12, "Fix empty page handling", "", "ada", at(2, 30), pull=True),
        issue_json(11, "Crash when the cursor is missing", TRACEBACK, "linus-t", at(0, 20), ("bug",)),
        issue_json(10, "Empty pages show a blank list", "Page 3 of an empty folder is blank.", "grace", at(0, 10)),
    ])
    api.add(f"/repos/{GH}/pulls?state=all&{q}", [
        pull_json(15, "Accept a missing cursor", "Closes #11", "ada", at(3, 30), ("feature", shas["15a"]), "main",
                  merged_at=at(6, 0), merge_sha=shas["15"], state="closed"),
        # The closing reference is only in a commit message, which the archive never shows.
        pull_json(12, "Fix empty page handling", "", "ada", at(2, 30), ("empty", "e" * 40), "main",
                  merged_at=at(3, 0), merge_sha=shas["12"], state="closed"),
    ])
    api.add(f"/repos/{GH}/pulls/12/commits?{q}", [
        pull_commit("e" * 40, "Return [] for an empty page\n\nFixes #10", at(1, 0))])
    api.add(f"/repos/{GH}/pulls/15/commits?{q}", [pull_commit(shas["15a"], "Accept a missing cursor", at(4, 0))])
    api.add(f"/repos/{GH}/issues/10/comments?{q}", [
        comment_json(801, "ada", "Happens with page=0 too.", at(0, 30)),
        comment_json(802, "grace", "Working on it in a branch.", at(1, 30)),  # after the first commit
    ])
    api.add(f"/repos/{GH}/issues/11/comments?{q}", [])


def test_api_links_with_commit_messages_and_answers_reruns_from_the_cache(
        tmp_path: Path, widgets: tuple[Repo, dict[str, str]], api: FakeAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    repo, shas = widgets
    serve_widgets(api, shas)
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.delenv("GH_TOKEN", raising=False)
    cfg = config(api=True, api_base_url=api.base, api_cache_dir=str(tmp_path / "cache"))
    summary = pipeline.run(tmp_path / "run", cfg, [str(repo.path)], only=UPTO_ISSUES)
    assert summary.ok, summary.errors

    kept = by_issue(kept_rows(tmp_path / "run", "issues"))
    assert {n: (r["pr_number"], r["link_method"], r["commit_shas"]) for n, r in kept.items()} == {
        10: (12, "merge_sha", [shas["12"]]), 11: (15, "merge_sha", [shas["15"]])}
    assert kept[10]["hints"] == "Happens with page=0 too."  # before the PR's first commit, not its opening
    assert kept[10]["issue_body"] == "Page 3 of an empty folder is blank."
    assert kept[11]["has_traceback"] is True
    assert all(auth is None for _, auth in api.requests)  # no token: asked unauthenticated
    counters = load_manifest(tmp_path / "run" / "issues").totals()["counters"]
    assert counters["api.unauthenticated"] == 1
    assert counters["api.requests"] == len(api.requests) == 6
    assert "api.not_modified" not in counters

    # Another run directory sharing the cache: every page is answered 304, the rows are the same.
    monkeypatch.setenv("GH_TOKEN", "gho_test")
    again = pipeline.run(tmp_path / "run2", cfg, [str(repo.path)], only=UPTO_ISSUES)
    assert again.ok, again.errors
    counters = load_manifest(tmp_path / "run2" / "issues").totals()["counters"]
    assert counters["api.not_modified"] == counters["api.requests"] == 6
    assert "api.unauthenticated" not in counters
    assert kept_rows(tmp_path / "run2", "issues") == kept_rows(tmp_path / "run", "issues")


def test_a_repository_the_api_does_not_know_fails_its_shard(
        tmp_path: Path, widgets: tuple[Repo, dict[str, str]], api: FakeAPI) -> None:
    repo, _ = widgets
    cfg = config(api=True, api_base_url=api.base, api_cache_dir=str(tmp_path / "cache"))
    summary = pipeline.run(tmp_path / "run", cfg, [str(repo.path)], only=UPTO_ISSUES)
    [error] = summary.errors["issues"].values()
    assert "NotFoundError" in error and "GitHub 404" in error and "/repos/octo/widgets/issues" in error


# --- units ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "expected"), [
    ("https://github.com/octo/widgets", "octo/widgets"),
    ("https://github.com/Octo/Widgets.git", "Octo/Widgets"),
    ("http://user@github.com/octo/widgets.js/", "octo/widgets.js"),
    ("git@github.com:octo/widgets.git", "octo/widgets"),
    ("ssh://git@github.com/octo/widgets.git", "octo/widgets"),
    ("github.com/octo/widgets", "octo/widgets"),
    ("https://gitlab.com/octo/widgets", None),
    ("https://github.com/octo", None),
    ("https://github.com/octo/widgets/issues/3", None),
    ("https://notgithub.com/octo/widgets", None),
    (None, None),
])
def test_github_repo(url: str | None, expected: str | None) -> None:
    assert github_repo(url) == expected


@pytest.mark.parametrize("text", [
    TRACEBACK,
    "TypeError: Cannot read properties of undefined (reading 'map')\n    at render (src/app.js:12:5)",
    "    at Object.<anonymous> (/srv/index.js:3:9)",
    'Exception in thread "main" java.lang.NullPointerException',
    "\tat com.octo.Widgets.page(Widgets.java:42)",
    "panic: runtime error: index out of range [3] with length 3\n\ngoroutine 1 [running]:",
    "thread 'main' panicked at src/main.rs:4:5:\nattempt to subtract with overflow",
    "error[E0382]: borrow of moved value: `v`",
    "json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)",
])
def test_tracebacks_are_recognised(text: str) -> None:
    assert has_traceback("Steps to reproduce:\n", text)


@pytest.mark.parametrize("text", [
    "Error handling in the pager could be friendlier.",
    "The docs at http://localhost:8000 mention errors: none here.",
    "We should catch the Exception and log it.",
    "",
])
def test_prose_is_not_a_traceback(text: str) -> None:
    assert not has_traceback(text)
