"""Through ``medchat serve``: an answer a fallback model gave says so, in ``x-medchat-fallback`` and in the
``medchat`` extension object, streamed or not."""

from __future__ import annotations

import json

import httpx
import pytest

from medchat.config import get_settings
from medchat.errors import ModelUnavailableError
from medchat.models.registry import register_provider
from tests.scripted import ScriptedModel

QUESTION = [{"role": "user", "content": "What is a fever?"}]
MARK = "srvfallback/down -> builtin/extractive; reason=unavailable"


@register_provider("srvfallback", description="a provider that is always down (server fallback tests)")
def make(spec):
    spec.done()
    return ScriptedModel(*[ModelUnavailableError("down", status=503)] * 10, name=spec.name)


@pytest.fixture
def flaky_alias(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("MEDCHAT_MODELS", json.dumps({"flaky": {"model": "srvfallback/down",
                                                              "fallbacks": ["builtin/extractive"]}}))
    monkeypatch.setenv("MEDCHAT_RETRY__MAX_ATTEMPTS", "1")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_a_fallback_answer_says_so_in_a_header_and_the_extension(flaky_alias, serve):
    running = serve()
    body = {"model": "flaky", "messages": QUESTION, "temperature": 0}
    whole = httpx.post(f"{running.base_url}/chat/completions", json=body, timeout=60)
    assert whole.status_code == 200
    assert whole.headers["x-medchat-fallback"] == MARK
    assert whole.json()["medchat"]["fallback"] == {"from": "srvfallback/down", "to": "builtin/extractive",
                                                   "reason": "unavailable"}

    with httpx.stream("POST", f"{running.base_url}/chat/completions", json={**body, "stream": True},
                      timeout=60) as streamed:
        assert streamed.headers["x-medchat-fallback"] == MARK  # known before the first chunk is sent
        events = [json.loads(line[6:]) for line in streamed.iter_lines()
                  if line.startswith("data: {")]
    finishing = [e for e in events if e["choices"] and e["choices"][0]["finish_reason"]]
    assert finishing[-1]["medchat"]["fallback"]["to"] == "builtin/extractive"

    plain = httpx.post(f"{running.base_url}/chat/completions", timeout=60,
                       json={"model": "builtin/extractive", "messages": QUESTION})
    assert "x-medchat-fallback" not in plain.headers and "medchat" not in plain.json()
