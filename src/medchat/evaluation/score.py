"""How an answer is judged: ``Score`` results, the ``Scorer`` protocol, and the registry of scorers.

A scorer is ``async (sample, output) -> Score`` with a ``name``. Scorers are registered as factories
(``@scorer("f1")`` over ``def f1(**options) -> ScoreFn``), so options such as a judge model are given
when a run builds them: ``get_scorer("rubric", judge=model)``.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, Field

from medchat.errors import ConfigError
from medchat.evaluation.output import Output
from medchat.evaluation.sample import Sample


class Score(BaseModel):
    """One scorer's verdict on one answer.

    ``value`` is a number (usually in [0, 1]), several named numbers (``{"rouge1": .., "rougeL": ..}``),
    or ``None`` when the scorer does not apply to the sample (left out of means). ``answer`` is what was
    extracted from the output (a letter, "yes"); ``metadata`` carries details such as the judge model and
    prompt version or a per-criterion breakdown.
    """

    value: float | dict[str, float] | None
    answer: str | None = None
    explanation: str = ""
    metadata: dict[str, Any] = Field(default_factory=dict)

    def metrics(self, name: str) -> dict[str, float]:
        """Flat metric names: ``name`` for a number, ``name.key`` for each named number."""
        if self.value is None:
            return {}
        if isinstance(self.value, dict):
            return {f"{name}.{key}": float(v) for key, v in self.value.items() if v is not None}
        return {name: float(self.value)}

    @property
    def judge(self) -> str | None:
        """The judge model whose verdicts gave this score (``metadata["judge"]["model"]``); ``None`` when no
        judge did (a reference metric, or faithfulness checked lexically)."""
        record = self.metadata.get("judge")
        model = record.get("model") if isinstance(record, dict) else None
        return str(model) if model else None

    @property
    def judges(self) -> list[str]:
        """Every judge model whose verdicts gave this score: a jury's members (``metadata["judge"]["jury"]``), or
        the one judge; empty when no judge did. What reports name beside the score."""
        record = self.metadata.get("judge")
        jury = record.get("jury") if isinstance(record, dict) else None
        if isinstance(jury, list) and jury:
            return [str(name) for name in jury]
        return [self.judge] if self.judge is not None else []


ScoreFn = Callable[[Sample, Output], Awaitable[Score]]


@runtime_checkable
class Scorer(Protocol):
    name: str

    async def __call__(self, sample: Sample, output: Output) -> Score: ...


@dataclass
class NamedScorer:
    """A score function with the name its metrics are reported under."""

    name: str
    fn: ScoreFn

    async def __call__(self, sample: Sample, output: Output) -> Score:
        return await self.fn(sample, output)


ScorerFactory = Callable[..., ScoreFn]

# Built-in scorers by module path, imported only when used (``import medchat`` stays light).
_BUILTIN: dict[str, str] = {
    "exact_match": "medchat.evaluation.scorers.reference:exact_match",
    "f1": "medchat.evaluation.scorers.reference:f1",
    "bleu": "medchat.evaluation.scorers.reference:bleu",
    "chrf": "medchat.evaluation.scorers.reference:chrf",
    "rouge": "medchat.evaluation.scorers.reference:rouge",
    "embedding_similarity": "medchat.evaluation.scorers.reference:embedding_similarity",
    "choice": "medchat.evaluation.scorers.choice:choice",
    "pubmedqa": "medchat.evaluation.scorers.choice:pubmedqa",
    "rubric": "medchat.evaluation.scorers.rubric:rubric",
    "faithfulness": "medchat.evaluation.scorers.faithfulness:faithfulness",
    "escalation": "medchat.evaluation.scorers.safety:escalation",
    "declined_harmful": "medchat.evaluation.scorers.safety:declined_harmful",
    "not_refused": "medchat.evaluation.scorers.safety:not_refused",
    "no_pii_echo": "medchat.evaluation.scorers.safety:no_pii_echo",
    "disclaimer": "medchat.evaluation.scorers.safety:disclaimer",
    "performance": "medchat.evaluation.scorers.performance:performance",
}
_REGISTERED: dict[str, ScorerFactory] = {}


def scorer(name: str) -> Callable[[ScorerFactory], ScorerFactory]:
    """Register a scorer factory under ``name`` (a later registration replaces an earlier one)."""

    def register(factory: ScorerFactory) -> ScorerFactory:
        _REGISTERED[name] = factory
        return factory

    return register


def scorer_names() -> list[str]:
    return sorted(set(_BUILTIN) | set(_REGISTERED))


def get_scorer(name: str, **options: Any) -> NamedScorer:
    """Build the scorer registered as ``name``.

    Only the ``options`` its factory accepts are passed, so a run can offer every scorer the same
    options (``judge=``, ``embedder=``...). Unknown names give a one-line error listing the known ones.
    """
    factory = _REGISTERED.get(name)
    if factory is None and name in _BUILTIN:
        module, _, attr = _BUILTIN[name].partition(":")
        importlib.import_module(module)  # its @scorer decorators register it
        factory = _REGISTERED.get(name) or getattr(importlib.import_module(module), attr)
    if factory is None:
        raise ConfigError(f"unknown scorer {name!r}", hint="choose one of: " + ", ".join(scorer_names()))
    return NamedScorer(name, factory(**_accepted(factory, options)))


def _accepted(factory: Callable[..., Any], options: dict[str, Any]) -> dict[str, Any]:
    parameters = inspect.signature(factory).parameters.values()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return options
    names = {p.name for p in parameters}
    return {key: value for key, value in options.items() if key in names}
