"""What is evaluated: one ``Sample`` (a question or conversation plus what a good answer looks like) and
a ``Dataset`` of them. Loaders turn every supported file format into these."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, Field, field_validator

from medchat.types import Message

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class RubricItem(BaseModel):
    """One HealthBench-style criterion; ``points`` may be negative (something the answer must not do)."""

    criterion: str
    points: float
    tags: list[str] = Field(default_factory=list)


class Sample(BaseModel):
    """One item to evaluate.

    ``input`` is the conversation the model sees (a plain string becomes one user message). ``target``
    holds reference answers (any may match); for multiple choice it is the correct letter and
    ``choices`` the options in order (A, B, C...). ``output`` is an answer produced elsewhere (a log,
    another tool), scored as given when the run uses the ``recorded`` model.
    """

    id: str
    input: list[Message] = Field(min_length=1)
    target: list[str] = Field(default_factory=list)
    choices: list[str] = Field(default_factory=list)
    rubric: list[RubricItem] = Field(default_factory=list)
    context: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)
    output: str | None = None

    @field_validator("input", mode="before")
    @classmethod
    def _text_to_messages(cls, value: Any) -> Any:
        return [Message.user(value)] if isinstance(value, str) else value

    @field_validator("target", mode="before")
    @classmethod
    def _one_target(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @property
    def question(self) -> str:
        """The last user message: what is being asked now."""
        for message in reversed(self.input):
            if message.role == "user":
                return message.content
        return self.input[-1].content

    @property
    def letters(self) -> str:
        """The option letters for ``choices`` ("ABCD" for four options)."""
        return LETTERS[: len(self.choices)]

    @property
    def answer_letter(self) -> str | None:
        """The correct option's letter for a multiple-choice sample, else ``None``."""
        if not self.choices or not self.target:
            return None
        target = self.target[0].strip()
        if len(target) == 1 and target.upper() in self.letters:
            return target.upper()
        lowered = [choice.strip().lower() for choice in self.choices]
        if target.lower() in lowered:
            return LETTERS[lowered.index(target.lower())]
        return None


class Dataset(BaseModel):
    """A named, ordered list of samples (ids unique)."""

    name: str
    samples: list[Sample]
    source: str | None = None  # the file or bundled suite it came from
    description: str = ""
    skipped: list[str] = Field(default_factory=list)  # invalid records the loader left out: "line 455: ..."
    notes: list[str] = Field(default_factory=list)  # what the loader decided that the user should know

    @field_validator("samples")
    @classmethod
    def _unique_ids(cls, samples: list[Sample]) -> list[Sample]:
        seen: set[str] = set()
        for sample in samples:
            if sample.id in seen:
                raise ValueError(f"duplicate sample id {sample.id!r}")
            seen.add(sample.id)
        return samples

    def __len__(self) -> int:
        return len(self.samples)

    def __iter__(self) -> Iterator[Sample]:  # type: ignore[override]
        return iter(self.samples)

    def __getitem__(self, index: int) -> Sample:
        return self.samples[index]

    def get(self, sample_id: str) -> Sample | None:
        return next((s for s in self.samples if s.id == sample_id), None)

    def with_tags(self, *tags: str) -> Dataset:
        """Only the samples carrying at least one of ``tags``."""
        wanted = set(tags)
        return self.model_copy(update={"samples": [s for s in self.samples if wanted & set(s.tags)]})

    def limited(self, limit: int | None, *, seed: int | None = None) -> Dataset:
        """The first ``limit`` samples, or a seeded random ``limit`` of them (kept in file order)."""
        if limit is None or limit >= len(self.samples):
            return self
        if seed is None:
            chosen = self.samples[:limit]
        else:
            picked = set(random.Random(seed).sample(range(len(self.samples)), limit))
            chosen = [s for i, s in enumerate(self.samples) if i in picked]
        return self.model_copy(update={"samples": chosen})


class LoadSummary(BaseModel):
    """What loading a dataset left out or decided, in lines the user sees before a run and the run keeps for
    its report and ``medchat runs show``: records loaded, records skipped as invalid (with the first reasons)
    and the loader's notes (``cop read as counting from 0 ...``)."""

    source: str
    loaded: int
    skipped: int = 0
    reasons: list[str] = Field(default_factory=list)  # the first skipped records': "line 455: ..."
    notes: list[str] = Field(default_factory=list)

    @classmethod
    def of(cls, dataset: Dataset, *, shown: int = 3) -> LoadSummary | None:
        """The summary of a dataset as loaded (before any limit); ``None`` when there is nothing to say."""
        if not dataset.skipped and not dataset.notes:
            return None
        return cls(source=dataset.source or dataset.name, loaded=len(dataset), skipped=len(dataset.skipped),
                   reasons=dataset.skipped[:shown], notes=list(dataset.notes))

    def skipped_line(self) -> str | None:
        """``medqa_test.jsonl: 1,272 loaded, 1 skipped (line 455: ...)``; ``None`` when nothing was skipped."""
        if not self.skipped:
            return None
        reasons = "; ".join(self.reasons)
        if (more := self.skipped - len(self.reasons)) > 0:
            reasons += f"; {more:,} more"
        return f"{self.source}: {self.loaded:,} loaded, {self.skipped:,} skipped ({reasons})"

    def lines(self) -> list[str]:
        """The skipped line, then one line per note, each naming the file."""
        skipped = self.skipped_line()
        return ([skipped] if skipped else []) + [f"{self.source}: {note}" for note in self.notes]
