"""What the server holds for the life of a process: settings, the database, the key store and the models."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import math
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from medchat.config import Settings
from medchat.errors import ConfigError, MissingDependencyError
from medchat.models.base import ChatModel
from medchat.server.draining import Draining
from medchat.server.errors import ApiError, model_not_found
from medchat.server.limits import Limiter, MemoryLimiter

# auth_required: seconds a "no key exists" answer stands before the database is asked again.
NO_KEYS_RECHECK_S = 1.0

if TYPE_CHECKING:
    from medchat.knowledge.embeddings import Embedder
    from medchat.storage import ConversationStore, Database
    from medchat.storage.feedback import FeedbackStore
    from medchat.storage.keys import KeyStore
    from medchat.storage.preferences import PreferenceStore


class ModelCache:
    """Models built with ``get_model`` on first use and kept (loaded weights stay loaded), at most
    ``server.max_loaded_models`` of them: past that the least recently used one is dropped, and closed
    (``aclose``) as soon as no request holds it. A request holds its model through ``lease`` (the route's
    ``Leases``), until its response is over — a stream's last byte, a client's disconnect or an error.

    A name that cannot be resolved answers 404 and is not kept.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.capacity = settings.server.max_loaded_models
        self._models: OrderedDict[str, ChatModel] = OrderedDict()  # least recently used first
        self._locks: dict[str, asyncio.Lock] = {}
        self._holders: dict[int, int] = {}  # id(model) -> requests holding it
        self._dropped: dict[int, ChatModel] = {}  # evicted while held: closed when the last holder lets go

    def loaded(self) -> list[str]:
        """The names kept, least recently used first."""
        return list(self._models)

    async def get(self, name: str) -> ChatModel:
        model = self._models.get(name)
        if model is not None:
            self._models.move_to_end(name)
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
                if name in self._models:  # built meanwhile under a newer lock (this one's name was evicted)
                    await _close(model)
                    model = self._models[name]
                else:
                    self._models[name] = model
                    await self._evict()
            else:
                self._models.move_to_end(name)
        return model

    @contextlib.asynccontextmanager
    async def lease(self, name: str) -> AsyncIterator[ChatModel]:
        """The model, which is not closed while inside (even if it is evicted meanwhile)."""
        model = await self.get(name)
        key = id(model)
        self._holders[key] = self._holders.get(key, 0) + 1  # no await since get(): it is still the cached one
        try:
            yield model
        finally:
            left = self._holders[key] - 1
            if left:
                self._holders[key] = left
            else:
                del self._holders[key]
                dropped = self._dropped.pop(key, None)
                if dropped is not None:
                    await _close(dropped)

    async def _evict(self) -> None:
        while len(self._models) > self.capacity:
            name, model = self._models.popitem(last=False)
            self._locks.pop(name, None)
            if id(model) in self._holders:
                self._dropped[id(model)] = model
            else:
                await _close(model)

    def _build(self, name: str) -> ChatModel:
        from medchat.gateway import get_model
        from medchat.safety.cache_hooks import semantic_hooks
        from medchat.storage.gateway_stores import gateway_stores

        check_servable(name, self.settings)
        try:
            return get_model(name, settings=self.settings, cache_hooks=semantic_hooks(), stores=gateway_stores())
        except MissingDependencyError:
            raise
        except ConfigError as exc:  # not a model name, unknown provider, no such builtin
            raise model_not_found(name, str(exc)) from None

    async def aclose(self) -> None:
        models = [*self._models.values(), *self._dropped.values()]
        self._models, self._dropped = OrderedDict(), {}
        for model in models:
            await _close(model)


async def _close(model: ChatModel) -> None:
    with contextlib.suppress(Exception):
        await model.aclose()


class Leases:
    """The models one request uses, each held (``ModelCache.lease``) until ``stack`` closes: ``deps.model_leases``
    closes it when the response is over."""

    def __init__(self, cache: ModelCache, stack: contextlib.AsyncExitStack) -> None:
        self._cache = cache
        self._stack = stack

    async def get(self, name: str) -> ChatModel:
        return await self._stack.enter_async_context(self._cache.lease(name))


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


# Providers whose model name is a path (or Hub id) they open on the server.
FILE_PROVIDERS = frozenset({"gguf", "local", "replay"})


def check_servable(name: str, settings: Settings) -> None:
    """403 for a model a client names by a file on the server (``gguf/PATH``, ``local/PATH``, ``replay/PATH``,
    also inside ``assistant/...``) unless ``server.allow_model_files``: a request must not make the server open
    files it chooses. Aliases (the operator's configuration), builtin models and remote providers pass."""
    from medchat.models.registry import resolve

    if settings.server.allow_model_files:
        return
    spec = name
    for _ in range(8):  # assistant/assistant/... is unwrapped a bounded number of times
        if spec in settings.models:
            return  # an alias: the operator chose its files
        try:
            resolved = resolve(spec, settings)
        except ConfigError:
            return  # not a model name: the build answers 404
        if resolved.provider.prefix != "assistant":
            break
        spec = resolved.model_id
    if resolved.provider.prefix in FILE_PROVIDERS:
        raise ApiError(403, f"the model {name!r} names a file on the server, which clients may not choose here: "
                            "the operator can give it an alias in medchat.toml (or set "
                            "server.allow_model_files = true)", type="permission_error", code="model_not_allowed",
                       param="model")


def storage_redactor(settings: Settings) -> Callable[[str], str] | None:
    """Personal data out of text before it is stored (Presidio, ``safety.pii``, in the text's language), or
    ``None`` when ``assistant.redact_storage`` is off. Blocking: the stores are called on worker threads."""
    if not settings.assistant.redact_storage:
        return None

    def redact(text: str) -> str:
        from medchat.language import detect_language
        from medchat.safety.pii import get_detector

        return get_detector().redact(text, detect_language(text)).text if text.strip() else text

    return redact


@dataclass
class ServerState:
    settings: Settings
    database: Database
    keys: KeyStore
    models: ModelCache
    limits: Limiter = field(default_factory=MemoryLimiter)  # per process; RedisLimiter with redis_url (replicas)
    draining: Draining = field(default_factory=Draining)  # set on SIGTERM: answers in progress get a grace period
    embedder: EmbedderCache = field(default_factory=EmbedderCache)
    started: int = field(default_factory=lambda: int(time.time()))
    #: How long "no key exists" is believed before the database is asked again (``auth_required``).
    no_keys_recheck_s: float = NO_KEYS_RECHECK_S
    _keys_exist: bool = False
    _no_keys_until: float = -math.inf  # time.monotonic() until which "no key exists" stands

    @functools.cached_property
    def conversations(self) -> ConversationStore:
        """Conversations as the server writes them: redacted as ``assistant.redact_storage`` says (the guarded
        assistant's turns go through ``Assistant.record``, which redacts them itself, to ``raw_conversations``)."""
        from medchat.storage import ConversationStore

        return ConversationStore(self.database, redact=storage_redactor(self.settings))

    @functools.cached_property
    def raw_conversations(self) -> ConversationStore:
        from medchat.storage import ConversationStore

        return ConversationStore(self.database)

    @functools.cached_property
    def feedback(self) -> FeedbackStore:
        from medchat.storage.feedback import FeedbackStore

        return FeedbackStore(self.database, redact=storage_redactor(self.settings))

    @functools.cached_property
    def preferences(self) -> PreferenceStore:
        from medchat.storage.preferences import PreferenceStore

        return PreferenceStore(self.database, redact=storage_redactor(self.settings))

    def auth_required(self) -> bool:
        """Default-deny: as soon as one key exists (or ``server.require_key``), every protected route needs one.

        A ``True`` is kept for the life of the process (that fails closed: revoking every key does not
        reopen a running server); a ``False`` is kept for ``no_keys_recheck_s`` (1 s) and then asked again, so
        a key created by ``medchat keys create`` in another process closes the door within that second. (Asking
        the database on every request of an open server cost a query and a thread hop per request.)"""
        known = self.auth_known()
        if known is not None:
            return known
        self._keys_exist = self.keys.any_keys()
        if not self._keys_exist:
            self._no_keys_until = time.monotonic() + self.no_keys_recheck_s
        return self._keys_exist

    def auth_known(self) -> bool | None:
        """``auth_required()`` where the answer is at hand without the database; ``None`` where it must be asked."""
        if self.settings.server.require_key or self._keys_exist:
            return True
        if time.monotonic() < self._no_keys_until:
            return False
        return None
