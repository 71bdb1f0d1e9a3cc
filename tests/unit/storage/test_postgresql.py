"""PostgreSQL as replicas use it: several processes migrating one new database at once, and writers queueing
as they do on SQLite. (The other storage tests run on PostgreSQL too: ``tests/postgres.py``.)"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa
from alembic.script import ScriptDirectory

from medchat.storage import ConversationStore, Database
from tests.postgres import Postgres


def test_replicas_migrating_a_new_database_together_all_succeed(postgres: Postgres):
    name = postgres.new_database(migrated=False)
    databases = [Database(postgres.url(name)) for _ in range(3)]
    try:
        with ThreadPoolExecutor(max_workers=3) as pool:
            list(pool.map(Database.migrate, databases))  # each on its own engine, as separate processes would
        head = ScriptDirectory.from_config(databases[0].alembic_config()).get_current_head()
        assert {database.revision() for database in databases} == {head}
        assert "conversations" in sa.inspect(databases[0].engine).get_table_names()
    finally:
        for database in databases:
            database.close()
        postgres.drop(name)


def test_writers_on_separate_engines_queue_for_the_next_message_number(postgres: Postgres):
    """Two replicas appending to one conversation: each reads the last ``seq`` and writes the next; the write
    lock makes that read-then-write one step, as ``BEGIN IMMEDIATE`` does on SQLite."""
    name = postgres.new_database()
    replicas = [Database(postgres.url(name)) for _ in range(2)]
    try:
        stores = [ConversationStore(database) for database in replicas]
        cid = stores[0].create()
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda i: stores[i % 2].add_message(cid, "user", f"m{i}"), range(40)))
        assert [m.seq for m in stores[1].get(cid).messages] == list(range(40))
    finally:
        for database in replicas:
            database.close()
        postgres.drop(name)


def test_what_postgresql_cannot_hold_is_stored_as_near_as_it_can(postgres: Postgres):
    """PostgreSQL's text cannot hold U+0000 (SQLite's can; a client may send "\\u0000" in JSON), nor its JSON a
    NaN (which Python writes): U+FFFD and null instead, rather than failing the whole write."""
    name = postgres.new_database()
    database = Database(postgres.url(name))
    try:
        store = ConversationStore(database)
        cid = store.create(title="a\x00b")
        store.add_message(cid, "user", "x\x00y", citations=[{"quote": "q\x00"}], timing={"tpot_s": float("nan")})
        stored = store.get(cid)
        assert stored.title == "a\ufffdb"
        assert stored.messages[0].content == "x\ufffdy"
        assert stored.messages[0].citations == [{"quote": "q\x00"}]  # JSON keeps it, escaped
        assert stored.messages[0].timing == {"tpot_s": None}
    finally:
        database.close()
        postgres.drop(name)


def test_a_plain_postgresql_url_uses_psycopg_3():
    """SQLAlchemy's default PostgreSQL driver is psycopg2; the one medchat[replicas] installs is psycopg 3."""
    assert Database("postgresql://medchat@db.internal/medchat").url.drivername == "postgresql+psycopg"
    assert Database("postgresql+psycopg://medchat@db.internal/medchat").url.drivername == "postgresql+psycopg"
