"""``assistant/<model>``: the pipeline as a ``ChatModel``."""

from __future__ import annotations

import asyncio

import pytest

from medchat.assistant import Assistant, AssistantReply
from medchat.assistant.model import AssistantModel
from medchat.config import AssistantSettings, get_settings
from medchat.errors import ConfigError
from medchat.gateway import get_model
from medchat.models.base import ChatModel
from medchat.models.registry import ModelSpec, register_provider
from medchat.types import ChatRequest, Message, Usage
from tests.scripted import ScriptedModel
from tests.unit.assistant.support import no_redaction

ANSWER = "Rest and fluids may help. Ask a pharmacist if it lasts."
BUILT: list[ScriptedModel] = []


@register_provider("assistant-test-scripted", description="scripted replies for the assistant tests")
def _scripted(spec: ModelSpec) -> ScriptedModel:
    model = ScriptedModel(ANSWER, name=spec.name, usage=Usage(prompt_tokens=50, completion_tokens=12))
    model.is_local = True
    BUILT.append(model)
    return model


def make(*steps: object) -> tuple[AssistantModel, ScriptedModel]:
    base = ScriptedModel(*steps, usage=Usage(prompt_tokens=50, completion_tokens=12))
    assistant = Assistant(base, settings=AssistantSettings(store=False), redactor=no_redaction)
    return AssistantModel("assistant/test/scripted", assistant), base


async def test_stream_yields_text_then_one_final_chunk_with_usage_and_timing():
    model, base = make(ANSWER)
    chunks = [c async for c in model.stream(ChatRequest.of("What helps a cough?"))]

    *texts, final = chunks
    assert texts and all(not c.final and c.text for c in texts)
    assert final.final is True and final.finish_reason == "stop"
    assert final.usage == Usage(prompt_tokens=50, completion_tokens=12)
    assert final.timing is not None and final.timing.ttft_s is not None
    assert 0 <= final.timing.ttft_s <= final.timing.total_s
    assert final.model == "assistant/test/scripted"
    assert "".join(c.text for c in texts) == model.last_reply.text
    assert model.last_reply.text.startswith(ANSWER)
    assert len(base.calls) == 1


async def test_closing_the_stream_closes_the_model_stream_underneath():
    model, base = make(("silent-after", "Rest helps. "))
    stream = model.stream(ChatRequest.of("What helps a cough?"))
    first = await asyncio.wait_for(stream.__anext__(), timeout=60)  # a guard against hanging, not a timing
    assert first.text == "Rest helps. " and base.in_flight == 1
    await stream.aclose()
    assert base.in_flight == 0


async def test_complete_returns_the_whole_text_and_sets_last_reply():
    model, _ = make(ANSWER)
    result = await model.complete(ChatRequest.of("What helps a cough?"))

    assert isinstance(model.last_reply, AssistantReply)
    assert result.text == model.last_reply.text and result.text.startswith(ANSWER)
    assert result.model == "assistant/test/scripted"
    assert result.usage.completion_tokens == 12
    assert result.timing.ttft_s == result.timing.total_s and result.timing.tpot_s is None


async def test_the_last_user_message_is_the_turn_and_earlier_ones_the_memory():
    model, base = make(ANSWER)
    request = ChatRequest(messages=[Message.system("caller's own prompt, replaced by the constitution"),
                                    Message.user("I have a cough."), Message.assistant("Since when?"),
                                    Message.user("Two days.")])
    await model.complete(request)

    sent = base.calls[0].messages
    assert sent[0].role == "system" and "caller's own prompt" not in sent[0].content
    assert [(m.role, m.content) for m in sent[1:]] == [("user", "I have a cough."), ("assistant", "Since when?"),
                                                       ("user", "Two days.")]


async def test_an_emergency_through_the_model_interface_still_opens_with_the_escalation():
    model, _ = make("Stay calm.")
    chunks = [c async for c in model.stream(ChatRequest.of("I have crushing chest pain spreading to my left arm"))]
    assert chunks[0].text.startswith("⚠️ This may be an emergency.")
    assert model.last_reply.emergency is True


async def test_get_model_builds_the_assistant_around_a_registered_provider():
    BUILT.clear()
    model = get_model("assistant/assistant-test-scripted/base", reliable=False, passages=0, store=False)
    assert isinstance(model, AssistantModel) and isinstance(model, ChatModel)
    assert model.name == "assistant/assistant-test-scripted/base"
    assert model.assistant.settings.passages == 0 and model.assistant.knowledge is None
    assert model.is_local is True  # answered from the model at the bottom of the stack

    result = await model.complete(ChatRequest.of("What helps a cough?"))
    (base,) = BUILT
    assert base.name == "assistant-test-scripted/base"
    assert len(base.calls) == 1
    assert result.text.startswith(ANSWER) and result.model == "assistant/assistant-test-scripted/base"
    assert model.last_reply is not None and model.last_reply.model == "assistant-test-scripted/base"
    await model.aclose()


def test_get_model_rejects_an_unknown_assistant_option():
    with pytest.raises(ConfigError, match="memory_tokenz"):
        get_model("assistant/assistant-test-scripted/base", reliable=False, passages=0, memory_tokenz=5)


async def test_retries_do_not_nest_around_the_assistant(monkeypatch):
    from medchat.errors import RateLimitError
    from medchat.gateway import Retry

    monkeypatch.setenv("MEDCHAT_RETRY__BACKOFF_BASE_S", "0.001")
    monkeypatch.setenv("MEDCHAT_RETRY__BACKOFF_MAX_S", "0.001")
    get_settings.cache_clear()
    model = get_model("assistant/assistant-test-scripted/nest", passages=0, store=False)
    assert isinstance(model, AssistantModel)  # not wrapped again: its base model already is
    assert isinstance(model.assistant.model, Retry)
    base = BUILT[-1]
    base.steps = [RateLimitError("busy", model=base.name)] * 10
    with pytest.raises(RateLimitError):
        await model.complete(ChatRequest.of("What helps a cough?"))
    assert len(base.calls) == get_settings().retry.max_attempts  # 4, not 4 x 4


class FakeClock:
    """Seconds that move only when the (fake) backoff sleeps."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        self.now += delay


async def test_the_turn_keeps_the_retries_of_the_model_underneath():
    from medchat.errors import ModelUnavailableError
    from medchat.gateway import Retry

    clock = FakeClock()
    base = ScriptedModel(ModelUnavailableError("503"), ANSWER, usage=Usage(prompt_tokens=50, completion_tokens=12))
    retried = Retry(base, backoff_base_s=1.5, jitter=0.0, sleep=clock.sleep, clock=clock)
    model = AssistantModel("assistant/test/scripted",
                           Assistant(retried, settings=AssistantSettings(store=False), redactor=no_redaction))

    *_, final = [c async for c in model.stream(ChatRequest.of("What helps a cough?"))]
    assert final.timing.attempts == 2
    # the pipeline's own steps plus the model's end to end (its 1.5 s backoff; the attempts take no fake time)
    assert final.timing.e2e_s == pytest.approx(model.last_reply.overhead_s + 1.5)

    base.steps = [ModelUnavailableError("503"), ModelUnavailableError("503"), ANSWER]
    done = await model.complete(ChatRequest.of("What helps a cough?"))
    assert done.timing.attempts == 3
    assert done.timing.e2e_s == pytest.approx(model.last_reply.overhead_s + 1.5 + 3.0)


async def test_a_turn_over_a_model_without_retries_has_one_attempt_and_no_end_to_end_time():
    model, _ = make(ANSWER)
    done = await model.complete(ChatRequest.of("What helps a cough?"))
    assert done.timing.attempts == 1 and done.timing.e2e_s is None
