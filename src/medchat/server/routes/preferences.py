"""``/api/preferences``: the chat page's compare mode — one question, two models, which answer was better
(``storage.preferences``; an arena rates models from them)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from medchat.server.api_schemas import Deleted, Listing, PreferenceIn
from medchat.server.deps import authenticate, server_state
from medchat.storage.keys import ApiKey
from medchat.storage.preferences import Preference

router = APIRouter(prefix="/api/preferences", tags=["preferences"])


@router.post("", status_code=201, response_model=Preference)
def record_preference(body: PreferenceIn, request: Request,
                      key: Annotated[ApiKey | None, Depends(authenticate)]) -> Preference:
    return server_state(request).preferences.add(
        body.question, body.model_a, body.answer_a, body.model_b, body.answer_b, body.winner,
        language=body.language, key_name=key.name if key is not None else None)


@router.get("", response_model=Listing[Preference])
def list_preferences(request: Request, model: Annotated[str | None, Query(max_length=200)] = None,
                     limit: Annotated[int, Query(ge=1, le=500)] = 100,
                     offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> Listing[Preference]:
    """Newest first; ``model`` keeps the comparisons it was in."""
    return Listing(data=server_state(request).preferences.list(model=model, limit=limit, offset=offset))


@router.delete("/{preference_id}", response_model=Deleted)
def delete_preference(preference_id: str, request: Request) -> Deleted:
    server_state(request).preferences.delete(preference_id)
    return Deleted(id=preference_id, object="preference.deleted")
