"""How a model is asked: a ``Solver`` turns one sample into one ``Output``.

Built in: ``direct`` (the sample's conversation as is; options listed when it has choices),
``assistant`` (through the guarded pipeline, keeping its safety report and citations), ``mcq`` (a
multiple-choice prompt asking for the letter) and ``cot`` (reason step by step, then ``Answer: ...``).
A model named ``assistant/...`` is always asked through its pipeline, whichever solver is chosen.
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Callable
from contextlib import aclosing
from typing import Any

from medchat.errors import ConfigError
from medchat.evaluation.output import Output
from medchat.evaluation.sample import Sample
from medchat.models.base import ChatModel
from medchat.types import ChatRequest, GenerationParams, Message, Timing

Solver = Callable[[ChatModel, Sample, GenerationParams], Awaitable[Output]]

MCQ_INSTRUCTION = {
    "en": "Answer with the letter of the single best option only.",
    "zh": "只回答最佳选项的字母。",
}
COT_INSTRUCTION = {
    "en": "Think it through step by step, then give your final answer on the last line as 'Answer: <answer>'.",
    "zh": "请逐步分析，最后一行写出最终答案，格式为“答案：<答案>”。",
}


def _language(sample: Sample) -> str:
    from medchat.language import detect_language

    return str(sample.metadata.get("language") or detect_language(sample.question))


def with_options(sample: Sample, instruction: str | None = None) -> list[Message]:
    """The sample's messages, with its lettered options (and an instruction) added to the last user turn."""
    messages = list(sample.input)
    if not sample.choices and instruction is None:
        return messages
    last = max((i for i, m in enumerate(messages) if m.role == "user"), default=len(messages) - 1)
    parts = [messages[last].content]
    if sample.choices:
        parts.append("\n".join(f"{letter}. {choice}" for letter, choice in zip(sample.letters, sample.choices,
                                                                             strict=True)))
    if instruction:
        parts.append(instruction)
    messages[last] = Message(role=messages[last].role, content="\n\n".join(parts))
    return messages


def assistant_of(model: ChatModel) -> Any | None:
    """The ``Assistant`` inside ``model`` (gateway wrappers pass the attribute through), else ``None``."""
    found = getattr(model, "assistant", None)
    return found if hasattr(found, "respond") else None


async def ask(model: ChatModel, messages: list[Message], params: GenerationParams, sample: Sample) -> Output:
    """One request; through the assistant pipeline when the model is an assistant."""
    assistant = assistant_of(model)
    if assistant is not None:
        return await _ask_assistant(model, assistant, messages, params)
    metadata = {"sample_id": sample.id}
    if sample.output is not None:  # for replay/samples
        metadata["recorded_output"] = sample.output
    request = ChatRequest(messages=messages, params=params, metadata=metadata)
    return Output.from_completion(await model.complete(request), messages)


async def _ask_assistant(model: ChatModel, assistant: Any, messages: list[Message],
                         params: GenerationParams) -> Output:
    turns = [m for m in messages if m.role != "system"]
    text = turns[-1].content if turns and turns[-1].role == "user" else ""
    history = turns[:-1] if turns and turns[-1].role == "user" else turns
    reply = None
    async with aclosing(assistant.respond(history, text, params=params)) as items:
        async for item in items:
            if not isinstance(item, str):
                reply = item
    assert reply is not None  # respond always ends with the reply
    timing = assistant_timing(reply)
    declined = any(f.check in ("injection", "harm") and f.action == "declined" for f in reply.safety.findings)
    return Output(text=reply.text, model=model.name, messages=[*messages, Message.assistant(reply.text)],
                  usage=reply.usage, timing=timing, cost_usd=reply.cost_usd, emergency=reply.emergency,
                  declined=declined, citations=[c.model_dump() for c in reply.citations],
                  safety=reply.safety.model_dump(),
                  metadata={"overhead_s": reply.overhead_s, "language": reply.language}, fallback=reply.fallback)


def assistant_timing(reply: Any) -> Timing:
    """The turn's time as the user sees it: the pipeline's own steps plus the model's own timing.

    Both exclude waiting for a shared local engine (the gateway's queue), which would otherwise make a
    concurrent run's latencies mean nothing; ``e2e_s`` adds the model's retries (failed attempts, backoff).
    An escalation or a declined injection is shown before (or without) the model call, so its first text
    comes after the pipeline steps alone.
    """
    before = reply.overhead_s
    model = reply.timing
    shown_first = reply.emergency or model.total_s == 0.0
    return Timing(ttft_s=before if shown_first else before + (model.ttft_s or model.total_s),
                  total_s=before + model.total_s, tpot_s=model.tpot_s, tokens_per_s=model.tokens_per_s,
                  e2e_s=None if model.e2e_s is None else before + model.e2e_s, attempts=model.attempts)


async def direct(model: ChatModel, sample: Sample, params: GenerationParams) -> Output:
    return await ask(model, with_options(sample), params, sample)


async def assistant(model: ChatModel, sample: Sample, params: GenerationParams) -> Output:
    """Through the guarded pipeline: ``model`` is wrapped in an ``Assistant`` unless it already is one."""
    if assistant_of(model) is None:
        model = _assistant_for(model)
    return await ask(model, list(sample.input), params, sample)


async def mcq(model: ChatModel, sample: Sample, params: GenerationParams) -> Output:
    if not sample.choices:
        return await direct(model, sample, params)
    return await ask(model, with_options(sample, MCQ_INSTRUCTION.get(_language(sample), MCQ_INSTRUCTION["en"])),
                     params, sample)


async def cot(model: ChatModel, sample: Sample, params: GenerationParams) -> Output:
    instruction = COT_INSTRUCTION.get(_language(sample), COT_INSTRUCTION["en"])
    return await ask(model, with_options(sample, instruction), params, sample)


# Keyed by the model object itself (weakly): an id() could be reused by a later model once this one is gone.
_ASSISTANTS: weakref.WeakKeyDictionary[ChatModel, ChatModel] = weakref.WeakKeyDictionary()


def _assistant_for(model: ChatModel) -> ChatModel:
    """One ``assistant/<model>`` per raw model object, built on first use with the configured settings."""
    if model not in _ASSISTANTS:
        from medchat.assistant.model import around
        from medchat.config import get_settings

        settings = get_settings()
        _ASSISTANTS[model] = around(model, settings.assistant, data_dir=settings.data_dir)
    return _ASSISTANTS[model]


SOLVERS: dict[str, Solver] = {"direct": direct, "assistant": assistant, "mcq": mcq, "cot": cot}


def solver(name: str) -> Callable[[Solver], Solver]:
    """Register a solver under ``name``."""

    def register(fn: Solver) -> Solver:
        SOLVERS[name] = fn
        return fn

    return register


def get_solver(name: str) -> Solver:
    try:
        return SOLVERS[name]
    except KeyError:
        raise ConfigError(f"unknown solver {name!r}", hint="choose one of: " + ", ".join(sorted(SOLVERS))) from None
