"""Alembic environment for medchat's packaged migrations.

``Database.migrate()`` hands its connection in through ``config.attributes["connection"]``. Alembic
commands given ``Database.alembic_config()`` without one (``revision --autogenerate``, ``downgrade``,
``current``) open the database themselves, the same way.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from medchat.storage.schema import Base, UTCDateTime

config = context.config
target_metadata = Base.metadata


def _render_item(kind: str, item: object, autogen_context: object) -> str | bool:
    """Autogenerate writes plain SQLAlchemy types, so migrations never import the ORM module."""
    if kind == "type" and isinstance(item, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(**kwargs: object) -> None:
    context.configure(
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things: batch mode recreates the table
        compare_type=True,
        render_item=_render_item,
        **kwargs,  # type: ignore[arg-type]
    )


def run_offline() -> None:
    _configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True,
               dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def _run(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from medchat.storage.db import Database

    database = config.attributes.get("database") or Database(config.get_main_option("sqlalchemy.url") or "")
    with database.migration_connection() as connection:
        _run(connection)


if context.is_offline_mode():
    run_offline()
else:
    run_online()
