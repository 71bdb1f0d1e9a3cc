"""``assistant/<model>``: the guarded pipeline as a ``ChatModel``, so evaluation and serving can treat a
raw model and the assistant alike (``medchat ask -m assistant/openai/gpt-4o-mini``)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import aclosing
from pathlib import Path
from typing import Any

from medchat.assistant.pipeline import Assistant
from medchat.assistant.reply import AssistantReply
from medchat.config import AssistantSettings
from medchat.models.base import ChatModel
from medchat.models.registry import ModelSpec
from medchat.types import ChatRequest, Chunk, Completion, Message, Timing


def create(spec: ModelSpec) -> AssistantModel:
    from medchat.gateway import get_model
    from medchat.safety.cache_hooks import semantic_hooks
    from medchat.storage.gateway_stores import gateway_stores

    settings = spec.settings.assistant.model_copy(update={
        key: spec.take(key) for key in list(spec.options) if key in type(spec.settings.assistant).model_fields})
    base = get_model(spec.model_id, settings=spec.settings, cache_hooks=semantic_hooks(), stores=gateway_stores())
    spec.done()
    return around(base, settings, data_dir=spec.settings.data_dir, name=spec.name)


def around(base: ChatModel, settings: AssistantSettings, *, data_dir: Path, name: str | None = None
           ) -> AssistantModel:
    """``assistant/<base>``: ``base`` behind the pipeline, answering from the configured knowledge base."""
    from medchat.knowledge import open_knowledge_base

    knowledge = open_knowledge_base(settings.knowledge, data_dir) if settings.passages else None
    return AssistantModel(name or f"assistant/{base.name}", Assistant(base, knowledge=knowledge, settings=settings))


class AssistantModel:
    """Runs one assistant turn per request: the last user message is the turn, earlier ones the memory."""

    reliable_inside = True  # the base model carries the gateway's retries and limits; do not wrap again

    def __init__(self, name: str, assistant: Assistant) -> None:
        self.name = name
        self.assistant = assistant
        self.last_reply: AssistantReply | None = None

    @property
    def is_local(self) -> bool:
        return bool(getattr(self.assistant.model, "is_local", False))

    @property
    def base(self) -> ChatModel:
        return self.assistant.model

    async def stream(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        turns = [m for m in request.messages if m.role != "system"]
        if not turns or turns[-1].role != "user":
            turns.append(Message.user(""))
        start = time.perf_counter()
        first: float | None = None
        async with aclosing(self.assistant.respond(turns[:-1], turns[-1].content, params=request.params)) as items:
            async for item in items:
                if isinstance(item, str):
                    first = first or time.perf_counter()
                    yield Chunk(text=item, fallback=getattr(item, "fallback", None))  # a FallbackPiece's mark
                else:
                    self.last_reply = item
                    end = time.perf_counter()
                    timing = turn_timing(item, start=start, first_token=first, end=end)
                    yield Chunk(final=True, finish_reason="stop", usage=item.usage, timing=timing,
                                cost_usd=item.cost_usd, model=self.name, fallback=item.fallback)

    async def complete(self, request: ChatRequest) -> Completion:
        from medchat.models.base import collect

        completion = await collect(self.stream(request))
        return completion.model_copy(update={"timing": completion.timing.model_copy(
            update={"ttft_s": completion.timing.total_s, "tpot_s": None})})

    async def aclose(self) -> None:
        await self.assistant.model.aclose()

    def __getattr__(self, attr: str) -> Any:
        if attr in ("assistant",):
            raise AttributeError(attr)
        return getattr(self.assistant.model, attr)


def turn_timing(reply: AssistantReply, *, start: float, first_token: float | None, end: float) -> Timing:
    """The whole turn's timing: latency measured around the pipeline, as the caller saw it; the model's retry
    numbers carried over, ``e2e_s`` being the pipeline's own time plus the model's end-to-end time (the same
    composition as the latency: pipeline steps + model call)."""
    timing = Timing.measure(start=start, first_token=first_token, end=end,
                            completion_tokens=reply.usage.completion_tokens)
    model = reply.timing
    e2e = None if model.e2e_s is None else reply.overhead_s + model.e2e_s
    return timing.model_copy(update={"attempts": model.attempts, "e2e_s": e2e})
