"""``/v1``: the OpenAI wire protocol, translated to and from ``ChatRequest`` / ``Chunk`` / ``Completion``.

Nothing here measures time or counts tokens: usage comes from the model's final chunk (or the assistant's
reply), as the CLI gets it. A guarded model (``assistant/<base>``) is asked through ``Assistant.respond`` so
its citations, safety report and trace can travel in the ``medchat`` extension field.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from medchat.assistant.reply import Escalation, FallbackPiece
from medchat.errors import MedchatError, StreamInterruptedError
from medchat.models.base import ChatModel
from medchat.server import stored_chat
from medchat.server.deps import authenticate, charge_usage, check_model_allowed, model_leases, server_state
from medchat.server.errors import ApiError, from_medchat, model_not_found
from medchat.server.observe import CLIENT_GONE, Exchange, exchange_of
from medchat.server.schemas import ChatCompletionRequest
from medchat.types import ChatRequest, Message, Timing, Usage

if TYPE_CHECKING:
    from medchat.assistant.reply import AssistantReply
    from medchat.config import Settings
    from medchat.safety.report import SafetyReport
    from medchat.server.state import Leases
    from medchat.storage.keys import ApiKey

log = logging.getLogger("medchat.server")

router = APIRouter(prefix="/v1")

T = TypeVar("T")

# medchat's finish reasons that OpenAI's protocol has; "error" and "unknown" are reported as "stop".
_FINISH = {"stop", "length", "content_filter"}
_SSE_HEADERS = {"cache-control": "no-cache", "x-accel-buffering": "no"}


# -- models ----------------------------------------------------------------------------------------
def listed_models(settings: Settings) -> list[str]:
    """Every configured alias and the builtin models, each raw and as ``assistant/<name>``; then the embedding
    model of ``/v1/embeddings`` (the knowledge base's embedder)."""
    from medchat.knowledge.embeddings import DEFAULT_EMBEDDER
    from medchat.models.builtin import BUILTIN

    raw = list(dict.fromkeys([*settings.models, *(f"builtin/{name}" for name in BUILTIN)]))
    guarded = [name if name.startswith("assistant/") else f"assistant/{name}" for name in raw]
    return list(dict.fromkeys([*raw, *guarded, DEFAULT_EMBEDDER]))


def _model_object(name: str, created: int) -> dict[str, Any]:
    return {"id": name, "object": "model", "created": created, "owned_by": "medchat"}


@router.get("/models")
def list_models(request: Request, key: ApiKey | None = Depends(authenticate)) -> dict[str, Any]:
    state = server_state(request)
    names = [name for name in listed_models(state.settings) if key is None or key.allows(name)]
    return {"object": "list", "data": [_model_object(name, state.started) for name in names]}


@router.get("/models/{model_id:path}")
def retrieve_model(model_id: str, request: Request, key: ApiKey | None = Depends(authenticate)) -> dict[str, Any]:
    state = server_state(request)
    if model_id not in listed_models(state.settings):
        raise model_not_found(model_id)
    check_model_allowed(key, model_id)
    return _model_object(model_id, state.started)


# -- chat completions ------------------------------------------------------------------------------
@dataclass
class Ending:
    """What the last chunk of an answer carries (timing, cost and safety report for the metrics)."""

    finish_reason: str
    usage: Usage
    extension: dict[str, Any] | None = None
    timing: Timing | None = None
    cost_usd: float | None = None
    safety: SafetyReport | None = None
    reply: AssistantReply | None = None  # the guarded assistant's whole turn
    cached: bool = False  # answered by the gateway's response cache
    fallback: dict[str, str] | None = None  # a fallback answered: ``Completion.fallback``


class CachedText(str):
    """Text of an answer the response cache replayed: the stream's first item says hit before the headers go."""

    __slots__ = ()


def fallback_of(first: str | Ending) -> dict[str, str] | None:
    """``Completion.fallback`` as the answer's first item (a ``FallbackPiece``, or its ending) tells it, or None.
    The guarded assistant's escalation comes before its model is asked: its stream's headers cannot say."""
    return first.fallback if isinstance(first, FallbackPiece | Ending) else None


def answer_headers(cache: str | None, fallback: dict[str, str] | None) -> dict[str, str]:
    """``x-medchat-cache`` (hit/miss) and ``x-medchat-fallback: <from> -> <to>; reason=<reason>``, where known."""
    headers = {"x-medchat-cache": cache} if cache else {}
    if fallback:
        headers["x-medchat-fallback"] = (f"{fallback.get('from', '')} -> {fallback.get('to', '')}; "
                                         f"reason={fallback.get('reason', '')}")
    return headers


def _with_fallback(extension: dict[str, Any] | None, fallback: dict[str, str] | None) -> dict[str, Any] | None:
    """The ``medchat`` extension object, with ``fallback`` when a fallback answered."""
    return extension if fallback is None else {**(extension or {}), "fallback": fallback}


def cache_result(model: ChatModel, first: str | Ending) -> str | None:
    """``x-medchat-cache``: "hit" or "miss" for a model with a response cache (``gateway/cache.py``), else None."""
    if _assistant_of(model) is not None or getattr(model, "response_cache", None) is None:
        return None  # the guarded assistant's reply is never cached whole (its base model's answers may be)
    hit = isinstance(first, CachedText) or (isinstance(first, Ending) and first.cached)
    return "hit" if hit else "miss"


def _assistant_of(model: ChatModel) -> Any | None:
    found = getattr(model, "assistant", None)
    return found if hasattr(found, "respond") else None


def _extension(reply: AssistantReply) -> dict[str, Any]:
    return {
        "citations": [c.model_dump(mode="json") for c in reply.citations],
        "safety": reply.safety.model_dump(mode="json"),
        "trace": [step.model_dump(mode="json") for step in reply.trace],
        "emergency": reply.emergency,
        "language": reply.language,
    }


async def answer(model: ChatModel, request: ChatRequest) -> AsyncIterator[str | Ending]:
    """The model's text as it comes, then one ``Ending``. Closing this closes the model's stream, which
    stops a local model's generation."""
    assistant = _assistant_of(model)
    if assistant is not None:
        turns = [m for m in request.messages if m.role != "system"]
        last = turns[-1] if turns and turns[-1].role == "user" else Message.user("")
        history = turns[:-1] if turns and turns[-1].role == "user" else turns
        async with aclosing(assistant.respond(history, last.content, params=request.params)) as items:
            async for item in items:
                if isinstance(item, str):
                    if item:
                        yield item
                else:
                    yield Ending("stop", item.usage, _extension(item), item.timing, item.cost_usd, item.safety, item,
                                 fallback=item.fallback)
                    return
    else:
        fallback, told = None, False
        async with aclosing(model.stream(request)) as chunks:  # type: ignore[type-var]
            async for chunk in chunks:
                fallback = chunk.fallback or fallback
                if chunk.final:
                    yield Ending(chunk.finish_reason or "stop", chunk.usage or Usage(estimated=True), None,
                                 chunk.timing, chunk.cost_usd, cached=chunk.cached, fallback=fallback)
                    return
                if chunk.text:
                    if chunk.cached:
                        yield CachedText(chunk.text)
                    elif fallback is not None and not told:
                        told = True
                        yield FallbackPiece(chunk.text, fallback)
                    else:
                        yield chunk.text
    raise StreamInterruptedError("the answer ended without its final chunk", model=model.name)


def _usage(usage: Usage) -> dict[str, int]:
    return {"prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens,
            "total_tokens": usage.total_tokens}


def _finish(reason: str) -> str:
    return reason if reason in _FINISH else "stop"


def _chat_request(body: ChatCompletionRequest, max_chars: int) -> ChatRequest:
    if body.n not in (None, 1):
        raise ApiError(400, "only n=1 is supported: ask again for another answer", param="n")
    if body.tools:
        raise ApiError(400, "tools (function calling) are not supported by this server", param="tools")
    messages = []
    for i, message in enumerate(body.messages):
        text = message.text
        if len(text) > max_chars:
            raise ApiError(413, f"messages[{i}] is {len(text)} characters long; this server takes at most "
                                f"{max_chars} per message", param=f"messages.{i}.content", code="message_too_long")
        messages.append(message.to_message())
    return ChatRequest(messages=messages, params=body.params())


class ClientGone(Exception):
    """The client disconnected before its non-streamed answer was ready."""


async def unless_disconnected(request: Request, work: Awaitable[T]) -> T:
    """``await work``, cancelled as soon as the client disconnects (then ``ClientGone``): an answer nobody waits
    for would otherwise run to its end, and a local model's generation holds its engine meanwhile. The body has
    been read by now, so the next ASGI message is the disconnect. (A stream needs none of this: Starlette
    cancels it at the disconnect.)"""
    task = asyncio.ensure_future(work)

    async def disconnected() -> None:
        while (await request.receive())["type"] != "http.disconnect":
            pass

    watcher = asyncio.ensure_future(disconnected())
    try:
        await asyncio.wait((task, watcher), return_when=asyncio.FIRST_COMPLETED)
    except BaseException:  # this request itself was cancelled
        task.cancel()
        watcher.cancel()
        raise
    watcher.cancel()
    if not task.done():  # the client left first: stop the generation
        task.cancel()
        await asyncio.wait((task,))  # its cleanup runs before the exchange is reported
        if task.cancelled():
            raise ClientGone
    return task.result()


@router.post("/chat/completions", response_model=None)
async def chat_completions(body: ChatCompletionRequest, request: Request,
                           key: ApiKey | None = Depends(authenticate),
                           leases: Leases = Depends(model_leases)) -> Response:
    state = server_state(request)
    exchange = exchange_of(request, stream=bool(body.stream))
    check_model_allowed(key, body.model)
    chat = _chat_request(body, state.settings.server.max_message_chars)
    if body.keeps_conversation:
        chat = await stored_chat.with_history(state, body, chat)
    model = await leases.get(body.model)  # not closed before the response is over, even if evicted
    exchange.model = body.model  # resolved: a bounded label
    completion_id = f"chatcmpl-{uuid.uuid4().hex}"
    created = int(time.time())
    if body.stream:
        keep = None
        if body.keeps_conversation:
            def keep(text: str, ending: Ending) -> Awaitable[dict[str, Any]]:
                return stored_chat.keep(state, body, chat, text, ending, _assistant_of(model))
        return await _stream(model, chat, body, completion_id, created, exchange, request, keep)

    async def whole() -> tuple[str, Ending]:
        if _assistant_of(model) is None:
            completion = await model.complete(chat)
            return completion.text, Ending(completion.finish_reason, completion.usage, None, completion.timing,
                                           completion.cost_usd, cached=completion.cached,
                                           fallback=completion.fallback)
        parts: list[str] = []
        async with aclosing(answer(model, chat)) as items:
            async for item in items:
                if isinstance(item, Ending):
                    return "".join(parts), item
                parts.append(item)
        raise AssertionError("answer() raises when there is no Ending")

    try:
        text, ending = await unless_disconnected(request, state.draining.wait(whole()))
    except ClientGone:
        return Response(status_code=CLIENT_GONE)  # nobody reads it: for the access log and the metrics
    response: dict[str, Any] = {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": body.model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text, "refusal": None},
                     "logprobs": None, "finish_reason": _finish(ending.finish_reason)}],
        "usage": _usage(ending.usage),
        "system_fingerprint": None,
    }
    extension = _with_fallback(ending.extension, ending.fallback)
    if body.keeps_conversation:
        kept = await stored_chat.keep(state, body, chat, text, ending, _assistant_of(model))
        response["medchat"] = {**(extension or {}), **kept}
    elif extension is not None:
        response["medchat"] = extension
    exchange.ending = ending
    await charge_usage(request, ending.usage)
    exchange.cache = cache_result(model, ending)
    return JSONResponse(response, headers=answer_headers(exchange.cache, ending.fallback) or None)


async def _stream(model: ChatModel, chat: ChatRequest, body: ChatCompletionRequest, completion_id: str,
                  created: int, exchange: Exchange, request: Request,
                  keep: Callable[[str, Ending], Awaitable[dict[str, Any]]] | None = None) -> StreamingResponse:
    """Server-sent events as the OpenAI SDK parses them. The first item is awaited before the response
    starts, so an error that comes before any text (unknown upstream model, refused connection) is a proper
    HTTP status; an error after that is one ``data: {"error": ...}`` event, and the stream stops. ``keep``
    stores the finished exchange (``stored_chat``) before the last chunk, which then carries its ids."""
    items = answer(model, chat)
    draining = server_state(request).draining
    try:
        first = await draining.wait(anext(items))
    except BaseException:
        await items.aclose()
        raise
    include_usage = body.include_usage
    exchange.cache = cache_result(model, first)
    headers = {**_SSE_HEADERS, **answer_headers(exchange.cache, fallback_of(first))}

    def event(choices: list[dict[str, Any]], **extra: Any) -> bytes:
        chunk: dict[str, Any] = {"id": completion_id, "object": "chat.completion.chunk", "created": created,
                                 "model": body.model, "system_fingerprint": None, "choices": choices}
        if include_usage:
            chunk["usage"] = None
        chunk.update(extra)
        return b"data: " + json.dumps(chunk, ensure_ascii=False, separators=(",", ":")).encode() + b"\n\n"

    def delta(content: str) -> bytes:
        choices = [{"index": 0, "delta": {"content": content}, "logprobs": None, "finish_reason": None}]
        if isinstance(content, Escalation):  # the guarded assistant's emergency opening: say so at once
            return event(choices, medchat={"emergency": True, "emergency_categories": list(content.categories),
                                           "emergency_call": content.call, "language": content.language})
        return event(choices)

    async def events() -> AsyncIterator[bytes]:
        async with aclosing(items):
            yield event([{"index": 0, "delta": {"role": "assistant", "content": ""}, "logprobs": None,
                          "finish_reason": None}])
            item: str | Ending = first
            parts: list[str] = []
            kept: dict[str, Any] = {}
            try:
                while not isinstance(item, Ending):
                    parts.append(item)
                    yield delta(item)
                    item = await draining.wait(anext(items))  # past a shutdown's grace period: ShuttingDown
                if keep is not None:
                    kept = await keep("".join(parts), item)
            except MedchatError as exc:
                exchange.failed = True
                yield from_medchat(exc).sse_event()
                return
            except ApiError as exc:  # ShuttingDown
                exchange.failed = True
                yield exc.sse_event()
                return
            except Exception:
                exchange.failed = True
                log.exception("stream %s failed", completion_id)
                yield ApiError(500, "the answer failed midway — the server log has the details",
                               type="server_error", code="internal_error").sse_event()
                return
            exchange.ending = item
            await charge_usage(request, item.usage)
            found = _with_fallback(item.extension, item.fallback)
            extension = {} if found is None and not kept else {"medchat": {**(found or {}), **kept}}
            # The finishing event, the usage and [DONE] are ready together: one write, not three.
            tail = [event([{"index": 0, "delta": {}, "logprobs": None, "finish_reason": _finish(item.finish_reason)}],
                          **extension)]
            if include_usage:
                tail.append(event([], usage=_usage(item.usage)))
            tail.append(b"data: [DONE]\n\n")
            yield b"".join(tail)

    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)
