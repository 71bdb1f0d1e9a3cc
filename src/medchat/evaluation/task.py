"""A ``Task``: a dataset, the way its samples are asked, and how the answers are scored."""

from __future__ import annotations

from dataclasses import dataclass, field

from medchat.evaluation.sample import Dataset
from medchat.evaluation.score import NamedScorer
from medchat.types import GenerationParams


@dataclass
class Task:
    """``solver`` is a solver name (``direct``, ``assistant``, ``mcq``, ``cot`` or a registered one)."""

    name: str
    dataset: Dataset
    scorers: list[NamedScorer]
    solver: str = "direct"
    params: GenerationParams = field(default_factory=GenerationParams)
