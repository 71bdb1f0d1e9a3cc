"""How far a judge's verdicts can be trusted: a small declared table, read in one place.

A judge-based score is only as good as its judge. ``UNTRUSTED_JUDGES`` names judge models known to be too
weak to grade, each with the note every report prints next to their scores. The bundled 135M
``builtin/smollm2`` is the first: in the default job it gave three very different systems the same
rubric score (0.487, 95 % CI 0.45–0.52, for each), so its verdicts do not tell answers apart.

``judge_trust(model)`` is the one place that decides; a later step adds measured judge–human agreement
(``JudgeTrust.agreement``) there, from a calibration file rather than this table, and every caller picks
it up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

TOO_SMALL = "judge too small to discriminate"

#: Judge models whose verdicts are not to be trusted, and the note shown next to their scores.
UNTRUSTED_JUDGES: dict[str, str] = {
    "builtin/smollm2": TOO_SMALL,
}


@dataclass(frozen=True)
class JudgeTrust:
    """What is known about one judge model."""

    model: str
    trusted: bool = True
    note: str = ""  # shown next to the judge's scores when it is not trusted
    agreement: float | None = None  # measured agreement with human graders; not measured yet


def judge_trust(model: str) -> JudgeTrust:
    """What is known about ``model`` as a judge (its canonical ``provider/model`` name, as scores record it)."""
    note = UNTRUSTED_JUDGES.get(model)
    return JudgeTrust(model, trusted=False, note=note) if note else JudgeTrust(model)


def judge_caveat(models: Iterable[str]) -> str | None:
    """The note to show next to a metric that ``models`` judged, or ``None`` when every one is trusted:
    ``"judge too small to discriminate (builtin/smollm2)"``."""
    untrusted = [trust for trust in map(judge_trust, sorted(set(models))) if not trust.trusted]
    if not untrusted:
        return None
    notes = dict.fromkeys(trust.note for trust in untrusted)
    names = ", ".join(trust.model for trust in untrusted)
    return f"{'; '.join(notes)} ({names})"
