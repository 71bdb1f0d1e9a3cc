"""The evaluation bench: samples and datasets, solvers, scorers and judges, the runner, statistics and
reports. Heavy parts (metrics libraries, judges, the runner's database) are imported where used."""

from medchat.evaluation.output import Output
from medchat.evaluation.results import RunInfo, SampleResult
from medchat.evaluation.sample import Dataset, RubricItem, Sample
from medchat.evaluation.score import NamedScorer, Score, Scorer, get_scorer, scorer
from medchat.evaluation.task import Task

__all__ = ["Dataset", "NamedScorer", "Output", "RubricItem", "RunInfo", "Sample", "SampleResult", "Score",
           "Scorer", "Task", "get_scorer", "scorer"]
