"""GGUF models through ``llama-cpp-python``: ``gguf/<path>`` and the bundled ``builtin/smollm2``.

llama.cpp generates on a worker thread; tokens cross into asyncio through ``call_soon_threadsafe`` so
the event loop never blocks and a consumer that stops reading stops the generation. The chat template
comes from the GGUF file itself. Loaded models are cached per process: a model is loaded once, and one
generation runs on it at a time (llama.cpp contexts are not thread-safe). Unless ``n_threads`` is given, a
generation uses every core the rest of the machine leaves idle while it runs alone, and a share of them when
several contexts compute at once (``cpu_shares``), re-checked before each llama.cpp decode call.

Prompt prefixes are reused. llama-cpp-python already keeps the context of the last call and evaluates only the
part of the next prompt that differs from it; on top of that each loaded model keeps a small LRU of saved
sequence states (``PrefixStates``) of prefixes that recent prompts shared — the assistant's constitution in
each language, a system prompt several conversations interleave on — and restores the longest one that matches
before evaluating the rest. A prefix is saved when a prompt shares at least ``MIN_SHARED_PREFIX`` tokens with
one of the last few prompts and no saved state covers it yet (only its KV cells: ~23 KB a token for SmolLM2), or
at once when the request names its constant leading text (``metadata["prompt_prefix"]``); such named prefixes are
also written to files (``prefix_states.PrefixFiles``) that the next process reads instead of evaluating them.
Each context also keeps the state of its last few whole prompts with their answers (``prompt_states``, in memory
only), so a prompt asked again reads one token.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

from medchat.errors import MedchatError, ModelNotFoundError, rejected
from medchat.models.base import ProviderModel, map_finish_reason
from medchat.models.cpu_shares import SHARES
from medchat.models.llama_context import MIN_SHARED_PREFIX, counting_llama_class, import_llama_cpp
from medchat.models.prefix_states import (
    DEFAULT_PREFIX_FILES,
    DEFAULT_PREFIX_STATES,
    DEFAULT_PREFIX_STATES_MB,
    DEFAULT_PROMPT_STATES,
    PrefixFiles,
    PrefixStates,
    SavedPrefix,
    common_prefix,
    default_directory,
    model_key,
)
from medchat.models.registry import ModelSpec
from medchat.types import ChatRequest, Chunk, Completion, GenerationParams, Usage

# Re-exported: the saved-prefix pieces are part of what this provider offers (tests and benchmarks import them here).
__all__ = ["MIN_SHARED_PREFIX", "LlamaCppModel", "LoadOptions", "PrefixStates", "SavedPrefix", "common_prefix",
           "create_gguf", "load"]

DEFAULT_N_CTX = 4096


def create_gguf(spec: ModelSpec) -> LlamaCppModel:
    model = LlamaCppModel.from_spec(spec, Path(spec.model_id).expanduser())
    spec.done()
    return model


class LoadOptions:
    """What identifies one loaded llama.cpp model in the process-wide cache."""

    def __init__(self, path: Path, n_ctx: int, n_threads: int | None, n_gpu_layers: int,
                 chat_format: str | None, prefix_states: int = DEFAULT_PREFIX_STATES,
                 prefix_states_mb: float = DEFAULT_PREFIX_STATES_MB, prefix_files: int = DEFAULT_PREFIX_FILES,
                 prefix_dir: Path | None = None, contexts: int | None = None,
                 prompt_states: int = DEFAULT_PROMPT_STATES, flash_attn: bool = False) -> None:
        self.path = path.resolve()
        self.n_ctx = n_ctx
        # None: the cores, shared between the generations computing at the time (cpu_shares.SHARES).
        self.n_threads = int(n_threads) if n_threads else None
        self.n_gpu_layers = n_gpu_layers
        self.chat_format = chat_format
        self.prefix_states = prefix_states
        self.prefix_states_mb = prefix_states_mb
        self.prefix_files = prefix_files
        self.prefix_dir = prefix_dir  # None: prefix_states.default_directory()
        self.prompt_states = prompt_states
        # Flash attention reads a prompt faster on a CPU once a saved prefix sits in the context (the "assistant,
        # flash attention" side of benchmarks/local_generation.py), but its sums depend on how the prompt was split
        # into batches: a greedy answer can differ with and without a reused prefix. Off by default, so a reused
        # prefix never changes an answer (test_reused_prefixes_give_the_same_answers...).
        self.flash_attn = flash_attn
        # Contexts that may generate side by side; None: two on a CPU with two cores or more (one each), one with
        # layers on a GPU (each context would hold its own copy of them there).
        self.contexts = max(1, contexts) if contexts else (min(2, SHARES.cores) if n_gpu_layers == 0 else 1)

    def key(self) -> tuple[Any, ...]:
        return (str(self.path), self.n_ctx, self.n_threads, self.n_gpu_layers, self.chat_format,
                self.prefix_states, self.prefix_states_mb, self.prefix_files, str(self.prefix_dir), self.contexts,
                self.prompt_states, self.flash_attn)


class _Loaded:
    def __init__(self, llama: Any) -> None:
        self.llama = llama
        self.lock = threading.Lock()  # one generation at a time per context


class _Pool:
    """The loaded contexts of one model (one set of options): the first loaded at once, another only when every
    one is busy and there are fewer than ``size``. llama.cpp contexts are not thread-safe, so each runs one
    generation at a time; two contexts let two requests compute side by side, each on its share of the cores
    (``cpu_shares``) — on a CPU that is more answers per minute than one context taking both cores in turn."""

    def __init__(self, options: LoadOptions, first: _Loaded) -> None:
        self.options = options
        self.contexts = [first]
        self._busy: set[_Loaded] = set()
        self._loading = 0
        self._changed = threading.Condition()

    @property
    def llama(self) -> Any:
        """The first context's ``Llama`` (its tokenizer, its thread counts...)."""
        return self.contexts[0].llama

    @contextlib.contextmanager
    def acquire(self) -> Iterator[_Loaded]:
        """A context of this model for one generation (blocking: call it on the worker thread)."""
        with self._changed:
            while True:
                free = next((c for c in self.contexts if c not in self._busy), None)
                if free is not None or len(self.contexts) + self._loading >= self.options.contexts:
                    if free is not None:
                        break
                    self._changed.wait()
                    continue
                self._loading += 1
                try:
                    self._changed.release()
                    try:
                        free = _new_context(self.options)
                    finally:
                        self._changed.acquire()
                finally:
                    self._loading -= 1
                self.contexts.append(free)
                break
            self._busy.add(free)
        try:
            with free.lock:
                yield free
        finally:
            with self._changed:
                self._busy.discard(free)
                self._changed.notify()


_CACHE: dict[tuple[Any, ...], _Pool] = {}
_CACHE_LOCK = threading.Lock()


def load(options: LoadOptions) -> _Pool:
    """Load (or reuse) a model's first context; raises one-line errors for missing or invalid files."""
    key = options.key()
    with _CACHE_LOCK:
        if key in _CACHE:
            return _CACHE[key]
        if not options.path.is_file():
            raise ModelNotFoundError(f"no GGUF file at {options.path}", hint="check the path after gguf/")
        pool = _Pool(options, _new_context(options))
        if not _CACHE:
            atexit.register(_close_all)
        _CACHE[key] = pool
        return pool


def _new_context(options: LoadOptions) -> _Loaded:
    cls = counting_llama_class()
    threads = options.n_threads or SHARES.cores
    try:
        llama = cls(model_path=str(options.path), n_ctx=options.n_ctx, n_threads=threads,
                    n_threads_batch=threads,  # prompt processing too (its default: every logical CPU)
                    n_gpu_layers=options.n_gpu_layers, chat_format=options.chat_format, flash_attn=options.flash_attn,
                    verbose=False)
    except (ValueError, RuntimeError) as exc:
        raise ModelNotFoundError(f"cannot load {options.path} as a GGUF model: {exc}",
                                 hint="is it a complete .gguf file for a llama.cpp-supported model?") from None
    files = None
    if options.prefix_files > 0:
        folder = (options.prefix_dir or default_directory()) / model_key(  # a state's layout differs with FA
            options.path, options.n_ctx, getattr(import_llama_cpp(), "__version__", "?") + f"|fa={options.flash_attn}")
        files = PrefixFiles(folder, options.prefix_files)
    llama.enable_prefix_states(options.prefix_states, int(options.prefix_states_mb * (1 << 20)), files,
                               prompts=options.prompt_states)
    llama.fixed_threads, llama._threads = options.n_threads, threads
    return _Loaded(llama)


def _close_all() -> None:
    """Free the cached models while the interpreter is whole: left to ``Llama.__del__`` at shutdown, freeing
    runs after llama_cpp's own module globals are gone and prints a ``TypeError`` traceback."""
    with _CACHE_LOCK:
        loaded = [context for pool in _CACHE.values() for context in pool.contexts]
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
        self.max_concurrency = options.contexts  # requests in flight: one per context
        self._loaded: _Pool | None = None
        # Of this model's last call: prompt tokens llama.cpp evaluated (the rest of the prompt was reused state).
        self.prompt_tokens_evaluated: int | None = None

    @property
    def runs_on_cpu(self) -> bool:
        """Whether this model computes on the CPU (no layer offloaded to a GPU, or a build without GPU support):
        then a prompt token costs about a generated one, and the assistant gives it a shorter prompt."""
        if self.options.n_gpu_layers == 0:
            return True
        try:
            return not import_llama_cpp().llama_supports_gpu_offload()
        except ImportError:
            return True

    def count_tokens(self, text: str) -> int | None:
        """How many tokens this model reads ``text`` as (no BOS, special tokens as plain text), or ``None`` when it
        cannot be loaded. Blocking: it waits for the model's load (already under way beside an assistant turn's
        first steps), so a prompt is cut the same way however soon it is asked."""
        if self._loaded is None:
            try:
                self._loaded = load(self.options)
            except MedchatError:
                return None
        return len(self._loaded.llama.tokenize(text.encode(), add_bos=False, special=False))

    @property
    def concurrency_key(self) -> tuple[Any, ...]:
        """Model objects on the same loaded contexts share their slots, one per context (see ConcurrencyLimit)."""
        return ("llama.cpp", *self.options.key())

    @classmethod
    def from_spec(cls, spec: ModelSpec, path: Path, *, params: GenerationParams | None = None) -> LlamaCppModel:
        options = LoadOptions(
            path,
            n_ctx=int(spec.take("n_ctx", DEFAULT_N_CTX)),
            n_threads=spec.take("n_threads"),
            n_gpu_layers=int(spec.take("n_gpu_layers", 0)),
            chat_format=spec.take("chat_format"),
            prefix_states=int(spec.take("prefix_states", DEFAULT_PREFIX_STATES)),
            prefix_states_mb=float(spec.take("prefix_states_mb", DEFAULT_PREFIX_STATES_MB)),
            prefix_files=int(spec.take("prefix_files", DEFAULT_PREFIX_FILES)),
            prefix_dir=Path(str(directory)).expanduser() if (directory := spec.take("prefix_dir")) else None,
            contexts=int(contexts) if (contexts := spec.take("contexts")) else None,
            prompt_states=int(spec.take("prompt_states", DEFAULT_PROMPT_STATES)),
            flash_attn=spec.take_bool("flash_attn", False),
        )
        defaults = (params or GenerationParams()).merged(spec.params)
        if not options.path.is_file():  # fail at get_model time, not at the first question
            raise ModelNotFoundError(f"no GGUF file at {options.path}", hint="check the path", model=spec.name)
        return cls(spec.name, options, params=defaults)

    async def load(self) -> None:
        await self._llama()

    async def _llama(self) -> _Pool:
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
        pool = await self._llama()
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
                with pool.acquire() as loaded, SHARES.computing() as loaded.llama.share:  # counted while computing
                    loaded.llama.prefix_hint = request.metadata.get("prompt_prefix")
                    for event in loaded.llama.create_chat_completion(stream=True, **args):
                        if stop.is_set():
                            break
                        put(("event", event))
                    usage = Usage(prompt_tokens=loaded.llama.last_prompt_tokens,
                                  completion_tokens=loaded.llama.last_completion_tokens)
                    self.prompt_tokens_evaluated = loaded.llama.last_prompt_evaluated
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
                        raise rejected(str(payload), model=self.name,
                                       hint="shorten the conversation or raise n_ctx") from None
                    raise payload
        finally:
            stop.set()
