from __future__ import annotations

import ast
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from medchat.config import get_settings, load_settings
from medchat.errors import ConfigError
from medchat.storage import ConversationStore, Database, open_database
from medchat.storage.schema import Base

STORAGE = Path(__file__).parents[3] / "src/medchat/storage"


def tables(database: Database) -> set[str]:
    return set(sa.inspect(database.engine).get_table_names())


def test_migrate_creates_the_schema_and_is_idempotent(database: Database):
    head = ScriptDirectory.from_config(database.alembic_config()).get_current_head()
    assert database.revision() == head
    assert tables(database) == {"alembic_version", "conversations", "messages", "safety_reports", "eval_runs",
                               "sample_results", "api_keys", "feedback", "preferences", "judge_calibrations",
                               "judge_judgments", "arena_runs", "battles", "cache_entries"}
    cid = ConversationStore(database).create(title="kept")

    database.migrate()
    database.migrate()

    assert database.revision() == head
    assert ConversationStore(database).get(cid).title == "kept"


def test_migrated_schema_matches_the_orm(database: Database):
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
        inspector = sa.inspect(connection)
        for table in Base.metadata.sorted_tables:  # autogenerate does not compare ON DELETE
            expected = {(fk.name, fk.ondelete) for fk in table.foreign_key_constraints}
            reflected = {(fk["name"], fk["options"].get("ondelete")) for fk in inspector.get_foreign_keys(table.name)}
            assert reflected == expected, table.name


def test_one_linear_history_ending_at_head(database: Database):
    scripts = ScriptDirectory.from_config(database.alembic_config())
    assert len(scripts.get_heads()) == 1
    revisions = list(scripts.walk_revisions())
    assert revisions[-1].down_revision is None
    assert all(not r.is_merge_point for r in revisions)


def test_downgrade_to_base_and_back(database: Database):
    command.downgrade(database.alembic_config(), "base")
    assert tables(database) == {"alembic_version"}
    assert database.revision() is None
    database.migrate()
    assert tables(database) >= {"conversations", "messages", "safety_reports"}


@pytest.mark.sqlite_only
def test_sqlite_connections_enforce_foreign_keys_in_wal_mode(database: Database):
    with database.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        with pytest.raises(sa.exc.IntegrityError):
            connection.exec_driver_sql(
                "INSERT INTO messages (conversation_id, seq, role, content, created_at, citations) "
                "VALUES ('nope', 0, 'user', 'x', '2025-01-01 00:00:00', '[]')")


def test_database_url_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    path = tmp_path / "elsewhere" / "chats.db"
    monkeypatch.setenv("MEDCHAT_DATABASE_URL", f"sqlite:///{path}")
    get_settings.cache_clear()
    assert get_settings().resolved_database_url() == f"sqlite:///{path}"
    database = open_database()
    ConversationStore(database).create(title="here")
    assert path.is_file()
    assert raw_titles(path) == ["here"]


def raw_titles(path: Path) -> list[str]:
    with sqlite3.connect(path) as connection:
        return [title for (title,) in connection.execute("SELECT title FROM conversations")]


def test_default_database_is_under_data_dir(tmp_path: Path):
    settings = load_settings()
    expected = settings.data_dir / "medchat.db"
    assert settings.database_url is None
    assert settings.resolved_database_url() == f"sqlite:///{expected}"
    assert not expected.exists()
    database = open_database()
    assert expected.is_file()
    assert open_database() is database  # cached per URL
    assert open_database(load_settings(data_dir=tmp_path / "other")) is not database
    assert (tmp_path / "other" / "medchat.db").is_file()


def test_in_memory_database_is_shared_across_threads():
    database = Database("sqlite://")
    database.migrate()
    store = ConversationStore(database)
    cid = store.create(title="memory")
    seen: list[str | None] = []
    worker = threading.Thread(target=lambda: seen.append(store.get(cid).title))
    worker.start()
    worker.join()
    assert seen == ["memory"]


@pytest.mark.parametrize("url", ["not a url", "nosuchdialect://host/db", "postgresql://me:s3cret@127.0.0.1:1/medchat"])
def test_bad_urls_are_one_line_config_errors(url: str):
    with pytest.raises(ConfigError) as caught:
        Database(url).migrate()
    message = str(caught.value)
    assert "\n" not in message
    assert caught.value.hint
    assert "s3cret" not in message


def test_unusable_sqlite_files_are_config_errors(tmp_path: Path):
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(ConfigError, match="cannot create the database folder"):
        Database(f"sqlite:///{tmp_path / 'a-file' / 'medchat.db'}")

    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database" * 100)
    with pytest.raises(ConfigError, match="cannot open database") as caught:
        Database(f"sqlite:///{garbage}").migrate()
    assert "\n" not in str(caught.value)


def test_a_database_from_a_newer_medchat_is_a_config_error(database: Database):
    with database.engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(ConfigError, match="newer medchat"):
        database.migrate()


def test_open_database_reports_errors_and_caches_nothing(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("MEDCHAT_DATABASE_URL", "nosuchdialect://x")
    get_settings.cache_clear()
    with pytest.raises(ConfigError):
        open_database()


def test_storage_imports_only_its_allowed_layers():
    allowed = ("medchat.types", "medchat.errors", "medchat.config", "medchat.storage")
    for path in STORAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                if name == "medchat" or name.startswith("medchat."):
                    assert name.startswith(allowed), f"{path.name} imports {name}"


def test_import_medchat_does_not_load_sqlalchemy():
    code = ("import sys, medchat, medchat.config, medchat.types, medchat.errors; "
            "print([m for m in ('sqlalchemy', 'alembic', 'medchat.storage') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_batch_migrations_rebuild_tables_without_cascading(store: ConversationStore, database: Database,
                                                           db_path: Path):
    from alembic.operations import Operations

    cid = store.create()
    store.add_message(cid, "assistant", "answer", safety={"emergency": True})
    with database.migration_connection() as connection:  # how migrate() runs every script
        operations = Operations(MigrationContext.configure(connection))
        with operations.batch_alter_table("messages", recreate="always") as batch:  # drop + recreate on SQLite
            batch.alter_column("role", existing_type=sa.String(16), type_=sa.String(32), existing_nullable=False)

    with sqlite3.connect(db_path) as connection:
        assert connection.execute("SELECT count(*) FROM safety_reports").fetchall() == [(1,)]
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
    assert store.get(cid).messages[0].safety == {"emergency": True}
