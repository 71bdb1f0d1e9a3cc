"""A judge model whose verdict is a rule over the prompt it is sent: deterministic under any concurrency."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from medchat.models.base import ProviderModel
from medchat.types import ChatRequest, Chunk


class RuleJudge(ProviderModel):
    provider = "rules"

    def __init__(self, rule: Callable[[str], str], name: str = "test/rules") -> None:
        super().__init__(name)
        self.rule = rule
        self.prompts: list[str] = []

    async def _stream(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        prompt = request.messages[0].content
        self.prompts.append(prompt)
        yield Chunk(text=self.rule(prompt))
        yield Chunk(final=True, finish_reason="stop")


def between(prompt: str, start: str, end: str) -> str:
    return prompt.split(start, 1)[1].split(end, 1)[0]
