"""What the gateway keeps outside this process — the response cache's entries in the database or Redis, the AIMD
limits, holds and rpm/tpm buckets in Redis — is lent by its caller, as ``cache_hooks`` lend the embedder: those
stores live in ``storage/`` (``storage.gateway_stores``), which the gateway does not import. The CLI, the server,
the assistant and evaluations pass ``get_model(..., stores=gateway_stores())``; without them a model keeps both in
this process's memory (saying so once when the settings ask for more).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from medchat.config import Settings
    from medchat.gateway.adaptive import LimitStore
    from medchat.gateway.cache_store import CacheBackend

log = logging.getLogger("medchat.gateway")
_warned: set[str] = set()


class SharedStores(Protocol):
    """The stores a caller lends the gateway (``storage.gateway_stores.GatewayStores``)."""

    def cache_backend(self, settings: Settings) -> CacheBackend:
        """The response cache's backend ``[cache] backend`` names (``database`` or ``redis``)."""
        ...

    def limit_store(self, url: str, fallback: LimitStore) -> LimitStore:
        """The limits' state in the Redis at ``url``; ``fallback`` takes the steps while Redis is out of reach."""
        ...


def not_lent(what: str, setting: str) -> None:
    """Log once that ``setting`` asks for a shared store no caller lent, so ``what`` stays in this process."""
    if setting not in _warned:
        _warned.add(setting)
        log.warning("%s asks for a shared store, but this model was built without one (get_model(..., stores=...)): "
                    "%s stays in this process's memory", setting, what)
