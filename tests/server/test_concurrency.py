"""One heavy guarded request does not stall the others: the pipeline's CPU work runs off the event loop."""

from __future__ import annotations

import asyncio
import threading

import httpx

LONG = "I have had a mild headache and a runny nose since yesterday, and I feel a little tired. " * 700


def test_a_long_message_does_not_block_small_requests(serve, monkeypatch):
    """The 60 k-character message's triage step (the emergency rules on its first ``max_message_chars``
    characters: it is past the assistant's limit) is held (on an event the test releases) until the small
    requests sent after it have all finished: they can only finish first if the event loop is free while
    that step runs. Were the step on the loop, nothing would be answered until the hold gave up, and the
    large request would finish first."""
    import medchat.assistant.pipeline as pipeline

    running = serve()
    assert len(LONG) >= 60_000 and running.settings.server.max_message_chars >= len(LONG)  # admitted, not a 413
    started, release = threading.Event(), threading.Event()
    held: list[bool] = []  # whether the release came (False: the hold gave up)
    assess = pipeline.assess

    def held_assess(text, *args, **kwargs):
        if len(text) >= running.settings.assistant.max_message_chars:
            started.set()
            held.append(release.wait(timeout=120))  # a safeguard against a hang, not a timing check
        return assess(text, *args, **kwargs)

    monkeypatch.setattr(pipeline, "assess", held_assess)
    order: list[str] = []

    async def recorded(name: str, request) -> httpx.Response:
        response = await request
        order.append(name)
        return response

    async def go() -> tuple[httpx.Response, list[httpx.Response]]:
        async with httpx.AsyncClient(base_url=running.url, timeout=300) as http:
            def chat(model: str, text: str):
                return http.post("/v1/chat/completions",
                                 json={"model": model, "messages": [{"role": "user", "content": text}]})

            large = asyncio.create_task(recorded("large", chat("assistant/builtin/extractive", LONG)))
            assert await asyncio.to_thread(started.wait, 120), "the large request never reached triage"
            small = await asyncio.gather(
                recorded("healthz", http.get("/healthz")),
                recorded("raw", chat("builtin/extractive", "What is a fever?")),
                recorded("guarded", chat("assistant/builtin/extractive", "What helps a sore throat?")),
            )
            order.append("released")
            release.set()
            return await large, small

    large, small = asyncio.run(go())
    assert held == [True]
    assert set(order[:3]) == {"healthz", "raw", "guarded"} and order[3:] == ["released", "large"]
    assert all(response.status_code == 200 for response in small)
    assert "fever" in small[1].json()["choices"][0]["message"]["content"].lower()
    # A clear answer (or a clear refusal), never a server error.
    assert large.status_code in (200, 413, 422), large.text
    if large.status_code == 200:
        assert large.json()["choices"][0]["message"]["content"].strip()
    else:
        assert large.json()["error"]["message"]
