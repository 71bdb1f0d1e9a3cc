"""A judge that reads another system's recorded verdicts, so a published judge is calibrated like ours.

Like ``replay/<FILE>`` for answers (``models/replay.py``), but for verdicts: the file is JSONL (or a JSON array)
of ``{"id": <item id>, "verdict": ...}`` — ``a``/``b``/``tie``/``both_bad`` (or ``model_a``, ``tie (bothbad)``...)
for pairs, true/false for criteria and facts; ``"judge"`` may name the system. A file in one of the label formats
works too: its labels are read as the verdicts, keyed by the same item ids — MT-Bench's GPT-4 pair judgments
calibrated against its human judgments, for instance. Ids are those ``labels.py`` gives items.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from medchat.evaluation.judges.labels import LabelItem, _boolean, file_digest, load_labels, records
from medchat.evaluation.judges.pairwise import normalise_winner
from medchat.evaluation.loaders.errors import DatasetError

PREFIX = "replay/"


class ReplayJudge:
    """Answers each item with the verdict recorded for its id; an item without one is a failed verdict."""

    def __init__(self, name: str, prompt: str, verdicts: dict[str, dict[str, Any]]) -> None:
        self.name = name
        self.prompt = prompt
        self.verdicts = verdicts

    @classmethod
    def from_file(cls, path: str | Path, format: str) -> ReplayJudge:
        path = Path(path).expanduser()
        if not path.is_file():
            raise DatasetError(f"replay verdict file {path} does not exist",
                               hint="give a JSONL file of {\"id\": ..., \"verdict\": ...}")
        verdicts: dict[str, dict[str, Any]] = {}
        names: set[str] = set()
        first = next(records(path), None)
        if first is not None and "verdict" in first[1]:
            for location, record in records(path):
                if "id" not in record or "verdict" not in record:
                    raise DatasetError("needs the fields 'id' and 'verdict'", file=str(path), location=location)
                verdict = _verdict(record["verdict"], format)
                if verdict is None:
                    raise DatasetError(f"verdict {record['verdict']!r} is not a {format} verdict", file=str(path),
                                       location=location, field="verdict",
                                       hint="pairs: a, b, tie or both_bad; criteria and facts: true or false")
                verdicts[str(record["id"])] = verdict
                if isinstance(record.get("judge"), str):
                    names.add(record["judge"])
        else:
            for item in load_labels([path], format).items:
                verdicts[item.id] = {"label": item.labels[0]}
                names.update(r for r in item.raters[:1] if r)
        name = names.pop() if len(names) == 1 else f"{PREFIX}{path.name}"
        return cls(name, f"replay@{file_digest([path])[:12]}", verdicts)

    async def verdict(self, item: LabelItem, repeat: int) -> dict[str, Any] | None:
        return self.verdicts.get(item.id)


def _verdict(value: Any, format: str) -> dict[str, Any] | None:
    if format == "pairwise":
        winner = normalise_winner(value)
        if winner is None:
            return None
        inconsistent = isinstance(value, str) and "inconsistent" in value.lower()
        return {"label": winner, "consistent": False if inconsistent else None}
    label = _boolean(value)
    return None if label is None else {"label": "true" if label else "false"}
