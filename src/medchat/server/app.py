"""``create_app(settings) -> FastAPI``: the application ``medchat serve`` runs (uvicorn's factory).

Every router but the one holding ``/healthz`` is included under the ``authenticate`` dependency, so a route
added later is behind the key unless someone deliberately puts it on ``health.open_router``. The OpenAPI
document is served behind the key too; there is no docs page.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request

from medchat.__about__ import __version__
from medchat.config import Settings, get_settings
from medchat.server import errors
from medchat.server.deps import authenticate, enforce_limits, readable_text
from medchat.server.draining import Draining
from medchat.server.limits import Limiter, LimitsMiddleware, MemoryLimiter
from medchat.server.metrics import Metrics
from medchat.server.middleware import ServerMiddleware
from medchat.server.observe import ObserveMiddleware
from medchat.server.routes import (
    conversations,
    embeddings,
    feedback,
    health,
    kb,
    metrics,
    openai,
    preferences,
    runs,
    suites,
    web,
)
from medchat.server.state import ModelCache, ServerState
from medchat.storage.redis import aclose_async_clients, async_client, call, redis_url

_settled = False


def settle_heap() -> None:
    """Once per process, when the first app has started: collect, then hide what start-up built (~150,000
    objects: modules, classes, settings, which live as long as the process) from the garbage collector
    (``gc.freeze``). Otherwise every full collection walks all of it, 50-150 ms during which no request moves,
    every few seconds under load (docs/benchmarks.md, gateway overhead: the p99 at 16 clients)."""
    global _settled
    if not _settled:
        _settled = True
        gc.collect()
        gc.freeze()


async def shared_limits(url: str) -> Limiter:
    """Per-key limits in the Redis at ``url``, shared with every replica; Redis is asked once here, so a wrong
    ``redis_url`` stops the server at start rather than turning each limited request into a 503."""
    from medchat.server.redis_limits import RedisLimiter

    await call(url, "starting medchat serve", lambda: async_client(url).ping())
    return RedisLimiter(url)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from medchat.storage import open_database
        from medchat.storage.keys import KeyStore

        database = await asyncio.to_thread(open_database, settings)
        shared = redis_url(settings)
        state = ServerState(settings=settings, database=database, keys=KeyStore(database),
                            models=ModelCache(settings), draining=Draining(settings.server.shutdown_grace_s),
                            limits=await shared_limits(shared) if shared else MemoryLimiter())
        app.state.medchat = state
        settle_heap()
        from medchat.evaluation.store import RunStore
        from medchat.server.jobs import JobManager

        app.state.run_jobs = JobManager(settings, RunStore(database))  # /api/runs: runs in child processes
        try:
            with state.draining.on_signals():  # SIGTERM: answers in progress get server.shutdown_grace_s
                yield
        finally:
            await app.state.run_jobs.aclose()  # running jobs end "interrupted", resumable
            await state.models.aclose()
            await aclose_async_clients()  # this loop's Redis connections (limits, shared state), if any

    app = FastAPI(title="medchat", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None)
    errors.install(app)

    protected = APIRouter(dependencies=[Depends(authenticate), Depends(enforce_limits), Depends(readable_text)])
    protected.include_router(openai.router)
    protected.include_router(embeddings.router)
    protected.include_router(health.router)
    protected.include_router(metrics.router)
    protected.include_router(conversations.router)
    protected.include_router(feedback.router)
    protected.include_router(kb.router)
    protected.include_router(preferences.router)
    protected.include_router(suites.router)
    protected.include_router(runs.router)

    @protected.get("/openapi.json", include_in_schema=False)
    def openapi(request: Request) -> dict[str, Any]:
        return request.app.openapi()

    app.include_router(health.open_router)
    app.include_router(web.router)  # the page shell and its assets: no data, no key (the page asks for one)
    app.include_router(protected)

    server = settings.server
    if server.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=list(server.cors_origins), allow_methods=["GET", "POST"],
                           allow_headers=["authorization", "content-type", "x-request-id"],
                           expose_headers=["x-request-id"])
    app.add_middleware(LimitsMiddleware)  # releases a limited request's grant when its response is over
    app.add_middleware(ServerMiddleware, max_body_bytes=server.max_body_bytes)  # every response
    app.state.metrics = Metrics()  # this app's own registry
    app.add_middleware(ObserveMiddleware, metrics=app.state.metrics)  # outermost: sees what ServerMiddleware sends
    return app
