"""Source specs: URL normalisation, URL-or-path, folder expansion and local repo ids."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from codemill.sources.spec import (
    expand,
    find_repositories,
    is_git_dir,
    is_repository,
    is_url,
    local_repo_id,
    normalise_url,
    web_url,
)

from gitrepo import Repo, git

# --- URL normalisation --------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "https://github.com/Ada/Engine",
    "https://github.com/ada/engine",
    "https://github.com/Ada/Engine.git",
    "https://github.com/Ada/Engine/",
    "https://github.com/Ada/Engine.git/",
    "http://github.com/ada/engine",
    "HTTPS://GitHub.com/Ada/Engine",
    "https://user:token@github.com/Ada/Engine.git",
    "https://github.com//Ada//Engine",
    "ssh://git@github.com/Ada/Engine.git",
    "ssh://github.com/ada/engine",
    "git://github.com/Ada/Engine.git",
    "git@github.com:Ada/Engine.git",
    "git@github.com:ada/engine",
    "github.com:Ada/Engine.git",
    "git@GITHUB.COM:Ada/Engine/",
])
def test_forms_of_one_github_repository_normalise_to_one_id(url: str) -> None:
    assert normalise_url(url) == "github.com/ada/engine"


@pytest.mark.parametrize(("url", "expected"), [
    ("https://gitlab.com/Group/SubGroup/Project.git", "gitlab.com/group/subgroup/project"),
    ("git@gitlab.com:Group/SubGroup/Project.git", "gitlab.com/group/subgroup/project"),
    ("https://bitbucket.org/Team/Repo", "bitbucket.org/team/repo"),
    ("git@bitbucket.org:Team/Repo.git", "bitbucket.org/team/repo"),
    ("https://codeberg.org/Team/Repo.git", "codeberg.org/team/repo"),
])
def test_case_insensitive_forges_lowercase_the_path(url: str, expected: str) -> None:
    assert normalise_url(url) == expected


@pytest.mark.parametrize(("url", "expected"), [
    # Hosts that may be case-sensitive keep the path's case; only the host is lowercased.
    ("https://Git.Example.COM/Team/Repo.git", "git.example.com/Team/Repo"),
    ("git@git.example.com:Team/Repo.git", "git.example.com/Team/Repo"),
    ("git://git.example.com/Team/Repo/", "git.example.com/Team/Repo"),
    # Ports are part of the id: a different port may be a different server.
    ("ssh://git@git.example.com:2222/Team/Repo.git", "git.example.com:2222/Team/Repo"),
    ("https://git.example.com:8443/team/repo", "git.example.com:8443/team/repo"),
    ("git://127.0.0.1:9418/src.git", "127.0.0.1:9418/src"),
    ("https://github.com:443/Ada/Engine.git", "github.com:443/ada/engine"),
    # scp-style with an absolute path.
    ("git@host.example:/srv/git/Repo.git", "host.example/srv/git/Repo"),
])
def test_other_hosts_keep_path_case_and_ports(url: str, expected: str) -> None:
    assert normalise_url(url) == expected


def test_different_repositories_stay_different() -> None:
    ids = {normalise_url(u) for u in [
        "https://github.com/ada/engine", "https://github.com/ada/engine2", "https://github.com/bob/engine",
        "https://gitlab.com/ada/engine", "https://git.example.com/ada/engine",
        "https://git.example.com:8443/ada/engine", "https://git.example.com/Ada/engine",
    ]}
    assert len(ids) == 7


def test_normalising_a_non_url_fails_loudly() -> None:
    with pytest.raises(ValueError, match="not a clone URL"):
        normalise_url("/just/a/path")


def test_web_url_only_for_known_forges() -> None:
    assert web_url("github.com/ada/engine") == "https://github.com/ada/engine"
    assert web_url("gitlab.com/g/s/p") == "https://gitlab.com/g/s/p"
    assert web_url("git.example.com/ada/engine") is None
    assert web_url("/home/ada/engine") is None


# --- URL or local path --------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", [
    "https://github.com/ada/engine",
    "http://git.example.com/x.git",
    "ssh://git@host:2222/x.git",
    "git://127.0.0.1:9418/src.git",
    "git@github.com:ada/engine.git",
    "host.example:team/repo",
])
def test_urls_are_urls(spec: str) -> None:
    assert is_url(spec)


@pytest.mark.parametrize("spec", [
    "/home/ada/engine",
    "/home/ada/engine.git",
    "relative/path",
    "./engine",
    "../engine",
    "~/engine",
    "engine",
    "file:///home/ada/engine",
    "FILE:///home/ada/engine",
    "C:\\Users\\ada\\engine",
])
def test_local_paths_are_not_urls(spec: str) -> None:
    assert not is_url(spec)


def test_an_existing_path_with_a_colon_is_a_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert is_url("backup:repo")  # looks like scp-style while no such path exists
    (tmp_path / "backup:repo").mkdir()
    assert not is_url("backup:repo")


# --- repository detection and folder expansion --------------------------------------------------------------


def test_is_repository_recognises_work_trees_bare_repos_and_git_dirs(tmp_path: Path) -> None:
    work = Repo(tmp_path / "work")
    bare = Repo(tmp_path / "bare.git", bare=True)
    plain = tmp_path / "plain"
    plain.mkdir()
    assert is_repository(work.path)
    assert is_repository(bare.path)
    assert is_repository(work.path / ".git")
    assert is_git_dir(bare.path) and is_git_dir(work.path / ".git")
    assert not is_git_dir(work.path)
    assert not is_repository(plain)
    assert not is_repository(tmp_path / "missing")


def test_a_linked_worktree_with_a_dot_git_file_is_a_repository(tmp_path: Path) -> None:
    main = Repo(tmp_path / "main")
    main.commit("Seed the repository", {"a.txt": "a\n"})
    git(main.path, "worktree", "add", "-q", str(tmp_path / "linked"), "-b", "side")
    assert (tmp_path / "linked" / ".git").is_file()
    assert is_repository(tmp_path / "linked")


def test_expanding_a_folder_finds_every_repository_recursively(tmp_path: Path) -> None:
    root = tmp_path / "code"
    a = Repo(root / "a")
    b = Repo(root / "group" / "b")
    c = Repo(root / "group" / "deeper" / "still" / "c")
    bare = Repo(root / "mirrors" / "d.git", bare=True)
    (root / "docs" / "notes").mkdir(parents=True)
    (root / "docs" / "notes" / "readme.txt").write_text("not a repository\n")
    targets = expand(str(root))
    found = sorted([a, b, c, bare], key=lambda r: r.path)
    assert targets == [(str(root), str(p.path.resolve())) for p in found]


def test_expansion_does_not_descend_into_a_found_repository(tmp_path: Path) -> None:
    root = tmp_path / "code"
    outer = Repo(root / "outer")
    Repo(root / "outer" / "vendor" / "inner")  # a nested repository inside outer's work tree
    Repo(root / "outer" / "sub" / "inner.git", bare=True)
    assert find_repositories(root) == [outer.path]
    assert expand(str(root)) == [(str(root), str(outer.path.resolve()))]


def test_expansion_skips_node_modules_and_does_not_follow_symlinks(tmp_path: Path) -> None:
    root = tmp_path / "code"
    real = Repo(root / "real")
    Repo(root / "node_modules" / "pkg")
    elsewhere = Repo(tmp_path / "elsewhere" / "linked")
    (root / "link").symlink_to(elsewhere.path.parent, target_is_directory=True)
    assert find_repositories(root) == [real.path]


def test_a_repository_spec_expands_to_itself(tmp_path: Path) -> None:
    r = Repo(tmp_path / "engine")
    assert expand(str(r.path)) == [(str(r.path), str(r.path.resolve()))]
    bare = Repo(tmp_path / "engine.git", bare=True)
    assert expand(str(bare.path)) == [(str(bare.path), str(bare.path.resolve()))]


def test_file_urls_and_home_relative_specs_are_local(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    r = Repo(tmp_path / "home" / "engine")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert expand(f"file://{r.path}") == [(f"file://{r.path}", str(r.path.resolve()))]
    assert expand("~/engine") == [("~/engine", str(r.path.resolve()))]


def test_a_relative_spec_resolves_against_the_working_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    r = Repo(tmp_path / "engine")
    monkeypatch.chdir(tmp_path)
    assert expand("engine") == [("engine", str(r.path.resolve()))]


def test_a_folder_without_repositories_is_kept_for_the_repos_stage_to_report(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    (plain / "sub").mkdir(parents=True)
    (plain / "sub" / "file.txt").write_text("x\n")
    assert expand(str(plain)) == [(str(plain), str(plain.resolve()))]


def test_a_missing_path_is_kept_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert expand("nowhere") == [("nowhere", str(tmp_path / "nowhere"))]
    assert not os.path.exists(tmp_path / "nowhere")


def test_a_url_spec_expands_to_itself() -> None:
    assert expand("https://github.com/Ada/Engine.git") == [
        ("https://github.com/Ada/Engine.git", "https://github.com/Ada/Engine.git")
    ]


def test_local_repo_id_names_the_work_tree_not_its_git_dir(tmp_path: Path) -> None:
    r = Repo(tmp_path / "engine")
    bare = Repo(tmp_path / "mirror.git", bare=True)
    assert local_repo_id(str(r.path)) == str(r.path)
    assert local_repo_id(str(r.path / ".git")) == str(r.path)
    assert local_repo_id(str(bare.path)) == str(bare.path)
    # A folder merely named .git that is not a git dir is left alone.
    fake = tmp_path / "fake" / ".git"
    fake.mkdir(parents=True)
    assert local_repo_id(str(fake)) == str(fake)
