"""The proof the issue asks for: personal data typed by the user reaches neither a remote model nor the database.

Everything here is real except the remote end: the ``openai`` SDK behind ``OpenAICompatModel`` talks HTTP
to a recording OpenAI-compatible server on 127.0.0.1 (streamed server-sent events), the assistant runs the
Presidio-based detector, and conversations go through ``ConversationStore`` into a SQLite file that the
test then reads with the standard library's ``sqlite3``, bypassing medchat and SQLAlchemy altogether.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from medchat.assistant import Assistant
from medchat.config import AssistantSettings, Settings
from medchat.models.openai_compat import OpenAICompatModel
from medchat.models.registry import create_model
from medchat.storage import ConversationStore, Database
from tests.wire.fake_server import FakeServer
from tests.wire.test_openai_compat import MODEL_ID, stream_reply

CASES = {
    "en": dict(
        question="My number is 07700 900123 and my email is jo@example.com, what helps a sore throat?",
        phones=["07700900123"],
        emails=["jo@example.com"],
        placeholders=["[PHONE_NUMBER_1]", "[EMAIL_ADDRESS_1]"],
        answer=["Warm drinks and rest ", "may help [1]. ", "I won't use [PHONE_NUMBER_1]; ",
                "ask a pharmacist if it lasts."],
    ),
    "zh": dict(
        question="我的手机号是13912345678，邮箱是jo@example.com，嗓子疼怎么办？",
        phones=["13912345678"],
        emails=["jo@example.com"],
        placeholders=["[CN_MOBILE_1]", "[EMAIL_ADDRESS_1]"],
        answer=["多喝温水，", "注意休息 [1]。", "我不会使用 [CN_MOBILE_1]。", "如果持续不好，请咨询医生。"],
    ),
}


def digits_pattern(number: str) -> re.Pattern[bytes]:
    """The digits of ``number`` in order, with up to three other bytes between any two: finds it written
    with or without spaces, dashes, or JSON escapes between the digits."""
    return re.compile(rb"\D{0,3}".join(re.escape(d.encode()) for d in number))


def leaks(data: bytes, case: dict) -> list[str]:
    found = [p for p in case["phones"] if digits_pattern(p).search(data)]
    found += [e for e in case["emails"] if e.encode() in data]
    return found


@pytest.fixture
async def remote_model(fake_server: FakeServer) -> AsyncIterator[OpenAICompatModel]:
    model = create_model(f"openai/{MODEL_ID}", Settings(), base_url=f"{fake_server.url}/v1", api_key="sk-test")
    assert isinstance(model, OpenAICompatModel)
    # The fake server listens on 127.0.0.1, and a loopback base_url makes medchat treat the model as local
    # (requests to it never leave the machine), so the default redact="remote" would rightly send the text
    # as typed. Here the server stands in for a remote provider: mark the model remote, as it would be with
    # https://api.openai.com, so the test exercises exactly the path a cloud model takes.
    assert model.is_local is True
    model.is_local = False  # type: ignore[misc]
    yield model
    await model.aclose()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "medchat.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[ConversationStore]:
    database = Database(f"sqlite:///{db_path}")
    database.migrate()
    yield ConversationStore(database)
    database.close()


def read_everything(db_path: Path) -> tuple[dict[tuple[str, str], list[str]], str]:
    """Every text value of every column of every table, and the whole database as SQL (``iterdump``)."""
    values: dict[tuple[str, str], list[str]] = {}
    with sqlite3.connect(db_path) as connection:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            columns = [row[1] for row in connection.execute(f'PRAGMA table_info("{table}")')]
            for row in connection.execute(f'SELECT * FROM "{table}"'):
                for column, value in zip(columns, row, strict=True):
                    if isinstance(value, bytes):
                        value = value.decode("utf-8", "replace")
                    if isinstance(value, str):
                        values.setdefault((table, column), []).append(value)
        dump = "\n".join(connection.iterdump())
    connection.close()
    return values, dump


@pytest.mark.parametrize("language", ["en", "zh"])
async def test_personal_data_reaches_neither_the_remote_model_nor_the_database(
        language, fake_server, remote_model, store, db_path, kb, detector):
    case = CASES[language]
    assert leaks(case["question"].encode(), case) == case["phones"] + case["emails"]  # the check can see them
    fake_server.queue(stream_reply(*case["answer"]))
    assistant = Assistant(remote_model, knowledge=kb, store=store,
                          settings=AssistantSettings(redact="remote", redact_storage=True))

    pieces: list[str] = []
    async for item in assistant.respond([], case["question"]):
        if isinstance(item, str):
            pieces.append(item)
        else:
            reply = item

    # The turn really went through the server, streamed, and was stored.
    assert reply.language == language and reply.text == "".join(pieces)
    assert "".join(case["answer"]) in reply.text
    assert reply.safety.redactions == 2 and reply.conversation_id is not None

    # 1. What left for the model: the raw bytes of every request the server received.
    assert fake_server.requests, "the model was not called"
    for request in fake_server.requests:
        assert (request.method, request.path) == ("POST", "/v1/chat/completions")
        assert request.json["stream"] is True
        assert leaks(request.body, case) == []
        assert leaks(repr(request.headers).encode(), case) == []
    user_message = fake_server.requests[-1].json["messages"][-1]
    assert user_message["role"] == "user"
    for placeholder in case["placeholders"]:
        assert placeholder in user_message["content"]

    # 2. What was stored: the database file read with sqlite3, every table and text column, and a dump.
    stored = store.get(reply.conversation_id)
    assert [m.role for m in stored.messages] == ["user", "assistant"]
    store.database.close()  # let SQLite fold its write-ahead log into the file before we read it
    values, dump = read_everything(db_path)
    assert {"conversations", "messages", "safety_reports"} <= {table for table, _ in values}
    for (table, column), texts in values.items():
        for text in texts:
            assert leaks(text.encode(), case) == [], f"{table}.{column} holds personal data: {text[:200]!r}"
    assert leaks(dump.encode(), case) == []
    for placeholder in case["placeholders"]:
        assert placeholder in "\n".join(values[("messages", "content")])
        assert placeholder in dump
    assert any(placeholder in title for title in values[("conversations", "title")]
               for placeholder in case["placeholders"])
    # And the file itself, byte for byte (a value once written and overwritten could linger in a free page).
    raw = db_path.read_bytes()
    wal = db_path.with_name(db_path.name + "-wal")
    if wal.exists():
        raw += wal.read_bytes()
    assert leaks(raw, case) == []


async def test_the_same_database_check_finds_data_stored_unredacted(fake_server, remote_model, store, db_path, kb,
                                                                    detector):
    """The checks above can fail: with storage redaction off, the original is in the file and they find it."""
    case = CASES["en"]
    fake_server.queue(stream_reply(*case["answer"]))
    assistant = Assistant(remote_model, knowledge=kb, store=store, settings=AssistantSettings(redact_storage=False))
    async for _ in assistant.respond([], case["question"]):
        pass

    assert leaks(fake_server.requests[-1].body, case) == []  # still redacted on the way out
    store.database.close()
    values, dump = read_everything(db_path)
    assert leaks("\n".join(values[("messages", "content")]).encode(), case) == ["07700900123", "jo@example.com"]
    assert leaks(dump.encode(), case) == ["07700900123", "jo@example.com"]
