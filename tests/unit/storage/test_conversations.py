from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from pydantic import BaseModel

from medchat.errors import MedchatError
from medchat.storage import ConversationStore, Database, NotFoundError
from medchat.types import Message, Timing, Usage


def raw(db_path: Path, sql: str, *params: object) -> list[tuple]:
    with sqlite3.connect(db_path) as connection:
        return connection.execute(sql, params).fetchall()


def test_round_trip(store: ConversationStore):
    cid = store.create(title="Chest pain", model="builtin/smollm2", language="en", meta={"source": "cli"})
    assert len(cid) == 32 and int(cid, 16) >= 0
    user_id = store.add_message(cid, "user", "I have chest pain")
    report = {"language": "en", "emergency": True, "emergency_categories": ["cardiac"], "injection_score": 0.1,
              "redactions": 2, "findings": [{"check": "triage", "kind": "cardiac", "message": "chest pain"}]}
    answer_id = store.add_message(
        cid, "assistant", "Call emergency services now.", model="builtin/smollm2",
        usage=Usage(prompt_tokens=12, completion_tokens=6), timing=Timing(ttft_s=0.1, total_s=0.5),
        citations=[{"title": "Heart attack", "url": "https://example.org/mi"}], trace={"steps": ["triage"]},
        safety=report,
    )
    assert answer_id != user_id

    conversation = store.get(cid)
    assert (conversation.id, conversation.title, conversation.model, conversation.language) == (
        cid, "Chest pain", "builtin/smollm2", "en")
    assert conversation.meta == {"source": "cli"}
    user, answer = conversation.messages
    assert (user.id, user.seq, user.role, user.content) == (user_id, 0, "user", "I have chest pain")
    assert user.safety is None and user.citations == [] and user.usage is None
    assert (answer.id, answer.seq, answer.role, answer.model) == (answer_id, 1, "assistant", "builtin/smollm2")
    assert answer.usage == {"prompt_tokens": 12, "completion_tokens": 6, "estimated": False, "total_tokens": 18}
    assert Timing.model_validate(answer.timing) == Timing(ttft_s=0.1, total_s=0.5)
    assert answer.citations == [{"title": "Heart attack", "url": "https://example.org/mi"}]
    assert answer.trace == {"steps": ["triage"]}
    assert answer.safety == report


def test_timestamps_are_utc_and_updated_at_follows_messages(store: ConversationStore):
    cid = store.create()
    created = store.get(cid)
    assert created.created_at.tzinfo is not None and created.created_at.utcoffset() == timedelta(0)
    assert created.updated_at == created.created_at
    store.add_message(cid, "user", "hello")
    later = store.get(cid)
    assert later.updated_at > later.created_at
    assert later.updated_at == later.messages[-1].created_at


def test_other_timezones_are_stored_as_utc(database: Database):
    paris = timezone(timedelta(hours=1))
    store = ConversationStore(database, clock=lambda: datetime(2025, 3, 1, 13, 0, tzinfo=paris))
    conversation = store.get(store.create())
    assert conversation.created_at == datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    assert conversation.created_at.tzinfo == UTC


def test_naive_timestamps_are_refused(database: Database):
    store = ConversationStore(database, clock=lambda: datetime(2025, 3, 1, 13, 0))
    with pytest.raises(ValueError, match="naive datetime"):
        store.create()


def test_messages_come_back_in_seq_order(store: ConversationStore, db_path: Path):
    cid = store.create()
    for i in range(5):
        store.add_message(cid, "user" if i % 2 == 0 else "assistant", f"turn {i}")
    assert [(m.seq, m.content) for m in store.get(cid).messages] == [(i, f"turn {i}") for i in range(5)]
    assert store.history(cid) == [Message(role="user" if i % 2 == 0 else "assistant", content=f"turn {i}")
                                  for i in range(5)]

    with sqlite3.connect(db_path) as connection:  # reverse the order: seq, not insertion order, decides
        connection.execute("UPDATE messages SET seq = 100 - seq")
    assert [m.content for m in store.get(cid).messages] == [f"turn {i}" for i in reversed(range(5))]
    assert [m.content for m in store.history(cid)] == [f"turn {i}" for i in reversed(range(5))]


def test_list_is_newest_first_with_message_counts(store: ConversationStore):
    first = store.create(title="first")
    second = store.create(title="second", model="gemini/gemini-2.5-flash", language="zh")
    third = store.create(title="third")
    store.add_message(first, "user", "a")
    store.add_message(first, "assistant", "b")

    listed = store.list()
    assert [c.id for c in listed] == [first, third, second]
    assert [c.message_count for c in listed] == [2, 0, 0]
    assert (listed[2].title, listed[2].model, listed[2].language) == ("second", "gemini/gemini-2.5-flash", "zh")
    assert [c.id for c in store.list(limit=2)] == [first, third]
    assert [c.id for c in store.list(limit=2, offset=2)] == [second]


def test_delete_cascades_to_messages_and_safety_reports(store: ConversationStore, db_path: Path):
    doomed = store.create()
    kept = store.create()
    for cid in (doomed, kept):
        store.add_message(cid, "user", "question")
        store.add_message(cid, "assistant", "answer", safety={"emergency": False, "redactions": 0})

    store.delete(doomed)

    assert raw(db_path, "SELECT count(*) FROM conversations WHERE id = ?", doomed) == [(0,)]
    assert raw(db_path, "SELECT count(*) FROM messages WHERE conversation_id = ?", doomed) == [(0,)]
    assert raw(db_path, "SELECT count(*) FROM messages") == [(2,)]
    assert raw(db_path, "SELECT count(*) FROM safety_reports") == [(1,)]
    assert raw(db_path, "SELECT m.conversation_id FROM safety_reports s JOIN messages m ON m.id = s.message_id") == [
        (kept,)]
    assert len(store.get(kept).messages) == 2
    with pytest.raises(NotFoundError):
        store.get(doomed)
    with pytest.raises(NotFoundError):
        store.delete(doomed)


def test_safety_columns_are_queryable(store: ConversationStore, db_path: Path):
    class Report(BaseModel):  # the shape of medchat.safety's SafetyReport, which storage does not import
        emergency: bool = True
        emergency_categories: list[str] = ["stroke"]
        injection_score: float = 0.75
        redactions: int = 3

    cid = store.create()
    store.add_message(cid, "assistant", "x", safety=Report())
    store.add_message(cid, "assistant", "y", safety={"categories": ["overdose"], "redactions": [{"kind": "PHONE"}]})
    rows = raw(db_path, "SELECT emergency, categories, injection_score, redactions FROM safety_reports ORDER BY id")
    assert rows == [(1, '["stroke"]', 0.75, 3), (0, '["overdose"]', 0.0, 1)]
    assert store.get(cid).messages[0].safety == Report().model_dump()


def test_redact_is_applied_before_writing(database: Database, db_path: Path):
    def redact(text: str) -> str:
        return text.replace("555-0100", "[PHONE]").replace("Jane Roe", "[NAME]")

    store = ConversationStore(database, redact=redact)
    cid = store.create(title="Jane Roe's rash")
    store.add_message(cid, "user", "I am Jane Roe, call me on 555-0100")

    assert raw(db_path, "SELECT title FROM conversations") == [("[NAME]'s rash",)]
    assert raw(db_path, "SELECT content FROM messages") == [("I am [NAME], call me on [PHONE]",)]
    with sqlite3.connect(db_path) as connection:
        dump = "\n".join(connection.iterdump())
    assert "555-0100" not in dump and "Jane Roe" not in dump
    assert store.history(cid) == [Message.user("I am [NAME], call me on [PHONE]")]


@pytest.mark.parametrize("call", ["get", "history", "delete", "add_message"])
def test_unknown_id_is_a_one_line_error(store: ConversationStore, call: str):
    args = ("0" * 32, "user", "hi") if call == "add_message" else ("0" * 32,)
    with pytest.raises(NotFoundError) as caught:
        getattr(store, call)(*args)
    assert isinstance(caught.value, MedchatError) and isinstance(caught.value, LookupError)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"conversation '{'0' * 32}' not found — ")


def test_unknown_role_is_refused(store: ConversationStore):
    cid = store.create()
    with pytest.raises(ValueError, match="role"):
        store.add_message(cid, "tool", "x")  # type: ignore[arg-type]
    assert store.get(cid).messages == []


def test_a_second_database_on_the_same_file_sees_the_data(store: ConversationStore, db_path: Path):
    cid = store.create(title="shared")
    store.add_message(cid, "user", "hello")

    other = Database(f"sqlite:///{db_path}")
    other.migrate()
    try:
        seen = ConversationStore(other).get(cid)
        assert seen.title == "shared" and [m.content for m in seen.messages] == ["hello"]
        ConversationStore(other).add_message(cid, "assistant", "hi")
    finally:
        other.close()
    assert [m.content for m in store.get(cid).messages] == ["hello", "hi"]


def test_threads_appending_to_one_conversation_get_distinct_seqs(database: Database):
    store = ConversationStore(database)
    cid = store.create()

    def append(worker: int) -> list[int]:
        return [store.add_message(cid, "user", f"{worker}-{i}") for i in range(10)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = [i for batch in pool.map(append, range(8)) for i in batch]

    messages = store.get(cid).messages
    assert len(set(ids)) == 80
    assert [m.seq for m in messages] == list(range(80))
    assert sorted(m.id for m in messages) == sorted(ids)
    assert store.list()[0].message_count == 80


def test_an_exchange_starts_a_conversation_and_appends_to_it(store: ConversationStore):
    cid = store.add_exchange(None, "What helps a cough?", "Honey and rest.", title="What helps a cough?",
                             model="builtin/extractive", language="en", usage=Usage(prompt_tokens=5),
                             safety={"emergency": False, "redactions": 0, "findings": []})
    assert store.add_exchange(cid, "And at night?", "Prop yourself up.", title="ignored") == cid

    conversation = store.get(cid)
    assert (conversation.title, conversation.model, conversation.language) == (
        "What helps a cough?", "builtin/extractive", "en")
    assert [(m.seq, m.role, m.content) for m in conversation.messages] == [
        (0, "user", "What helps a cough?"), (1, "assistant", "Honey and rest."),
        (2, "user", "And at night?"), (3, "assistant", "Prop yourself up.")]
    question, answer = conversation.messages[:2]
    assert question.usage is None and question.safety is None  # the metadata belongs to the answer
    assert answer.usage["prompt_tokens"] == 5 and answer.safety["emergency"] is False


def test_an_exchange_for_an_unknown_conversation_writes_nothing(store: ConversationStore, db_path: Path):
    with pytest.raises(NotFoundError):
        store.add_exchange("0" * 32, "hello", "hi")
    assert raw(db_path, "SELECT COUNT(*) FROM messages") == [(0,)]
