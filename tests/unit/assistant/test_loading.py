"""What a turn loads, and when: the model's weights beside the first steps, Presidio only where something is
redacted (started early, in the background: beside the first steps for outgoing text, once the answer has begun
for the stored turn)."""

from __future__ import annotations

import ast
import asyncio
import os
import subprocess
import sys

import pytest

from medchat.assistant import Assistant
from medchat.config import AssistantSettings
from medchat.safety import pii
from tests.scripted import ScriptedModel
from tests.unit.assistant.support import FakeRedactor, small_kb, turn


class LoadingModel(ScriptedModel):
    """Records the order of ``load()`` and the model call; ``load()`` may fail."""

    def __init__(self, *steps, fail: bool = False, local: bool = True) -> None:
        super().__init__(*steps)
        self.events: list[str] = []
        self.fail = fail
        self.is_local = local  # type: ignore[misc]

    async def load(self) -> None:
        self.events.append("load")
        await asyncio.sleep(0)
        if self.fail:
            raise RuntimeError("no weights here")

    async def _stream(self, request):
        self.events.append("stream")
        async for chunk in super()._stream(request):
            yield chunk


async def test_the_model_is_loaded_before_it_is_called():
    model = LoadingModel("Rest and drink fluids.")
    _, reply = await turn(Assistant(model, knowledge=small_kb("Rest helps."), redactor=FakeRedactor()), "Sore throat?")
    assert model.events == ["load", "stream"] and reply.text.startswith("Rest and drink fluids.")


async def test_a_failing_load_is_left_for_the_model_call():
    model = LoadingModel("Rest.", fail=True)
    _, reply = await turn(Assistant(model, redactor=FakeRedactor()), "Sore throat?")
    assert model.events == ["load", "stream"] and reply.text.startswith("Rest.")


@pytest.fixture
def warmed(monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(pii, "warm_detector", lambda: calls.append("warm"))
    return calls


class Store:
    def store_exchange(self, conversation_id, *args, **kwargs):
        from types import SimpleNamespace

        return SimpleNamespace(conversation_id="c1")


@pytest.mark.parametrize(("local", "store", "settings", "warm"), [
    (True, False, {}, []),  # a local model, nothing stored: nothing to redact
    (True, True, {"redact_storage": False}, []),
    (True, True, {"store": False}, []),
    (True, True, {}, ["warm"]),  # stored, redacted
    (False, False, {}, ["warm"]),  # sent to a remote model, redacted
    (False, False, {"redact": "never"}, []),
    (True, False, {"redact": "always"}, ["warm"]),
])
async def test_presidio_is_warmed_only_when_the_turn_redacts(warmed, monkeypatch, local, store, settings, warm):
    model = LoadingModel("Rest and drink fluids. See a doctor if it lasts a week.", local=local)
    a = Assistant(model, settings=AssistantSettings(**settings), store=Store() if store else None)
    monkeypatch.setattr(a, "_redact_now", lambda text, language: (text, 0))  # no real Presidio in this test
    await turn(a, "Sore throat?")
    assert warmed == warm


async def test_a_custom_redactor_is_never_replaced_by_a_warm_presidio(warmed):
    model = LoadingModel("Rest.", local=False)
    redactor = FakeRedactor()
    await turn(Assistant(model, store=Store(), redactor=redactor), "Call me on 07700 900123")
    assert warmed == [] and redactor.calls


HEAVY = ("presidio_analyzer", "spacy", "torch", "transformers")


def cli_modules(*args: str, tmp_path) -> list[str]:
    """The heavy modules loaded by the end of a ``medchat`` command run in a fresh interpreter."""
    code = ("import sys\nfrom medchat.cli.app import main\nsys.argv = ['medchat', *sys.argv[1:]]\ntry:\n    main()\n"
            "except SystemExit as exc:\n    assert not exc.code, exc.code\n"
            f"print('MODULES', [m for m in {HEAVY!r} if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "XDG_DATA_HOME": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    line = next(line for line in out.stdout.splitlines() if line.startswith("MODULES"))
    return ast.literal_eval(line.removeprefix("MODULES "))


def test_a_one_shot_ask_with_a_local_model_and_no_storing_loads_no_presidio_or_spacy(tmp_path):
    assert cli_modules("ask", "--assistant", "-m", "builtin/extractive", "--no-store", "What is a fever?",
                       tmp_path=tmp_path) == []


def test_a_stored_one_shot_ask_redacts_with_presidio_but_without_torch(tmp_path):
    assert cli_modules("ask", "--assistant", "-m", "builtin/extractive", "What is a fever?",
                       tmp_path=tmp_path) == ["presidio_analyzer", "spacy"]
