"""How far a judge's verdicts can be trusted: a small declared table, read in one place.

A judge-based score is only as good as its judge. ``UNTRUSTED_JUDGES`` names judge models known to be too
weak to grade, each with the note every report prints next to their scores. The bundled 135M
``builtin/smollm2`` is the first: in the default job it gave three very different systems the same
rubric score (0.487, 95 % CI 0.45–0.52, for each), so its verdicts do not tell answers apart.

``judge_trust(model)`` is the one place that decides. Given the stored calibrations (``calibrations=``, e.g. a
``storage.calibrations.CalibrationStore``; nothing opens a database on its own), it also says how far the judge
agreed with people in its latest calibration (``medchat judge calibrate``): Cohen's κ with its interval, on
which labels, when.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol

TOO_SMALL = "judge too small to discriminate"

#: Judge models whose verdicts are not to be trusted, and the note shown next to their scores.
UNTRUSTED_JUDGES: dict[str, str] = {
    "builtin/smollm2": TOO_SMALL,
}


NOT_CALIBRATED = "judge not calibrated"


class Calibrations(Protocol):
    """Where stored calibrations are looked up (``CalibrationStore`` is one)."""

    def latest(self, judge: str) -> Any: ...


@dataclass(frozen=True)
class Measured:
    """The latest calibration of a judge: κ against the human majority, its 95 % interval, on what, when."""

    kappa: float | None
    ci_low: float | None
    ci_high: float | None
    dataset: str
    date: str  # YYYY-MM-DD
    items: int
    prompt: str

    def text(self) -> str:
        value = "–" if self.kappa is None else f"{self.kappa:.2f}"
        interval = f" [{self.ci_low:.2f}, {self.ci_high:.2f}]" if self.ci_low is not None and \
            self.ci_high is not None else ""
        return f"agreement κ={value}{interval} on {self.dataset} ({self.date})"


@dataclass(frozen=True)
class JudgeTrust:
    """What is known about one judge model."""

    model: str
    trusted: bool = True
    note: str = ""  # shown next to the judge's scores when it is not trusted
    agreement: float | None = None  # κ with human labels in its latest calibration, when one was asked for
    calibration: Measured | None = None


# What ``judge_caveat`` reads inside ``reporting_agreement``: a context variable, so concurrent reports (threads,
# tasks) each keep their own.
_REPORTED: ContextVar[Calibrations | None] = ContextVar("medchat_reported_calibrations", default=None)


@contextmanager
def reporting_agreement(calibrations: Calibrations | None = None) -> Iterator[None]:
    """Within it, ``judge_caveat`` (terminal tables, HTML, JSON and CSV reports) gives each judge's measured
    agreement, or "judge not calibrated" (default: the configured database's calibrations, read on first need).
    The commands that print or write reports run inside it; elsewhere the caveats stay as they were."""
    token = _REPORTED.set(calibrations if calibrations is not None else StoredCalibrations())
    try:
        yield
    finally:
        _REPORTED.reset(token)


class StoredCalibrations:
    """The calibrations in the configured database, opened on the first lookup and remembered per judge; a
    database that cannot be read gives no note rather than no report."""

    def __init__(self, settings: Any = None, *, database: Any = None) -> None:
        self.settings = settings
        self.database = database  # an open ``storage.Database``; else the one ``settings`` name
        self._latest: dict[str, Any] = {}

    def latest(self, judge: str) -> Any:
        if judge not in self._latest:
            from medchat.errors import MedchatError

            try:
                from medchat.storage import open_database
                from medchat.storage.calibrations import CalibrationStore

                database = self.database if self.database is not None else open_database(self.settings)
                self._latest[judge] = CalibrationStore(database).latest(judge)
            except MedchatError:
                self._latest[judge] = None
        return self._latest[judge]


def judge_trust(model: str, calibrations: Calibrations | None = None) -> JudgeTrust:
    """What is known about ``model`` as a judge (its canonical ``provider/model`` name, as scores record it);
    with ``calibrations`` (or inside ``reporting_agreement``), its latest measured agreement too."""
    note = UNTRUSTED_JUDGES.get(model)
    calibrations = calibrations if calibrations is not None else _REPORTED.get()
    measured = _measured(calibrations.latest(model)) if calibrations is not None else None
    return JudgeTrust(model, trusted=note is None, note=note or "",
                      agreement=measured.kappa if measured is not None else None, calibration=measured)


def _measured(stored: Any) -> Measured | None:
    if stored is None:
        return None
    kappa = (stored.metrics or {}).get("kappa") or {}
    return Measured(kappa=kappa.get("value"), ci_low=kappa.get("ci_low"), ci_high=kappa.get("ci_high"),
                    dataset=stored.dataset, date=f"{stored.created_at:%Y-%m-%d}", items=stored.items,
                    prompt=stored.prompt)


def agreement_note(models: Iterable[str], calibrations: Calibrations) -> str | None:
    """What reports print beside judge-graded scores, per judge: its caveat if it is not trusted, then
    ``agreement κ=0.61 [0.48, 0.72] on labels.jsonl (2026-12-06)`` or ``judge not calibrated``; ``None`` when no
    judge graded them."""
    notes = []
    for model in sorted(set(models)):
        trust = judge_trust(model, calibrations)
        measured = trust.calibration.text() if trust.calibration is not None else NOT_CALIBRATED
        notes.append(f"{trust.note + '; ' if not trust.trusted else ''}{measured} ({model})")
    return "; ".join(notes) or None


def judge_caveat(models: Iterable[str]) -> str | None:
    """The note to show next to a metric that ``models`` judged, or ``None`` when every one is trusted:
    ``"judge too small to discriminate (builtin/smollm2)"``. Inside ``reporting_agreement``, every judge gets its
    measured agreement too: ``"agreement κ=0.61 [0.48, 0.72] on hb.jsonl (2026-12-06) (openai/gpt-4o)"``, or
    ``"judge not calibrated (...)"``."""
    if (calibrations := _REPORTED.get()) is not None:
        return agreement_note(models, calibrations)
    untrusted = [trust for trust in map(judge_trust, sorted(set(models))) if not trust.trusted]
    if not untrusted:
        return None
    notes = dict.fromkeys(trust.note for trust in untrusted)
    names = ", ".join(trust.model for trust in untrusted)
    return f"{'; '.join(notes)} ({names})"
