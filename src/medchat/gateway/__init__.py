"""Wrappers that take a ``ChatModel`` and are one: retries, timeouts, concurrency limits.

``get_model`` is the usual way in: it resolves a model string and wraps the provider in the default
stack, ``Retry(ConcurrencyLimit(Timeout(provider)))``, configured from ``medchat.toml``.
"""

from __future__ import annotations

from typing import Any

from medchat.config import Settings, get_settings
from medchat.gateway.limits import ConcurrencyLimit, Timeout
from medchat.gateway.retry import Retry
from medchat.gateway.wrapper import ModelWrapper
from medchat.models.base import ChatModel
from medchat.models.registry import create_model

__all__ = ["ConcurrencyLimit", "ModelWrapper", "Retry", "Timeout", "get_model", "with_reliability"]


def with_reliability(model: ChatModel, settings: Settings | None = None) -> ChatModel:
    """Wrap any model in the default timeout, concurrency and retry layers.

    A model that declares ``reliable_inside = True`` (``assistant/...``: its own base model is already
    wrapped) is returned as is, so retries do not nest (4 × 4 attempts).
    """
    if getattr(model, "reliable_inside", False):
        return model
    settings = settings or get_settings()
    limit = getattr(model, "max_concurrency", None) or settings.max_concurrency
    retry = settings.retry
    return Retry(
        ConcurrencyLimit(Timeout(model, settings.timeout_s), min(limit, settings.max_concurrency)),
        max_attempts=retry.max_attempts,
        backoff_base_s=retry.backoff_base_s,
        backoff_max_s=retry.backoff_max_s,
        jitter=retry.jitter,
    )


def get_model(spec: str | None = None, *, settings: Settings | None = None, reliable: bool = True,
              **options: Any) -> ChatModel:
    """``get_model("openai/gpt-4o-mini", base_url=...)`` → a ready ``ChatModel``.

    ``spec`` may be an alias from ``medchat.toml``; ``None`` means the configured default model.
    ``reliable=False`` returns the bare provider (no retries, timeouts or limits).
    """
    settings = settings or get_settings()
    model = create_model(spec or settings.default_model, settings, **options)
    return with_reliability(model, settings) if reliable else model
