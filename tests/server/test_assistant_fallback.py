"""Through ``medchat serve``: a guarded answer (``assistant/<alias>``) that the alias's fallback gave says so, in
``x-medchat-fallback`` and in the ``medchat`` extension object, streamed or not, as a plain model's does."""

from __future__ import annotations

import json

import httpx

from tests.server.test_fallback_header import MARK, QUESTION, flaky_alias  # noqa: F401 (a fixture)

EXPECTED = {"from": "srvfallback/down", "to": "builtin/extractive", "reason": "unavailable"}


def test_a_guarded_answer_a_fallback_gave_says_so_in_a_header_and_the_extension(flaky_alias, serve):  # noqa: F811
    running = serve()
    body = {"model": "assistant/flaky", "messages": QUESTION, "temperature": 0}
    whole = httpx.post(f"{running.base_url}/chat/completions", json=body, timeout=120)
    assert whole.status_code == 200, whole.text
    assert whole.headers["x-medchat-fallback"] == MARK
    extension = whole.json()["medchat"]
    assert extension["fallback"] == EXPECTED and "safety" in extension  # beside the assistant's own fields

    with httpx.stream("POST", f"{running.base_url}/chat/completions", json={**body, "stream": True},
                      timeout=120) as streamed:
        assert streamed.status_code == 200
        assert streamed.headers["x-medchat-fallback"] == MARK  # known before the first chunk is sent
        events = [json.loads(line[6:]) for line in streamed.iter_lines() if line.startswith("data: {")]
    finishing = [e for e in events if e["choices"] and e["choices"][0]["finish_reason"]]
    assert finishing[-1]["medchat"]["fallback"] == EXPECTED

    plain = httpx.post(f"{running.base_url}/chat/completions", timeout=120,
                       json={"model": "assistant/builtin/extractive", "messages": QUESTION})
    assert "x-medchat-fallback" not in plain.headers and "fallback" not in plain.json()["medchat"]
