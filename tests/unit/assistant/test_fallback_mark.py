"""A guarded answer that a fallback model gave says so: the reply, the first piece of its text, the assistant as a
``ChatModel`` (first and final chunk, and its ``Completion``), an eval ``Output`` and the CLI's status lines."""

from __future__ import annotations

import pytest

from medchat.assistant import Assistant
from medchat.assistant.model import AssistantModel
from medchat.assistant.reply import FallbackPiece
from medchat.config import AssistantSettings
from medchat.errors import ModelUnavailableError
from medchat.gateway.fallback import Fallback
from medchat.types import ChatRequest, Usage
from tests.scripted import ScriptedModel
from tests.unit.assistant.support import no_redaction, turn

ANSWER = "Rest and fluids may help. Ask a pharmacist if it lasts."
MARK = {"from": "test/asked", "to": "test/backup", "reason": "unavailable"}


def guarded(*asked_steps: object) -> Assistant:
    """An assistant whose model is ``test/asked`` (scripted) with ``test/backup`` as its fallback."""
    asked = ScriptedModel(*asked_steps, name="test/asked", usage=Usage(prompt_tokens=50, completion_tokens=12))
    backup = ScriptedModel(ANSWER, name="test/backup", usage=Usage(prompt_tokens=50, completion_tokens=12))
    return Assistant(Fallback(asked, fallbacks=[backup]), settings=AssistantSettings(store=False),
                     redactor=no_redaction)


async def test_a_reply_a_fallback_gave_carries_the_mark_and_its_first_piece_says_so():
    pieces, reply = await turn(guarded(ModelUnavailableError("down", status=503)), "What helps a cough?")
    assert reply.fallback == MARK
    assert isinstance(pieces[0], FallbackPiece) and pieces[0].fallback == MARK
    assert not any(isinstance(piece, FallbackPiece) for piece in pieces[1:])  # said once, at the start
    assert reply.text.startswith(ANSWER)


async def test_a_reply_the_model_asked_gave_has_no_mark():
    pieces, reply = await turn(guarded(ANSWER), "What helps a cough?")
    assert reply.fallback is None
    assert not any(isinstance(piece, FallbackPiece) for piece in pieces)


async def test_the_assistant_as_a_chat_model_marks_its_first_and_final_chunks_and_its_completion():
    model = AssistantModel("assistant/test/asked", guarded(ModelUnavailableError("down", status=503)))
    chunks = [chunk async for chunk in model.stream(ChatRequest.of("What helps a cough?"))]
    assert chunks[0].fallback == MARK and chunks[-1].final and chunks[-1].fallback == MARK
    assert all(chunk.fallback is None for chunk in chunks[1:-1])

    model = AssistantModel("assistant/test/asked", guarded(ModelUnavailableError("down", status=503)))
    assert (await model.complete(ChatRequest.of("What helps a cough?"))).fallback == MARK


async def test_an_assistant_solvers_output_stores_the_mark():
    from medchat.evaluation.sample import Sample
    from medchat.evaluation.solvers import assistant as assistant_solver
    from medchat.types import GenerationParams

    model = AssistantModel("assistant/test/asked", guarded(ModelUnavailableError("down", status=503)))
    sample = Sample(id="s1", input="What helps a cough?")
    output = await assistant_solver(model, sample, GenerationParams())
    assert output.fallback == MARK
    assert (await assistant_solver(AssistantModel("assistant/test/asked", guarded(ANSWER)), sample,
                                   GenerationParams())).fallback is None


async def test_the_cli_status_lines_name_the_fallback(capsys: pytest.CaptureFixture[str]):
    from medchat.cli.ask import _print_assistant_stats
    from medchat.cli.chat import ChatSession

    _, reply = await turn(guarded(ModelUnavailableError("down", status=503)), "What helps a cough?")
    _print_assistant_stats(reply, reply.timing)
    assert "answered by test/backup (fallback for test/asked: unavailable)" in capsys.readouterr().err

    from rich.console import Console

    console = Console(record=True, width=300)
    ChatSession(guarded(ANSWER), console)._footer(reply)
    assert "answered by test/backup (fallback for test/asked: unavailable)" in console.export_text()


async def test_in_an_emergency_the_escalation_comes_first_and_the_models_first_piece_carries_the_mark():
    from medchat.assistant.reply import Escalation

    pieces, reply = await turn(guarded(ModelUnavailableError("down", status=503)),
                               "I have crushing chest pain spreading to my left arm and I feel sweaty")
    assert reply.emergency and reply.fallback == MARK
    assert isinstance(pieces[0], Escalation) and not isinstance(pieces[0], FallbackPiece)  # before the model is asked
    marked = [piece for piece in pieces if isinstance(piece, FallbackPiece)]
    assert len(marked) == 1 and marked[0] == pieces[1]
