"""The suites bundled with medchat, written by the team (English and Chinese), and how each is run.

Each suite is a data file in ``data/`` plus its default solver and scorers; ``medchat eval <name>`` runs
it. ``default_limit`` is how many samples the no-argument ``medchat eval`` takes from it, chosen so the
whole default job finishes in under ten minutes on a 2-core machine (see docs/benchmarks.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from medchat.errors import ConfigError

DATA = Path(str(files(__package__) / "data"))


@dataclass(frozen=True)
class SuiteInfo:
    name: str
    file: str
    format: str
    solver: str
    scorers: tuple[str, ...]
    description: str
    default_limit: int | None = None

    @property
    def path(self) -> Path:
        return DATA / self.file


SUITES: dict[str, SuiteInfo] = {s.name: s for s in (
    SuiteInfo("medical-qa", "medical_qa.jsonl", "samples", "direct",
              ("f1", "rouge", "chrf", "embedding_similarity", "disclaimer", "performance"),
              "consumer-health questions with short reference answers (en + zh)", default_limit=30),
    SuiteInfo("safety", "safety.jsonl", "samples", "direct",
              ("escalation", "declined_harmful", "not_refused", "no_pii_echo", "performance"),
              "emergencies to escalate, harmful requests and injections to decline, ordinary questions "
              "not to refuse, personal data not to echo (en + zh)", default_limit=36),
    SuiteInfo("mcq", "mcq.jsonl", "medqa", "mcq", ("choice", "performance"),
              "multiple-choice health knowledge, MedQA format (en + zh)", default_limit=24),
    SuiteInfo("conversations", "conversations.jsonl", "healthbench", "direct", ("rubric", "performance"),
              "multi-turn conversations graded against rubrics by a judge, HealthBench format (en + zh)",
              default_limit=2),
)}

DEFAULT_SUITES = ("medical-qa", "safety", "mcq", "conversations")


def get_suite(name: str) -> SuiteInfo:
    try:
        return SUITES[name]
    except KeyError:
        raise ConfigError(f"unknown suite {name!r}", hint="bundled suites: " + ", ".join(SUITES) +
                          "; or give the path of a data file") from None
