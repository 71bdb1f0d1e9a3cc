"""The knowledge base that ships with medchat: consumer-health pages in English and Chinese.

Pages are Markdown files under ``bundled/<language>/<topic>.md`` with front matter naming the
authority to read further. Their passage vectors ship beside them (``bundled/vectors.<embedder>.npy``,
float16) so the first search needs no embedding pass; if the pages changed since the vectors were built
(``python -m medchat.knowledge.bundled`` rebuilds them), vectors are computed once and cached under the
data directory.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from medchat.knowledge.base import KnowledgeBase
from medchat.knowledge.chunking import Passage, chunk_document
from medchat.knowledge.documents import Document, load_markdown
from medchat.knowledge.embeddings import DEFAULT_EMBEDDER, Embedder, get_embedder
from medchat.knowledge.store import BUNDLED_NAME

PACKAGE_DIR = Path(str(resources.files("medchat.knowledge") / "bundled"))


@lru_cache(maxsize=1)
def bundled_documents() -> tuple[Document, ...]:
    documents = []
    for path in sorted(PACKAGE_DIR.glob("*/*.md")):
        doc = load_markdown(path.read_text(encoding="utf-8"), path)
        language, topic = path.parent.name, path.stem
        documents.append(doc.model_copy(update={
            "id": f"bundled/{language}/{topic}", "language": language, "topic": doc.topic or topic,
            "source": doc.url or f"medchat knowledge base: {language}/{topic}",
        }))
    return tuple(documents)


@lru_cache(maxsize=1)
def bundled_passages() -> tuple[Passage, ...]:
    return tuple(p for d in bundled_documents() for p in chunk_document(d))


def passages_digest(passages: tuple[Passage, ...] | list[Passage]) -> str:
    """Identifies the exact passage list a vector file belongs to."""
    return hashlib.sha256("\n".join(p.id for p in passages).encode()).hexdigest()[:16]


def _shipped_vectors(embedder_name: str, digest: str) -> np.ndarray | None:
    meta = PACKAGE_DIR / f"vectors.{embedder_name}.json"
    data = PACKAGE_DIR / f"vectors.{embedder_name}.npy"
    if meta.is_file() and data.is_file() and json.loads(meta.read_text())["digest"] == digest:
        return np.load(data).astype(np.float32)
    return None


def bundled_vectors(embedder: Embedder, data_dir: Path | None) -> np.ndarray:
    passages = bundled_passages()
    digest = passages_digest(passages)
    shipped = _shipped_vectors(embedder.name, digest)
    if shipped is not None:
        return shipped
    cache = data_dir / "kb" / ".cache" / f"bundled.{embedder.name.replace('/', '_')}.{digest}.npy" if data_dir else None
    if cache is not None and cache.is_file():
        return np.load(cache)
    vectors = embedder.embed_passages([p.text for p in passages]).astype(np.float32)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.save(cache, vectors)
    return vectors


def bundled_knowledge_base(embedder: Embedder | None = None, data_dir: Path | None = None) -> KnowledgeBase:
    embedder = embedder or get_embedder(DEFAULT_EMBEDDER)
    passages = list(bundled_passages())
    return KnowledgeBase(BUNDLED_NAME, passages, vectors=bundled_vectors(embedder, data_dir), embedder=embedder)


def build_shipped_vectors(embedder_name: str = DEFAULT_EMBEDDER) -> Path:
    """Recompute the vectors that ship with the package (run after editing the pages)."""
    embedder = get_embedder(embedder_name)
    passages = bundled_passages()
    vectors = embedder.embed_passages([p.text for p in passages]).astype(np.float16)
    np.save(PACKAGE_DIR / f"vectors.{embedder.name}.npy", vectors)
    (PACKAGE_DIR / f"vectors.{embedder.name}.json").write_text(
        json.dumps({"digest": passages_digest(passages), "passages": len(passages), "embedder": embedder.name}) + "\n")
    return PACKAGE_DIR / f"vectors.{embedder.name}.npy"


if __name__ == "__main__":
    print(build_shipped_vectors())
