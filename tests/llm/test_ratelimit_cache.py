from __future__ import annotations

import pytest
from llmfake import FakeTime

from codemill.llm import CacheEntry, ResponseCache, TokenBucket, request_key

MSGS = [{"role": "user", "content": "hi"}]


def test_bucket_allows_a_burst_then_paces(fake_time: FakeTime) -> None:
    bucket = TokenBucket(2.0, 3, clock=fake_time.clock, sleep=fake_time.sleep)
    assert [bucket.acquire() for _ in range(5)] == pytest.approx([0, 0, 0, 0.5, 0.5])
    fake_time.now += 10  # idle time refills to capacity, not beyond
    assert [bucket.acquire() for _ in range(4)] == pytest.approx([0, 0, 0, 0.5])


def test_bucket_rejects_zero_rate(fake_time: FakeTime) -> None:
    with pytest.raises(ValueError):
        TokenBucket(0, 1, clock=fake_time.clock, sleep=fake_time.sleep)


def test_request_key_normalises_what_does_not_change_the_answer() -> None:
    base = request_key("http://h/v1", "m", MSGS, 0, 256, None, None)
    assert base == request_key("http://h/v1/", "m", MSGS, 0.0, 256, None, None)
    others = {request_key("http://h/v1", "m2", MSGS, 0, 256, None, None),
              request_key("http://h/v1", "m", MSGS, 0.5, 256, None, None),
              request_key("http://h/v1", "m", MSGS, 0, 512, None, None),
              request_key("http://h/v1", "m", MSGS, 0, 256, 0, None),
              request_key("http://h/v1", "m", MSGS, 0, 256, None, ["\n"]),
              request_key("http://h/v1", "m", [{"role": "user", "content": "hi!"}], 0, 256, None, None)}
    assert base not in others and len(others) == 6


def test_cache_ignores_an_entry_stored_under_another_key(tmp_path) -> None:
    cache = ResponseCache(tmp_path)
    entry = CacheEntry(key="ab" + "0" * 62, request={}, text="t", finish_reason="stop", prompt_tokens=1,
                       completion_tokens=2, usage_reported=True, request_id="r")
    cache.put(entry)
    assert cache.get(entry.key) == entry
    other = "ab" + "1" * 62
    cache.path(other).write_bytes(cache.path(entry.key).read_bytes())
    assert cache.get(other) is None
    assert cache.get("cd" + "0" * 62) is None


def test_retry_after_forms() -> None:
    from codemill.llm.client import parse_retry_after

    assert parse_retry_after({"Retry-After": "2.5"}) == 2.5
    assert parse_retry_after({"retry-after-ms": "120", "Retry-After": "1"}) == pytest.approx(0.12)
    assert parse_retry_after({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0  # a date in the past
    assert parse_retry_after({"Retry-After": "soon"}) is None
    assert parse_retry_after({}) is None
