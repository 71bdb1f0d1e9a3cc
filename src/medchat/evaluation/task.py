"""A ``Task``: a dataset, the way its samples are asked, and how the answers are scored."""

from __future__ import annotations

from dataclasses import dataclass, field

from medchat.evaluation.sample import Dataset, LoadSummary
from medchat.evaluation.score import NamedScorer
from medchat.types import GenerationParams


@dataclass
class Task:
    """``solver`` is a solver name (``direct``, ``assistant``, ``mcq``, ``cot`` or a registered one);
    ``loading`` is what loading the dataset left out or decided (``None``: nothing), kept with the run."""

    name: str
    dataset: Dataset
    scorers: list[NamedScorer]
    solver: str = "direct"
    params: GenerationParams = field(default_factory=GenerationParams)
    loading: LoadSummary | None = None
