"""``/healthz`` (process up; always open) and ``/readyz`` (database reachable, default model resolvable)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from medchat.server.deps import server_state

open_router = APIRouter()  # the one route that needs no key
router = APIRouter()


@open_router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    """A plain function: FastAPI runs it on a worker thread, so the database check never blocks the loop."""
    from sqlalchemy import text

    from medchat.models.registry import resolve

    state = server_state(request)
    checks: dict[str, Any] = {}
    try:
        with state.database.session() as session:
            session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"unreachable: {' '.join(str(exc).split())[:200]}"
    try:
        resolve(state.settings.default_model, state.settings)
        checks["default_model"] = "ok"
    except Exception as exc:
        checks["default_model"] = f"{state.settings.default_model}: {exc}"
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse({"status": "ready" if ready else "not ready", "checks": checks},
                        status_code=200 if ready else 503)
