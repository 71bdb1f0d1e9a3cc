"""Conversation memory: the newest whole turns that fit the token budget."""

from __future__ import annotations

from medchat.assistant import Assistant
from medchat.assistant.memory import fit_history
from medchat.config import AssistantSettings
from medchat.knowledge.chunking import count_tokens
from medchat.types import Message
from tests.scripted import ScriptedModel
from tests.unit.assistant.support import no_redaction, turn


def cost(message: Message) -> int:
    return count_tokens(message.content) + 4


def conversation(turns: int) -> list[Message]:
    history = []
    for i in range(turns):
        history += [Message.user(f"question number {i} about my cough"),
                    Message.assistant(f"answer number {i}: rest and fluids may help")]
    return history


def test_everything_fits_a_large_budget():
    history = conversation(3)
    assert fit_history(history, 10_000) == (history, 0)


def test_the_oldest_turns_are_dropped_first_and_the_newest_kept_in_order():
    history = conversation(5)
    budget = sum(cost(m) for m in history[-4:])  # exactly the last two exchanges
    kept, dropped = fit_history(history, budget)
    assert kept == history[-4:]
    assert dropped == 6
    assert sum(cost(m) for m in kept) <= budget


def test_kept_history_never_starts_with_an_assistant_reply():
    history = conversation(4)
    budget = sum(cost(m) for m in history[-3:])  # room for an answer, its question's answer... but not the question
    kept, dropped = fit_history(history, budget)
    assert kept == history[-2:]  # the orphaned assistant reply is dropped too
    assert kept[0].role == "user"
    assert dropped == len(history) - 2


def test_one_message_too_big_stops_the_walk_back_even_if_older_ones_would_fit():
    history = [Message.user("short"), Message.assistant("short"), Message.user("word " * 500),
               Message.assistant("fine"), Message.user("latest")]
    kept, dropped = fit_history(history, 60)
    assert kept == history[-1:]  # never a gap in the middle of a conversation
    assert dropped == 4


def test_system_messages_are_neither_kept_nor_counted_as_dropped():
    history = [Message.system("old prompt"), *conversation(1)]
    assert fit_history(history, 10_000) == (history[1:], 0)


def test_a_zero_budget_keeps_nothing():
    assert fit_history(conversation(2), 0) == ([], 4)


async def test_the_pipeline_sends_the_kept_history_and_the_trace_reports_the_dropped():
    history = conversation(5)
    budget = sum(cost(m) for m in history[-4:])
    model = ScriptedModel("Rest. Ask a pharmacist if it lasts.")
    assistant = Assistant(model, settings=AssistantSettings(memory_tokens=budget, store=False),
                          redactor=no_redaction)
    _, reply = await turn(assistant, "And what about at night?", history)

    (request,) = model.calls
    assert request.messages[0].role == "system"
    assert request.messages[1:-1] == history[-4:]
    assert request.messages[-1] == Message.user("And what about at night?")
    prompt = next(step for step in reply.trace if step.name == "prompt")
    assert prompt.detail == "4 earlier messages kept, 6 dropped"
