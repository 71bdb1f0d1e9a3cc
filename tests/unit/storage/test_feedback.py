"""Feedback on replies: stored with what it judged, filtered, exported as ``samples`` records ``medchat eval``
reads, and deleted with its conversation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from medchat.storage import ConversationStore, Database, NotFoundError
from medchat.storage.feedback import REASONS, FeedbackStore, sample_of, samples


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def stores(database: Database) -> tuple[ConversationStore, FeedbackStore]:
    clock = Clock()
    return ConversationStore(database, clock=clock), FeedbackStore(database, clock=clock)


def _conversation(conversations: ConversationStore) -> tuple[str, int, int]:
    first = conversations.store_exchange(None, "What is a fever?", "A raised temperature.", model="m",
                                         trace={"steps": [], "pipeline_version": "medchat 1.0 abc"})
    second = conversations.store_exchange(first.conversation_id, "How long does it last?", "A few days.",
                                          model="m", trace={"steps": [{"name": "generate"}],
                                                            "pipeline_version": "medchat 1.0 abc"})
    return first.conversation_id, first.answer_id, second.answer_id


def test_feedback_on_a_stored_reply_takes_what_it_judged_from_the_conversation(stores):
    conversations, feedback = stores
    conversation_id, _, answer_id = _conversation(conversations)
    record = feedback.add("down", reason="not_factually_correct", message_id=answer_id, question="ignored",
                          model="ignored", pipeline_version="medchat 2.0 today", correction="Usually 2-3 days.")
    assert (record.question, record.answer, record.model) == ("How long does it last?", "A few days.", "m")
    assert record.conversation_id == conversation_id
    assert record.history == [{"role": "user", "content": "What is a fever?"},
                              {"role": "assistant", "content": "A raised temperature."}]
    assert record.pipeline_version == "medchat 1.0 abc"  # the version that answered, not today's
    assert record.trace == {"steps": [{"name": "generate"}], "pipeline_version": "medchat 1.0 abc"}
    assert feedback.get(record.id) == record


def test_only_an_assistant_reply_can_be_judged(stores):
    conversations, feedback = stores
    _conversation(conversations)
    question_id = conversations.get(conversations.list()[0].id).messages[0].id
    with pytest.raises(NotFoundError):
        feedback.add("up", message_id=question_id)
    with pytest.raises(NotFoundError):
        feedback.add("up", message_id=10_000)
    with pytest.raises(ValueError, match="unknown reason"):
        feedback.add("down", reason="bad vibes", question="q", answer="a")
    with pytest.raises(ValueError, match="rating"):
        feedback.add("sideways", question="q", answer="a")  # type: ignore[arg-type]


def test_free_text_is_redacted_before_it_is_written(database):
    feedback = FeedbackStore(database, redact=lambda text: text.replace("07700 900123", "<PHONE>"))
    record = feedback.add("down", reason="other", comment="call 07700 900123", question="I'm on 07700 900123",
                          answer="ok", correction="Ring 07700 900123 back",
                          history=[{"role": "user", "content": "07700 900123"}])
    stored = feedback.get(record.id)
    assert "07700" not in stored.model_dump_json()


def test_list_filters_and_export_pages_oldest_first(stores):
    _, feedback = stores
    ids = [feedback.add("down" if i % 2 else "up", reason="unhelpful" if i % 2 else None, question=f"q{i}",
                        answer="a", correction="better" if i % 3 == 0 else None).id for i in range(7)]
    assert [r.id for r in feedback.list()] == ids[::-1]
    assert [r.id for r in feedback.list(rating="down")] == [ids[5], ids[3], ids[1]]
    assert [r.id for r in feedback.list(corrected=True)] == [ids[6], ids[3], ids[0]]
    assert [r.id for r in feedback.export(page=2)] == ids  # several pages, none repeated
    assert [r.id for r in feedback.export(reason="unhelpful", page=1)] == [ids[1], ids[3], ids[5]]
    assert feedback.counts() == {("up", "-"): 4, ("down", "unhelpful"): 3}


def test_a_sample_asks_the_question_again_with_the_correction_as_reference(stores):
    _, feedback = stores
    record = feedback.add("down", reason="missed_emergency", question="Crushing chest pain", answer="Rest.",
                          correction="Call 999 now.", history=[{"role": "user", "content": "Hi"},
                                                                {"role": "assistant", "content": "Hello"}])
    sample = sample_of(record)
    assert sample is not None
    assert sample["input"][-1] == {"role": "user", "content": "Crushing chest pain"}
    assert len(sample["input"]) == 3 and sample["target"] == ["Call 999 now."]
    assert sample["metadata"]["expect"] == "escalate" and sample["metadata"]["answer_judged"] == "Rest."
    assert sample["tags"] == ["feedback", "down", "missed_emergency"]
    refused = sample_of(feedback.add("down", reason="refused_when_should_not", question="q", answer="a"))
    assert refused is not None and refused["metadata"]["expect"] == "answer"
    assert list(samples([record.model_copy(update={"question": None})])) == []


def test_deleting_the_conversation_deletes_its_feedback(stores):
    conversations, feedback = stores
    conversation_id, answer_id, _ = _conversation(conversations)
    record = feedback.add("up", message_id=answer_id)
    conversations.delete(conversation_id)
    with pytest.raises(NotFoundError):
        feedback.get(record.id)


def test_every_reason_has_a_label():
    assert all(label and label[0].isupper() for label in REASONS.values())
    assert {"not_factually_correct", "refused_when_should_not", "missed_emergency", "unsafe_advice"} <= set(REASONS)
