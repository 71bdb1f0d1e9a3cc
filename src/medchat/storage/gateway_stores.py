"""The stores the gateway keeps outside a process, lent to it by the layers above (``gateway/shared.py``), as
``safety.cache_hooks`` lends the embedder: the response cache's ``database`` and ``redis`` backends and the
adaptive limits' Redis state. The gateway does not import storage; the CLI, the server, the assistant and
evaluations pass ``get_model(..., stores=gateway_stores())``. Nothing here is opened before it is asked for.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from medchat.config import Settings


class GatewayStores:
    """``gateway.shared.SharedStores``: builds each store on demand (the gateway keeps one per configuration)."""

    def cache_backend(self, settings: Settings) -> Any:
        """``[cache] backend``: ``database`` (the ``cache_entries`` table) or ``redis``."""
        backend = settings.cache.backend
        if backend == "database":
            from medchat.storage.cache_entries import DatabaseBackend

            return DatabaseBackend.from_settings(settings)
        if backend == "redis":
            from medchat.storage.redis_cache import RedisBackend

            return RedisBackend.from_settings(settings)
        raise ValueError(f"no shared cache backend {backend!r}")

    def limit_store(self, url: str, fallback: Any) -> Any:
        """The AIMD limits, holds and rpm/tpm buckets in the Redis at ``url``; ``fallback`` while it is away."""
        from medchat.storage.redis_limits_state import RedisLimitStore

        return RedisLimitStore(url, fallback=fallback)


@cache
def gateway_stores() -> GatewayStores:
    return GatewayStores()
