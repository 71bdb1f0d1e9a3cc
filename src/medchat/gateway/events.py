"""What the gateway tells whoever listens (the server's metrics), without knowing who listens.

The gateway sits below the server and must not import it; a listener registers here instead. Bound methods
are held weakly, so an app's ``Metrics`` that goes away stops listening without having to say so.
"""

from __future__ import annotations

import inspect
import logging
import weakref
from collections.abc import Callable
from typing import Any

log = logging.getLogger("medchat.gateway")

FallbackListener = Callable[[str, str, str], Any]  # (model asked, fallback tried, reason)

_fallback_listeners: list[weakref.WeakMethod[Any] | Callable[[], FallbackListener]] = []


def on_fallback(listener: FallbackListener) -> Callable[[], None]:
    """Call ``listener(model, fallback, reason)`` each time a fallback is tried (bound methods held weakly);
    returns what stops it."""
    ref: Any = weakref.WeakMethod(listener) if inspect.ismethod(listener) else (lambda: listener)
    _fallback_listeners.append(ref)

    def stop() -> None:
        if ref in _fallback_listeners:
            _fallback_listeners.remove(ref)

    return stop


def fallback_tried(model: str, fallback: str, reason: str) -> None:
    for ref in list(_fallback_listeners):
        listener = ref()
        if listener is None:
            _fallback_listeners.remove(ref)
            continue
        try:
            listener(model, fallback, reason)
        except Exception:  # a listener's bug must not fail the request
            log.exception("fallback listener %r failed", listener)
