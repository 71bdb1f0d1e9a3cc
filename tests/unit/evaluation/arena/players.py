"""Scripted arena players: answering models of known quality, and judges that are fair, biased or killed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import medchat.gateway
from tests.unit.evaluation.judges.rules import RuleJudge, between

RANKS = {"test/a": 1, "test/b": 2, "test/c": 3}  # lower is better


def answer(name: str) -> RuleJudge:
    """Answers every question with its rank (and a length that grows with it)."""
    return RuleJudge(lambda prompt: f"rank {RANKS[name]} " + "x" * 5 * RANKS[name], name=name)


def rank(reply: str) -> int:
    return int(re.search(r"rank (\d)", reply).group(1))  # type: ignore[union-attr]


def fair(prompt: str) -> str:
    """The better-ranked reply wins, wherever it stands."""
    a, b = rank(between(prompt, "<reply_a>", "</reply_a>")), rank(between(prompt, "<reply_b>", "</reply_b>"))
    return '{"explanation": "ranked", "winner": "%s"}' % ("tie" if a == b else "a" if a < b else "b")


def first_position(prompt: str) -> str:
    """Always the first reply: a verdict that flips when the answers swap."""
    return '{"explanation": "the first one", "winner": "A"}'


class KilledJudge(RuleJudge):
    """A fair judge whose process dies (an exception no one catches) at call ``dies_at``."""

    def __init__(self, dies_at: int, name: str = "test/judge") -> None:
        super().__init__(fair, name=name)
        self.dies_at = dies_at

    async def _stream(self, request: Any):  # type: ignore[override]
        if len(self.prompts) + 1 >= self.dies_at:
            raise RuntimeError("killed")
        async for chunk in super()._stream(request):
            yield chunk


class Players:
    """``medchat.gateway.get_model`` for a test: answering models by rank, the judge the test sets."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.built: list[RuleJudge] = []
        self.judge: RuleJudge = RuleJudge(fair, name="test/judge")
        self.overrides: dict[str, RuleJudge] = {}  # answering models a test scripts itself
        self.aliases: dict[str, str] = {}  # as medchat.toml's [models.NAME] would name a model
        monkeypatch.setattr(medchat.gateway, "get_model", self.get_model)

    def get_model(self, name: str, **_: Any) -> RuleJudge:
        name = self.aliases.get(name, name)
        model = self.judge if name == self.judge.name else self.overrides.get(name) or answer(name)
        self.built.append(model)
        return model

    def answering(self) -> list[RuleJudge]:
        return [m for m in self.built if m.name in RANKS]


def questions(tmp_path: Path, n: int = 3) -> Path:
    path = tmp_path / "qa.jsonl"
    path.write_text("".join(f'{{"id": "q{i}", "input": "question {i}", "target": ["ok"]}}\n' for i in range(n)),
                    encoding="utf-8")
    return path
