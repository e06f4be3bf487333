from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from llmfake import FakeOpenAI, FakeTime, Reply, fixture_json

from codemill.llm import Completion, LLMClient, LLMConfig, LLMError, extract_blocks, request_key

MESSAGES = [
    {"role": "system", "content": "You write self-contained Python exercises."},
    {"role": "user", "content": "Write a problem about merging intervals, a solution and pytest tests."},
]


def make(server: FakeOpenAI, fake_time: FakeTime, **kw: object) -> LLMClient:
    cfg = LLMConfig(base_url=server.url, model="gpt-4o-mini", api_key_env="CODEMILL_TEST_LLM_KEY", **kw)
    return LLMClient(cfg, sleep=fake_time.sleep, clock=fake_time.clock)


def test_complete_parses_a_real_chat_completion(server: FakeOpenAI, fake_time: FakeTime) -> None:
    server.script.append(Reply(body=fixture_json("codegen_completion.json")))
    out = make(server, fake_time).complete(MESSAGES, temperature=0.2, max_tokens=512, seed=7, stop=["</s>"])

    assert out == Completion(text=fixture_json("codegen_completion.json")["choices"][0]["message"]["content"],
                             finish_reason="stop", prompt_tokens=187, completion_tokens=231, cached=False,
                             request_id="chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG")
    sent = server.requests[0]
    assert sent["path"] == "/v1/chat/completions"
    assert sent["headers"]["content-type"] == "application/json"
    assert sent["body"] == {"model": "gpt-4o-mini", "messages": MESSAGES, "temperature": 0.2, "max_tokens": 512,
                            "stream": False, "seed": 7, "stop": ["</s>"]}
    blocks = extract_blocks(out.text)
    assert [lang for lang, _ in blocks] == ["python", "python"]
    assert blocks[0][1].startswith("def merge_intervals(")
    assert "def test_touching_intervals_merge():" in blocks[1][1]


def test_optional_fields_are_not_sent(server: FakeOpenAI, fake_time: FakeTime) -> None:
    make(server, fake_time).complete(MESSAGES)
    assert set(server.requests[0]["body"]) == {"model", "messages", "temperature", "max_tokens", "stream"}


def test_bearer_token_only_when_the_env_var_is_set(server: FakeOpenAI, fake_time: FakeTime,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CODEMILL_TEST_LLM_KEY", raising=False)
    make(server, fake_time).complete(MESSAGES)
    monkeypatch.setenv("CODEMILL_TEST_LLM_KEY", "sk-test-123")
    make(server, fake_time).complete(MESSAGES)
    assert "authorization" not in server.requests[0]["headers"]
    assert server.requests[1]["headers"]["authorization"] == "Bearer sk-test-123"


def test_a_rerun_is_served_from_the_cache(server: FakeOpenAI, fake_time: FakeTime, tmp_path: Path) -> None:
    first = make(server, fake_time, cache_dir=str(tmp_path)).complete(MESSAGES, seed=1)
    rerun = LLMClient(LLMConfig(base_url=server.url + "/", model="gpt-4o-mini", cache_dir=str(tmp_path)))
    again = rerun.complete(MESSAGES, seed=1)

    assert server.hits == 1
    assert again.cached and not first.cached
    assert (again.text, again.request_id, again.prompt_tokens) == (first.text, first.request_id, first.prompt_tokens)
    assert rerun.usage.cached_hits == 1 and rerun.usage.requests == 0 and rerun.usage.prompt_tokens == 0
    rerun.complete(MESSAGES, seed=2)  # another seed is another request
    assert server.hits == 2
    key = request_key(server.url, "gpt-4o-mini", MESSAGES, 0.0, 1024, 1, None)
    stored = json.loads((tmp_path / key[:2] / f"{key}.json").read_text())
    assert stored["request"]["seed"] == 1 and stored["text"] == first.text


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty"])
def test_a_corrupt_cache_entry_is_refetched(server: FakeOpenAI, fake_time: FakeTime, tmp_path: Path,
                                            damage: str) -> None:
    client = make(server, fake_time, cache_dir=str(tmp_path))
    first = client.complete(MESSAGES)
    (path,) = tmp_path.glob("*/*.json")
    raw = path.read_bytes()
    path.write_bytes({"truncate": raw[: len(raw) // 2], "garbage": b"\x00\xff not json", "empty": b""}[damage])

    again = client.complete(MESSAGES)
    assert server.hits == 2 and not again.cached and again.text == first.text
    assert client.complete(MESSAGES).cached  # the refetched answer was written back whole
    assert server.hits == 2
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp files left behind


def test_server_errors_are_retried_with_backoff(server: FakeOpenAI, fake_time: FakeTime) -> None:
    server.script.extend([Reply(500, fixture_json("error_500.json")),
                          Reply(502, b"<html><body>502 Bad Gateway</body></html>"),
                          Reply(503, b"")])
    client = make(server, fake_time)
    out = client.complete(MESSAGES)

    assert out.finish_reason == "stop" and server.hits == 4
    assert client.usage.retries == 3 and client.usage.requests == 4
    assert len(fake_time.sleeps) == 3
    assert all(0.5 * 2**i <= s <= 2**i for i, s in enumerate(fake_time.sleeps))  # exponential, jittered


def test_429_honours_retry_after(server: FakeOpenAI, fake_time: FakeTime) -> None:
    server.script.extend([Reply(429, fixture_json("error_429.json"), {"Retry-After": "7"}),
                          Reply(429, fixture_json("error_429.json"))])
    client = make(server, fake_time)
    client.complete(MESSAGES)

    assert server.hits == 3
    assert fake_time.sleeps[0] == 7.0
    assert 0 < fake_time.sleeps[1] <= 2  # no Retry-After: ordinary backoff
    assert client.usage.rate_limit_waits == 2 and client.usage.retries == 2


def test_429_with_an_hours_long_retry_after_fails_instead_of_sleeping(server: FakeOpenAI, fake_time: FakeTime) -> None:
    server.script.append(Reply(429, fixture_json("error_429.json"), {"Retry-After": "86400"}))
    with pytest.raises(LLMError, match="Rate limit reached") as err:
        make(server, fake_time).complete(MESSAGES)
    assert err.value.status == 429 and fake_time.sleeps == []


@pytest.mark.parametrize(("status", "fixture", "message"), [
    (400, "error_400_context.json", "maximum context length is 128000 tokens"),
    (401, "error_401.json", "Incorrect API key provided"),
    (404, "error_404_vllm.json", "The model `gpt-5-coder` does not exist."),
])
def test_client_errors_raise_the_servers_message_without_retry(server: FakeOpenAI, fake_time: FakeTime, status: int,
                                                                fixture: str, message: str) -> None:
    server.script.append(Reply(status, fixture_json(fixture)))
    client = make(server, fake_time)
    with pytest.raises(LLMError, match=message) as err:
        client.complete(MESSAGES)
    assert err.value.status == status
    assert server.hits == 1 and fake_time.sleeps == []
    assert client.usage.failures == 1 and client.usage.retries == 0


def test_gives_up_after_max_retries(server: FakeOpenAI, fake_time: FakeTime) -> None:
    server.script.extend(Reply(503, fixture_json("error_500.json")) for _ in range(10))
    with pytest.raises(LLMError, match=r"gave up after 3 attempts.*had an error") as err:
        make(server, fake_time, max_retries=2).complete(MESSAGES)
    assert err.value.status == 503 and server.hits == 3


def test_a_timeout_is_retried(server: FakeOpenAI, fake_time: FakeTime) -> None:
    server.script.append(Reply(delay_s=2.0))
    client = make(server, fake_time, timeout_s=0.3)
    assert client.complete(MESSAGES).finish_reason == "stop"
    assert server.hits == 2 and client.usage.retries == 1


def test_a_dropped_connection_is_retried(server: FakeOpenAI, fake_time: FakeTime) -> None:
    server.script.append(Reply(drop=True))
    client = make(server, fake_time)
    assert client.complete(MESSAGES).finish_reason == "stop"
    assert server.hits == 2 and client.usage.retries == 1


def test_an_unreachable_server_fails_after_retries(fake_time: FakeTime) -> None:
    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = LLMClient(LLMConfig(base_url=f"http://127.0.0.1:{port}/v1", model="m", max_retries=2),
                       sleep=fake_time.sleep, clock=fake_time.clock)
    with pytest.raises(LLMError, match="gave up after 3 attempts") as err:
        client.complete(MESSAGES)
    assert err.value.status is None and len(fake_time.sleeps) == 2


def test_an_invalid_json_body_is_retried(server: FakeOpenAI, fake_time: FakeTime) -> None:
    server.script.append(Reply(body=b'{"id": "chatcmpl-1", "choices": [{"ind'))
    assert make(server, fake_time).complete(MESSAGES).finish_reason == "stop"
    assert server.hits == 2


def test_missing_usage_counts_zero_and_is_recorded(server: FakeOpenAI, fake_time: FakeTime, tmp_path: Path) -> None:
    server.script.append(Reply(body=fixture_json("no_usage_completion.json")))
    client = make(server, fake_time, cache_dir=str(tmp_path))
    out = client.complete(MESSAGES)
    assert (out.prompt_tokens, out.completion_tokens, out.usage_reported) == (0, 0, False)
    assert out.request_id == "chatcmpl-412"
    assert client.usage.missing_usage == 1 and client.usage.prompt_tokens == 0
    assert extract_blocks(out.text) == [("python", "def add(a: int, b: int) -> int:\n    return a + b")]
    assert client.complete(MESSAGES).usage_reported is False  # the cache keeps the fact


def test_a_truncated_answer_reports_length_and_yields_no_half_block(server: FakeOpenAI, fake_time: FakeTime) -> None:
    server.script.append(Reply(body=fixture_json("truncated_completion_vllm.json")))
    client = make(server, fake_time)
    out = client.complete(MESSAGES, max_tokens=128)
    assert out.finish_reason == "length" and out.completion_tokens == 128
    assert extract_blocks(out.text) == []
    assert (client.usage.prompt_tokens, client.usage.completion_tokens) == (96, 128)


def test_complete_many_bounds_concurrency_and_keeps_order(server: FakeOpenAI, fake_time: FakeTime) -> None:
    server.hold_for_overlap = 8
    client = make(server, fake_time, max_concurrency=3)
    requests = [{"messages": [{"role": "user", "content": f"task {i}"}], "seed": i} for i in range(8)]
    out = client.complete_many(requests)

    assert 1 < server.max_in_flight <= 3
    assert [c.text.split("\n")[0] for c in out] == [f"echo: task {i}" for i in range(8)]
    assert client.usage.requests == 8
    assert client.usage.prompt_tokens == 8 * 187 and client.usage.completion_tokens == 8 * 231


def test_complete_many_raises_or_returns_failures(server: FakeOpenAI, fake_time: FakeTime) -> None:
    requests = [{"messages": [{"role": "user", "content": c}]} for c in ("a", "TOO LONG", "b")]
    with pytest.raises(LLMError, match="maximum context length"):
        make(server, fake_time).complete_many(requests)

    out = make(server, fake_time).complete_many(requests, return_exceptions=True)
    assert isinstance(out[0], Completion) and isinstance(out[2], Completion)
    assert isinstance(out[1], LLMError) and out[1].status == 400


def test_complete_many_rejects_unknown_keys_before_sending(server: FakeOpenAI, fake_time: FakeTime) -> None:
    with pytest.raises(ValueError, match="request 1"):
        make(server, fake_time).complete_many([{"messages": MESSAGES}, {"messages": MESSAGES, "top_p": 0.9}])
    assert server.hits == 0
    assert make(server, fake_time).complete_many([]) == []


def test_requests_per_minute_paces_with_the_injected_clock(server: FakeOpenAI, fake_time: FakeTime) -> None:
    client = make(server, fake_time, requests_per_minute=60, max_concurrency=1)
    for i in range(5):
        client.complete([{"role": "user", "content": f"q{i}"}])
    assert server.hits == 5
    assert fake_time.sleeps == pytest.approx([1.0] * 4)  # a burst of one, then one request per second
    assert client.usage.rate_limit_waits == 4


def test_config_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="max_concurrency"):
        LLMConfig(base_url="http://x/v1", model="m", max_concurrency=0)
    with pytest.raises(ValueError, match="extra"):
        LLMConfig(base_url="http://x/v1", model="m", api_key="sk-inline")  # type: ignore[call-arg]
