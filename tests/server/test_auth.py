"""Default-deny: once a key exists (or ``server.require_key``), every route but ``/healthz`` needs one."""

from __future__ import annotations

import re

import httpx
import openai
import pytest
from fastapi.routing import APIRoute

QUESTION = [{"role": "user", "content": "What is a fever?"}]
OPEN = {"/healthz", "/", "/assets/{name}"}  # the page shell holds no data


def test_open_until_a_key_exists(serve):
    client = serve().client(api_key="anything")  # SDKs insist on some key; an open server does not check it
    assert client.models.list().data


def api_routes(app) -> list[tuple[str, APIRoute]]:
    """Every route of the app with its full path; FastAPI 0.16x keeps included routers nested
    (``_IncludedRouter``), which ``effective_route_contexts`` flattens."""
    found = []
    for route in app.routes:
        if hasattr(route, "effective_route_contexts"):
            found += [(context.path, context.original_route) for context in route.effective_route_contexts()]
        else:
            found.append((route.path, route))
    return [(path, route) for path, route in found if isinstance(route, APIRoute)]


def test_every_route_needs_a_key_once_one_exists(serve):
    """Enumerates the app's routes, so a route added later cannot be open by mistake."""
    running = serve()
    running.create_key()
    routes = api_routes(running.app)
    assert {path for path, _ in routes} >= {"/v1/chat/completions", "/v1/models", "/v1/models/{model_id:path}",
                                            "/readyz", "/openapi.json", "/healthz", "/api/conversations",
                                            "/api/conversations/{conversation_id}", "/api/feedback",
                                            "/api/feedback/export", "/api/kb/search"}
    with httpx.Client(base_url=running.url) as http:
        for full_path, route in routes:
            path = re.sub(r"\{[^}]+\}", "x", full_path)
            for method in route.methods:
                for headers in ({}, {"authorization": "Bearer mc-wrong-key-000000000000000000000000"}):
                    response = http.request(method, path, headers=headers, json={})
                    if full_path in OPEN:  # answered without a key (/assets/x: 404, no such asset)
                        assert response.status_code in (200, 404), (method, path)
                    else:
                        assert response.status_code == 401, (method, path, response.text)
                        assert response.json()["error"]["code"] == "invalid_api_key"
                        assert response.headers["x-request-id"]


def test_require_key_closes_the_server_with_no_keys(serve):
    with pytest.raises(openai.AuthenticationError):
        serve(require_key=True).client().models.list()


def test_bad_or_missing_key_is_an_authentication_error(serve):
    running = serve()
    key = running.create_key()
    for wrong in ("none", key[:-1] + ("A" if key[-1] != "A" else "B")):
        with pytest.raises(openai.AuthenticationError) as raised:
            running.client(api_key=wrong).chat.completions.create(model="builtin/extractive", messages=QUESTION)
        assert raised.value.code == "invalid_api_key"
    response = running.client(api_key=key).chat.completions.create(model="builtin/extractive", messages=QUESTION)
    assert response.choices[0].message.content


def test_revoked_key_is_refused(serve):
    from medchat.storage import open_database
    from medchat.storage.keys import KeyStore

    running = serve()
    key = running.create_key("old")
    running.create_key("other")
    KeyStore(open_database(running.settings)).revoke("old")
    with pytest.raises(openai.AuthenticationError):
        running.client(api_key=key).models.list()


def test_key_limited_to_some_models(serve):
    running = serve()
    key = running.create_key("raw-only", models=["builtin/*"])
    client = running.client(api_key=key)
    assert client.chat.completions.create(model="builtin/extractive", messages=QUESTION).choices
    with pytest.raises(openai.PermissionDeniedError) as raised:
        client.chat.completions.create(model="assistant/builtin/extractive", messages=QUESTION)
    assert raised.value.code == "model_not_allowed"
    with pytest.raises(openai.PermissionDeniedError):
        client.models.retrieve("assistant/builtin/extractive")
    assert {m.id for m in client.models.list()} == {"builtin/smollm2", "builtin/extractive"}


def test_openapi_document_is_behind_the_key(serve):
    running = serve()
    key = running.create_key()
    with httpx.Client(base_url=running.url) as http:
        assert http.get("/openapi.json").status_code == 401
        document = http.get("/openapi.json", headers={"authorization": f"Bearer {key}"}).json()
        assert http.get("/docs").status_code == 404
    assert "/v1/chat/completions" in document["paths"]


def test_a_key_created_elsewhere_closes_an_open_server_within_the_recheck(serve, monkeypatch):
    """An open server believes "no key exists" for ``no_keys_recheck_s`` (1 s) rather than asking the database on
    every request; once that has passed, a key created by another process (``medchat keys create``) shuts it."""
    import time
    from types import SimpleNamespace

    from medchat.server import state as state_module

    now = [1000.0]  # state.py's clock only: the server's event loop keeps the real one
    monkeypatch.setattr(state_module, "time", SimpleNamespace(monotonic=lambda: now[0], time=time.time))
    running = serve()
    client = running.client(api_key="anything")
    assert client.models.list().data  # open, and known to be for the next second
    key = running.create_key()  # through its own KeyStore, as another process would
    assert client.models.list().data
    now[0] += 1.01
    with pytest.raises(openai.AuthenticationError):
        client.models.list()
    assert running.client(api_key=key).models.list().data
