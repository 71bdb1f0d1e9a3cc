"""The database: an engine, sessions, and the Alembic migrations packaged with medchat.

``open_database()`` is what callers use: it resolves ``database_url`` from the settings (default
``sqlite:///<data_dir>/medchat.db``), brings the schema up to date once per process, and caches the
result per URL. Failures to reach or understand the database become one-line ``ConfigError``s.

SQLite connections get ``foreign_keys=ON`` (so deleting a conversation cascades), WAL journaling (readers
do not block the writer) and explicit ``BEGIN``s, so a write transaction (``Database.transaction()``)
takes the write lock up front with ``BEGIN IMMEDIATE`` instead of failing half-way when another
process writes at the same time.

PostgreSQL (``postgresql://...``, through psycopg 3 unless the URL names another driver; for replicas) runs the
same migrations, and a write transaction there starts by taking a transaction-scoped advisory lock: writers queue
as ``BEGIN IMMEDIATE`` makes them queue on SQLite, so code that reads then writes (the next message's ``seq``, "an
answer is stored already") means the same on both, and replicas starting together migrate one after the other.
Reads never wait on it. Text holding U+0000, which PostgreSQL cannot store, is stored with U+FFFD in its place, and
a NaN or infinity in a JSON value (which PostgreSQL's JSON has no word for) as null.
Pooled connections are checked before use (``pool_pre_ping``): a database restart costs a reconnect, not an error.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from medchat.errors import ConfigError, MedchatError, MissingDependencyError

if TYPE_CHECKING:
    from alembic.config import Config

    from medchat.config import Settings

MIGRATIONS = Path(__file__).with_name("migrations")
URL_HINT = "set database_url (MEDCHAT_DATABASE_URL) to a SQLAlchemy URL such as sqlite:////path/to/medchat.db"
_BEGIN = "medchat_begin"  # execution option of writes: SQLite's BEGIN variant ("IMMEDIATE"); PostgreSQL: the lock
_WRITE_LOCK = 0x6D656463  # PostgreSQL advisory lock key ("medc"): one write transaction at a time per database


class NotFoundError(MedchatError, LookupError):
    """A stored record (conversation...) that does not exist."""


def _one_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return " ".join(str(orig).split()) or type(orig).__name__


class Database:
    """One database: ``engine``, ``session()`` for reads, ``transaction()`` for writes, ``migrate()``."""

    def __init__(self, url: str | URL, *, echo: bool = False) -> None:
        try:
            parsed = make_url(url)
        except ArgumentError as exc:
            raise ConfigError(f"invalid database URL {str(url)!r}: {_one_line(exc)}", hint=URL_HINT) from None
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self.is_postgresql = parsed.get_backend_name() == "postgresql"
        if parsed.drivername == "postgresql":  # no driver named: psycopg 3, the one medchat[replicas] installs
            parsed = parsed.set(drivername="postgresql+psycopg")
        memory = self.is_sqlite and parsed.database in (None, "", ":memory:")
        options: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            if memory:  # one shared connection, so every thread sees the same (migrated) database
                options.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
            elif parsed.database and not parsed.database.startswith("file:"):
                path = Path(parsed.database).expanduser()
                parsed = parsed.set(database=str(path))
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise ConfigError(f"cannot create the database folder {path.parent}: {exc.strerror or exc}",
                                      hint="check its permissions or " + URL_HINT) from None
                options["connect_args"] = {"timeout": 30}  # wait for another writer's lock
        else:
            options["pool_pre_ping"] = True  # a server that restarted (or dropped idle connections) is reconnected
        if self.is_postgresql:
            options["json_serializer"] = _strict_json
        self.url = parsed
        self.display_url = parsed.render_as_string(hide_password=True)
        try:
            self.engine: Engine = create_engine(parsed, **options)
        except ImportError as exc:
            module = exc.name or parsed.drivername
            if module == "psycopg":
                raise MissingDependencyError(f"the PostgreSQL driver for {self.display_url} is not installed",
                                             hint="pip install 'medchat[replicas]' (psycopg)") from None
            raise MissingDependencyError(
                f"the database driver for {self.display_url} is not installed (no module {module!r})",
                hint=f"install the package that provides {module!r}, name another driver in the URL "
                     "(dialect+driver://...), or use a sqlite:/// URL") from None
        except ArgumentError as exc:  # NoSuchModuleError: an unknown dialect
            raise ConfigError(f"unsupported database URL {self.display_url!r}: {_one_line(exc)}",
                              hint=URL_HINT) from None
        if self.is_sqlite:
            _sqlite_events(self.engine)
        elif self.is_postgresql:
            _postgresql_events(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._writes = sessionmaker(self.engine.execution_options(**{_BEGIN: "IMMEDIATE"}), expire_on_commit=False)

    def __repr__(self) -> str:
        return f"Database({self.display_url!r})"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session for reading (rolled back at the end)."""
        with self._sessions() as session:
            yield session

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work is committed at the end, or rolled back on an exception."""
        with self._writes() as session, session.begin():
            yield session

    def alembic_config(self, connection: Connection | None = None) -> Config:
        """An Alembic ``Config`` for the packaged migrations, e.g. ``command.revision(db.alembic_config(),
        "eval runs", autogenerate=True, rev_id="0002")`` after ``db.migrate()``."""
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.set_main_option("sqlalchemy.url", self.url.render_as_string(hide_password=False).replace("%", "%%"))
        config.attributes["database"] = self
        if connection is not None:
            config.attributes["connection"] = connection
        return config

    @contextmanager
    def migration_connection(self) -> Iterator[Connection]:
        """A connection inside one transaction for running migrations.

        On SQLite, foreign keys are off meanwhile (batch migrations drop and recreate tables, which
        would otherwise cascade-delete the rows that point at them) and are checked before commit. On
        PostgreSQL it holds the write lock, so replicas starting together migrate one after the other (the
        later ones find nothing to do).
        """
        with self.engine.connect().execution_options(**{_BEGIN: "IMMEDIATE"}) as connection:
            raw = connection.connection.driver_connection if self.is_sqlite else None
            if raw is not None:
                raw.execute("PRAGMA foreign_keys=OFF")
            try:
                with connection.begin():
                    yield connection
                    if raw is not None:
                        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                        if broken:
                            raise ConfigError(f"migrating {self.display_url} broke foreign keys: {broken[:3]}",
                                              hint="fix the migration; nothing was changed")
            finally:
                if raw is not None:
                    raw.execute("PRAGMA foreign_keys=ON")

    def migrate(self, revision: str = "head") -> None:
        """Bring the schema to ``revision`` (Alembic ``upgrade``); a no-op when it is there already."""
        from alembic import command
        from alembic.util.exc import CommandError

        try:
            with self.migration_connection() as connection:
                command.upgrade(self.alembic_config(connection), revision)
        except CommandError as exc:
            raise ConfigError(f"cannot migrate {self.display_url}: {_one_line(exc)}",
                              hint="the database may come from a newer medchat; upgrade medchat or "
                                   "point database_url elsewhere") from None
        except (DBAPIError, SQLAlchemyError) as exc:
            raise ConfigError(f"cannot open database {self.display_url}: {_one_line(exc)}",
                              hint="check that it is reachable and writable, or " + URL_HINT) from None

    def revision(self) -> str | None:
        """The schema revision the database is at (``None`` before the first migration)."""
        from alembic.migration import MigrationContext

        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def close(self) -> None:
        """Close the pooled connections (the object can still be used; it reconnects)."""
        self.engine.dispose()


def _sqlite_events(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver's own transaction handling is off: SQLAlchemy's "begin" below emits BEGIN, so DDL
        # is transactional and writers can ask for BEGIN IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            # With WAL, NORMAL syncs at checkpoints rather than every commit: a commit survives the process
            # being killed (it is in the OS's hands), only a power cut may lose the last ones; the
            # evaluation runner commits once per result, so this is most of its storage cost.
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get(_BEGIN)
        connection.exec_driver_sql(f"BEGIN {mode}" if mode else "BEGIN")


def _postgresql_events(engine: Engine) -> None:
    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        if connection.get_execution_options().get(_BEGIN):  # a write transaction: queue as SQLite's writers do
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_WRITE_LOCK})")

    @event.listens_for(engine, "before_cursor_execute", retval=True)
    def _text_without_nul(connection: Connection, cursor: Any, statement: str, parameters: Any, context: Any,
                          executemany: bool) -> tuple[str, Any]:
        # PostgreSQL's text cannot hold U+0000, which SQLite stores and clients may send ("\u0000" in JSON): it
        # is stored as U+FFFD instead of failing the whole write. (JSON columns keep it, escaped.)
        return statement, _without_nul(parameters)


def _strict_json(value: Any) -> str:
    """JSON that PostgreSQL accepts: NaN and infinities (which Python writes and SQLite keeps) become null."""
    try:
        return json.dumps(value, allow_nan=False)
    except ValueError:
        return json.dumps(_finite(value), allow_nan=False)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd") if "\x00" in value else value
    if isinstance(value, dict):
        return {k: _without_nul(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_without_nul(v) for v in value)
    return value


_OPEN: dict[str, Database] = {}
_LOCK = threading.Lock()


def open_database(settings: Settings | None = None) -> Database:
    """The migrated database named by ``settings`` (default: the process settings), cached per URL."""
    if settings is None:
        from medchat.config import get_settings

        settings = get_settings()
    url = settings.resolved_database_url()
    with _LOCK:
        database = _OPEN.get(url)
        if database is None:
            database = Database(url)
            try:
                database.migrate()
            except BaseException:
                database.close()
                raise
            _OPEN[url] = database
        return database


def close_databases() -> None:
    """Close and forget every database ``open_database`` cached (tests, or before forking)."""
    with _LOCK:
        for database in _OPEN.values():
            database.close()
        _OPEN.clear()
