"""GGUF models through ``llama-cpp-python``: ``gguf/<path>`` and the bundled ``builtin/smollm2``.

llama.cpp generates on a worker thread; tokens cross into asyncio through ``call_soon_threadsafe`` so
the event loop never blocks and a consumer that stops reading stops the generation. The chat template
comes from the GGUF file itself. Loaded models are cached per process: a model is loaded once, and one
generation runs on it at a time (llama.cpp contexts are not thread-safe).
"""

from __future__ import annotations

import asyncio
import atexit
import os
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

from medchat.errors import BadRequestError, MissingDependencyError, ModelNotFoundError
from medchat.models.base import ProviderModel, map_finish_reason
from medchat.models.registry import ModelSpec
from medchat.types import ChatRequest, Chunk, Completion, GenerationParams, Usage

DEFAULT_N_CTX = 4096


def create_gguf(spec: ModelSpec) -> LlamaCppModel:
    model = LlamaCppModel.from_spec(spec, Path(spec.model_id).expanduser())
    spec.done()
    return model


class LoadOptions:
    """What identifies one loaded llama.cpp model in the process-wide cache."""

    def __init__(self, path: Path, n_ctx: int, n_threads: int | None, n_gpu_layers: int,
                 chat_format: str | None) -> None:
        self.path = path.resolve()
        self.n_ctx = n_ctx
        # Half the logical cores (llama-cpp-python's own default): llama.cpp's threads busy-wait for each
        # other, so when the process (retrieval, safety checks, eval scorers) or anything else takes a core,
        # generation with every core collapses (2 cores here: 122 tok/s idle but 50 with one core busy,
        # and ~1 tok/s inside a busy evaluation run; one thread gives 80 and 77).
        self.n_threads = n_threads or max((os.cpu_count() or 2) // 2, 1)
        self.n_gpu_layers = n_gpu_layers
        self.chat_format = chat_format

    def key(self) -> tuple[Any, ...]:
        return (str(self.path), self.n_ctx, self.n_threads, self.n_gpu_layers, self.chat_format)


class _Loaded:
    def __init__(self, llama: Any) -> None:
        self.llama = llama
        self.lock = threading.Lock()  # one generation at a time per context


_CACHE: dict[tuple[Any, ...], _Loaded] = {}
_CACHE_LOCK = threading.Lock()


def _counting_llama_class() -> type:
    """A ``Llama`` that records exact token counts while streaming (llama.cpp reports none then)."""
    try:
        import llama_cpp
    except ImportError:
        raise MissingDependencyError("llama-cpp-python is not installed",
                                     hint="pip install 'medchat[llama]'") from None

    class CountingLlama(llama_cpp.Llama):
        last_prompt_tokens = 0
        last_completion_tokens = 0

        def generate(self, tokens: Any, *args: Any, **kwargs: Any) -> Iterator[int]:  # type: ignore[override]
            self.last_prompt_tokens = len(tokens)
            self.last_completion_tokens = 0
            vocab = self._model.vocab
            for token in super().generate(tokens, *args, **kwargs):
                # End-of-generation tokens are sampled but not part of the answer (as in llama.cpp's usage).
                if not llama_cpp.llama_vocab_is_eog(vocab, token):
                    self.last_completion_tokens += 1
                yield token

    return CountingLlama


def load(options: LoadOptions) -> _Loaded:
    """Load (or reuse) a model; raises one-line errors for missing or invalid files."""
    key = options.key()
    with _CACHE_LOCK:
        if key in _CACHE:
            return _CACHE[key]
        if not options.path.is_file():
            raise ModelNotFoundError(f"no GGUF file at {options.path}", hint="check the path after gguf/")
        cls = _counting_llama_class()
        try:
            llama = cls(model_path=str(options.path), n_ctx=options.n_ctx, n_threads=options.n_threads,
                        n_threads_batch=options.n_threads,  # prompt processing too (its default: every core)
                        n_gpu_layers=options.n_gpu_layers, chat_format=options.chat_format, verbose=False)
        except (ValueError, RuntimeError) as exc:
            raise ModelNotFoundError(f"cannot load {options.path} as a GGUF model: {exc}",
                                     hint="is it a complete .gguf file for a llama.cpp-supported model?") from None
        if not _CACHE:
            atexit.register(_close_all)
        _CACHE[key] = _Loaded(llama)
        return _CACHE[key]


def _close_all() -> None:
    """Free the cached models while the interpreter is whole: left to ``Llama.__del__`` at shutdown, freeing
    runs after llama_cpp's own module globals are gone and prints a ``TypeError`` traceback."""
    with _CACHE_LOCK:
        loaded = list(_CACHE.values())
        _CACHE.clear()
    for item in loaded:
        if item.lock.acquire(blocking=False):  # never in the middle of a generation on a worker thread
            try:
                item.llama.close()
            finally:
                item.lock.release()


class LlamaCppModel(ProviderModel):
    provider = "llama.cpp"
    is_local = True
    max_concurrency = 1

    def __init__(self, name: str, options: LoadOptions, **kwargs: Any) -> None:
        super().__init__(name, **kwargs)
        self.options = options
        self._loaded: _Loaded | None = None

    @property
    def concurrency_key(self) -> tuple[Any, ...]:
        """Model objects on the same loaded context share one concurrency slot (see ConcurrencyLimit)."""
        return ("llama.cpp", *self.options.key())

    @classmethod
    def from_spec(cls, spec: ModelSpec, path: Path, *, params: GenerationParams | None = None) -> LlamaCppModel:
        options = LoadOptions(
            path,
            n_ctx=int(spec.take("n_ctx", DEFAULT_N_CTX)),
            n_threads=spec.take("n_threads"),
            n_gpu_layers=int(spec.take("n_gpu_layers", 0)),
            chat_format=spec.take("chat_format"),
        )
        defaults = (params or GenerationParams()).merged(spec.params)
        if not options.path.is_file():  # fail at get_model time, not at the first question
            raise ModelNotFoundError(f"no GGUF file at {options.path}", hint="check the path", model=spec.name)
        return cls(spec.name, options, params=defaults)

    async def load(self) -> None:
        await self._llama()

    async def _llama(self) -> _Loaded:
        if self._loaded is None:
            self._loaded = await asyncio.to_thread(load, self.options)
        return self._loaded

    def _arguments(self, request: ChatRequest) -> dict[str, Any]:
        p = request.params
        args: dict[str, Any] = {"messages": [{"role": m.role, "content": m.content} for m in request.messages]}
        mapping = {"temperature": "temperature", "top_p": "top_p", "top_k": "top_k", "max_tokens": "max_tokens",
                   "seed": "seed", "frequency_penalty": "frequency_penalty",
                   "presence_penalty": "presence_penalty", "repetition_penalty": "repeat_penalty"}
        for ours, theirs in mapping.items():
            value = getattr(p, ours)
            if value is not None:
                args[theirs] = value
        if p.stop:
            args["stop"] = list(p.stop)
        if p.json_schema is not None:  # llama-cpp-python turns the schema into a sampling grammar
            args["response_format"] = {"type": "json_object", "schema": p.json_schema}
        return args

    async def _complete(self, request: ChatRequest) -> Completion:
        """The stream, gathered: a caller that is cancelled (a server's client gone) stops the generation at its
        next token, which one ``create_chat_completion`` call on a worker thread would not."""
        return await super()._complete(request)

    async def _stream(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        loaded = await self._llama()
        args = self._arguments(request)
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        stop = threading.Event()

        def put(item: tuple[str, Any]) -> None:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, item)
            except RuntimeError:  # the loop is gone: nobody is listening any more
                stop.set()

        def work() -> None:
            try:
                with loaded.lock:
                    for event in loaded.llama.create_chat_completion(stream=True, **args):
                        if stop.is_set():
                            break
                        put(("event", event))
                    usage = Usage(prompt_tokens=loaded.llama.last_prompt_tokens,
                                  completion_tokens=loaded.llama.last_completion_tokens)
                put(("end", usage))
            except BaseException as exc:
                put(("error", exc))

        thread = threading.Thread(target=work, name=f"llama.cpp {self.name}", daemon=True)
        thread.start()
        finish: str | None = None
        try:
            while True:
                kind, payload = await queue.get()
                if kind == "event":
                    choice = payload["choices"][0]
                    text = choice["delta"].get("content")
                    if text:
                        yield Chunk(text=text)
                    if choice.get("finish_reason"):
                        finish = choice["finish_reason"]
                elif kind == "end":
                    yield Chunk(final=True, finish_reason=map_finish_reason(finish), usage=payload)
                    return
                else:
                    if isinstance(payload, ValueError):
                        raise BadRequestError(str(payload), model=self.name,
                                              hint="shorten the conversation or raise n_ctx") from None
                    raise payload
        finally:
            stop.set()
