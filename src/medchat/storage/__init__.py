"""Persistence: conversations (messages, safety reports) in a SQL database, migrated by Alembic.

``open_database()`` gives the migrated database named by ``database_url`` (default
``sqlite:///<data_dir>/medchat.db``); ``ConversationStore(database, redact=...)`` reads and writes
conversations; ``FeedbackStore`` (``storage.feedback``) the feedback on replies; ``KeyStore(database)``
holds the API keys of ``medchat serve`` (hashed); ``CalibrationStore`` (``storage.calibrations``) judges' measured
agreement with human labels and the verdicts behind it; ``BattleStore`` (``storage.battles``) arena runs and their
battles.
Schema changes are new scripts in ``migrations/versions`` (see ``Database.alembic_config``).

Storage depends only on ``types``, ``errors`` and ``config``; it imports SQLAlchemy and Alembic, so
``import medchat`` does not import it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from medchat.storage.conversations import (
        ConversationStore,
        ConversationSummary,
        StoredConversation,
        StoredExchange,
        StoredMessage,
    )
    from medchat.storage.db import Database, NotFoundError, close_databases, open_database
    from medchat.storage.keys import ApiKey, KeyStore

# Each name from the module that defines it, imported on first use (PEP 562): a submodule that needs no
# SQLAlchemy (``gateway_stores``, ``opening``) is imported without it.
_HOMES = {
    "ConversationStore": "conversations", "ConversationSummary": "conversations",
    "StoredConversation": "conversations", "StoredExchange": "conversations", "StoredMessage": "conversations",
    "Database": "db", "NotFoundError": "db", "close_databases": "db", "open_database": "db",
    "ApiKey": "keys", "KeyStore": "keys",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'medchat.storage' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"medchat.storage.{_HOMES[name]}"), name)
    globals()[name] = value
    return value


__all__ = [
    "ApiKey",
    "ConversationStore",
    "ConversationSummary",
    "Database",
    "KeyStore",
    "NotFoundError",
    "StoredConversation",
    "StoredExchange",
    "StoredMessage",
    "close_databases",
    "open_database",
]
