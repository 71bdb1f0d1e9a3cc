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
one of the last few prompts and no saved state covers it yet (only its KV cells: ~23 KB a token for SmolLM2).
"""

from __future__ import annotations

import asyncio
import atexit
import ctypes
import threading
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import Any

from medchat.errors import BadRequestError, MissingDependencyError, ModelNotFoundError
from medchat.models.base import ProviderModel, map_finish_reason
from medchat.models.cpu_shares import SHARES, Share
from medchat.models.registry import ModelSpec
from medchat.types import ChatRequest, Chunk, Completion, GenerationParams, Usage

DEFAULT_N_CTX = 4096
DEFAULT_PREFIX_STATES = 4  # saved prefixes per loaded model (0: only the live context is reused)
DEFAULT_PREFIX_STATES_MB = 256  # and at most this much memory for them
MIN_SHARED_PREFIX = 64  # tokens two prompts must share before their prefix is worth a saved state
RECENT_PROMPTS = 8  # prompts remembered (as tokens) to find the prefixes they share


def create_gguf(spec: ModelSpec) -> LlamaCppModel:
    model = LlamaCppModel.from_spec(spec, Path(spec.model_id).expanduser())
    spec.done()
    return model


class LoadOptions:
    """What identifies one loaded llama.cpp model in the process-wide cache."""

    def __init__(self, path: Path, n_ctx: int, n_threads: int | None, n_gpu_layers: int,
                 chat_format: str | None, prefix_states: int = DEFAULT_PREFIX_STATES,
                 prefix_states_mb: float = DEFAULT_PREFIX_STATES_MB) -> None:
        self.path = path.resolve()
        self.n_ctx = n_ctx
        # None: the cores, shared between the generations computing at the time (cpu_shares.SHARES).
        self.n_threads = int(n_threads) if n_threads else None
        self.n_gpu_layers = n_gpu_layers
        self.chat_format = chat_format
        self.prefix_states = prefix_states
        self.prefix_states_mb = prefix_states_mb

    def key(self) -> tuple[Any, ...]:
        return (str(self.path), self.n_ctx, self.n_threads, self.n_gpu_layers, self.chat_format,
                self.prefix_states, self.prefix_states_mb)


class _Loaded:
    def __init__(self, llama: Any) -> None:
        self.llama = llama
        self.lock = threading.Lock()  # one generation at a time per context


_CACHE: dict[tuple[Any, ...], _Loaded] = {}
_CACHE_LOCK = threading.Lock()


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    """How many leading tokens ``a`` and ``b`` share."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


class SavedPrefix:
    """One llama.cpp sequence state (the KV cells of ``tokens``, as ``llama_state_seq_get_data`` wrote them)."""

    def __init__(self, tokens: tuple[int, ...], data: Any, size: int) -> None:
        self.tokens = tokens
        self.data = data
        self.size = size


class PrefixStates:
    """A least-recently-used set of saved prefixes, bounded in entries and in bytes (the oldest go first)."""

    def __init__(self, max_entries: int = DEFAULT_PREFIX_STATES, max_bytes: int = DEFAULT_PREFIX_STATES_MB << 20):
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple[int, ...], SavedPrefix] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def nbytes(self) -> int:
        return sum(e.size for e in self._entries.values())

    def prefixes(self) -> list[tuple[int, ...]]:
        """The saved prefixes, least recently used first."""
        return list(self._entries)

    def longest(self, tokens: Sequence[int]) -> tuple[SavedPrefix | None, int]:
        """The saved state that shares the most leading tokens with ``tokens`` (marked as used), and how many."""
        best, length = None, 0
        for entry in self._entries.values():
            shared = common_prefix(entry.tokens, tokens)
            if shared > length:
                best, length = entry, shared
        if best is not None:
            self._entries.move_to_end(best.tokens)
        return best, length

    def add(self, entry: SavedPrefix) -> bool:
        """Keep ``entry``, evicting the least recently used beyond the bounds; False if it alone is too big."""
        if self.max_entries <= 0 or entry.size > self.max_bytes:
            return False
        self._entries.pop(entry.tokens, None)
        self._entries[entry.tokens] = entry
        while len(self._entries) > self.max_entries or self.nbytes > self.max_bytes:
            self._entries.popitem(last=False)
        return True


def _import_llama_cpp() -> Any:
    """``import llama_cpp``. Its OpenMP threads keep libgomp's default and spin at barriers: sleeping instead
    (``OMP_WAIT_POLICY=PASSIVE``) saved a loaded machine from a collapse, but on a quiet one made two threads slower
    than one (31 tok/s against 48, run local_generation-20261206-144751). The collapse is avoided instead by
    ``cpu_shares``, which gives a generation only the cores the rest of the machine leaves idle."""
    import llama_cpp

    return llama_cpp


def _counting_llama_class() -> type:
    """A ``Llama`` that records exact token counts while streaming (llama.cpp reports none then) and reuses
    saved prompt prefixes (see the module's docstring)."""
    try:
        llama_cpp = _import_llama_cpp()
    except ImportError:
        raise MissingDependencyError("llama-cpp-python is not installed",
                                     hint="pip install 'medchat[llama]'") from None

    class CountingLlama(llama_cpp.Llama):
        last_prompt_tokens = 0
        last_completion_tokens = 0
        last_prompt_evaluated = 0  # prompt tokens the last call evaluated (the rest came from reused state)
        prefix_states: PrefixStates | None = None
        share: Share | None = None  # the running generation's registration in SHARES (None: keep the threads)
        fixed_threads: int | None = None  # the user's n_threads, which the shares never change
        _evaluated = 0
        _threads = 0

        def eval(self, tokens: Sequence[int]) -> None:
            if self.share is not None:  # before the prompt's batches and each generated token
                threads = SHARES.threads(self.share, self.fixed_threads)
                if threads != self._threads:
                    self._ctx.set_n_threads(threads, threads)
                    self._threads = threads
            self._evaluated += len(tokens)
            super().eval(tokens)

        def generate(self, tokens: Any, *args: Any, **kwargs: Any) -> Iterator[int]:  # type: ignore[override]
            tokens = list(tokens)
            self.last_prompt_tokens = len(tokens)
            self.last_completion_tokens = 0
            self._evaluated = 0
            if self.prefix_states is not None and kwargs.get("reset", True):
                self._reuse_prefix(tokens)
            vocab = self._model.vocab
            prompt_done = False
            for token in super().generate(tokens, *args, **kwargs):
                if not prompt_done:  # the first token is sampled once the whole prompt has been evaluated
                    self.last_prompt_evaluated, prompt_done = self._evaluated, True
                # End-of-generation tokens are sampled but not part of the answer (as in llama.cpp's usage).
                if not llama_cpp.llama_vocab_is_eog(vocab, token):
                    self.last_completion_tokens += 1
                yield token
            if not prompt_done:
                self.last_prompt_evaluated = self._evaluated

        def _reuse_prefix(self, tokens: list[int]) -> None:
            """Before ``generate``: restore the saved state that covers more of ``tokens`` than the live context
            does, and save the prefix ``tokens`` shares with a recent prompt if no saved state covers it yet."""
            states = self.prefix_states
            assert states is not None
            limit = len(tokens) - 1  # generate() must evaluate at least one token to have fresh logits
            shared = min(max((common_prefix(p, tokens) for p in self._recent), default=0), limit)
            self._recent.append(tuple(tokens))
            entry, saved = states.longest(tokens)
            saved = min(saved, limit)
            live = common_prefix(self._input_ids.tolist(), tokens)
            if entry is not None and saved > live and self._restore(entry):
                live = saved
            if shared < MIN_SHARED_PREFIX or shared <= saved:
                return
            # Bring the live context to exactly tokens[:shared] (evaluating what it lacks: generate() would have
            # to anyway), save it, and let generate() go on from there.
            keep = min(live, shared)
            if not self._ctx.kv_cache_seq_rm(-1, keep, -1):
                return
            self.n_tokens, self._requires_eval = keep, True
            if keep < shared:
                self.eval(tokens[keep:shared])
            size = llama_cpp.llama_state_seq_get_size(self._ctx.ctx, 0)
            data = (ctypes.c_uint8 * size)()
            written = llama_cpp.llama_state_seq_get_data(self._ctx.ctx, data, size, 0)
            if 0 < written <= size:
                states.add(SavedPrefix(tuple(tokens[:shared]), data, int(written)))

        def _restore(self, entry: SavedPrefix) -> bool:
            self._ctx.kv_cache_seq_rm(-1, 0, -1)
            self.n_tokens, self._requires_eval = 0, True
            if llama_cpp.llama_state_seq_set_data(self._ctx.ctx, entry.data, entry.size, 0) != entry.size:
                self._ctx.kv_cache_seq_rm(-1, 0, -1)
                return False
            n = len(entry.tokens)
            self.input_ids[:n] = entry.tokens
            self.n_tokens = n
            return True

        def enable_prefix_states(self, max_entries: int, max_bytes: int) -> None:
            """Keep saved prefixes (not for recurrent or hybrid models, whose state cannot be cut at a position,
            nor with a draft model)."""
            if max_entries > 0 and not (self._is_recurrent or self._is_hybrid or self.draft_model is not None):
                self.prefix_states = PrefixStates(max_entries, max_bytes)
                self._recent: deque[tuple[int, ...]] = deque(maxlen=RECENT_PROMPTS)

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
        threads = options.n_threads or SHARES.cores
        try:
            llama = cls(model_path=str(options.path), n_ctx=options.n_ctx, n_threads=threads,
                        n_threads_batch=threads,  # prompt processing too (its default: every logical CPU)
                        n_gpu_layers=options.n_gpu_layers, chat_format=options.chat_format, verbose=False)
        except (ValueError, RuntimeError) as exc:
            raise ModelNotFoundError(f"cannot load {options.path} as a GGUF model: {exc}",
                                     hint="is it a complete .gguf file for a llama.cpp-supported model?") from None
        llama.enable_prefix_states(options.prefix_states, int(options.prefix_states_mb * (1 << 20)))
        llama.fixed_threads, llama._threads = options.n_threads, threads
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
        # Of this model's last call: prompt tokens llama.cpp evaluated (the rest of the prompt was reused state).
        self.prompt_tokens_evaluated: int | None = None

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
            prefix_states=int(spec.take("prefix_states", DEFAULT_PREFIX_STATES)),
            prefix_states_mb=float(spec.take("prefix_states_mb", DEFAULT_PREFIX_STATES_MB)),
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
                with loaded.lock, SHARES.computing() as loaded.llama.share:  # counted from when it computes
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
                        raise BadRequestError(str(payload), model=self.name,
                                              hint="shorten the conversation or raise n_ctx") from None
                    raise payload
        finally:
            stop.set()
