"""``local/<hf-id-or-path>``: a Hugging Face transformers model run in this process.

The model and tokenizer are loaded lazily (on the first request, in a worker thread, so the event
loop keeps serving) and cached per process: every ``ChatModel`` built for the same weights, dtype,
device and quantization shares one copy in memory. ``generate`` runs in its own thread and streams
text back through the event loop; one generation at a time per loaded model, since a model's forward
passes are not meant to interleave. torch and transformers are imported only when needed, so
``import medchat`` stays fast.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import os
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from medchat.errors import (
    BadRequestError,
    ConfigError,
    MedchatError,
    MissingDependencyError,
    ModelNotFoundError,
    ProviderError,
)
from medchat.models.base import ProviderModel
from medchat.models.registry import ModelSpec
from medchat.types import ChatRequest, Chunk, FinishReason, GenerationParams, Message, Usage

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

log = logging.getLogger("medchat.models")

DTYPES = ("auto", "fp32", "fp16", "bf16")
_DTYPE_ALIASES = {"float32": "fp32", "float16": "fp16", "half": "fp16", "bfloat16": "bf16"}
QUANTIZATIONS = ("8bit", "4bit")
DEFAULT_MAX_NEW_TOKENS = 512
_LOCAL_HINT = "pip install 'medchat[local]' (and a torch build for your machine)"
_QUANT_HINT = "pip install 'medchat[quant]'"


def create(spec: ModelSpec) -> TransformersModel:
    """Validate options now (typos, impossible device/quantization) so errors come before any loading."""
    _require("transformers")
    _require("torch")
    dtype = _dtype_option(spec.take("dtype", "auto"))
    device = _device_option(spec.take("device", "auto"))
    quantization = _quantization_option(spec.take("quantization", None), device)
    trust_remote_code = spec.take_bool("trust_remote_code", False)
    revision = spec.take("revision", None)
    max_new_tokens = spec.take("max_new_tokens_default", DEFAULT_MAX_NEW_TOKENS)
    if not isinstance(max_new_tokens, int) or isinstance(max_new_tokens, bool) or max_new_tokens < 1:
        raise ConfigError(f"max_new_tokens_default must be a positive integer, not {max_new_tokens!r}",
                          model=spec.name)
    sanitize = spec.take_bool("sanitize_control_tokens", True)
    source = _source(spec.model_id, spec.name)
    if revision is not None and Path(source).is_dir():
        log.warning("%s: revision=%r is ignored for a local directory", spec.name, revision)
        revision = None
    spec.done()
    key = LoadKey(source=source, dtype=dtype, device=device, quantization=quantization,
                  revision=None if revision is None else str(revision), trust_remote_code=trust_remote_code)
    return TransformersModel(spec.name, key=key, max_new_tokens_default=max_new_tokens,
                             sanitize_control_tokens=sanitize, params=spec.params, price=spec.price)


# -- option checking -------------------------------------------------------------------------------
def _require(package: str) -> None:
    if importlib.util.find_spec(package) is None:
        raise MissingDependencyError(f"local/ models need {package}, which is not installed", hint=_LOCAL_HINT)


def _dtype_option(value: Any) -> str:
    name = _DTYPE_ALIASES.get(str(value).lower(), str(value).lower())
    if name not in DTYPES:
        raise ConfigError(f"dtype must be one of {', '.join(DTYPES)}, not {value!r}")
    return name


def _device_option(value: Any) -> str:
    """Resolve ``auto`` now: the cache key and the quantization check need the real device."""
    try:
        import torch
    except ImportError as exc:
        raise MissingDependencyError(f"torch is installed but cannot be imported: {exc}", hint=_LOCAL_HINT) from None

    device = str(value).lower()
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" or device.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise ConfigError("device='cuda' but torch sees no CUDA GPU",
                              hint="use device='cpu', or install a CUDA build of torch")
        return device
    if device == "mps":
        if not torch.backends.mps.is_available():
            raise ConfigError("device='mps' but torch sees no Apple GPU", hint="use device='cpu'")
        return device
    if device == "cpu":
        return device
    raise ConfigError(f"device must be auto, cpu, cuda, cuda:N or mps, not {value!r}")


def _quantization_option(value: Any, device: str) -> str | None:
    if value in (None, "", "none", False):
        return None
    name = str(value).lower()
    if name in ("8", "int8"):
        name = "8bit"
    elif name in ("4", "int4", "nf4"):
        name = "4bit"
    if name not in QUANTIZATIONS:
        raise ConfigError(f"quantization must be 8bit or 4bit (or unset), not {value!r}")
    if not device.startswith("cuda"):
        raise ConfigError(f"quantization={name!r} needs a CUDA GPU (bitsandbytes), but the device is {device}",
                          hint="remove the quantization option, or use dtype='bf16' to halve memory instead")
    if importlib.util.find_spec("bitsandbytes") is None:
        raise MissingDependencyError(f"quantization={name!r} needs bitsandbytes, which is not installed",
                                     hint=_QUANT_HINT)
    return name


def _source(model_id: str, name: str) -> str:
    """An existing directory becomes an absolute path (one cache entry however it is spelled).

    Anything shaped like a path that does not exist fails here, before loading; other strings are
    Hub ids, checked when the model loads (they may already be in the local Hub cache).
    """
    path = Path(model_id).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():  # transformers 5 says "Unrecognized model" (a ValueError)
            raise ModelNotFoundError(f"no model in {model_id}: config.json is missing",
                                     hint="give the directory holding config.json, the tokenizer and weights",
                                     model=name)
        return str(path.resolve())
    if path.is_file():
        hint = "use gguf/<path> for GGUF files" if path.suffix.lower() == ".gguf" else \
            "give the directory holding config.json and the weights"
        raise ModelNotFoundError(f"{model_id} is a file, not a model directory", hint=hint, model=name)
    path_like = model_id.startswith(("/", ".", "~")) or "\\" in model_id or model_id.count("/") > 1
    if path_like:
        raise ModelNotFoundError(f"no model directory at {model_id}", hint="check the path", model=name)
    return model_id


# -- loading and the per-process cache -------------------------------------------------------------
@dataclass(frozen=True)
class LoadKey:
    """What makes two loaded copies different; equal keys share one copy."""

    source: str
    dtype: str = "auto"
    device: str = "cpu"
    quantization: str | None = None
    revision: str | None = None
    trust_remote_code: bool = False


@dataclass
class Engine:
    """A loaded model and tokenizer; ``lock`` makes generations on it take turns."""

    key: LoadKey
    model: PreTrainedModel
    tokenizer: PreTrainedTokenizerBase
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def eos_ids(self) -> set[int]:
        ids = self.model.generation_config.eos_token_id
        if ids is None:
            ids = self.tokenizer.eos_token_id
        if ids is None:
            return set()
        return {int(i) for i in ids} if isinstance(ids, (list, tuple)) else {int(ids)}


_CACHE: dict[LoadKey, Engine] = {}
_LOAD_LOCKS: dict[LoadKey, threading.Lock] = {}
_CACHE_LOCK = threading.Lock()


def get_engine(key: LoadKey, name: str | None = None) -> Engine:
    """The cached engine for ``key``, loading it first if needed (blocking: call from a thread)."""
    with _CACHE_LOCK:
        if key in _CACHE:
            return _CACHE[key]
        load_lock = _LOAD_LOCKS.setdefault(key, threading.Lock())
    with load_lock:  # concurrent first requests load once; other keys load in parallel
        if key in _CACHE:
            return _CACHE[key]
        engine = _load(key, name or f"local/{key.source}")
        with _CACHE_LOCK:
            _CACHE[key] = engine
        return engine


def loaded_models() -> list[LoadKey]:
    """Keys of the models now held in memory."""
    with _CACHE_LOCK:
        return list(_CACHE)


def clear_cache() -> None:
    """Drop every cached model (memory is freed once no request still uses it)."""
    with _CACHE_LOCK:
        _CACHE.clear()
        _LOAD_LOCKS.clear()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:300]


def _load(key: LoadKey, name: str) -> Engine:
    try:
        import torch
        import transformers
        from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer
    except ImportError as exc:
        raise MissingDependencyError(f"cannot import {exc.name or 'transformers'}: {exc}", hint=_LOCAL_HINT,
                                     model=name) from None

    common: dict[str, Any] = {"trust_remote_code": key.trust_remote_code}
    if key.revision is not None:
        common["revision"] = key.revision
    try:
        config = AutoConfig.from_pretrained(key.source, **common)
        tokenizer = AutoTokenizer.from_pretrained(key.source, **common)
    except OSError as exc:
        raise _not_found(key, name, exc) from None
    except ImportError as exc:
        raise MissingDependencyError(f"loading {key.source} needs a package: {_first_line(exc)}",
                                     model=name) from None
    except ValueError as exc:
        raise _load_error(key, name, exc) from None
    if not tokenizer.chat_template:
        raise ConfigError(f"{key.source} has no chat template (probably a base model, not a chat one)",
                          hint="use an instruct/chat variant, or add chat_template to its tokenizer_config.json",
                          model=name)

    dtypes = {"auto": "auto", "fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}
    kwargs: dict[str, Any] = {**common, "config": config, "device_map": key.device}
    # transformers 5 (and 4.56+) calls it ``dtype``; older 4.x only knows ``torch_dtype``.
    major, minor = (int(p) for p in transformers.__version__.split(".")[:2])
    kwargs["dtype" if (major, minor) >= (4, 56) else "torch_dtype"] = dtypes[key.dtype]
    if key.quantization is not None:
        from transformers import BitsAndBytesConfig

        if key.quantization == "8bit":
            kwargs["quantization_config"] = BitsAndBytesConfig(load_in_8bit=True)
        else:
            compute = torch.float16 if key.dtype == "fp16" else torch.bfloat16
            kwargs["quantization_config"] = BitsAndBytesConfig(
                load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=compute,
                bnb_4bit_use_double_quant=True)
    try:
        model = AutoModelForCausalLM.from_pretrained(key.source, **kwargs)
    except OSError as exc:
        raise _not_found(key, name, exc) from None
    except ImportError as exc:
        raise MissingDependencyError(f"loading {key.source} needs a package: {_first_line(exc)}",
                                     model=name) from None
    except ValueError as exc:
        raise _load_error(key, name, exc) from None
    except (RuntimeError, MemoryError) as exc:
        hint = "try dtype='bf16', quantization='4bit' or a smaller model" if "memory" in str(exc).lower() else None
        raise ProviderError(f"cannot load {key.source}: {_first_line(exc)}", hint=hint, model=name) from None
    model.eval()
    log.info("%s: loaded %s (%s, %s)", name, key.source, model.dtype, model.device)
    return Engine(key=key, model=model, tokenizer=tokenizer)


def _not_found(key: LoadKey, name: str, exc: OSError) -> ModelNotFoundError:
    offline = any(os.environ.get(v, "").lower() in ("1", "true", "yes", "on")
                  for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))
    where = "not a local directory, and not in the Hugging Face cache" if offline else \
        "not a local directory, and not found on the Hugging Face Hub"
    hint = "download it first (huggingface-cli download ...) or unset HF_HUB_OFFLINE" if offline else \
        "check the id or path; gated models need HF_TOKEN"
    if Path(key.source).is_dir():
        where, hint = f"cannot load it: {_first_line(exc)}", "the directory needs config.json, tokenizer and weights"
    return ModelNotFoundError(f"model {key.source!r}: {where}", hint=hint, model=name)


def _load_error(key: LoadKey, name: str, exc: ValueError) -> MedchatError:
    message = _first_line(exc)
    if "trust_remote_code" in str(exc):
        return ConfigError(f"{key.source} ships its own code: {message}",
                           hint="set trust_remote_code=true only if you trust that repository", model=name)
    return ProviderError(f"cannot load {key.source}: {message}", model=name)


# -- one generation --------------------------------------------------------------------------------
@dataclass(eq=False)
class GenerationRun:
    """What one request did; kept as ``TransformersModel.last_run`` for tests and benchmarks."""

    thread: threading.Thread | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: FinishReason | None = None
    cancelled: bool = False


class _StopFilter:
    """Cuts the text at the first stop string, holding back a tail that might be one's beginning."""

    def __init__(self, stops: list[str]) -> None:
        self.stops = [s for s in stops if s]
        self.pending = ""
        self.hit = False

    def feed(self, text: str) -> str:
        if self.hit:
            return ""
        if not self.stops:
            return text
        self.pending += text
        found = [i for i in (self.pending.find(s) for s in self.stops) if i >= 0]
        if found:
            self.hit = True
            out, self.pending = self.pending[: min(found)], ""
            return out
        keep = 0
        for size in range(min(len(self.pending), max(map(len, self.stops)) - 1), 0, -1):
            if any(s.startswith(self.pending[-size:]) for s in self.stops):
                keep = size
                break
        out = self.pending[: len(self.pending) - keep]
        self.pending = self.pending[len(self.pending) - keep:]
        return out

    def flush(self) -> str:
        out, self.pending = ("" if self.hit else self.pending), ""
        return out


def _make_streamer(tokenizer: Any, emit: Callable[[str], None]) -> Any:
    """A ``TextStreamer`` that hands each finished piece of text to ``emit`` instead of printing it."""
    from transformers import TextStreamer

    class _Streamer(TextStreamer):
        def on_finalized_text(self, text: str, stream_end: bool = False) -> None:
            if text:
                emit(text)

    return _Streamer(tokenizer, skip_prompt=True, skip_special_tokens=True)


def _make_stop_criterion(stop: threading.Event) -> Any:
    """Ends ``generate`` after the current token once ``stop`` is set (consumer gone, stop string)."""
    import torch
    from transformers import StoppingCriteria

    class _Stop(StoppingCriteria):
        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            return torch.full((input_ids.shape[0],), stop.is_set(), dtype=torch.bool, device=input_ids.device)

    return _Stop()


class TransformersModel(ProviderModel):
    """A transformers causal LM with a chat template; see the module docstring."""

    provider = "local"
    is_local: ClassVar[bool] = True
    #: Generations on one loaded model take turns, so more than one request in flight only queues.
    max_concurrency = 1

    def __init__(self, name: str, *, key: LoadKey, max_new_tokens_default: int = DEFAULT_MAX_NEW_TOKENS,
                 sanitize_control_tokens: bool = True, **kwargs: Any) -> None:
        super().__init__(name, **kwargs)
        self.key = key
        self.max_new_tokens_default = max_new_tokens_default
        self.sanitize_control_tokens = sanitize_control_tokens
        self.last_run: GenerationRun | None = None
        self._engine: Engine | None = None
        self._runs: set[GenerationRun] = set()
        self._warned: set[str] = set()

    @property
    def runs_on_cpu(self) -> bool:
        """Whether this model computes on the CPU (the assistant then gives it a shorter prompt)."""
        return self.key.device == "cpu"

    @property
    def concurrency_key(self) -> tuple[Any, ...]:
        """Model objects on the same loaded weights share one concurrency slot (see ConcurrencyLimit)."""
        return ("transformers", self.key)

    async def load(self) -> Engine:
        """Load (or fetch from the cache) the model now, e.g. before timing requests."""
        if self._engine is None:
            self._engine = await asyncio.to_thread(get_engine, self.key, self.name)
        return self._engine

    async def aclose(self) -> None:
        """Stop this model's generations; the weights stay cached for other instances (see clear_cache)."""
        for run in list(self._runs):
            run.stop.set()
        self._engine = None

    # -- request translation -----------------------------------------------------------------------
    def _generate_kwargs(self, params: GenerationParams, engine: Engine) -> dict[str, Any]:
        """GenerationParams → ``generate`` keywords; temperature 0 or unset means greedy (reproducible)."""
        kwargs: dict[str, Any] = {"max_new_tokens": params.max_tokens or self.max_new_tokens_default}
        if params.temperature:
            kwargs.update(do_sample=True, temperature=params.temperature)
            if params.top_p is not None:
                kwargs["top_p"] = params.top_p
            if params.top_k is not None:
                kwargs["top_k"] = params.top_k
        else:
            kwargs["do_sample"] = False
        if params.repetition_penalty is not None:
            kwargs["repetition_penalty"] = params.repetition_penalty
        stops = [s for s in params.stop if s]
        if stops:
            kwargs.update(stop_strings=stops, tokenizer=engine.tokenizer)
        for unsupported in ("frequency_penalty", "presence_penalty"):
            if getattr(params, unsupported) is not None and unsupported not in self._warned:
                self._warned.add(unsupported)
                log.warning("%s: transformers has no %s; it is ignored (repetition_penalty is the nearest)",
                            self.name, unsupported)
        tokenizer = engine.tokenizer
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else min(engine.eos_ids, default=None)
        if pad is not None:
            kwargs["pad_token_id"] = pad
        return kwargs

    def _encode(self, engine: Engine, messages: list[Message]) -> Any:
        """Apply the chat template; user text cannot smuggle in control tokens such as ``<|assistant|>``."""
        from jinja2 import TemplateError

        chat = [{"role": m.role, "content": m.content} for m in messages]
        try:
            return self._apply_template(engine, chat)
        except TemplateError as exc:
            if not any(m["role"] == "system" for m in chat):
                raise BadRequestError(f"the chat template rejected the conversation: {_first_line(exc)}",
                                      model=self.name) from None
        # Some templates (Gemma's) refuse a system role: fold it into the first user turn instead.
        system = "\n\n".join(m["content"] for m in chat if m["role"] == "system")
        turns = [m for m in chat if m["role"] != "system"]
        if turns and turns[0]["role"] == "user":
            turns[0] = {"role": "user", "content": f"{system}\n\n{turns[0]['content']}"}
        else:
            turns.insert(0, {"role": "user", "content": system})
        try:
            return self._apply_template(engine, turns)
        except TemplateError as exc:
            raise BadRequestError(f"the chat template rejected the conversation: {_first_line(exc)}",
                                  model=self.name) from None

    def _apply_template(self, engine: Engine, chat: list[dict[str, str]]) -> Any:
        tokenizer = engine.tokenizer
        kwargs: dict[str, Any] = {"add_generation_prompt": True, "return_tensors": "pt", "return_dict": True}
        if self.sanitize_control_tokens and _supports_sanitizing(tokenizer):
            try:
                return tokenizer.apply_chat_template(chat, sanitize_control_tokens=True, **kwargs)
            except (ValueError, NotImplementedError) as exc:
                # The tokenizer makes that token from plain text anyway: nothing left to protect.
                if "sanitize" not in self._warned:
                    self._warned.add("sanitize")
                    log.warning("%s: cannot encode control tokens in messages as text (%s)", self.name,
                                _first_line(exc))
        return tokenizer.apply_chat_template(chat, **kwargs)

    # -- generation --------------------------------------------------------------------------------
    async def _stream(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        engine = await self.load()
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        run = GenerationRun()

        def post(kind: str, value: Any) -> None:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, (kind, value))
            except RuntimeError:  # the event loop is gone: nobody is listening any more
                run.stop.set()

        run.thread = threading.Thread(target=self._generate, args=(engine, request, run, post),
                                      name=f"medchat-generate:{self.name}", daemon=True)
        self.last_run = run
        self._runs.add(run)
        stop_filter = _StopFilter(request.params.stop)
        finished = False
        run.thread.start()
        try:
            while True:
                kind, value = await queue.get()
                if kind == "text":
                    text = stop_filter.feed(value)
                    if stop_filter.hit:
                        run.stop.set()  # the criterion in generate ends it after this token
                    if text:
                        yield Chunk(text=text)
                elif kind == "error":
                    raise value
                else:
                    break
            if tail := stop_filter.flush():
                yield Chunk(text=tail)
            if stop_filter.hit:
                run.finish_reason = "stop"
            finished = True
            yield Chunk(final=True, finish_reason=run.finish_reason or "stop",
                        usage=Usage(prompt_tokens=run.prompt_tokens, completion_tokens=run.completion_tokens))
        finally:
            run.cancelled = not finished
            run.stop.set()
            self._runs.discard(run)

    def _generate(self, engine: Engine, request: ChatRequest, run: GenerationRun,
                  post: Callable[[str, Any], None]) -> None:
        """Thread body: waits its turn on the model, generates, and always posts "done" or "error"."""
        try:
            with engine.lock:
                if run.stop.is_set():  # the consumer left while we waited our turn
                    post("done", None)
                    return
                self._generate_locked(engine, request, run, post)
            post("done", None)
        except MedchatError as exc:
            post("error", exc)
        except Exception as exc:
            post("error", self._error(exc))

    def _generate_locked(self, engine: Engine, request: ChatRequest, run: GenerationRun,
                         post: Callable[[str, Any], None]) -> None:
        import torch
        from transformers import StoppingCriteriaList

        inputs = self._encode(engine, request.messages).to(engine.model.device)
        kwargs = self._generate_kwargs(request.params, engine)
        if request.params.seed is not None and kwargs["do_sample"]:
            torch.manual_seed(request.params.seed)  # global RNG: reproducible because generations take turns
        prompt_tokens = int(inputs["input_ids"].shape[1])
        run.prompt_tokens = prompt_tokens
        output = engine.model.generate(
            **inputs, **kwargs,
            streamer=_make_streamer(engine.tokenizer, lambda text: post("text", text)),
            stopping_criteria=StoppingCriteriaList([_make_stop_criterion(run.stop)]),
        )
        generated = output[0, prompt_tokens:].tolist()
        run.completion_tokens = len(generated)
        if generated and generated[-1] in engine.eos_ids:
            run.finish_reason = "stop"
        elif len(generated) >= kwargs["max_new_tokens"]:
            run.finish_reason = "length"
        else:
            run.finish_reason = "stop"  # a stop string (or the consumer leaving, which nobody will see)

    def _error(self, exc: Exception) -> MedchatError:
        message = _first_line(exc)
        if "out of memory" in message.lower() or type(exc).__name__ == "OutOfMemoryError":
            return ProviderError(f"out of memory while generating: {message}", model=self.name,
                                 hint="lower max_tokens, shorten the conversation, or use dtype/quantization")
        return ProviderError(f"generation failed: {type(exc).__name__}: {message}", model=self.name)


_SANITIZE_SUPPORT: dict[type, bool] = {}


def _supports_sanitizing(tokenizer: Any) -> bool:
    """``sanitize_control_tokens`` is new in transformers 5; older versions would pass it to the template."""
    cls = type(tokenizer)
    if cls not in _SANITIZE_SUPPORT:
        import inspect

        _SANITIZE_SUPPORT[cls] = "sanitize_control_tokens" in inspect.signature(cls.apply_chat_template).parameters
    return _SANITIZE_SUPPORT[cls]
