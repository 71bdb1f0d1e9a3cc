"""The ``medchat.conversation_id`` / ``medchat.store`` extension of a chat request: the server keeps the
conversation.

Stateless by default, as in OpenAI: the ``messages`` array is the conversation. With the extension, the stored
turns come before the messages sent (unless those already hold an assistant turn: then the client keeps the
history itself and its messages are the whole conversation), and the new exchange — the last user message and
the answer — is stored in one transaction once the answer is complete. An answer cut short (the client left,
the server shut down, the model failed) stores nothing, so the database holds each exchange whole or not at all.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from medchat.__about__ import __version__
from medchat.language import detect_language
from medchat.types import ChatRequest

if TYPE_CHECKING:
    from medchat.server.routes.openai import Ending
    from medchat.server.schemas import ChatCompletionRequest
    from medchat.server.state import ServerState


async def with_history(state: ServerState, body: ChatCompletionRequest, chat: ChatRequest) -> ChatRequest:
    """``chat`` with the stored conversation's turns in front (404 for an unknown id)."""
    conversation_id = body.medchat.conversation_id if body.medchat is not None else None
    if conversation_id is None:
        return chat
    history = await asyncio.to_thread(state.conversations.history, conversation_id)
    if any(m.role == "assistant" for m in chat.messages):
        return chat
    system = [m for m in chat.messages if m.role == "system"]
    sent = [m for m in chat.messages if m.role != "system"]
    return chat.model_copy(update={"messages": [*system, *history, *sent]})


def question_of(chat: ChatRequest) -> str:
    """The turn being answered: the last user message."""
    return next((m.content for m in reversed(chat.messages) if m.role == "user"), "")


async def keep(state: ServerState, body: ChatCompletionRequest, chat: ChatRequest, text: str, ending: Ending,
               assistant: Any | None) -> dict[str, Any]:
    """Store the exchange; the ids for the response's ``medchat`` extension (``conversation_id``, and the
    answer's ``message_id``, which feedback refers to)."""
    conversation_id = body.medchat.conversation_id if body.medchat is not None else None
    question = question_of(chat)
    if assistant is not None and ending.reply is not None:
        # the guarded assistant redacts its own turn (and the quotes in its safety findings) as configured
        # stored under the name the client asked for (``assistant/<base>``), not the base model's
        reply = ending.reply.model_copy(update={"model": body.model})
        stored = await asyncio.to_thread(assistant.record, state.raw_conversations, conversation_id, question, reply)
    else:
        stored = await asyncio.to_thread(_store_raw, state, conversation_id, question, text, body.model, ending)
    return {"conversation_id": stored.conversation_id, "message_id": stored.answer_id}


def _store_raw(state: ServerState, conversation_id: str | None, question: str, text: str, model: str,
               ending: Ending) -> Any:
    redact = state.conversations.redact or (lambda value: value)
    # Redact, then cut the title: cutting first could leave half a phone number the detector no longer sees.
    question, text = redact(question), redact(text)
    return state.raw_conversations.store_exchange(
        conversation_id, question, text, title=question[:80] or None, model=model,
        language=detect_language(question), usage=ending.usage, timing=ending.timing,
        trace={"steps": [], "pipeline_version": RAW_PIPELINE})


# A raw model's "pipeline": medchat's version, nothing between the client and the model.
RAW_PIPELINE = f"medchat {__version__} raw"
