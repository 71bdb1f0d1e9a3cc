"""A store whose database is opened off the answer's path.

Opening the database costs a one-shot command ~0.3 s of Python (SQLAlchemy's and Alembic's imports, the
migration check) that holds the interpreter lock, and the first turn needs the database only once it has
answered. ``Opening`` defers it: ``start()`` opens it on a background thread (the assistant calls it once the
answer's first piece is out, while the model writes the rest in C), and the first use waits for that, or opens
it then. It needs no SQLAlchemy to import.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


class Opening:
    """Stands for the store ``open()`` returns (a ``ConversationStore``...), opened by ``start()`` or on first use.

    An error opening it is raised to the first use, as if it had been opened there."""

    def __init__(self, open: Callable[[], Any]) -> None:
        self._open = open
        self._lock = threading.Lock()  # held while opening
        self._starting = threading.Lock()  # held only to start the thread: ``start()`` never waits for an opening
        self._store: Any = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    @property
    def opened(self) -> bool:
        return self._store is not None

    def start(self) -> None:
        """Begin opening on a background thread, once; return at once (also while it is opening)."""
        with self._starting:
            if self._thread is not None or self._store is not None:
                return
            self._thread = threading.Thread(target=self._get_quietly, name="medchat-store-open", daemon=True)
            self._thread.start()

    def get(self) -> Any:
        """The store, opened now if nothing has opened it yet (waiting for ``start()``'s thread if it is at it)."""
        if self._store is None:
            with self._starting:
                thread = self._thread
            if thread is not None and thread is not threading.current_thread():
                thread.join()
            self._get_quietly()
            if self._store is None:
                assert self._error is not None
                raise self._error
        return self._store

    def _get_quietly(self) -> None:
        with self._lock:
            if self._store is not None:
                return
            try:
                self._store, self._error = self._open(), None
            except Exception as error:  # kept for the first use, which raises it
                self._error = error

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.get(), name)
