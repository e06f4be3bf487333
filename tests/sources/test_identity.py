"""sources.identity: owner/name from what the user declared, the URL or the origin; folder names only as a last,
unique resort."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from codemill import pipeline
from codemill.config import Config
from codemill.sources.identity import Identity, folder_name, from_declared, from_url, identities, split_declared

from gitrepo import MIT, Repo
from readback import kept_rows, through


def test_declared_names_split_off_a_spec() -> None:
    assert split_declared("/src/mirrors/repo=psf/requests") == ("/src/mirrors/repo", "psf/requests")
    assert split_declared("/x/repo=github.com/psf/requests") == ("/x/repo", "github.com/psf/requests")
    assert split_declared("/data/a=b/c/d/e") == ("/data/a=b/c/d/e", None)  # not owner/name: part of the path
    assert split_declared("https://github.com/psf/requests") == ("https://github.com/psf/requests", None)
    assert from_declared("psf/requests") == Identity("psf/requests", None)
    assert from_declared("github.com/psf/requests") == Identity("psf/requests", "https://github.com/psf/requests")


def test_names_from_urls_and_folders() -> None:
    assert from_url("git@github.com:Pallets/Flask.git") == Identity("pallets/flask", "https://github.com/pallets/flask")
    assert from_url("https://git.example.org/team/sub/tool") == Identity("sub/tool", None)
    assert from_url("not a url") is None
    assert folder_name("/work/.mirror/psf+requests/repo") == "psf+requests/repo"
    assert folder_name("/home/me/src/requests/.git") == "requests"
    assert folder_name("/srv/git/history.git") == "history"


def test_folder_names_are_made_unique_in_a_stable_order() -> None:
    rows = [("/a/x/repo", None, None, "/a/x/repo"), ("/b/x/repo", None, None, "/b/x/repo"),
            ("/c/y/repo", "octo/y", None, "/c/y/repo")]
    first = identities(rows)
    assert first == identities(list(reversed(rows)))
    assert first["/c/y/repo"].name == "octo/y"
    assert {first["/a/x/repo"].name, first["/b/x/repo"].name} == {"x/repo", "x/repo-2"}


def _bare(root: Path, where: str, n: int) -> Path:
    r = Repo(root / "work" / where)
    r.commit("Start", {"LICENSE": MIT, f"{where}.py": "x = 1\n"})
    for i in range(n):
        r.commit(f"Add the {where} option number {i} to the parser",
                 {f"{where}.py": f"def {where}_{i}(x):\n    return x + {i}\n"})
    bare = root / where / "repo"
    subprocess.run(["git", "clone", "-q", "--bare", str(r.path), str(bare)], check=True)
    return bare


def test_bare_clones_named_repo_keep_their_declared_names(tmp_path: Path) -> None:
    one, two, three = _bare(tmp_path, "one", 2), _bare(tmp_path, "two", 3), _bare(tmp_path, "three", 4)
    out = tmp_path / "run"
    specs = [f"{one}=ada/parser", f"{two}=github.com/bob/widgets", str(three)]
    assert pipeline.run(out, Config.model_validate({"run": {"workers": 1}}), specs, only=["sources", "repos"]).ok
    names = {r["repo_name"]: r["web_url"] for r in kept_rows(out, "repos")}
    assert names == {"ada/parser": None, "bob/widgets": "https://github.com/bob/widgets", "three/repo": None}
    # naming a registered source again replaces its name, it does not add a second source
    assert pipeline.run(out, Config.model_validate({"run": {"workers": 1}}), [f"{three}=carol/three"],
                        only=["sources", "repos"]).ok
    assert sorted(r["repo_name"] for r in kept_rows(out, "repos")) == ["ada/parser", "bob/widgets", "carol/three"]
    cfg = Config.model_validate({"run": {"workers": 1}, "select": {"min_score": 0.0, "targets": {}}})
    assert pipeline.run(out, cfg, [], only=through("export")).ok
    rows = [json.loads(line) for f in sorted((out / "export" / "jsonl").glob("*.jsonl"))
            for line in f.read_text().splitlines()]
    assert {r["repo"] for r in rows} == {"ada/parser", "bob/widgets", "carol/three"}
    widgets = next(r for r in rows if r["repo"] == "bob/widgets")
    assert "repository bob/widgets" in widgets["messages"][0]["content"]
    assert widgets["web_url"] == f"https://github.com/bob/widgets/commit/{widgets['commit_sha']}"
