"""Through ``medchat serve``: ``x-medchat-cache: hit|miss`` and ``medchat_cache_requests_total``."""

from __future__ import annotations

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from medchat.config import get_settings
from medchat.gateway.cache_store import forget_backends

QUESTION = [{"role": "user", "content": "What is a fever?"}]


@pytest.fixture
def exact_cache(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("MEDCHAT_CACHE__MODE", "exact")
    get_settings.cache_clear()
    forget_backends()
    yield
    forget_backends()


def test_header_and_counter_say_hit_or_miss(exact_cache, serve):
    running = serve()
    key = running.create_key("cache-test")
    client = running.client(key)
    first = client.chat.completions.with_raw_response.create(model="builtin/extractive", messages=QUESTION,
                                                            temperature=0)
    again = client.chat.completions.with_raw_response.create(model="builtin/extractive", messages=QUESTION,
                                                            temperature=0)
    assert first.headers["x-medchat-cache"] == "miss" and again.headers["x-medchat-cache"] == "hit"
    assert again.parse().choices[0].message.content == first.parse().choices[0].message.content
    assert again.parse().usage.total_tokens == first.parse().usage.total_tokens  # the usage as stored

    with client.chat.completions.with_streaming_response.create(model="builtin/extractive", messages=QUESTION,
                                                                temperature=0, stream=True) as streamed:
        assert streamed.headers["x-medchat-cache"] == "hit"
        text = "".join(chunk.choices[0].delta.content or "" for chunk in streamed.parse() if chunk.choices)
    assert text == first.parse().choices[0].message.content

    sampled = client.chat.completions.with_raw_response.create(model="builtin/extractive", messages=QUESTION)
    assert sampled.headers["x-medchat-cache"] == "miss"  # no temperature 0, no seed: not cached
    guarded = client.chat.completions.with_raw_response.create(model="assistant/builtin/extractive",
                                                              messages=QUESTION, temperature=0)
    assert "x-medchat-cache" not in guarded.headers  # the assistant's reply is never cached whole

    response = httpx.get(f"{running.url}/metrics", headers={"authorization": f"Bearer {key}"})
    samples = [s for family in text_string_to_metric_families(response.text) for s in family.samples
               if s.name == "medchat_cache_requests_total"]
    counts = {s.labels["result"]: s.value for s in samples if s.labels["model"] == "builtin/extractive"}
    assert counts == {"hit": 2.0, "miss": 2.0}
