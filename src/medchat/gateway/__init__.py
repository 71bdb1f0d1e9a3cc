"""Wrappers that take a ``ChatModel`` and are one: retries, timeouts, concurrency limits, adaptive limits,
routing between deployments, fallbacks.

``get_model`` is the usual way in: it resolves a model string and wraps the provider in the default
stack (``gateway/stack.py``: ``Fallback(Router(Retry(AdaptiveLimit(ConcurrencyLimit(Timeout(provider))))))``,
the router and fallbacks only where an alias asks for them), configured from ``medchat.toml``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from medchat.config import Settings, get_settings
from medchat.gateway.adaptive import AdaptiveLimit
from medchat.gateway.fallback import Fallback
from medchat.gateway.limits import ConcurrencyLimit, Timeout
from medchat.gateway.retry import Retry
from medchat.gateway.router import Router
from medchat.gateway.stack import ROUTING_FIELDS, build, with_reliability
from medchat.gateway.wrapper import ModelWrapper
from medchat.models.base import ChatModel
from medchat.models.registry import create_model

if TYPE_CHECKING:
    from medchat.gateway.cache import CacheHooks
    from medchat.gateway.shared import SharedStores

__all__ = ["AdaptiveLimit", "ConcurrencyLimit", "Fallback", "ModelWrapper", "Retry", "Router", "Timeout",
           "get_model", "with_reliability"]


def get_model(spec: str | None = None, *, settings: Settings | None = None, reliable: bool = True,
              cache_hooks: CacheHooks | None = None, stores: SharedStores | None = None, **options: Any) -> ChatModel:
    """``get_model("openai/gpt-4o-mini", base_url=...)`` → a ready ``ChatModel``.

    ``spec`` may be an alias from ``medchat.toml``; ``None`` means the configured default model.
    ``reliable=False`` returns the bare provider (no retries, timeouts, limits, deployments or fallbacks).
    With ``[cache]`` (or the alias's ``cache``) on, a ``ResponseCache`` goes around the stack (``gateway/cache.py``);
    ``cache_hooks`` lend it the embedder and the triage a semantic cache needs (``safety.cache_hooks``), and
    ``stores`` the database and Redis stores that processes share — the cache's ``database``/``redis`` backend,
    the adaptive limits' state with ``redis_url`` (``storage.gateway_stores()``; without them, both stay in this
    process: ``gateway/shared.py``).
    """
    settings = settings or get_settings()
    if reliable:
        from medchat.gateway.cache import with_cache

        name = spec or settings.default_model
        return with_cache(build(name, settings, options, stores=stores), name, settings, hooks=cache_hooks,
                          stores=stores, **options)
    for name in ROUTING_FIELDS:  # gateway options, not the provider's
        options.pop(name, None)
    return create_model(spec or settings.default_model, settings, **options)
