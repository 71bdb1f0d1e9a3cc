from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config

from medchat.errors import ConfigError
from medchat.storage import ApiKey, Database, KeyStore, NotFoundError
from medchat.storage.db import MIGRATIONS
from medchat.storage.keys import PREFIX_CHARS, hash_key


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:  # a clock moved by hand (the shared one ticks per reading)
    return Clock()


@pytest.fixture
def keys(database: Database, clock: Clock) -> KeyStore:
    return KeyStore(database, clock=clock)


def test_create_returns_the_key_once_and_verify_finds_it(keys: KeyStore, clock: Clock):
    record, raw = keys.create("ci", rpm=60, tpm=10_000, concurrency=2, models=["assistant/*", "builtin/*"])

    assert raw.startswith("mc-") and len(raw) >= 3 + 43
    assert record.prefix == raw[:PREFIX_CHARS] and len(record.prefix) == 11
    assert (record.name, record.rpm, record.tpm, record.concurrency) == ("ci", 60, 10_000, 2)
    assert record.models == ("assistant/*", "builtin/*")
    assert record.created_at == clock.now and record.expires_at is None and record.revoked_at is None
    assert keys.verify(raw) == record
    assert record.active and record.status() == "active"


def test_every_key_is_different(keys: KeyStore):
    raws = {keys.create(f"k{i}")[1] for i in range(5)}
    assert len(raws) == 5


@pytest.mark.parametrize("bad", ["", "mc-", "nope", "mc-short", "Bearer mc-x", "x" * 500, "mc-" + "a" * 300])
def test_verify_refuses_what_is_not_a_known_key(keys: KeyStore, bad: str):
    keys.create("ci")
    assert keys.verify(bad) is None


def test_verify_refuses_a_key_that_differs_after_the_prefix(keys: KeyStore):
    _, raw = keys.create("ci")
    last = "A" if raw[-1] != "A" else "B"
    assert keys.verify(raw[:-1] + last) is None
    assert keys.verify(raw + "x") is None


def test_only_the_hash_and_prefix_are_stored(keys: KeyStore, db_path: Path, database: Database):
    _, raw = keys.create("ci", models="assistant/*")
    database.close()  # the WAL checkpointed into the file
    files = [p for p in db_path.parent.iterdir() if p.is_file()]
    secret = raw[PREFIX_CHARS:].encode()
    for path in files:
        data = path.read_bytes()
        assert secret not in data and secret[:16] not in data, path.name
    with sqlite3.connect(db_path) as connection:
        (stored,) = connection.execute("SELECT hash FROM api_keys").fetchone()
    assert stored == hash_key(raw)


def test_revoke_by_name_or_prefix(keys: KeyStore, clock: Clock):
    _, a = keys.create("a")
    b_record, b = keys.create("b")

    clock.advance(minutes=1)
    revoked = keys.revoke("a")
    assert revoked.name == "a" and revoked.revoked_at == clock.now and not revoked.active
    assert revoked.status() == "revoked"
    assert keys.verify(a) is None

    assert keys.revoke(b_record.prefix[:8]).name == "b"  # a unique start of the prefix is enough
    assert keys.verify(b) is None
    assert keys.list() == []
    assert [k.name for k in keys.list(include_revoked=True)] == ["a", "b"]


def test_revoke_with_the_whole_key(keys: KeyStore):
    _, raw = keys.create("pasted")
    assert keys.revoke(raw).name == "pasted"


def test_revoke_errors_are_one_line(keys: KeyStore):
    with pytest.raises(NotFoundError, match="no key named or prefixed 'ghost'"):
        keys.revoke("ghost")
    keys.create("a")
    keys.create("b")
    with pytest.raises(ConfigError, match="matches 2 keys") as caught:
        keys.revoke("mc-")
    assert "\n" not in str(caught.value)
    keys.revoke("a")
    with pytest.raises(ConfigError, match="already revoked"):
        keys.revoke("a")


def test_a_name_is_unique_among_keys_not_revoked(keys: KeyStore, clock: Clock):
    keys.create("ci")
    with pytest.raises(ConfigError, match="a key named 'ci' already exists"):
        keys.create("ci")
    keys.revoke("ci")
    clock.advance(seconds=1)
    record, raw = keys.create("ci")  # the replacement takes the name
    assert keys.verify(raw) == record
    assert [k.status() for k in keys.list(include_revoked=True)] == ["revoked", "active"]


def test_the_database_enforces_the_unique_name_too(keys: KeyStore, database: Database, monkeypatch):
    keys.create("ci")
    # as if another process inserted between the check and the insert: the partial unique index refuses it
    monkeypatch.setattr("sqlalchemy.orm.Session.scalar", lambda *a, **k: None)
    with pytest.raises(ConfigError, match="already exists"):
        keys.create("ci")


def test_expired_keys_are_refused_but_keep_the_door_shut(keys: KeyStore, clock: Clock):
    record, raw = keys.create("temp", expires_at=clock.now + timedelta(days=1))
    assert keys.verify(raw) == record

    clock.advance(days=1)
    assert keys.verify(raw) is None
    assert keys.any_keys()
    (listed,) = keys.list()
    assert listed.status(clock.now) == "expired"
    with pytest.raises(ConfigError, match="an expired key named 'temp'"):
        keys.create("temp")


def test_any_keys_counts_keys_not_revoked(keys: KeyStore):
    assert not keys.any_keys()
    keys.create("a")
    assert keys.any_keys()
    keys.revoke("a")
    assert not keys.any_keys()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rpm": 0}, "rpm must be a whole number of at least 1"),
        ({"tpm": -5}, "tpm must be"),
        ({"concurrency": True}, "concurrency must be"),
        ({"expires_at": datetime(2025, 1, 1, tzinfo=UTC)}, "is in the past"),
        ({"expires_at": datetime(2030, 1, 1)}, "has no timezone"),
    ],
)
def test_bad_options_are_config_errors(keys: KeyStore, kwargs: dict, message: str):
    with pytest.raises(ConfigError, match=message):
        keys.create("ci", **kwargs)
    assert keys.list(include_revoked=True) == []


@pytest.mark.parametrize("name", ["", "   ", "x" * 101, "tab\there", "mc-lookalike"])
def test_bad_names_are_config_errors(keys: KeyStore, name: str):
    with pytest.raises(ConfigError):
        keys.create(name)


def test_allows_matches_glob_patterns():
    def key(*models: str) -> ApiKey:
        now = datetime(2026, 1, 1, tzinfo=UTC)
        return ApiKey(id="x", name="n", prefix="mc-x", created_at=now, expires_at=None, revoked_at=None,
                      rpm=None, tpm=None, concurrency=None, models=models)

    assert key().allows("openai/gpt-4o")
    scoped = key("assistant/*", "builtin/*")
    assert scoped.allows("assistant/builtin/smollm2") and scoped.allows("builtin/extractive")
    assert not scoped.allows("openai/gpt-4o") and not scoped.allows("Builtin/smollm2")
    assert key("openai/gpt-4o-mini").allows("openai/gpt-4o-mini")
    assert not key("openai/gpt-4o-mini").allows("openai/gpt-4o")


def test_models_given_as_a_comma_separated_string(keys: KeyStore):
    record, _ = keys.create("ci", models=" assistant/* , builtin/*,")
    assert record.models == ("assistant/*", "builtin/*")
    assert keys.list()[0].models == ("assistant/*", "builtin/*")


def test_touch_records_last_use_at_most_once_per_interval(keys: KeyStore, clock: Clock):
    record, _ = keys.create("ci")
    first = clock.now
    keys.touch(record.id)
    clock.advance(seconds=30)
    keys.touch(record.id)  # within the interval: no write
    assert keys.list()[0].last_used_at == first
    clock.advance(seconds=31)
    keys.touch(record.id)
    assert keys.list()[0].last_used_at == clock.now
    keys.touch("no-such-id")  # ignored


def test_a_second_store_sees_keys_at_once(database: Database, keys: KeyStore):
    other = KeyStore(database)  # another worker or the CLI
    assert not other.any_keys()
    _, raw = keys.create("ci")
    assert other.any_keys() and other.verify(raw) is not None
    other.revoke("ci")
    assert keys.verify(raw) is None


def test_verify_from_many_threads(keys: KeyStore):
    _, raw = keys.create("ci")
    results: list[ApiKey | None] = []
    workers = [threading.Thread(target=lambda: results.append(keys.verify(raw))) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(results) == 8 and all(r is not None and r.name == "ci" for r in results)


def test_to_dict_is_plain_json(keys: KeyStore, clock: Clock):
    record, raw = keys.create("ci", rpm=5, models=["builtin/*"], expires_at=clock.now + timedelta(days=3))
    data = record.to_dict(clock.now)
    assert data["name"] == "ci" and data["models"] == ["builtin/*"] and data["status"] == "active"
    assert data["expires_at"] == "2026-01-04T12:00:00+00:00"
    assert raw not in str(data) and "hash" not in data


def test_the_migration_creates_a_partial_unique_index_on_postgresql(capsys: pytest.CaptureFixture[str]):
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", "postgresql://medchat@localhost/medchat")
    command.upgrade(config, "0003:0004", sql=True)  # offline: the SQL PostgreSQL would run, no server needed
    sql = capsys.readouterr().out
    assert "CREATE TABLE api_keys" in sql and "TIMESTAMP WITH TIME ZONE" in sql
    assert "CREATE UNIQUE INDEX uq_api_keys_name_active ON api_keys (name) WHERE revoked_at IS NULL" in sql
