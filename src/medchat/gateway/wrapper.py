"""The base of every gateway layer: a ``ChatModel`` that holds another and is one itself."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from medchat.models.base import ChatModel
from medchat.types import ChatRequest, Chunk, Completion


class ModelWrapper:
    """Passes everything to ``inner``; subclasses override what they change.

    Unknown attributes (``is_local``, ``provider``...) are looked up on the wrapped model, so a
    stack of wrappers still answers questions about the model at its bottom.
    """

    def __init__(self, inner: ChatModel) -> None:
        self.inner = inner
        self.name = inner.name

    async def complete(self, request: ChatRequest) -> Completion:
        return await self.inner.complete(request)

    def stream(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        return self.inner.stream(request)

    async def aclose(self) -> None:
        await self.inner.aclose()

    def __getattr__(self, attr: str) -> Any:
        if attr == "inner":  # not yet set: avoid infinite recursion during construction
            raise AttributeError(attr)
        return getattr(self.inner, attr)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.inner!r})"
