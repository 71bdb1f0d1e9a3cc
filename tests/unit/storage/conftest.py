from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import make_url

from medchat.storage import ConversationStore, Database, close_databases


@pytest.fixture(autouse=True)
def _forget_open_databases() -> Iterator[None]:
    yield
    close_databases()


@pytest.fixture
def db_path(database_url: str) -> Path:
    """The SQLite file behind ``database`` (a test asking for it reads the file itself, so it runs on SQLite only)."""
    return Path(make_url(database_url).database or "")


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """The migrated database: SQLite, and PostgreSQL too for tests that do not read the SQLite file."""
    database = Database(database_url)
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
