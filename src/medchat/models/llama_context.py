"""The llama.cpp context medchat generates with: llama-cpp-python's ``Llama``, plus exact token counts while
streaming, a thread count re-read before every decode call (``cpu_shares``) and saved prompt prefixes
(``prefix_states``): see ``llama_cpp.py``'s docstring for what each is for.
"""

from __future__ import annotations

import contextlib
import ctypes
from collections import deque
from collections.abc import Iterator, Sequence
from typing import Any

from medchat.errors import MissingDependencyError
from medchat.models.cpu_shares import SHARES, Share
from medchat.models.prefix_states import PrefixFiles, PrefixStates, SavedPrefix, common_prefix

MIN_SHARED_PREFIX = 64  # tokens two prompts must share before their prefix is worth a saved state
MIN_EVALUATED_PROMPT = 32  # prompt tokens a generation must have read before its whole prompt is worth keeping
RECENT_PROMPTS = 8  # prompts remembered (as tokens) to find the prefixes they share


def import_llama_cpp() -> Any:
    """``import llama_cpp``. Its OpenMP threads keep libgomp's default and spin at barriers: sleeping instead
    (``OMP_WAIT_POLICY=PASSIVE``) saved a loaded machine from a collapse, but on a quiet one made two threads slower
    than one (31 tok/s against 48, run local_generation-20261206-144751). The collapse is avoided instead by
    ``cpu_shares``, which gives a generation only the cores the rest of the machine leaves idle."""
    import llama_cpp

    _keep_stdout_stderr(llama_cpp)
    return llama_cpp


class _NoSuppression:
    """Stands in for llama-cpp-python's ``suppress_stdout_stderr``."""

    def __init__(self, disable: bool = True) -> None:
        pass

    def __enter__(self) -> _NoSuppression:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def _keep_stdout_stderr(llama_cpp: Any) -> None:
    """With ``verbose=False`` llama-cpp-python loads a model with the process's stdout and stderr file descriptors
    pointed at /dev/null (``suppress_stdout_stderr``, a ``dup2``): whatever another thread prints meanwhile is lost
    — ``medchat chat``'s banner and prompt while its model loaded in the background, a server's log lines while a
    second context loads. llama.cpp's own messages go through its log callback, which ``verbose=False`` already
    quiets, so the descriptors are left alone."""
    import importlib

    for name in ("llama", "_internals", "llama_chat_format"):
        with contextlib.suppress(ImportError):
            module = importlib.import_module(f"llama_cpp.{name}")
            if hasattr(module, "suppress_stdout_stderr"):
                module.suppress_stdout_stderr = _NoSuppression


def counting_llama_class() -> type:
    """A ``Llama`` that records exact token counts while streaming (llama.cpp reports none then) and reuses
    saved prompt prefixes (see the module's docstring)."""
    try:
        llama_cpp = import_llama_cpp()
    except ImportError:
        raise MissingDependencyError("llama-cpp-python is not installed",
                                     hint="pip install 'medchat[llama]'") from None

    class CountingLlama(llama_cpp.Llama):
        last_prompt_tokens = 0
        last_completion_tokens = 0
        last_prompt_evaluated = 0  # prompt tokens the last call evaluated (the rest came from reused state)
        prefix_states: PrefixStates | None = None
        prompt_states: PrefixStates | None = None  # whole prompts (with their answers) of recent generations
        prefix_files: PrefixFiles | None = None
        prefix_hint: str | None = None  # the request's constant leading text (metadata["prompt_prefix"])
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
            try:
                for token in super().generate(tokens, *args, **kwargs):
                    if not prompt_done:  # the first token is sampled once the whole prompt has been evaluated
                        self.last_prompt_evaluated, prompt_done = self._evaluated, True
                    # End-of-generation tokens are sampled but not part of the answer (as in llama.cpp's usage).
                    if not llama_cpp.llama_vocab_is_eog(vocab, token):
                        self.last_completion_tokens += 1
                    yield token
            except GeneratorExit:  # the caller has what it wanted (a stop, max_tokens): the state is whole
                if prompt_done:
                    self._keep_prompt()
                raise
            if not prompt_done:
                self.last_prompt_evaluated = self._evaluated
            self._keep_prompt()

        def _keep_prompt(self) -> None:
            """After a generation (ended or stopped by its caller): keep the context's state (the prompt and the
            answer), so the same prompt asked again (an evaluation's epochs, a regenerated answer, a user asking
            twice) reads one token instead of all of it, as ``llama_cpp.server``'s ``--cache`` does. Kept in memory
            only: a prompt holds a conversation. Not worth a copy when the prompt was mostly restored already."""
            states = self.prompt_states
            if states is None or self.last_prompt_evaluated < MIN_EVALUATED_PROMPT or self.n_tokens <= 0:
                return
            if (entry := self._saved(tuple(self._input_ids[:self.n_tokens].tolist()), states.max_bytes)) is not None:
                states.add(entry)

        def _reuse_prefix(self, tokens: list[int]) -> None:
            """Before ``generate``: restore the saved state that covers more of ``tokens`` than the live context
            does, and save the prefix ``tokens`` shares with a recent prompt if no saved state covers it yet."""
            states = self.prefix_states
            assert states is not None
            limit = len(tokens) - 1  # generate() must evaluate at least one token to have fresh logits
            shared = max((common_prefix(p, tokens) for p in self._recent), default=0)
            hinted = min(self._hinted(tokens), limit)
            shared = min(max(shared, hinted), limit)
            self._recent.append(tuple(tokens))
            entry, saved = states.longest(tokens)
            if self.prompt_states is not None:  # a recent whole prompt that covers more (a repeat, a longer match)
                whole, covered = self.prompt_states.longest(tokens)
                if covered > saved:
                    entry, saved = whole, covered
            if self.prefix_files is not None:  # a longer prefix saved by an earlier process
                file, stored = self.prefix_files.longest(tokens[:limit])
                if file is not None and stored > saved and (read := self.prefix_files.read(file)) is not None:
                    states.add(read)
                    entry, saved = read, stored
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
            if (entry := self._saved(tuple(tokens[:shared]))) is not None:
                states.add(entry)
                # Only a prefix the caller named as constant goes to a file (the assistant's constitution): a prefix
                # two prompts merely shared may be a conversation's earlier turns, which must not leave memory.
                if self.prefix_files is not None and shared == hinted:
                    self.prefix_files.write(entry)

        def _saved(self, tokens: tuple[int, ...], max_bytes: int | None = None) -> SavedPrefix | None:
            """A copy of the live context's state (which holds exactly ``tokens``), or None if it is larger than
            ``max_bytes`` or llama.cpp wrote none."""
            size = llama_cpp.llama_state_seq_get_size(self._ctx.ctx, 0)
            if max_bytes is not None and size > max_bytes:
                return None
            data = (ctypes.c_uint8 * size)()
            written = llama_cpp.llama_state_seq_get_data(self._ctx.ctx, data, size, 0)
            return SavedPrefix(tokens, data, int(written)) if 0 < written <= size else None

        def _hinted(self, tokens: list[int]) -> int:
            """How many leading tokens of ``tokens`` lie wholly within the rendered prompt's first copy of
            ``prefix_hint`` (0 without a hint, or when the prompt does not hold it)."""
            hint = self.prefix_hint
            if not hint:
                return 0
            pieces = [self._piece(t) for t in tokens]
            rendered = b"".join(pieces)
            at = rendered.find(hint.encode())
            if at < 0:
                return 0
            end, length = at + len(hint.encode()), 0
            for n, piece in enumerate(pieces):
                length += len(piece)
                if length > end:
                    return n
            return len(tokens)

        def _piece(self, token: int) -> bytes:
            """The text of one token, special tokens written out (llama-cpp-python's own ``token_to_piece`` pads
            it to 32 bytes); remembered per token."""
            pieces = self.__dict__.setdefault("_pieces", {})
            if token not in pieces:
                buffer = ctypes.create_string_buffer(64)
                n = llama_cpp.llama_token_to_piece(self._model.vocab, token, buffer, 64, 0, True)
                if n > 64:
                    buffer = ctypes.create_string_buffer(n)
                    n = llama_cpp.llama_token_to_piece(self._model.vocab, token, buffer, n, 0, True)
                pieces[token] = buffer.raw[:max(n, 0)]
            return pieces[token]

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

        def enable_prefix_states(self, max_entries: int, max_bytes: int, files: PrefixFiles | None = None,
                                 prompts: int = 0) -> None:
            """Keep saved prefixes (not for recurrent or hybrid models, whose state cannot be cut at a position,
            nor with a draft model), with ``files`` in files too, and the last ``prompts`` whole prompts (each
            store within ``max_bytes``)."""
            if max_entries > 0 and not (self._is_recurrent or self._is_hybrid or self.draft_model is not None):
                self.prefix_states = PrefixStates(max_entries, max_bytes)
                self.prompt_states = PrefixStates(prompts, max_bytes) if prompts > 0 else None
                self.prefix_files = files if files is not None and files.max_files > 0 else None
                self._recent: deque[tuple[int, ...]] = deque(maxlen=RECENT_PROMPTS)

    return CountingLlama
