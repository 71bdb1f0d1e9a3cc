"""What the server holds for the life of a process: settings, the database, the key store and the models."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from medchat.config import Settings
from medchat.errors import ConfigError, MissingDependencyError
from medchat.models.base import ChatModel
from medchat.server.errors import model_not_found
from medchat.server.limits import Limiter, MemoryLimiter

if TYPE_CHECKING:
    from medchat.knowledge.embeddings import Embedder
    from medchat.storage import Database
    from medchat.storage.keys import KeyStore


class ModelCache:
    """Models built with ``get_model`` on first use and kept for the process (loaded weights stay loaded).

    A name that cannot be resolved answers 404 and is not kept.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._models: dict[str, ChatModel] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def get(self, name: str) -> ChatModel:
        model = self._models.get(name)
        if model is not None:
            return model
        lock = self._locks.setdefault(name, asyncio.Lock())
        async with lock:
            model = self._models.get(name)
            if model is None:
                try:
                    model = await asyncio.to_thread(self._build, name)
                except BaseException:
                    self._locks.pop(name, None)
                    raise
                self._models[name] = model
        return model

    def _build(self, name: str) -> ChatModel:
        from medchat.gateway import get_model

        try:
            return get_model(name, settings=self.settings)
        except MissingDependencyError:
            raise
        except ConfigError as exc:  # not a model name, unknown provider, no such builtin
            raise model_not_found(name, str(exc)) from None

    async def aclose(self) -> None:
        models, self._models = list(self._models.values()), {}
        for model in models:
            with contextlib.suppress(Exception):
                await model.aclose()


class EmbedderCache:
    """The knowledge base's embedder (``knowledge.embeddings``), loaded in a thread on first use and kept."""

    def __init__(self, spec: str | None = None) -> None:
        from medchat.knowledge.embeddings import DEFAULT_EMBEDDER

        self.name = spec or DEFAULT_EMBEDDER
        self._embedder: Embedder | None = None
        self._lock = asyncio.Lock()

    async def get(self) -> Embedder:
        if self._embedder is None:
            async with self._lock:
                if self._embedder is None:
                    from medchat.knowledge.embeddings import get_embedder

                    self._embedder = await asyncio.to_thread(get_embedder, self.name)
        return self._embedder


@dataclass
class ServerState:
    settings: Settings
    database: Database
    keys: KeyStore
    models: ModelCache
    limits: Limiter = field(default_factory=MemoryLimiter)  # per process; a shared backend fits the protocol
    embedder: EmbedderCache = field(default_factory=EmbedderCache)
    started: int = field(default_factory=lambda: int(time.time()))
    _keys_exist: bool = False

    def auth_required(self) -> bool:
        """Default-deny: as soon as one key exists (or ``server.require_key``), every protected route needs one.

        A ``True`` is kept for the life of the process (that fails closed: revoking every key does not
        reopen a running server); a ``False`` is asked again each time, so a key created by
        ``medchat keys create`` in another process closes the door at once."""
        if self.settings.server.require_key or self._keys_exist:
            return True
        self._keys_exist = self.keys.any_keys()
        return self._keys_exist
