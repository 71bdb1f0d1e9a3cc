"""How ``get_model`` builds a model from a name: the gateway's layers, in one order.

::

    Fallback(                      with fallbacks / context_window_fallbacks: the primary, then each fallback
      Router(                      with deployments: one stack below per deployment
        Retry(                     retryable errors, backoff, Retry-After; e2e clock
          AdaptiveLimit(           rpm/tpm buckets, AIMD in-flight limit, Retry-After hold (per model@base_url;
                                   in Redis with redis_url, shared by replicas)
            ConcurrencyLimit(      the static cap (max_concurrency, a local engine's slots)
              Timeout(provider))))))

A response cache, when there is one, goes around all of it. ``Retry`` sits above the limits, so each attempt
is paced and counted; the router above ``Retry``, so a deployment is passed over once its retries are spent;
the fallbacks above the router, so they are the last resort. ``ConcurrencyLimit`` stays outside ``Timeout``: a
request queued for a busy engine does not time out. A fallback is built without fallbacks of its own (no loops).

Gateway options come from the alias chain (the alias named first wins, as for provider options) or from
``get_model``'s keyword arguments, which win over both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from medchat.config import ModelAlias, Settings, get_settings
from medchat.errors import ConfigError
from medchat.gateway.adaptive import AdaptiveLimit, open_store
from medchat.gateway.fallback import Fallback
from medchat.gateway.limits import ConcurrencyLimit, Timeout
from medchat.gateway.retry import Retry
from medchat.gateway.router import Router
from medchat.models.base import ChatModel
from medchat.models.registry import create_model

if TYPE_CHECKING:
    from medchat.gateway.shared import SharedStores

#: The alias fields that configure the gateway rather than the provider.
ROUTING_FIELDS = ("deployments", "strategy", "fallbacks", "context_window_fallbacks", "cooldown_s", "rpm", "tpm")


def routing_of(spec: str, settings: Settings, options: dict[str, Any]) -> ModelAlias:
    """The gateway options for ``spec``: ``options`` (popped from them), then its alias chain, outermost first."""
    found = {name: options.pop(name) for name in ROUTING_FIELDS if name in options}
    seen: set[str] = set()
    while spec in settings.models and spec not in seen:  # a loop is resolve()'s to report
        seen.add(spec)
        alias = settings.models[spec]
        for name in ROUTING_FIELDS:
            if name in alias.model_fields_set and name not in found:
                found[name] = getattr(alias, name)
        spec = alias.model
    try:
        return ModelAlias.model_validate({"model": spec, **found})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ConfigError(f"invalid gateway option {where!r} for {spec}: {first['msg']}",
                          hint="fix it in medchat.toml or the call") from None


def limit_key(model: ChatModel) -> str:
    """What the provider limits: one model at one endpoint."""
    base_url = getattr(model, "base_url", None)
    return f"{model.name}@{base_url}" if base_url else model.name


def with_reliability(model: ChatModel, settings: Settings | None = None, *, rpm: int | None = None,
                     tpm: int | None = None, stores: SharedStores | None = None) -> ChatModel:
    """One endpoint's stack: ``Retry(AdaptiveLimit(ConcurrencyLimit(Timeout(model))))``.

    A model that declares ``reliable_inside = True`` (``assistant/...``: its own base model is already
    wrapped) is returned as is, so retries do not nest (4 × 4 attempts). ``AdaptiveLimit`` is there for a model
    behind a server, even one on this machine (vLLM, llama-server answer 429/503 too), or any model given
    ``rpm``/``tpm``; not for an engine in this process (its class is local: llama.cpp, transformers, replay),
    which has no one to push back. Its state is shared through Redis when ``stores`` (lent by the caller) has it.
    """
    if getattr(model, "reliable_inside", False):
        return model
    settings = settings or get_settings()
    limit = min(getattr(model, "max_concurrency", None) or settings.max_concurrency, settings.max_concurrency)
    layered: ChatModel = ConcurrencyLimit(Timeout(model, settings.timeout_s), limit)
    gateway = settings.gateway
    remote = not getattr(type(model), "is_local", False)  # the class: a loopback server's instance is local too
    if (remote and gateway.adaptive) or rpm or tpm:
        layered = AdaptiveLimit(layered, key=limit_key(model), rpm=rpm, tpm=tpm, adaptive=remote and gateway.adaptive,
                                floor=gateway.aimd_floor, ceiling=min(limit, gateway.aimd_ceiling or limit),
                                window=gateway.aimd_window, max_hold_s=gateway.max_hold_s,
                                store=open_store(settings, stores))
    retry = settings.retry
    return Retry(layered, max_attempts=retry.max_attempts, backoff_base_s=retry.backoff_base_s,
                 backoff_max_s=retry.backoff_max_s, jitter=retry.jitter)


def _routed(spec: str, settings: Settings, routing: ModelAlias, options: dict[str, Any],
            stores: SharedStores | None) -> ChatModel:
    """The model, or a router over its deployments, each with its reliability stack."""
    if not routing.deployments:
        return with_reliability(create_model(spec, settings, **options), settings, rpm=routing.rpm, tpm=routing.tpm,
                                stores=stores)
    members = []
    for deployment in routing.deployments:
        if deployment.model is None:  # the alias's model, its options under the deployment's
            model = create_model(spec, settings, **{**options, **deployment.options})
        else:
            model = create_model(deployment.model, settings, **deployment.options)
        members.append(with_reliability(model, settings, rpm=deployment.rpm or routing.rpm,
                                        tpm=deployment.tpm or routing.tpm, stores=stores))
    gateway = settings.gateway
    return Router(members, weights=[d.weight for d in routing.deployments],
                  strategy=routing.strategy or gateway.strategy, cooldown_failures=gateway.cooldown_failures,
                  cooldown_window_s=gateway.cooldown_window_s,
                  cooldown_s=gateway.cooldown_s if routing.cooldown_s is None else routing.cooldown_s,
                  latency_alpha=gateway.latency_alpha, explore=gateway.explore)


def build(spec: str, settings: Settings, options: dict[str, Any], *, fallbacks: bool = True,
          stores: SharedStores | None = None) -> ChatModel:
    """The whole stack for ``spec`` (see the module docstring); ``stores`` are the caller's (``gateway/shared.py``)."""
    options = dict(options)
    routing = routing_of(spec, settings, options)
    primary = _routed(spec, settings, routing, options, stores)
    if not fallbacks or not (routing.fallbacks or routing.context_window_fallbacks):
        return primary
    built: dict[str, ChatModel] = {}  # one model for a name in both chains

    def chain(names: list[str]) -> list[ChatModel]:
        for name in names:
            if name not in built:
                built[name] = build(name, settings, {}, fallbacks=False, stores=stores)
        return [built[name] for name in names]

    return Fallback(primary, fallbacks=chain(routing.fallbacks),
                    context_window_fallbacks=chain(routing.context_window_fallbacks))
