"""FastAPI dependencies: the server state, the request id, and authentication.

``authenticate`` is applied to routers (``app.py``), not to single routes, so a route added to a protected
router is protected without anyone remembering to. ``enforce_limits`` (per-key limits, ``limits.py``) is the
other router dependency, beside it.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, NoReturn

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from medchat.server.errors import INVALID, ApiError
from medchat.server.limits import GRANT, Grant, RateLimited
from medchat.server.state import Leases, ServerState
from medchat.storage.keys import looks_like_key

if TYPE_CHECKING:
    from medchat.storage.keys import ApiKey
    from medchat.types import Usage

_CHALLENGE = {"www-authenticate": "Bearer"}


def server_state(request: Request) -> ServerState:
    state: ServerState = request.app.state.medchat
    return state


def request_id(request: Request) -> str:
    """The id ``middleware.py`` gave this request (echoed in the ``x-request-id`` response header)."""
    return str(getattr(request.state, "request_id", ""))


async def authenticate(request: Request) -> ApiKey | None:
    """The caller's key; ``None`` while the server needs none. A valid key is let in without asking whether
    keys are required; a missing or wrong one is refused once they are. Whatever needs the database (a
    key lookup, the last-used update, whether any key exists) runs on a worker thread, so it never blocks the
    event loop; a request that sends no medchat key, to a server whose answer to ``auth_required`` is at hand
    (``ServerState.auth_known``), is answered here without that thread hop."""
    state = server_state(request)
    scheme, _, raw = request.headers.get("authorization", "").partition(" ")
    raw = raw.strip() if scheme.lower() == "bearer" else ""
    if not looks_like_key(raw):  # ``verify`` would answer None without the database
        known = state.auth_known()
        if known is False:
            return None  # an open server: whatever key a client sends (SDKs insist on one) is not checked
        if known:
            _refuse(raw)
    return await run_in_threadpool(_authenticate, request, state, raw)


def _authenticate(request: Request, state: ServerState, raw: str) -> ApiKey | None:
    key = state.keys.verify(raw) if raw else None
    if key is not None:
        state.keys.touch(key.id)
        request.state.api_key = key
        return key
    if not state.auth_required():
        return None  # an open server: whatever key a client sends (SDKs insist on one) is not checked
    _refuse(raw)


def _refuse(raw: str) -> NoReturn:
    if not raw:
        raise ApiError(401, "this server needs an API key: send the header Authorization: Bearer <key> "
                            "(create one with `medchat keys create`)", type=INVALID, code="invalid_api_key",
                       headers=_CHALLENGE)
    raise ApiError(401, "invalid API key: unknown, revoked or expired", type=INVALID, code="invalid_api_key",
                   headers=_CHALLENGE)


# A JSON escape of a UTF-16 surrogate (\ud800..\udfff); a paired one (\ud83d\ude00) is fine.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


async def readable_text(request: Request) -> None:
    """400 for a JSON body holding an unpaired UTF-16 surrogate (``"\\ud800"``). Python's JSON parser accepts
    one, but a string holding it cannot be encoded: the response, a tokenizer or the database would fail on it
    later, as a 500. A router dependency beside ``authenticate``, so every route's body is checked; the body
    is parsed again only when it holds such an escape at all."""
    body = await request.body()
    if not _SURROGATE_ESCAPE.search(body):
        return
    try:
        value = json.loads(body)
    except ValueError:
        return  # not JSON: the route says so
    try:
        json.dumps(value, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        raise ApiError(400, "the request body holds an unpaired UTF-16 surrogate escape (such as \\ud800): text "
                            "must be valid Unicode", code="invalid_unicode") from None


async def model_leases(request: Request) -> AsyncIterator[Leases]:
    """The models a request uses (``Leases.get``), held until its response is over — a stream's last byte, a
    client's disconnect, an error: FastAPI ends a dependency with ``yield`` after the response — so that the
    ``ModelCache`` closes a model it evicted only once no request is using it."""
    async with contextlib.AsyncExitStack() as stack:
        yield Leases(server_state(request).models, stack)


def check_model_allowed(key: ApiKey | None, model: str) -> None:
    """403 when the caller's key may not use ``model`` (its ``models`` patterns)."""
    if key is not None and not key.allows(model):
        raise ApiError(403, f"the API key {key.name!r} may not use the model {model!r}", type="permission_error",
                       code="model_not_allowed", param="model")


async def enforce_limits(request: Request, key: ApiKey | None = Depends(authenticate)) -> None:
    """Admit the request under its key's ``rpm``/``tpm``/``concurrency``, or 429 (``limits.py``). Without a key
    (an open server) or with a key without limits, nothing is counted. The grant is released by
    ``limits.LimitsMiddleware`` when the response is over."""
    if key is None or (key.rpm is None and key.tpm is None and key.concurrency is None):
        return
    try:
        grant = await server_state(request).limits.acquire(key)
    except RateLimited as exc:
        raise exc.api_error() from None
    setattr(request.state, GRANT, grant)


async def charge_usage(request: Request, usage: Usage) -> None:
    """Count a finished answer's tokens against its key's ``tpm`` (nothing for a request not limited)."""
    grant: Grant | None = getattr(request.state, GRANT, None)
    if grant is not None:
        await grant.charge(usage.total_tokens)
