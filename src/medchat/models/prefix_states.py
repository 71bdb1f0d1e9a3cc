"""Saved llama.cpp prompt prefixes: a small LRU in memory, and the same states in files so a new process starts
with them.

Why files: a one-shot ``medchat ask --assistant`` sees one prompt, so no prefix is ever shared within its process,
and its first token waited for llama.cpp to read the whole constitution (338 tokens in English, 807 in Chinese on
SmolLM2, ~100 tokens/s on one core). A caller that knows which leading text stays the same (the assistant's
constitution) says so in ``ChatRequest.metadata["prompt_prefix"]``; its state is saved on first sight, written to
a file beside the others of the same model, and read back (a few milliseconds) by the next process. Only such named
prefixes are written: a prefix two prompts merely shared may hold a conversation's earlier turns (a state file
holds its tokens), and those stay in memory.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import struct
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

DEFAULT_PREFIX_STATES = 4  # saved prefixes per loaded model (0: only the live context is reused)
DEFAULT_PREFIX_STATES_MB = 256  # and at most this much memory for them
DEFAULT_PROMPT_STATES = 4  # whole recent prompts (with their answers) kept per context, in memory only (0: none)
DEFAULT_PREFIX_FILES = 4  # saved prefixes kept in files per model file and context size (0: none; ~20 KB a token)
_MAGIC = b"MCPS1\0"  # medchat prefix state, version 1
_HEADER = struct.Struct("<6sII")  # magic, tokens, state bytes


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


def default_directory() -> Path:
    """``$XDG_CACHE_HOME/medchat/llama-prefixes`` (``~/.cache/...`` by default): a cache, safe to delete."""
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root).expanduser() / "medchat" / "llama-prefixes"


def model_key(path: Path, n_ctx: int, version: str) -> str:
    """What a state file is valid for: this model file (path, size, modification time), the context size and the
    llama.cpp build. A changed file or another llama-cpp-python gets a folder of its own."""
    stat = path.stat()
    text = f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{n_ctx}|{version}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class PrefixFiles:
    """Saved prefixes of one model in a folder, one file each (header, tokens, state), at most ``max_files``
    (the least recently used go). Writes are atomic (a temporary file renamed), so processes sharing the
    folder never read half a state; an unreadable file is skipped."""

    def __init__(self, directory: Path, max_files: int = DEFAULT_PREFIX_FILES) -> None:
        self.directory = directory
        self.max_files = max_files
        self._index: dict[Path, tuple[int, ...]] | None = None

    def _scan(self) -> dict[Path, tuple[int, ...]]:
        if self._index is None:
            self._index = {}
            for file in sorted(self.directory.glob("*.state")) if self.directory.is_dir() else []:
                try:
                    with file.open("rb") as handle:
                        magic, count, _ = _HEADER.unpack(handle.read(_HEADER.size))
                        if magic != _MAGIC:
                            continue
                        self._index[file] = struct.unpack(f"<{count}i", handle.read(4 * count))
                except (OSError, struct.error):
                    continue
        return self._index

    def longest(self, tokens: Sequence[int]) -> tuple[Path | None, int]:
        """The file whose prefix shares the most leading tokens with ``tokens`` (all of its own), and how many."""
        best, length = None, 0
        for file, prefix in self._scan().items():
            if len(prefix) > length and common_prefix(prefix, tokens) == len(prefix):
                best, length = file, len(prefix)
        return best, length

    def read(self, file: Path) -> SavedPrefix | None:
        try:
            raw = file.read_bytes()
            magic, count, size = _HEADER.unpack_from(raw)
            start = _HEADER.size + 4 * count
            if magic != _MAGIC or len(raw) != start + size:
                return None
            tokens = struct.unpack_from(f"<{count}i", raw, _HEADER.size)
            os.utime(file)  # recently used: the last to go
        except (OSError, struct.error):
            return None
        return SavedPrefix(tuple(tokens), (ctypes.c_uint8 * size).from_buffer_copy(raw, start), size)

    def write(self, entry: SavedPrefix) -> Path | None:
        """Save ``entry`` (if no file holds its prefix yet), then drop the least recently used past ``max_files``."""
        if self.max_files <= 0:
            return None
        index = self._scan()
        if entry.tokens in index.values():
            return None
        digest = hashlib.sha256(struct.pack(f"<{len(entry.tokens)}i", *entry.tokens)).hexdigest()[:16]
        file = self.directory / f"{digest}.state"
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            temporary = file.with_suffix(f".{os.getpid()}.tmp")
            with temporary.open("wb") as handle:
                handle.write(_HEADER.pack(_MAGIC, len(entry.tokens), entry.size))
                handle.write(struct.pack(f"<{len(entry.tokens)}i", *entry.tokens))
                handle.write(memoryview(entry.data).cast("B")[:entry.size])
            os.replace(temporary, file)
        except OSError:  # a read-only or full disk: the state stays in memory only
            return None
        index[file] = entry.tokens
        by_age = sorted(index, key=lambda f: f.stat().st_mtime_ns if f.exists() else 0)
        for old in by_age[:max(0, len(index) - self.max_files)]:
            old.unlink(missing_ok=True)
            index.pop(old, None)
        return file
