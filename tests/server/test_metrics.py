"""``/metrics`` after real requests (parsed with prometheus_client's own parser) and the JSON access log."""

from __future__ import annotations

import json
import logging

import httpx
import openai
import pytest
from prometheus_client.parser import text_string_to_metric_families

from medchat.server.app import create_app

QUESTION = [{"role": "user", "content": "What is a fever?"}]
EMERGENCY = [{"role": "user", "content": "My father has crushing chest pain right now and can't breathe"}]


def scrape(running, key: str) -> list:
    response = httpx.get(f"{running.url}/metrics", headers={"authorization": f"Bearer {key}"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return [sample for family in text_string_to_metric_families(response.text) for sample in family.samples]


def value(samples: list, name: str, **labels: str) -> float:
    """The one sample of ``name`` whose labels include ``labels``; 0 when there is none."""
    found = [s.value for s in samples if s.name == name and labels.items() <= s.labels.items()]
    assert len(found) <= 1, (name, labels, found)
    return found[0] if found else 0.0


def test_metrics_count_requests_models_tokens_and_safety(serve):
    running = serve()
    key = running.create_key("metrics-test")
    client = running.client(key)
    plain = client.chat.completions.create(model="builtin/extractive", messages=QUESTION)
    streamed = list(client.chat.completions.create(model="builtin/extractive", messages=QUESTION, stream=True,
                                                   stream_options={"include_usage": True}))
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="builtin/no-such-model", messages=QUESTION)
    emergency = list(client.chat.completions.create(model="assistant/builtin/extractive", messages=EMERGENCY,
                                                    stream=True))
    assert emergency[-1].model_extra["medchat"]["emergency"] is True

    samples = scrape(running, key)
    http = "medchat_http_requests_total"
    assert value(samples, http, route="/v1/chat/completions", method="POST", status="200") == 3
    assert value(samples, http, route="/v1/chat/completions", method="POST", status="404") == 1
    assert value(samples, "medchat_http_request_duration_seconds_count", route="/v1/chat/completions",
                 method="POST") == 4

    chat = "medchat_chat_requests_total"
    raw = {"model": "builtin/extractive", "key": "metrics-test", "outcome": "ok"}
    assert value(samples, chat, stream="false", **raw) == 1
    assert value(samples, chat, stream="true", **raw) == 1
    assert value(samples, chat, model="assistant/builtin/extractive", stream="true", outcome="ok") == 1
    assert value(samples, chat, model="-", key="metrics-test", outcome="error") == 1
    assert not [s for s in samples if "no-such-model" in s.labels.get("model", "")]  # no label for it

    assert value(samples, "medchat_ttft_seconds_count", model="builtin/extractive") == 2
    assert value(samples, "medchat_ttft_seconds_count", model="assistant/builtin/extractive") == 1
    completion = plain.usage.completion_tokens + streamed[-1].usage.completion_tokens
    assert completion > 0
    assert value(samples, "medchat_tokens_total", model="builtin/extractive", key="metrics-test",
                 direction="completion") == completion
    assert value(samples, "medchat_tokens_total", model="builtin/extractive", key="metrics-test",
                 direction="prompt") == plain.usage.prompt_tokens + streamed[-1].usage.prompt_tokens
    assert value(samples, "medchat_cost_usd_total", model="builtin/extractive", key="metrics-test") == 0
    assert value(samples, "medchat_safety_findings_total", check="triage", action="escalated") == 1
    assert all(key not in s.labels.values() for s in samples)  # the key itself is never a label


def test_metrics_need_the_key_once_keys_exist(serve):
    running = serve()
    running.create_key("scraper")
    assert httpx.get(f"{running.url}/metrics").status_code == 401


def test_each_app_has_its_own_registry():
    first, second = create_app(), create_app()
    first.state.metrics.http_requests.labels("/x", "GET", "200").inc()
    assert second.state.metrics.registry is not first.state.metrics.registry
    assert second.state.metrics.registry.get_sample_value(
        "medchat_http_requests_total", {"route": "/x", "method": "GET", "status": "200"}) is None


def test_one_json_access_line_per_request(serve, caplog):
    caplog.set_level(logging.INFO, logger="medchat.server.access")
    running = serve()
    key = running.create_key("logger")
    secret = "my name is Jane Roe and my fever is 39.5"
    response = httpx.post(f"{running.base_url}/chat/completions", headers={"authorization": f"Bearer {key}",
                          "x-request-id": "req-42"},
                          json={"model": "builtin/extractive", "messages": [{"role": "user", "content": secret}]})
    assert response.status_code == 200 and response.headers["x-request-id"] == "req-42"
    lines = [r.getMessage() for r in caplog.records if r.name == "medchat.server.access"]
    assert len(lines) == 1
    line = json.loads(lines[0])
    usage = response.json()["usage"]
    assert line["request_id"] == "req-42" and line["method"] == "POST" and line["status"] == 200
    assert line["route"] == "/v1/chat/completions" and line["model"] == "builtin/extractive"
    assert line["key"] == "logger" and line["key_prefix"] == key[:len(line["key_prefix"])]
    assert line["stream"] is False and line["outcome"] == "ok" and line["ttft_s"] is not None
    assert (line["prompt_tokens"], line["completion_tokens"]) == (usage["prompt_tokens"], usage["completion_tokens"])
    assert line["duration_s"] >= 0 and line["time"].endswith("+00:00")
    assert "Jane" not in lines[0] and "fever" not in lines[0] and key not in lines[0]
    assert response.json()["choices"][0]["message"]["content"] not in lines[0]
