"""The run configuration: typed, validated TOML with documented defaults.

Every section is a pydantic model that rejects unknown keys, so a misspelt option fails loudly with the key's
dotted name instead of being ignored. A stage reads exactly one section; the digest of that section is part of
the stage's manifest, which is how a changed option re-runs the stage that reads it and nothing before it.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from codemill.bots import BOT_PATTERNS
from codemill.ids import digest_json
from codemill.licenses.policy import LicensePolicy


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def digest(self) -> str:
        return digest_json(self.model_dump(mode="json"))


class RunConfig(Section):
    """How to execute; never changes what is produced."""

    executor: Literal["local", "ray"] = "local"
    workers: int = Field(0, ge=0, description="0 means one per CPU core")


class SourcesConfig(Section):
    """The `sources` stage: resolving, cloning (cached, retried) and opening every source, and measuring it
    (signals of real-world use, license evidence from the files at head)."""

    cache_dir: str = Field("~/.cache/codemill/clones", description="clones of URL sources live here")
    clone_timeout_s: int = Field(1800, gt=0)
    clone_retries: int = Field(2, ge=0)
    max_concurrent_clones: int = Field(4, gt=0)
    allow_shallow: bool = Field(False, description="a shallow clone hides history; dropped unless allowed")
    partial_clone_blob_limit: int = Field(
        0, ge=0, description="clone URLs without blobs over this many bytes (0: full clones); smaller clones, "
        "but a commit touching a blob not fetched is dropped from pairs as blob_not_fetched")
    signals_window: int = Field(1000, gt=0, description="recent first-parent commits for co-change and ref share")
    license_scan_max_files: int = Field(
        50_000, gt=0, description="files at head read for license evidence (license files and metadata first)")
    license_scan_max_bytes: int = Field(
        1 << 20, gt=0, description="a file larger than this is not read for license evidence")


class ReposConfig(Section):
    """The `repos` stage: which described repositories are milled, by license policy and activity thresholds.

    Thresholds apply to signals stored by `sources`, so retuning them re-runs this stage only, never a read.
    """

    min_commits: int = Field(1, ge=0, description="first-parent commits on the default branch")
    min_authors: int = Field(1, ge=0, description="distinct human authors (identities merged by name and email)")
    min_active_days: int = Field(0, ge=0, description="days from the first to the last commit")
    min_commits_last_year: int = Field(0, ge=0, description="commits in the year before the head commit")
    min_test_file_share: float = Field(0.0, ge=0, le=1, description="share of code files at head that are tests")
    min_ref_share: float = Field(0.0, ge=0, le=1, description="share of recent commits referencing issues/PRs")
    require_ci: bool = Field(False, description="drop repositories without CI configuration")
    require_packaging: bool = Field(False, description="drop repositories without packaging metadata")
    drop_forks_and_mirrors: bool = Field(False, description="drop repositories with any fork/mirror indication")


class LicenseConfig(LicensePolicy, Section):
    """The license policy: which licenses keep a repository (in `repos`) and a changed file (in `pairs`).

    `allow` lists SPDX ids (an OR is kept if any alternative is allowed, an AND if every part is); everything
    else is dropped as license_copyleft, license_weak_copyleft, license_restrictive, license_not_allowed,
    license_unknown or license_missing. A research run may set keep_missing (code without any license).
    """


class CommitsConfig(Section):
    """The `commits` stage: walking first-parent history and diffing each commit."""

    shard_commits: int = Field(500, gt=0, description="commits per shard; large repositories span many shards")
    context_lines: int = Field(3, ge=0)
    detect_renames: bool = True
    max_file_diff_bytes: int = Field(256 * 1024, gt=0, description="a file's patch beyond this is cut")
    max_commit_diff_bytes: int = Field(2 * 1024 * 1024, gt=0, description="patches beyond this are cut")
    max_files_diffed: int = Field(1000, gt=0, description="files beyond this are listed, not diffed")


class PairsConfig(Section):
    """The `pairs` stage: commit message -> diff candidates and the rules that drop them."""

    min_message_words: int = Field(2, ge=0)
    generic_messages: list[str] = Field(
        default_factory=lambda: [
            "update", "updates", "updated", "fix", "fixes", "fixed", "bugfix", "wip", "changes", "change",
            "minor", "minor changes", "minor fixes", "misc", "stuff", "fix stuff", "tmp", "temp", "test",
            "testing", "tests", "save", "commit", "cleanup", "refactor", "typo", "more", "asdf", "initial commit",
            "first commit", "init", "merge", "oops", "done", "small fix", "small fixes", "various fixes",
            "update readme", "update readme.md", "updated readme", "add files via upload",
        ]
    )
    bot_patterns: list[str] = Field(
        default_factory=lambda: list(BOT_PATTERNS),  # the same list the signals use to set bots apart
        description="regular expressions matched against the author's name and email, case-insensitive",
    )
    max_files: int = Field(30, gt=0)
    max_changed_lines: int = Field(2000, gt=0)
    max_response_bytes: int = Field(256 * 1024, gt=0)


class ExportConfig(Section):
    """The `export` stage: trainer-ready files."""

    rows_per_file: int = Field(50_000, gt=0)
    system_prompt: str = (
        "You are an expert software engineer working in the repository {repo}. "
        "Reply to the change request with a unified diff that implements it."
    )
    user_template: str = "{instruction}"
    assistant_template: str = "```diff\n{response}```"
    formats: list[Literal["hf", "jsonl"]] = Field(default_factory=lambda: ["hf", "jsonl"])


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    run: RunConfig = RunConfig()
    sources: SourcesConfig = SourcesConfig()
    license: LicenseConfig = LicenseConfig()
    repos: ReposConfig = ReposConfig()
    commits: CommitsConfig = CommitsConfig()
    pairs: PairsConfig = PairsConfig()
    export: ExportConfig = ExportConfig()

    def section(self, name: str) -> Section:
        return getattr(self, name)


class ConfigError(ValueError):
    """A config file that cannot be used; the message names the offending key."""


def _format_errors(err: ValidationError, origin: str) -> str:
    lines = [f"invalid config {origin}:"]
    for e in err.errors():
        key = ".".join(str(p) for p in e["loc"])
        msg = "unknown key" if e["type"] == "extra_forbidden" else e["msg"]
        lines.append(f"  {key}: {msg}")
    return "\n".join(lines)


def parse_config(data: dict, origin: str = "") -> Config:
    try:
        return Config.model_validate(data)
    except ValidationError as err:
        raise ConfigError(_format_errors(err, origin)) from None


def load_config(path: Path | None, overrides: dict[str, dict] | None = None) -> Config:
    """Read TOML at `path` (defaults when None) and apply `overrides` (section -> key -> value)."""
    data: dict = {}
    if path is not None:
        try:
            data = tomllib.loads(Path(path).read_text())
        except FileNotFoundError:
            raise ConfigError(f"config file not found: {path}") from None
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(f"config {path} is not valid TOML: {e}") from None
    for section, values in (overrides or {}).items():
        data.setdefault(section, {}).update({k: v for k, v in values.items() if v is not None})
    return parse_config(data, str(path) if path else "(defaults)")


def to_toml(cfg: Config) -> str:
    """The config as TOML, every section and key, for the run directory's record of what ran."""
    out: list[str] = []
    for name in Config.model_fields:
        out.append(f"[{name}]")
        for key, value in cfg.section(name).model_dump(mode="json").items():
            out.append(f"{key} = {_toml_value(value)}")
        out.append("")
    return "\n".join(out)


def _toml_value(v: object) -> str:
    import json

    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} as TOML")


def commented_default() -> str:
    """The default config with each section's docstring and each key's description as comments."""
    cfg = Config()
    out = ["# codemill configuration. Every key is optional; the values below are the defaults.", ""]
    for name in Config.model_fields:
        model = type(cfg.section(name))
        out.extend(f"# {line.strip()}".rstrip() for line in (model.__doc__ or "").strip().splitlines())
        out.append(f"[{name}]")
        for key, value in cfg.section(name).model_dump(mode="json").items():
            desc = model.model_fields[key].description
            if desc:
                out.append(f"# {desc}")
            out.append(f"{key} = {_toml_value(value)}")
        out.append("")
    return "\n".join(out)
