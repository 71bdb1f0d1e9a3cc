"""``/api/conversations``: conversations the server keeps (``medchat.conversation_id`` / ``medchat.store`` on a
chat request, or created here), read back with each reply's citations, trace and safety report; renamed;
deleted whole.

Plain functions: FastAPI runs them on worker threads, so the database never blocks the event loop.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from medchat.server.api_schemas import ConversationIn, ConversationPatch, Deleted, Listing
from medchat.server.deps import server_state
from medchat.storage import ConversationSummary, StoredConversation

router = APIRouter(prefix="/api/conversations", tags=["conversations"])


@router.post("", status_code=201, response_model=ConversationSummary)
def create_conversation(request: Request, body: ConversationIn | None = None) -> ConversationSummary:
    """A new, empty conversation; send its id as ``medchat.conversation_id`` with chat requests."""
    store = server_state(request).conversations
    body = body or ConversationIn()
    conversation = store.get(store.create(title=body.title, model=body.model))
    return ConversationSummary(**conversation.model_dump(exclude={"messages", "meta"}), message_count=0)


@router.get("", response_model=Listing[ConversationSummary])
def list_conversations(request: Request, limit: Annotated[int, Query(ge=1, le=200)] = 20,
                       offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> Listing[ConversationSummary]:
    """Most recently active first."""
    return Listing(data=server_state(request).conversations.list(limit=limit, offset=offset))


@router.get("/{conversation_id}", response_model=StoredConversation)
def read_conversation(conversation_id: str, request: Request) -> StoredConversation:
    """Every message in order; an assistant message carries its model, usage, timing, citations, trace and
    safety report."""
    return server_state(request).conversations.get(conversation_id)


@router.patch("/{conversation_id}", response_model=ConversationSummary)
def rename_conversation(conversation_id: str, body: ConversationPatch, request: Request) -> ConversationSummary:
    """A new title."""
    store = server_state(request).conversations
    store.rename(conversation_id, body.title)
    conversation = store.get(conversation_id)
    return ConversationSummary(**conversation.model_dump(exclude={"messages", "meta"}),
                               message_count=len(conversation.messages))


@router.delete("/{conversation_id}", response_model=Deleted)
def delete_conversation(conversation_id: str, request: Request) -> Deleted:
    """The conversation, its messages, their safety reports and the feedback on them."""
    server_state(request).conversations.delete(conversation_id)
    return Deleted(id=conversation_id, object="conversation.deleted")
