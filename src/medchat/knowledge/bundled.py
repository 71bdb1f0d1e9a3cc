"""The knowledge base that ships with medchat: consumer-health pages in English and Chinese.

Pages are Markdown files under ``bundled/<language>/<topic>.md`` with front matter naming the
authority to read further. Their passage vectors ship beside them (``bundled/vectors.<embedder>.npy``,
float16) so the first search needs no embedding pass; if the pages changed since the vectors were built
(``python -m medchat.knowledge.bundled`` rebuilds them), vectors are computed once and cached under the
data directory.

Reading and chunking the pages and splitting every passage into BM25 words (jieba's dictionary included)
took most of a second at each start; ``bundled_knowledge_base(data_dir=...)`` keeps the passages and their
words in ``<data_dir>/kb/.cache/bundled.<key>.json``, keyed by a hash of the pages, the medchat version and
the tokenizers' versions, and rebuilds the file when the key changes or the file does not read back.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from medchat.knowledge.base import KnowledgeBase
from medchat.knowledge.bm25 import corpus_tokens
from medchat.knowledge.chunking import Passage, chunk_document
from medchat.knowledge.documents import Document, load_markdown
from medchat.knowledge.embeddings import DEFAULT_EMBEDDER, Embedder, get_embedder
from medchat.knowledge.store import BUNDLED_NAME
from medchat.knowledge.tokenize import DEFAULT_CHINESE, ChineseMode

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


def bundled_vectors(embedder: Embedder, data_dir: Path | None,
                    passages: tuple[Passage, ...] | list[Passage] | None = None) -> np.ndarray:
    passages = bundled_passages() if passages is None else passages
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


def index_key(chinese: ChineseMode = DEFAULT_CHINESE) -> str:
    """What the cached passages and words depend on: the pages' bytes, medchat's version (chunking, tokenizing)
    and the versions of the tokenizers' packages."""
    from importlib.metadata import PackageNotFoundError, version

    from medchat.__about__ import __version__

    digest = hashlib.sha256(f"medchat {__version__} chinese={chinese}".encode())
    for package in ("jieba", "PyStemmer", "bm25s"):
        try:
            digest.update(f"\n{package} {version(package)}".encode())
        except PackageNotFoundError:
            digest.update(f"\n{package} -".encode())
    for path in sorted(PACKAGE_DIR.glob("*/*.md")):
        digest.update(f"\n{path.parent.name}/{path.name}\n".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def build_index(chinese: ChineseMode = DEFAULT_CHINESE) -> tuple[list[Passage], list[list[str]]]:
    """The bundled passages and each one's BM25 words, computed from the pages."""
    passages = list(bundled_passages())
    return passages, corpus_tokens([p.title + "\n" + p.text for p in passages], chinese)


def cached_index(data_dir: Path, chinese: ChineseMode = DEFAULT_CHINESE) -> tuple[list[Passage], list[list[str]]]:
    """``build_index()``, read from ``<data_dir>/kb/.cache`` when a file there has the current key, else built
    and written there (replacing files of other keys)."""
    key = index_key(chinese)
    folder = data_dir / "kb" / ".cache"
    path = folder / f"bundled.{key}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data["key"] == key:
            return [Passage.model_validate(p) for p in data["passages"]], data["tokens"]
    except (OSError, ValueError, KeyError, TypeError):
        pass  # missing, unreadable or of another layout: build it again
    passages, tokens = build_index(chinese)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        staging = folder / f".{path.name}.{os.getpid()}.tmp"
        staging.write_text(json.dumps({"key": key, "passages": [p.model_dump() for p in passages], "tokens": tokens},
                                      ensure_ascii=False), encoding="utf-8")
        os.replace(staging, path)  # another process reading meanwhile sees the old file or the whole new one
        for old in folder.glob("bundled.*.json"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only data directory: answer anyway, from what was just built
    return passages, tokens


def bundled_knowledge_base(embedder: Embedder | None = None, data_dir: Path | None = None) -> KnowledgeBase:
    """The bundled knowledge base; with ``data_dir``, its passages and BM25 words come from the cache there."""
    embedder = embedder or get_embedder(DEFAULT_EMBEDDER)
    passages, tokens = cached_index(data_dir) if data_dir is not None else build_index()
    return KnowledgeBase(BUNDLED_NAME, passages, vectors=bundled_vectors(embedder, data_dir, passages),
                         embedder=embedder, tokens=tokens)


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
