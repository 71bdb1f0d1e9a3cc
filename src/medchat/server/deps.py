"""FastAPI dependencies: the server state, the request id, and authentication.

``authenticate`` is applied to routers (``app.py``), not to single routes, so a route added to a protected
router is protected without anyone remembering to. ``enforce_limits`` (per-key limits, ``limits.py``) is the
other router dependency, beside it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import Depends, Request

from medchat.server.errors import INVALID, ApiError
from medchat.server.limits import GRANT, Grant, RateLimited
from medchat.server.state import ServerState

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


def authenticate(request: Request) -> ApiKey | None:
    """The caller's key; ``None`` while the server needs none. A valid key is let in without asking whether
    keys are required; a missing or wrong one is refused once they are. A plain function: FastAPI runs it on
    a worker thread, so the key lookup (a database read, the last-used update) never blocks the event loop."""
    state = server_state(request)
    scheme, _, raw = request.headers.get("authorization", "").partition(" ")
    raw = raw.strip() if scheme.lower() == "bearer" else ""
    key = state.keys.verify(raw) if raw else None
    if key is not None:
        state.keys.touch(key.id)
        request.state.api_key = key
        return key
    if not state.auth_required():
        return None  # an open server: whatever key a client sends (SDKs insist on one) is not checked
    if not raw:
        raise ApiError(401, "this server needs an API key: send the header Authorization: Bearer <key> "
                            "(create one with `medchat keys create`)", type=INVALID, code="invalid_api_key",
                       headers=_CHALLENGE)
    raise ApiError(401, "invalid API key: unknown, revoked or expired", type=INVALID, code="invalid_api_key",
                   headers=_CHALLENGE)


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
        grant = server_state(request).limits.acquire(key)
    except RateLimited as exc:
        raise exc.api_error() from None
    setattr(request.state, GRANT, grant)


def charge_usage(request: Request, usage: Usage) -> None:
    """Count a finished answer's tokens against its key's ``tpm`` (nothing for a request not limited)."""
    grant: Grant | None = getattr(request.state, GRANT, None)
    if grant is not None:
        grant.charge(usage.total_tokens)
