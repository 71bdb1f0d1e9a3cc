"""``/api/feedback``: thumbs up or down on any reply, a reason from a fixed list, a comment and a corrected
answer, stored with the reply's model, pipeline version and trace; exported as a ``samples`` JSONL dataset
that ``medchat eval`` reads (``storage.feedback``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from medchat.server.api_schemas import Deleted, FeedbackIn, Listing, Reason, ReasonInfo
from medchat.server.deps import authenticate, server_state
from medchat.storage.feedback import REASONS, FeedbackRecord, FeedbackStore, samples
from medchat.storage.keys import ApiKey

router = APIRouter(prefix="/api/feedback", tags=["feedback"])

@router.get("/reasons", response_model=Listing[ReasonInfo])
def reasons() -> Listing[ReasonInfo]:
    """The reasons a reply can be marked down for."""
    return Listing(data=[ReasonInfo(id=key, label=label) for key, label in REASONS.items()])


@router.post("", status_code=201, response_model=FeedbackRecord)
def give_feedback(body: FeedbackIn, request: Request,
                  key: Annotated[ApiKey | None, Depends(authenticate)]) -> FeedbackRecord:
    state = server_state(request)
    record = state.feedback.add(
        body.rating, reason=body.reason, comment=body.comment, correction=body.correction,
        message_id=body.message_id, completion_id=body.completion_id, model=body.model, language=body.language,
        question=body.question, answer=body.answer, history=[turn.model_dump() for turn in body.history],
        key_name=key.name if key is not None else None)
    request.app.state.metrics.feedback.labels(record.rating, record.reason or "-").inc()
    return record


@router.get("", response_model=Listing[FeedbackRecord])
def list_feedback(request: Request, rating: Literal["up", "down"] | None = None, reason: Reason | None = None,
                  corrected: bool = False, limit: Annotated[int, Query(ge=1, le=500)] = 50,
                  offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> Listing[FeedbackRecord]:
    """Newest first; ``corrected=true`` keeps only feedback with a corrected answer."""
    return Listing(data=server_state(request).feedback.list(rating=rating, reason=reason, corrected=corrected,
                                                            limit=limit, offset=offset))


@router.get("/export", response_class=StreamingResponse,
            responses={200: {"content": {"application/x-ndjson": {}},
                             "description": "one Sample per line (the `samples` format of `medchat eval`)"}})
def export_feedback(request: Request, rating: Literal["up", "down"] | None = None, reason: Reason | None = None,
                    corrected: bool = False, since: datetime | None = None) -> StreamingResponse:
    """Feedback as an evaluation dataset: each reply's conversation up to the question is a sample's input, a
    correction its reference answer; feedback without a question (nothing to ask again) is left out."""
    store = server_state(request).feedback
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    name = f"medchat-feedback-{datetime.now(UTC):%Y%m%d-%H%M%S}.jsonl"
    return StreamingResponse(export_lines(store, rating=rating, reason=reason, corrected=corrected, since=since),
                             media_type="application/x-ndjson",
                             headers={"content-disposition": f'attachment; filename="{name}"'})


def export_lines(store: FeedbackStore, **filters: Any) -> Iterator[bytes]:
    """JSON lines, oldest feedback first (a sync iterator: Starlette reads it on a worker thread, and the store
    reads a page of rows at a time)."""
    for sample in samples(store.export(**filters)):
        yield json.dumps(sample, ensure_ascii=False).encode() + b"\n"


@router.get("/{feedback_id}", response_model=FeedbackRecord)
def read_feedback(feedback_id: str, request: Request) -> FeedbackRecord:
    return server_state(request).feedback.get(feedback_id)


@router.delete("/{feedback_id}", response_model=Deleted)
def delete_feedback(feedback_id: str, request: Request) -> Deleted:
    server_state(request).feedback.delete(feedback_id)
    return Deleted(id=feedback_id, object="feedback.deleted")
