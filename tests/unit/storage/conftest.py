from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from medchat.storage import ConversationStore, Database, close_databases


@pytest.fixture(autouse=True)
def _forget_open_databases() -> Iterator[None]:
    yield
    close_databases()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "db" / "medchat.db"


@pytest.fixture
def database(db_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{db_path}")
    database.migrate()
    yield database
    database.close()


@pytest.fixture
def clock() -> Callable[[], datetime]:
    """A clock that moves one second per reading, so "newest first" needs no sleeping."""
    now = [datetime(2025, 1, 1, 12, 0, tzinfo=UTC)]

    def tick() -> datetime:
        now[0] += timedelta(seconds=1)
        return now[0]

    return tick


@pytest.fixture
def store(database: Database, clock: Callable[[], datetime]) -> ConversationStore:
    return ConversationStore(database, clock=clock)
