"""A small GitHub REST client for the history a repository's issues and pull requests hold.

It is built for long crawls under GitHub's limits: pages are followed through the `Link` header (never by
guessing page numbers, which the API does not promise); a primary rate limit (403/429 with
`X-RateLimit-Remaining: 0`) waits until `X-RateLimit-Reset`, a secondary one for `Retry-After` or a minute, as
GitHub's docs ask; 5xx answers and dropped connections are retried with exponential backoff, a bounded number
of times; and with a cache folder every page is asked for conditionally (see `cache.py`), which also makes an
interrupted crawl resume cheaply. Sleep and clock are injectable so tests never wait.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path

from codemill.github.cache import CachedResponse, ResponseCache
from codemill.github.events import Comment, Issue, PullCommit, PullRequest, ReviewComment

API_URL = "https://api.github.com"
API_VERSION = "2022-11-28"
USER_AGENT = "codemill/0.1 (+https://github.com)"
REPO_RE = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
LINK_RE = re.compile(r'<([^>]*)>\s*;\s*rel="([^"]*)"')


class GitHubError(RuntimeError):
    def __init__(self, status: int | None, url: str, message: str):
        super().__init__(f"GitHub {status or 'request'} for {url}: {message}")
        self.status, self.url = status, url


class NotFoundError(GitHubError):
    """404: GitHub gives it both for what does not exist and for what the token may not see."""


@dataclass
class ClientStats:
    requests: int = 0
    not_modified: int = 0
    retries: int = 0
    rate_limit_waits: int = 0


def next_link(header: str | None) -> str | None:
    """The `rel="next"` URL of a `Link` header, if any."""
    for url, rels in LINK_RE.findall(header or ""):
        if "next" in rels.split():
            return url
    return None


class GitHubClient:
    def __init__(self, base_url: str = API_URL, token: str | None = None, cache_dir: str | Path | None = None, *,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.time,
                 max_retries: int = 5, backoff_s: float = 1.0, max_rate_limit_waits: int = 10,
                 timeout_s: float = 30.0, per_page: int = 100, user_agent: str = USER_AGENT):
        self.base_url = base_url.rstrip("/")
        self.token = token if token is not None else os.environ.get("GITHUB_TOKEN") or os.environ.get("GH_TOKEN")
        self.cache = ResponseCache(cache_dir) if cache_dir is not None else None
        self.sleep, self.clock = sleep, clock
        self.max_retries, self.backoff_s, self.max_rate_limit_waits = max_retries, backoff_s, max_rate_limit_waits
        self.timeout_s, self.per_page, self.user_agent = timeout_s, per_page, user_agent
        self.stats = ClientStats()

    # -- transport -------------------------------------------------------------------------------------------

    def _headers(self, cached: CachedResponse | None) -> dict[str, str]:
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": API_VERSION,
                   "User-Agent": self.user_agent}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if cached and cached.etag:
            headers["If-None-Match"] = cached.etag
        elif cached and cached.last_modified:
            headers["If-Modified-Since"] = cached.last_modified
        return headers

    def _rate_limit_wait(self, status: int, headers: Message, message: str) -> float | None:
        """Seconds to wait before retrying a refused request, or None when the refusal is not a rate limit."""
        if status not in (403, 429):
            return None
        if retry_after := headers.get("Retry-After"):
            try:
                return max(0.0, float(retry_after))
            except ValueError:
                return 60.0  # an HTTP-date; GitHub sends seconds, so this is a proxy's: wait the minute
        reset = headers.get("X-RateLimit-Reset")
        if headers.get("X-RateLimit-Remaining") == "0" and reset:
            # The reset is a whole epoch second: wait until it has passed.
            return max(0.0, float(reset) - self.clock()) + 1.0
        if status == 429 or "rate limit" in message.lower():
            return 60.0  # a secondary limit without a Retry-After: GitHub asks for at least a minute
        return None

    def _get(self, url: str) -> tuple[str, str | None]:
        """Body and `Link` header of one GET; a 304 answers from the cache."""
        cached = self.cache.get(url) if self.cache else None
        request = urllib.request.Request(url, headers=self._headers(cached))
        failures = waits = 0
        while True:
            self.stats.requests += 1
            try:
                with urllib.request.urlopen(request, timeout=self.timeout_s) as resp:
                    body, headers = resp.read().decode("utf-8"), resp.headers
                entry = CachedResponse(url=url, body=body, etag=headers.get("ETag"),
                                       last_modified=headers.get("Last-Modified"), link=headers.get("Link"))
                if self.cache and (entry.etag or entry.last_modified):
                    self.cache.put(entry)
                return body, entry.link
            except urllib.error.HTTPError as exc:
                if exc.code == 304 and cached:
                    self.stats.not_modified += 1
                    return cached.body, cached.link
                message = _error_message(exc)
                wait = self._rate_limit_wait(exc.code, exc.headers, message)
                if wait is not None:
                    if waits >= self.max_rate_limit_waits:
                        raise GitHubError(exc.code, url, f"still rate limited after {waits} waits") from exc
                    waits += 1
                    self.stats.rate_limit_waits += 1
                    self.sleep(wait)
                    continue
                if exc.code == 404:
                    raise NotFoundError(404, url, f"not found ({message}): the repository, issue or pull "
                                        "request does not exist, or the token cannot see it") from exc
                if exc.code < 500:
                    raise GitHubError(exc.code, url, message) from exc
                error: Exception = exc
            except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
                error = exc
            failures += 1
            if failures > self.max_retries:
                raise GitHubError(getattr(error, "code", None), url,
                                  f"gave up after {failures} attempts: {error}") from error
            self.stats.retries += 1
            self.sleep(self.backoff_s * 2 ** (failures - 1))

    def _url(self, path: str, params: dict[str, str | int] | None = None) -> str:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        return f"{self.base_url}{path}{query}"

    def _pages(self, path: str, params: dict[str, str | int]) -> Iterator[dict]:
        """Every item of a paginated list, following `rel="next"` (only ever to the API's own host, which is
        the only one the token is sent to)."""
        url: str | None = self._url(path, {**params, "per_page": self.per_page})
        origin = urllib.parse.urlsplit(self.base_url)[:2]
        while url:
            if urllib.parse.urlsplit(url)[:2] != origin:
                raise GitHubError(None, url, f"next page is not on {self.base_url}")
            body, link = self._get(url)
            yield from json.loads(body)
            url = next_link(link)

    # -- endpoints -------------------------------------------------------------------------------------------

    @staticmethod
    def _repo(repo: str) -> str:
        if not REPO_RE.match(repo):
            raise ValueError(f"repository must be owner/name, not {repo!r}")
        return repo

    def issues(self, repo: str, state: str = "all", since: datetime | str | None = None) -> Iterator[Issue]:
        """Issues updated since `since`; the endpoint lists pull requests too, marked `is_pull_request`."""
        params: dict[str, str | int] = {"state": state}
        if since is not None:
            params["since"] = since if isinstance(since, str) else \
                since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        for obj in self._pages(f"/repos/{self._repo(repo)}/issues", params):
            yield Issue.from_json(repo, obj)

    def pulls(self, repo: str, state: str = "all") -> Iterator[PullRequest]:
        for obj in self._pages(f"/repos/{self._repo(repo)}/pulls", {"state": state}):
            yield PullRequest.from_json(repo, obj)

    def pull(self, repo: str, number: int) -> PullRequest:
        body, _ = self._get(self._url(f"/repos/{self._repo(repo)}/pulls/{int(number)}"))
        return PullRequest.from_json(repo, json.loads(body))

    def pull_commits(self, repo: str, number: int) -> list[PullCommit]:
        """The head commits, oldest first (GitHub lists at most 250 here)."""
        return [PullCommit.from_json(o) for o in self._pages(f"/repos/{self._repo(repo)}/pulls/{int(number)}/commits",
                                                             {})]

    def issue_comments(self, repo: str, number: int) -> list[Comment]:
        path = f"/repos/{self._repo(repo)}/issues/{int(number)}/comments"
        return [Comment.from_json(repo, number, o) for o in self._pages(path, {})]

    def review_comments(self, repo: str, number: int) -> list[ReviewComment]:
        path = f"/repos/{self._repo(repo)}/pulls/{int(number)}/comments"
        return [ReviewComment.from_json(repo, number, o) for o in self._pages(path, {})]


def _error_message(exc: urllib.error.HTTPError) -> str:
    """GitHub's own `message` from an error body, else the HTTP reason."""
    try:
        return str(json.loads(exc.read() or b"{}").get("message") or exc.reason)
    except (ValueError, AttributeError, OSError):
        return str(exc.reason)
