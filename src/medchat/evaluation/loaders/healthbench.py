"""HealthBench: conversations graded against physician-written rubrics rather than one right answer.

Each JSONL line has ``prompt`` (the conversation as ``{role, content}`` messages), ``rubrics`` (criteria
with ``points``, negative for what a good answer must not do, and ``tags`` such as ``axis:accuracy``),
``example_tags`` (``theme:emergency_referrals``...) and ``prompt_id``. A physician's ideal completion,
where the file has one, becomes the target.
"""

from __future__ import annotations

from typing import Any

from medchat.evaluation.loaders.build import Loaded, Located, messages, sample_at
from medchat.evaluation.loaders.record import Record, describe
from medchat.evaluation.loaders.source import Source
from medchat.evaluation.sample import RubricItem

HINT = "each HealthBench line needs prompt (a list of {role, content}) and rubrics (a list of {criterion, points})"


def load_healthbench(source: Source, loaded: Loaded, *, name: str) -> None:
    for record in source.records(hint=HINT, skip=loaded.skip):
        with loaded.checking():
            loaded.add(_sample(record, name))


def _sample(record: Record, name: str) -> Located:
    conversation = messages(record, "prompt", record.get("prompt"))
    rubric = _rubric(record)
    target: list[str] = []
    metadata: dict[str, Any] = {}
    if (ideal := record.optional_mapping("ideal_completions_data")) is not None:
        completion = record.as_optional_text("ideal_completions_data.ideal_completion",
                                             ideal.get("ideal_completion"))
        target = [completion] if completion else []
        if (group := ideal.get("ideal_completions_group")) is not None:
            metadata["ideal_completions_group"] = group
    sample_id = record.optional_text("prompt_id") or f"{name}-{record.number}"
    return sample_at(record, id=sample_id, input=conversation, rubric=rubric, target=target,
                     tags=record.texts("example_tags"), metadata=metadata)


def _rubric(record: Record) -> list[RubricItem]:
    entries = record.items("rubrics")
    if not entries:
        raise record.error("field 'rubrics' is empty", field="rubrics", hint="give at least one criterion")
    rubric = []
    for index, entry in enumerate(entries):
        label = f"rubrics[{index}]"
        if not isinstance(entry, dict):
            raise record.error(f"field {label!r} must be a {{criterion, points}} object, got {describe(entry)}",
                               field=label)
        criterion = record.as_text(f"{label}.criterion", entry.get("criterion"))
        points = entry.get("points")
        if isinstance(points, bool) or not isinstance(points, int | float):
            raise record.error(f"field '{label}.points' must be a number, got {describe(points)}",
                               field=f"{label}.points", hint="points are numbers, negative for what to avoid")
        tags = record.as_texts(f"{label}.tags", entry.get("tags"))
        rubric.append(RubricItem(criterion=criterion, points=float(points), tags=tags))
    return rubric
