"""`pairs`: SFT candidates from history: one per commit (message → diff), one per merged pull request (kind `pr`:
its title and commits' messages → base → tip, see `prs.py`), one per issue closed by a pull request that landed
as such a row (issue title and body → the same diff; kind `issue_pr`, from `issues`), and one per review
comment answered by a later commit of its pull request (kind `review`, from `reviews`).

A PR pair records `merge_sha` (the row that landed it), `pr_tip_sha`, `base_sha` (what its diff applies to: the
merge-base, as SWE-bench takes it) and `pr_number`; a squash-merged commit keeps kind `commit` and gains
`pr_number`, and every pair's `base_sha` is its diff's base. The commits of a rebase-merged PR and a branch merge
that brought PRs are dropped (`part_of_pr`, `carries_prs`), so no change is counted twice.

Every candidate is written, kept or dropped with the first rule that fired (see `rules.py`), so the funnel
accounts for every commit and every linked issue. Every candidate, kept or dropped, carries its category
(`codemill.categorize`) and its quality score with each component (`codemill.quality`). A pair carries its
provenance: repository, commit, license and a pseudonymous author id (never the author's email).

Issue pairs need the change as one row's diff: links by merge sha, squash suffix or merge message qualify, and
any link whose PR number a row lands (a PR known by its head commits too, once its merge is found).

Review pairs come from the `reviews` rows alone, one extra shard per repository (`<repo_id>#reviews`): the
instruction is the pull request's title, the file, the diff hunk the reviewer saw and the comment; the response
is the answer commit's patch of that file (`commit_sha` is the answer's sha). The commit rules that read a
commit message or a merge (`REVIEW_SKIPS`) do not apply; the diff rules, licenses, the size rule and
decontamination do, on a minimal commit-shaped row built from that one patch. They carry no author standing
(`score_author` is null): the answering commit's author history lives in the commits shards.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import astuple, dataclass, replace
from datetime import datetime
from typing import ClassVar

from codemill import licenses
from codemill.config import PairsConfig
from codemill.engine.artifacts import Artifact
from codemill.engine.reads import ROWS, Reads
from codemill.engine.stage import PlanContext, Shard, ShardOutput, Stage, iter_rows, read_part
from codemill.ids import digest_json, stable_id
from codemill.instruction import clean
from codemill.languages import language_of
from codemill.quality import AuthorStats, author_stats
from codemill.quality.authors import author_key
from codemill.quality.judge import judge
from codemill.redact import redact
from codemill.redact.patch import is_people_list, redact_patch
from codemill.stages.pairs.prs import pr_author, pr_instruction, rule_row
from codemill.stages.pairs.row import SCHEMA, Pair
from codemill.stages.pairs.rules import MESSAGE_RULES, first_drop
from codemill.stages.resources import CONTAMINATED, decontaminator

REPO_COLUMNS = ["repo_id", "repo_name", "license", "license_overrides", "web_url"]
AUTHOR_COLUMNS = ["sha", "author_name", "author_email", "committed_at", "subject", "body", "pr_merge", "pr_number"]
# pair kind -> codemill.categorize kind: an issue with a traceback is `issue` (debugging), other issues read as PRs
PAIR_KIND_OF = {"commit": "commit", "pr": "pr", "issue_pr": "pr", "review": "review"}
NOT_PLACEHOLDERS = ("in_context", "people_list")  # redaction counts that put no placeholder in the pair
HINTS_HEADER = "\n\nComments before the fix:\n"  # how `issue_hints` appends them to the instruction
# Link methods whose one commit carries the PR's whole change as its first-parent diff (a merge commit is diffed
# against its first parent by `commits`).
DIFFED_LINKS = ("merge_sha", "squash_suffix", "merge_message")
# Rules that judge what a review pair does not have: a commit message and a merge.
REVIEW_SKIPS = MESSAGE_RULES | {"merge"}
REVIEW_COLUMNS = ["review_id", "repo_id", "pr_number", "pr_title", "comment_id", "path", "diff_hunk", "body",
                  "answer_sha", "answer_diff", "answer_diff_lossy", "answer_committed_at", "answer_author_id"]
LANDS_PR = ("merge", "rebase", "squash")  # the `pr_merge` of a commits row that lands a whole PR
LINK_COLUMNS = ["repo_id", "issue_number", "issue_title", "issue_body", "issue_labels", "hints", "pr_number",
                "pr_labels", "commit_shas", "link_method", "has_traceback"]


def render_diff(files: list[dict]) -> str:
    """The unified diff of a commit, file patches in libgit2's order. Binary files are left out: their section
    says only "Binary files differ", which teaches nothing and which `git apply` cannot apply."""
    return "".join(f["diff"] for f in files if f["diff"] and not f.get("binary"))


def redact_pair(instruction: str, files: list[dict]) -> tuple[str, str, Counter[str]]:
    """The instruction and the response with secrets and PII replaced by typed placeholders, and the counts
    per kind. Each file's patch is read with its path (config files get the config rules, tests and docs keep
    their documentation values) and only its added lines are rewritten, so the response still applies to the
    real parent commit; secrets it could not hide that way are counted as `in_context`. The section of a list
    of people (AUTHORS, CONTRIBUTORS, …) that holds addresses is left out instead (`people_list`): the rest of
    the response still applies, the list teaches nothing, and `tasks` leaves it out of its patches too."""
    done = redact(instruction)
    counts: Counter[str] = Counter(done.counts)
    patched = []
    for f in files:
        if f["diff"]:
            r = redact_patch(f["diff"], f["path"])
            if (r.in_context or r.counts) and is_people_list(f["path"]):
                counts["people_list"] += 1
                continue
            counts.update(r.counts)
            counts["in_context"] += r.in_context
            f = {**f, "diff": r.text}
        patched.append(f)
    return done.text, render_diff(patched), +counts


def capped(text: str, cfg: PairsConfig) -> tuple[str, int]:
    """`text` cut to `max_instruction_bytes` (so a 5 MB message costs no more to clean, redact and judge than a
    long one) and its full size in bytes."""
    size = len(text.encode())
    if size <= cfg.max_instruction_bytes:
        return text, size
    return text.encode()[:cfg.max_instruction_bytes].decode("utf-8", "ignore"), size


def capped_row(row: dict, cfg: PairsConfig) -> dict:
    """The commit row the rules judge, its message capped as the instruction is (`capped`)."""
    if len(row["subject"]) + len(row["body"]) <= cfg.max_instruction_bytes // 4:  # surely under, in any encoding
        return row
    return {**row, "subject": capped(row["subject"], cfg)[0], "body": capped(row["body"], cfg)[0]}


def shape_drop(row: dict, response: str, redacted: Counter[str], cfg: PairsConfig,
               skip: frozenset[str] = frozenset(), instruction_bytes: int = 0) -> tuple[str, str] | None:
    """The drop reason a pair gets from its commit and its redacted response alone (before licenses and
    decontamination): the commit rules, an instruction or a response too large, a secret the patch cannot
    hide, nothing left once people lists are left out."""
    drop = first_drop(row, cfg, skip=skip)
    if drop is None and instruction_bytes > cfg.max_instruction_bytes:
        drop = ("instruction_too_large", f"{instruction_bytes} bytes > {cfg.max_instruction_bytes}")
    if drop is None and redacted["in_context"]:
        drop = ("secret_in_context", f"{redacted['in_context']} secret(s) on context or removed lines: the patch "
                "cannot hide them and still apply to its parent")
    if drop is None and not response.strip():
        drop = ("empty_diff", "nothing left: every changed file is a list of people, left out of responses")
    size = len(response.encode())
    if drop is None and size > cfg.max_response_bytes:
        drop = ("response_too_large", f"{size} bytes > {cfg.max_response_bytes}")
    return drop


def added_text(diff: str) -> str:
    """The lines a unified diff adds, without their `+` markers: the code a pair teaches, as a benchmark
    solution would be written (markers would break every n-gram that spans a line)."""
    return "\n".join(line[1:] for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++"))


def change_license(paths: list[str], resolution: licenses.Resolution) -> str | None:
    """The license of a change is that of every file it touches (a vendored GPL file in an MIT tree carries
    GPL): the pair is kept under all of them."""
    found = {lic for p in paths if (lic := licenses.license_for_path(resolution, p))}
    return licenses.combine(sorted(found) or [resolution.license])


@dataclass(frozen=True)
class Candidate:
    """A pair on its way to a decision, with what the decision reads beside the row: the redaction counts, the
    instruction's full size before capping, the commit rules that do not apply to it, and the kind it is
    categorised as (`codemill.categorize`)."""

    pair: Pair
    redacted: Counter[str]
    instruction_bytes: int
    skip: frozenset[str]
    judged_as: str


@dataclass(frozen=True)
class ReviewShard:
    """The payload of a repository's review shard: its provenance and its kept `reviews` rows."""

    repo: dict
    rows: list[dict]


@dataclass(frozen=True)
class CommitsShard:
    """The payload of a commits part's shard: the part, its repository's provenance, each author's history
    before the part (`quality.authors`) and the issue links whose fixes land in it."""

    part: Artifact
    repo: dict
    authors: dict
    links: list


class PairsStage(Stage[CommitsShard | ReviewShard]):
    name = "pairs"
    upstream = ("commits", "repos", "issues", "reviews")
    reads: ClassVar[Reads] = {"commits": ROWS, "repos": REPO_COLUMNS, "issues": LINK_COLUMNS,
                              "reviews": REVIEW_COLUMNS}
    also_reads = ("license", "decontam")
    schema = SCHEMA
    id_column = "pair_id"
    row_group_rows = 512

    section: PairsConfig

    def plan(self, ctx: PlanContext) -> list[Shard[CommitsShard | ReviewShard]]:
        bench = decontaminator(self.config.decontam).digest()
        repos: dict[str, dict] = {}
        for _key, art in ctx.kept_parts("repos"):
            for r in read_part(ctx.run_dir, art, REPO_COLUMNS).to_pylist():
                repos[r["repo_id"]] = r
        links = _issue_links(ctx)
        parts: dict[str, list[tuple[str, Artifact]]] = {}
        for key, art in ctx.kept_parts("commits"):
            parts.setdefault(key.rsplit("#", 1)[0], []).append((key, art))
        shards = []
        for repo_id, repo_parts in parts.items():
            info = repos.get(repo_id, {"repo_id": repo_id})
            repo_links = links.get(repo_id, [])
            for key, art, authors, landed in _author_history(ctx.run_dir, repo_parts):
                mine = [link for link in repo_links if _landing(link) & landed]
                digest = digest_json([art.sha256, info, bench, authors, mine])
                shards.append(Shard(key, digest, CommitsShard(art, info, authors, mine)))
        for repo_id, rows in _review_rows(ctx).items():
            info = repos.get(repo_id, {"repo_id": repo_id})
            shards.append(Shard(f"{repo_id}#reviews", digest_json([info, bench, rows]), ReviewShard(info, rows)))
        return shards

    def run(self, shard: Shard[CommitsShard | ReviewShard], out: ShardOutput) -> None:
        if isinstance(shard.payload, ReviewShard):
            self._run_reviews(shard.payload, out)
            return
        art, repo, authors, links = shard.payload.part, shard.payload.repo, shard.payload.authors, shard.payload.links
        resolution = licenses.Resolution.from_row({"license": None, **repo})
        decon = decontaminator(self.config.decontam)
        for row in iter_rows(out.run_dir, art):
            commit = self._pair(row, repo, resolution)
            pair = commit.pair
            judged = rule_row(row, pair.instruction) if pair.kind == "pr" else capped_row(row, self.section)
            author = authors.get(author_key(judged["author_email"]))
            for candidate in [commit, *(self._issue_pair(pair, row, link) for link in links_of(row, links))]:
                self._judge(candidate, row["files"], author)
                self._decide(out, judged, candidate, decon)

    def _run_reviews(self, payload: ReviewShard, out: ShardOutput) -> None:
        repo = payload.repo
        resolution = licenses.Resolution.from_row({"license": None, **repo})
        decon = decontaminator(self.config.decontam)
        for review in payload.rows:
            candidate, row = self._review_pair(review, repo, resolution, self.section)
            self._judge(candidate, row["files"], None)
            self._decide(out, row, candidate, decon)

    @staticmethod
    def _review_pair(review: dict, repo: dict, resolution: licenses.Resolution,
                     cfg: PairsConfig) -> tuple[Candidate, dict]:
        """The review pair and the minimal commit-shaped row the diff rules read."""
        path, diff = review["path"], review["answer_diff"]
        status = "A" if "\nnew file mode " in diff else "D" if "\ndeleted file mode " in diff else "M"
        added = sum(1 for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++"))
        deleted = sum(1 for line in diff.splitlines() if line.startswith("-") and not line.startswith("---"))
        file = {"path": path, "status": status, "added": added, "deleted": deleted, "diff": diff,
                "binary": "\nBinary files " in diff or "\nGIT binary patch" in diff, "language": language_of(path),
                "diff_lossy": review["answer_diff_lossy"], "path_lossy": False, "blob_missing": False}
        task, size = capped((f"{review['pr_title'] or ''}\n\nReview comment on `{path}`:\n\n```diff\n"
                             f"{review['diff_hunk']}\n```\n\n{review['body']}").strip(), cfg)
        instruction, response, redacted = redact_pair(task, [file])
        pr_url = f"{repo['web_url']}/pull/{review['pr_number']}" if repo.get("web_url") else None
        pair = Pair(
            pair_id=stable_id("pair", "review", review["repo_id"], str(review["comment_id"])), kind="review",
            repo_id=review["repo_id"], repo_name=repo.get("repo_name"), commit_sha=review["answer_sha"],
            commit_id=stable_id("commit", review["repo_id"], review["answer_sha"]),
            license=change_license([path], resolution), instruction=instruction, response=response, paths=[path],
            languages=[file["language"]] if file["language"] else [], n_files=1, added=added, deleted=deleted,
            author_id=review["answer_author_id"], committed_at=review["answer_committed_at"],
            web_url=f"{pr_url}#discussion_r{review['comment_id']}" if pr_url else None,
            pr_number=review["pr_number"], redacted=sorted(k for k in redacted if k not in NOT_PLACEHOLDERS))
        row = {"repo_id": review["repo_id"], "files": [file], "n_files": 1, "added": added, "deleted": deleted,
               "diff_truncated": False, "message_lossy": False, "message_encoding": "utf-8"}
        return Candidate(pair, redacted, size, REVIEW_SKIPS, PAIR_KIND_OF["review"]), row

    def _decide(self, out: ShardOutput, row: dict, candidate: Candidate, decon) -> None:
        cfg, pair = self.section, candidate.pair
        for kind, n in candidate.redacted.items():
            out.count(f"redacted.{kind}", n)
        drop = shape_drop(row, pair.response, candidate.redacted, cfg, candidate.skip, candidate.instruction_bytes)
        if drop is None and (reason := licenses.decide(pair.license, self.config.license)):
            drop = (reason, f"changed files are under {pair.license or 'no license'}")
        match = None if drop else decon.match(pair.instruction) or decon.match(added_text(pair.response))
        if match is not None:
            drop = (CONTAMINATED, f"{match.benchmark}:{match.item_id} ({match.kind}: {match.detail})")
            out.count(f"contaminated.{match.benchmark}")
        out.count(f"{pair.kind}.{'kept' if drop is None else 'dropped'}")  # the funnel per kind of pair
        if drop is None:
            out.keep(pair.row())
        else:
            out.drop(pair.row(), *drop)

    def _issue_pair(self, commit_pair: Pair, row: dict, link: dict) -> Candidate:
        """The issue → PR pair of a linked commit: the issue states the task, the commit's diff answers it."""
        text, size = capped(f"{link['issue_title']}\n\n{link['issue_body'] or ''}".strip(), self.section)
        issue = redact(text)
        hints = redact(capped(link["hints"] or "", self.section)[0])
        instruction = issue.text
        if self.section.issue_hints and hints.text:
            instruction += f"{HINTS_HEADER}{hints.text}"
        pair = replace(commit_pair,
                       pair_id=stable_id("pair", "issue_pr", row["repo_id"], str(link["issue_number"]),
                                         str(link["pr_number"])),
                       kind="issue_pr", instruction=instruction, hints=hints.text or None, pr_number=link["pr_number"],
                       redacted=sorted(set(commit_pair.redacted) | set(issue.counts) | set(hints.counts)),
                       labels=sorted(set(link["issue_labels"]) | set(link["pr_labels"])))
        # An issue that reports a traceback is judged as one (debugging); other issues read as the PR that fixed it.
        judged_as = "issue" if link["has_traceback"] else PAIR_KIND_OF["issue_pr"]
        return Candidate(pair, Counter(issue.counts) + Counter(hints.counts), size, MESSAGE_RULES, judged_as)

    @staticmethod
    def _judge(candidate: Candidate, files: list[dict], author: list | None) -> None:
        """Category and quality score, for every candidate (kept or dropped), so both can be measured."""
        pair = candidate.pair
        j = judge(pair.instruction, pair.response, files, labels=pair.labels, kind=candidate.judged_as,
                  author=AuthorStats(*author) if author else None)
        pair.category, pair.category_rule = j.category.category, j.category.rule
        pair.score, pair.components = j.quality.score, j.quality.components()

    def _pair(self, row: dict, repo: dict, resolution: licenses.Resolution) -> Candidate:
        """The pair a commits row makes: a `pr` pair when the row lands a merged or rebase-merged PR, else a
        `commit` pair (a squash merge's carries its PR number)."""
        files = row["files"]
        paths = [f["path"] for f in files]
        is_pr = row["pr_merge"] in ("merge", "rebase")
        if is_pr:
            message, size = capped(pr_instruction(row, self.section), self.section)
            author = pr_author(row)
        else:
            raw, size = capped(row["subject"] + (f"\n\n{row['body']}" if row["body"] else ""), self.section)
            message = clean(raw).text
            author = row["author_email"]
        instruction, response, redacted = redact_pair(message, files)
        web = repo.get("web_url")
        url = f"{web}/commit/{row['sha']}" if web else None
        if web and row["pr_number"] is not None:
            url = f"{web}/pull/{row['pr_number']}"
        kind = "pr" if is_pr else "commit"
        pair = Pair(
            pair_id=stable_id("pair", kind, row["repo_id"], row["sha"]), kind=kind, repo_id=row["repo_id"],
            repo_name=repo.get("repo_name"), commit_sha=row["sha"], commit_id=row["commit_id"],
            license=change_license(paths, resolution), instruction=instruction, response=response, paths=paths,
            languages=sorted({f["language"] for f in files if f["language"]}), n_files=row["n_files"],
            added=row["added"], deleted=row["deleted"], author_id=stable_id("author", author.strip().lower()),
            committed_at=row["committed_at"], web_url=url, merge_sha=row["sha"] if is_pr else None,
            pr_tip_sha=row["pr_tip_sha"], base_sha=row["base_sha"], pr_number=row["pr_number"],
            resolved_paths=row["resolved_paths"], redacted=sorted(k for k in redacted if k not in NOT_PLACEHOLDERS))
        return Candidate(pair, redacted, size, frozenset(), PAIR_KIND_OF[kind])


def _review_rows(ctx: PlanContext) -> dict[str, list[dict]]:
    """repo_id -> its kept `reviews` rows, in review_id order (so the shard digest is stable)."""
    out: dict[str, list[dict]] = {}
    if "reviews" not in ctx.upstream:
        return out
    for _key, art in ctx.kept_parts("reviews"):
        for r in read_part(ctx.run_dir, art, REVIEW_COLUMNS).to_pylist():
            out.setdefault(r["repo_id"], []).append(r)
    return {k: sorted(v, key=lambda r: r["review_id"]) for k, v in sorted(out.items())}


def _issue_links(ctx: PlanContext) -> dict[str, list[dict]]:
    """repo_id -> its issue links, in (issue, PR) order."""
    out: dict[str, list[dict]] = {}
    if "issues" not in ctx.upstream:
        return out
    for _key, art in ctx.kept_parts("issues"):
        for link in read_part(ctx.run_dir, art, LINK_COLUMNS).to_pylist():
            out.setdefault(link["repo_id"], []).append(link)
    return {k: sorted(v, key=lambda x: (x["issue_number"], x["pr_number"])) for k, v in sorted(out.items())}


def _landing(link: dict) -> set:
    """The keys of the rows a link's PR can land as: its single diffed commit (see `DIFFED_LINKS`) and its
    number (a row that lands PR #N, whichever way the link found its commits)."""
    keys: set = {("pr", link["pr_number"])}
    if link["link_method"] in DIFFED_LINKS and len(link["commit_shas"]) == 1:
        keys.add(("sha", link["commit_shas"][0]))
    return keys


def _row_keys(row: dict) -> set:
    keys: set = {("sha", row["sha"])}
    if row["pr_merge"] in LANDS_PR and row["pr_number"] is not None:
        keys.add(("pr", row["pr_number"]))
    return keys


def links_of(row: dict, links: list[dict]) -> list[dict]:
    """The issue links whose PR this commits row lands."""
    keys = _row_keys(row)
    return [link for link in links if _landing(link) & keys]


def _author_history(run_dir, repo_parts: list[tuple[str, Artifact]]) -> list[tuple[str, Artifact, dict, set]]:
    """For each commits part of one repository: the standing of the authors it contains, as of its newest commit.

    Only history up to the part's end counts (no look-ahead), so a repository that gains commits changes no
    earlier part's stats and the pairs of earlier parts are reused."""
    commits: list[dict] = []
    ends: list[tuple[str, Artifact, datetime | None, set[str], set[str]]] = []
    for key, art in sorted(repo_parts):
        rows = read_part(run_dir, art, AUTHOR_COLUMNS).to_pylist()
        commits.extend(rows)
        end = max((r["committed_at"] for r in rows), default=None)
        ends.append((key, art, end, {author_key(r["author_email"]) for r in rows},
                     set().union(*(_row_keys(r) for r in rows))))
    out = []
    for key, art, end, who, shas in ends:
        stats = author_stats(commits, as_of=end) if end is not None else {}
        out.append((key, art, {a: list(astuple(stats[a])) for a in sorted(who) if a in stats}, shas))
    return out
