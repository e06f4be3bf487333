"""A small, dependency-free client for any OpenAI-compatible `/chat/completions` endpoint.

Synthesis runs for hours against servers that restart (vLLM, llama.cpp, Ollama) or throttle (hosted APIs), so the
client retries what is transient (5xx, 408/409, 429, timeouts, dropped connections) with capped exponential
backoff, stops at once on what is not (400/401/403/404...), paces itself with an optional requests-per-minute
bucket, caps in-flight requests, caches every answer on disk, and counts tokens for the run report.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass
from email.message import Message
from email.utils import parsedate_to_datetime
from typing import Any, Literal, overload

from codemill.llm.cache import CacheEntry, ResponseCache, request_key
from codemill.llm.config import LLMConfig
from codemill.llm.ratelimit import TokenBucket

#: Statuses worth retrying: the server may answer differently next time (the OpenAI SDK retries the same set).
RETRY_STATUSES = frozenset({408, 409, 429})
BACKOFF_BASE_S = 1.0
BACKOFF_CAP_S = 60.0
#: A 429 asking for a longer wait than this is a spent quota, not congestion: fail instead of sleeping for hours.
MAX_RETRY_AFTER_S = 600.0
REQUEST_KEYS = frozenset({"messages", "temperature", "max_tokens", "seed", "stop"})


class LLMError(RuntimeError):
    """A request that failed for good; `status` is the last HTTP status (None for network errors)."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Completion:
    """One answer. `usage_reported` is False when the server sent no `usage` (tokens are then 0, not guessed)."""

    text: str
    finish_reason: str | None
    prompt_tokens: int
    completion_tokens: int
    cached: bool
    request_id: str
    usage_reported: bool = True


@dataclass(frozen=True)
class Usage:
    """Counters since the client was made. `requests` counts HTTP attempts, so it equals the server's hit count;
    `rate_limit_waits` counts sleeps for the client-side bucket or a 429; `missing_usage` answers without `usage`."""

    requests: int = 0
    cached_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    retries: int = 0
    rate_limit_waits: int = 0
    missing_usage: int = 0
    failures: int = 0


class _Transient(Exception):
    """An attempt that may succeed if repeated; `retry_after` is the server's requested wait, if any."""

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status, self.retry_after = status, retry_after


class LLMClient:
    """Thread-safe: `complete` may be called from many threads; in-flight requests never exceed `max_concurrency`."""

    def __init__(self, cfg: LLMConfig, *, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.cfg = cfg
        self._sleep = sleep
        self._url = cfg.base_url.rstrip("/") + "/chat/completions"
        self._api_key = os.environ.get(cfg.api_key_env) or None
        self._cache = ResponseCache(cfg.cache_dir) if cfg.cache_dir else None
        self._slots = threading.BoundedSemaphore(cfg.max_concurrency)
        rpm = cfg.requests_per_minute
        # Burst no larger than the concurrency (or the per-minute quota), then a steady rpm/60 per second.
        self._bucket = (TokenBucket(rpm / 60.0, max(1, min(rpm, cfg.max_concurrency)), clock=clock, sleep=sleep)
                        if rpm else None)
        self._lock = threading.Lock()
        self._counts = Usage()
        self._rng = random.Random()

    @property
    def usage(self) -> Usage:
        with self._lock:
            return self._counts

    def _count(self, **deltas: int) -> None:
        with self._lock:
            c = self._counts
            self._counts = Usage(**{k: getattr(c, k) + deltas.get(k, 0) for k in c.__dataclass_fields__})

    def complete(self, messages: list[dict[str, Any]], *, temperature: float = 0.0, max_tokens: int = 1024,
                 seed: int | None = None, stop: list[str] | None = None) -> Completion:
        """One chat completion, from the cache when this exact request was answered before.

        Identical requests share a cache entry even at temperature > 0: vary `seed` to draw several samples.
        """
        key = request_key(self.cfg.base_url, self.cfg.model, messages, temperature, max_tokens, seed, stop)
        if self._cache is not None and (hit := self._cache.get(key)) is not None:
            self._count(cached_hits=1)
            return Completion(hit.text, hit.finish_reason, hit.prompt_tokens, hit.completion_tokens, True,
                              hit.request_id, hit.usage_reported)
        body: dict[str, Any] = {"model": self.cfg.model, "messages": messages, "temperature": float(temperature),
                                "max_tokens": int(max_tokens), "stream": False}
        if seed is not None:
            body["seed"] = int(seed)
        if stop is not None:
            body["stop"] = list(stop)
        try:
            done = self._post_with_retries(json.dumps(body, ensure_ascii=False).encode("utf-8"))
        except LLMError:
            self._count(failures=1)
            raise
        self._count(prompt_tokens=done.prompt_tokens, completion_tokens=done.completion_tokens,
                    missing_usage=0 if done.usage_reported else 1)
        if self._cache is not None:
            request = {k: v for k, v in body.items() if k != "stream"} | {"base_url": self.cfg.base_url.rstrip("/")}
            self._cache.put(CacheEntry(key=key, request=request, text=done.text, finish_reason=done.finish_reason,
                                       prompt_tokens=done.prompt_tokens, completion_tokens=done.completion_tokens,
                                       usage_reported=done.usage_reported, request_id=done.request_id))
        return done

    @overload
    def complete_many(self, requests: Sequence[Mapping[str, Any]], *,
                      return_exceptions: Literal[False] = ...) -> list[Completion]: ...
    @overload
    def complete_many(self, requests: Sequence[Mapping[str, Any]], *,
                      return_exceptions: Literal[True]) -> list[Completion | LLMError]: ...

    def complete_many(self, requests: Sequence[Mapping[str, Any]], *,
                      return_exceptions: bool = False) -> list[Completion] | list[Completion | LLMError]:
        """Run `complete(**request)` for each request, at most `max_concurrency` at a time, results in input order.

        By default the first failure cancels what has not started and is raised once the running requests end (their
        answers are cached, so a re-run resumes); `return_exceptions=True` puts each `LLMError` in its slot instead,
        so one over-long prompt does not sink a batch.
        """
        for i, req in enumerate(requests):
            if "messages" not in req or not set(req) <= REQUEST_KEYS:
                raise ValueError(f"request {i}: needs 'messages' and only {sorted(REQUEST_KEYS)}, got {sorted(req)}")
        if not requests:
            return []
        with ThreadPoolExecutor(max_workers=min(self.cfg.max_concurrency, len(requests)),
                                thread_name_prefix="codemill-llm") as pool:
            futures = [pool.submit(self.complete, **req) for req in requests]
            if not return_exceptions:
                _, pending = wait(futures, return_when=FIRST_EXCEPTION)
                for f in pending:
                    f.cancel()
                wait(futures)
                for f in futures:
                    if not f.cancelled() and (exc := f.exception()) is not None:
                        raise exc
                return [f.result() for f in futures]
        out: list[Completion | LLMError] = []
        for f in futures:
            exc = f.exception()
            if exc is not None and not isinstance(exc, LLMError):
                raise exc
            out.append(exc if isinstance(exc, LLMError) else f.result())
        return out

    # -- transport ---------------------------------------------------------------------------------------------

    def _post_with_retries(self, data: bytes) -> Completion:
        last: _Transient | None = None
        for attempt in range(self.cfg.max_retries + 1):
            if attempt:
                self._count(retries=1)
                assert last is not None
                delay = self._backoff(attempt) if last.retry_after is None else last.retry_after
                if last.status == 429:
                    self._count(rate_limit_waits=1)
                self._sleep(delay)
            if self._bucket is not None and self._bucket.acquire() > 0:
                self._count(rate_limit_waits=1)
            try:
                with self._slots:
                    self._count(requests=1)
                    return self._post_once(data)
            except _Transient as exc:
                last = exc
        assert last is not None
        raise LLMError(f"{self._url}: gave up after {self.cfg.max_retries + 1} attempts: {last}", status=last.status)

    def _backoff(self, attempt: int) -> float:
        """Capped exponential backoff with jitter, so clients that failed together do not retry together."""
        return min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** (attempt - 1)) * (0.5 + 0.5 * self._rng.random())

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "application/json", "User-Agent": "codemill"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        return headers

    def _post_once(self, data: bytes) -> Completion:
        req = urllib.request.Request(self._url, data=data, headers=self._headers(), method="POST")
        try:
            with urllib.request.urlopen(req, timeout=self.cfg.timeout_s) as resp:
                raw = resp.read()
                header_id = resp.headers.get("x-request-id") or ""
        except urllib.error.HTTPError as err:
            status = err.code
            try:
                text = err.read().decode("utf-8", "replace")
            except (OSError, http.client.HTTPException):
                text = ""
            message = f"HTTP {status}: {error_message(text) or err.reason}"
            if status in RETRY_STATUSES or status >= 500:
                retry_after = parse_retry_after(err.headers) if status in (429, 503) else None
                if retry_after is not None and retry_after > MAX_RETRY_AFTER_S:
                    raise LLMError(f"{message} (server asks to retry after {retry_after:.0f}s)", status=status) from err
                raise _Transient(message, status=status, retry_after=retry_after) from err
            raise LLMError(message, status=status) from err
        except (TimeoutError, ConnectionError, http.client.HTTPException, urllib.error.URLError) as err:
            raise _Transient(f"{type(err).__name__}: {err}") from err
        try:
            payload = json.loads(raw)
        except ValueError as err:  # a proxy's HTML page or a body cut short: worth another try
            raise _Transient(f"invalid JSON in response: {raw[:200]!r}") from err
        return parse_completion(payload, header_id)


def parse_completion(payload: Any, header_id: str = "") -> Completion:
    """A `chat.completion` object to a `Completion`; a body without choices is an error, not an empty answer."""
    if not isinstance(payload, dict):
        raise LLMError(f"unexpected response: {str(payload)[:200]}")
    if "error" in payload and "choices" not in payload:
        raise LLMError(f"error in response body: {error_message(json.dumps(payload))}")
    choices = payload.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise LLMError(f"response has no choices: {json.dumps(payload)[:200]}")
    choice = choices[0]
    message = choice.get("message") or {}
    text = message.get("content") if isinstance(message, dict) else None
    usage = payload.get("usage")
    reported = isinstance(usage, dict) and "prompt_tokens" in usage
    return Completion(
        text=text if isinstance(text, str) else "",
        finish_reason=choice.get("finish_reason"),
        prompt_tokens=int(usage.get("prompt_tokens") or 0) if reported else 0,
        completion_tokens=int(usage.get("completion_tokens") or 0) if reported else 0,
        cached=False,
        request_id=str(payload.get("id") or header_id),
        usage_reported=reported,
    )


def error_message(text: str) -> str:
    """The human message from an error body: OpenAI's `{"error": {"message"}}`, a bare `{"error": "..."}`,
    vLLM's older top-level `{"message"}` or FastAPI's `{"detail"}`; otherwise the start of the raw text."""
    try:
        body = json.loads(text)
    except ValueError:
        return text.strip()[:500]
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict) and err.get("message"):
            return str(err["message"])
        for candidate in (err, body.get("message"), body.get("detail")):
            if isinstance(candidate, str) and candidate:
                return candidate
    return text.strip()[:500]


def parse_retry_after(headers: Message | Mapping[str, str] | None) -> float | None:
    """Seconds to wait from `retry-after-ms`, or `Retry-After` as seconds or an HTTP date; None if absent/garbled."""
    if headers is None:
        return None
    try:
        if (ms := headers.get("retry-after-ms")) is not None:
            return max(0.0, float(ms) / 1000.0)
    except ValueError:
        pass
    value = headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
