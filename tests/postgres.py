"""A throwaway PostgreSQL for the tests, and the ``database_url`` fixture that runs tests on SQLite and on it.

One cluster per session: ``initdb`` in a temporary folder, ``pg_ctl`` on a free loopback port (never a system
service; as root, both run as the ``postgres`` or ``nobody`` user, which PostgreSQL insists on), fsync off.
Each test gets a fresh database copied from a migrated template (``CREATE DATABASE ... TEMPLATE``), dropped
afterwards; a worker thread copies the next ones and drops the used ones while tests run, so a test waits for
neither (~0.1 s each). Without PostgreSQL's binaries the ``postgres`` cases skip, saying why.

``database_url`` is ``sqlite`` (the default database under the test's data folder, nothing set) unless the test
is in ``BOTH`` (and not ``NOT_BOTH``) and is about SQLite in no way (it asks for no ``db_path``, the SQLite file
it reads itself, and is not marked ``sqlite_only``): then it runs twice, ``[sqlite]`` and ``[postgres]``; the
``postgres`` case sets ``MEDCHAT_DATABASE_URL``, so servers, the CLI and the child processes a test starts use it.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import queue
import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from medchat.config import get_settings

TESTS = Path(__file__).parent
# Where tests that use the database run on both backends (directories, or single files).
BOTH = (TESTS / "unit" / "storage", TESTS / "server", TESTS / "unit" / "evaluation" / "test_store.py")
# ...except real generation with SmolLM2: seconds a case, and the database there only holds the keys.
NOT_BOTH = (TESTS / "server" / "test_smollm2.py",)
USER = "medchat"
TEMPLATE = "medchat_template"
SPARE = 2  # migrated databases kept ready
WAIT_S = 120.0  # an upper bound for a database to be ready, never a timing assertion


def find_binaries() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``: ``MEDCHAT_TEST_PG_BIN``, Debian's newest, or ``PATH``."""
    named = os.environ.get("MEDCHAT_TEST_PG_BIN")
    candidates = [Path(named)] if named else []
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name), reverse=True) \
        if Path("/usr/lib/postgresql").is_dir() else []
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).parent)
    return next((c for c in candidates if (c / "initdb").is_file() and (c / "pg_ctl").is_file()), None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Postgres:
    """A running cluster: ``url(name)`` of a database in it, ``new_database()`` a fresh one, ``drop(name)``."""

    def __init__(self, binaries: Path) -> None:
        self.binaries = binaries
        self.root = Path(tempfile.mkdtemp(prefix="medchat-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self._names = itertools.count()
        self._ready: queue.Queue[str | BaseException] = queue.Queue()
        self._tasks: queue.Queue[str | None] = queue.Queue()  # "" creates a spare, a name drops that database
        self._worker: threading.Thread | None = None
        self._user: str | None = None
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            self._user = next(u for u in ("postgres", "nobody") if _user_exists(u))
            account = pwd.getpwnam(self._user)
            os.chown(self.root, account.pw_uid, account.pw_gid)

    def _run(self, *args: str) -> None:
        subprocess.run(args, check=True, capture_output=True, user=self._user, cwd=self.root, timeout=120)

    def start(self) -> None:
        self._run(str(self.binaries / "initdb"), "-D", str(self.data), "-U", USER, "--auth=trust", "-E", "UTF8",
                  "--no-locale", "--no-sync", "--no-instructions")
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c shared_buffers=32MB")
        self._run(str(self.binaries / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "log"), "-o", options,
                  "-w", "-t", "60", "start")

    def stop(self) -> None:
        if self._worker is not None:
            self._tasks.put(None)
            self._worker.join(timeout=60)
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self._run(str(self.binaries / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, name: str) -> str:
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{name}"

    def admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user=USER, dbname="postgres",
                             autocommit=True) as connection:
            connection.execute(sql)  # type: ignore[arg-type]

    def new_database(self, *, migrated: bool = True) -> str:
        """A fresh database's name: a copy of the migrated template (one made ready beforehand), or empty."""
        if not migrated:
            return self._create(migrated=False)
        if self._worker is None:
            self._worker = threading.Thread(target=self._work, name="postgres-spares", daemon=True)
            self._worker.start()
            for _ in range(SPARE):
                self._tasks.put("")
        ready = self._ready.get(timeout=WAIT_S)
        self._tasks.put("")  # its replacement
        if isinstance(ready, BaseException):
            raise ready
        return ready

    def drop(self, name: str) -> None:
        """Drop ``name`` (in the background once spares are being made)."""
        if self._worker is None:
            self.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        else:
            self._tasks.put(name)

    def _create(self, *, migrated: bool) -> str:
        name = f"test_{next(self._names)}"
        self.admin(f"CREATE DATABASE {name}" + (f" TEMPLATE {TEMPLATE}" if migrated else ""))
        return name

    def _work(self) -> None:
        while (task := self._tasks.get()) is not None:
            try:
                if task:
                    self.admin(f"DROP DATABASE IF EXISTS {task} WITH (FORCE)")
                else:
                    self._ready.put(self._create(migrated=True))
            except Exception as exc:  # handed to the test that waits for a database
                if not task:
                    self._ready.put(exc)


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """The session's PostgreSQL, with the migrated template database (skips without PostgreSQL)."""
    binaries = find_binaries()
    if binaries is None:
        pytest.skip("PostgreSQL is not installed (no initdb/pg_ctl; Debian: apt-get install postgresql)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg is not installed (pip install 'medchat[replicas]')")
    server = Postgres(binaries)
    try:
        server.start()
        server.admin(f"CREATE DATABASE {TEMPLATE}")
        from medchat.storage import Database

        template = Database(server.url(TEMPLATE))
        try:
            template.migrate()
        finally:
            template.close()  # a template must have no connections to be copied
        yield server
    finally:
        server.stop()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: a test of SQLite itself, never run on PostgreSQL")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests in ``BOTH`` that use the database run on SQLite and on PostgreSQL, unless they read the SQLite
    file itself (``db_path``) or are marked ``sqlite_only``."""
    if ("database_url" not in metafunc.fixturenames or "db_path" in metafunc.fixturenames
            or metafunc.definition.get_closest_marker("sqlite_only")):
        return
    path = Path(str(metafunc.definition.path))
    if path not in NOT_BOTH and any(path == place or place in path.parents for place in BOTH):
        metafunc.parametrize("database_url", ["sqlite", "postgres"], indirect=True)


@pytest.fixture
def database_url(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The test's database URL: SQLite under its data folder, or (``[postgres]``) a fresh PostgreSQL database
    that ``MEDCHAT_DATABASE_URL`` names for everything the test starts."""
    if getattr(request, "param", "sqlite") == "sqlite":
        yield get_settings().resolved_database_url()
        return
    server: Postgres = request.getfixturevalue("postgres")
    name = server.new_database()
    url = server.url(name)
    monkeypatch.setenv("MEDCHAT_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        yield url
    finally:
        from medchat.storage import close_databases

        close_databases()
        server.drop(name)
