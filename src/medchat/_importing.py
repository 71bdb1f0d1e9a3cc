"""Keep optional heavy packages out of an import that only probes for them.

spaCy (through thinc) and Presidio import torch and transformers when they are installed, only to note that
they could use them; medchat's PII detector uses neither (a small spaCy pipeline on the CPU), yet the probe
cost several seconds at start-up (docs/benchmarks.md, "Start-up"). ``hidden(...)`` makes those packages look
absent to the imports that run inside it, on the calling thread only, and only if nothing has imported them
yet: a process that already uses torch keeps it everywhere, and another thread importing torch meanwhile
gets the real one.
"""

from __future__ import annotations

import importlib.abc
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class _Hider(importlib.abc.MetaPathFinder):
    def __init__(self, names: frozenset[str], thread: int) -> None:
        self.names = names
        self.thread = thread

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        if threading.get_ident() == self.thread and fullname.partition(".")[0] in self.names:
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None  # not ours: the next finder looks


@contextmanager
def hidden(*names: str) -> Iterator[frozenset[str]]:
    """Within the block, on this thread, importing a top-level package in ``names`` (or a submodule of one)
    raises ``ModuleNotFoundError`` as if it were not installed, unless it is imported already. Yields the
    names actually hidden."""
    hider = _Hider(frozenset(n for n in names if n not in sys.modules), threading.get_ident())
    sys.meta_path.insert(0, hider)
    try:
        yield hider.names
    finally:
        sys.meta_path.remove(hider)
