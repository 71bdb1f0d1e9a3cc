"""Grounding material: the bundled knowledge base, users' own documents, and retrieval over both."""

from __future__ import annotations

from pathlib import Path

from medchat.knowledge.base import KnowledgeBase, SearchMode, SearchResult
from medchat.knowledge.chunking import Passage
from medchat.knowledge.store import BUNDLED_NAME, StoredKnowledgeBase

__all__ = ["BUNDLED_NAME", "KnowledgeBase", "Passage", "SearchMode", "SearchResult", "StoredKnowledgeBase",
           "open_knowledge_base"]

_OPEN: dict[tuple[str, str], KnowledgeBase] = {}


def open_knowledge_base(name: str | None = None, data_dir: Path | None = None) -> KnowledgeBase:
    """The bundled knowledge base (``None`` or ``"medchat"``, cached per process) or a user's one."""
    from medchat.config import get_settings

    data_dir = data_dir or get_settings().data_dir
    name = name or BUNDLED_NAME
    if name != BUNDLED_NAME:
        return StoredKnowledgeBase(name, data_dir).load()  # read afresh: another process may have ingested
    key = (name, str(data_dir))
    if key not in _OPEN:
        from medchat.knowledge.bundled import bundled_knowledge_base

        _OPEN[key] = bundled_knowledge_base(data_dir=data_dir)
    return _OPEN[key]
