"""medchat: run, guard and evaluate medical chat assistants across model providers.

The common names are importable from here; they load on first use so ``import medchat`` stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from medchat.__about__ import __version__

if TYPE_CHECKING:
    from medchat.gateway import get_model
    from medchat.models.base import ChatModel, collect
    from medchat.models.registry import register_provider
    from medchat.types import ChatRequest, Chunk, Completion, GenerationParams, Message, Timing, Usage

_LAZY = {
    "get_model": "medchat.gateway",
    "ChatModel": "medchat.models.base",
    "collect": "medchat.models.base",
    "register_provider": "medchat.models.registry",
    "ChatRequest": "medchat.types",
    "Chunk": "medchat.types",
    "Completion": "medchat.types",
    "GenerationParams": "medchat.types",
    "Message": "medchat.types",
    "Timing": "medchat.types",
    "Usage": "medchat.types",
}

__all__ = ["ChatModel", "ChatRequest", "Chunk", "Completion", "GenerationParams", "Message", "Timing", "Usage",
           "__version__", "collect", "get_model", "register_provider"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'medchat' has no attribute {name!r}")
