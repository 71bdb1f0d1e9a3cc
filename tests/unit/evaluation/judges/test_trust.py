"""Which judges are trusted, and how that reaches every metric they graded."""

from __future__ import annotations

from medchat.evaluation.judges.trust import TOO_SMALL, UNTRUSTED_JUDGES, judge_caveat, judge_trust
from medchat.evaluation.plan import DEFAULT_JUDGE
from medchat.evaluation.results import SampleResult
from medchat.evaluation.score import Score
from medchat.evaluation.stats import summarize, tag_breakdown


def test_the_bundled_default_judge_is_declared_too_small() -> None:
    assert DEFAULT_JUDGE in UNTRUSTED_JUDGES
    trust = judge_trust(DEFAULT_JUDGE)
    assert not trust.trusted and trust.note == TOO_SMALL == "judge too small to discriminate"
    assert trust.agreement is None  # the hook for measured judge–human agreement
    assert judge_trust("openai/gpt-4o").trusted


def test_the_caveat_names_the_untrusted_judges_only() -> None:
    assert judge_caveat(["openai/gpt-4o"]) is None
    assert judge_caveat([]) is None
    assert judge_caveat(["builtin/smollm2", "openai/gpt-4o", "builtin/smollm2"]) == \
        "judge too small to discriminate (builtin/smollm2)"


def test_a_score_knows_its_judge() -> None:
    assert Score(value=0.5, metadata={"judge": {"model": "builtin/smollm2", "prompt": "rubric@1"}}).judge == \
        "builtin/smollm2"
    assert Score(value=0.5, metadata={"method": "lexical"}).judge is None
    assert Score(value=0.5).judge is None


def test_summaries_record_the_judges_behind_each_metric() -> None:
    judged = {"judge": {"model": "builtin/smollm2", "prompt": "rubric@1"}, "tags": {"axis:safety": 1.0}}
    results = [SampleResult(run_id="r", task="t", model="m", sample_id=f"s{i}", tags=["en"],
                            scores={"rubric": Score(value=0.5, metadata=judged), "f1": Score(value=0.2)})
               for i in range(3)]
    by_metric = {s.metric: s.judges for s in summarize(results, resamples=50)}
    assert by_metric == {"rubric": ["builtin/smollm2"], "f1": []}
    for s in tag_breakdown(results, resamples=50):
        assert s.judges == (["builtin/smollm2"] if s.metric == "rubric" else []), s


class _Calibrations:
    def __init__(self, stored):
        self.stored = stored
        self.asked = []

    def latest(self, judge):
        self.asked.append(judge)
        return self.stored.get(judge)


def test_trust_reads_the_latest_stored_calibration_when_given_one():
    from datetime import UTC, datetime

    from medchat.evaluation.judges.trust import NOT_CALIBRATED, agreement_note
    from medchat.storage.calibrations import StoredCalibration

    stored = StoredCalibration(id=1, created_at=datetime(2026, 12, 6, 10, tzinfo=UTC), judge="openai/gpt-4o",
                               prompt="rubric@1", digest="d" * 64, format="rubric", dataset="hb.jsonl", items=40,
                               repeats=1, metrics={"kappa": {"value": 0.61, "ci_low": 0.48, "ci_high": 0.72, "n": 40}})
    calibrations = _Calibrations({"openai/gpt-4o": stored})
    trust = judge_trust("openai/gpt-4o", calibrations)
    assert trust.trusted and trust.agreement == 0.61
    assert trust.calibration.text() == "agreement κ=0.61 [0.48, 0.72] on hb.jsonl (2026-12-06)"
    assert judge_trust("openai/gpt-4o").agreement is None  # nothing is looked up unless asked
    assert agreement_note(["openai/gpt-4o", "builtin/smollm2"], calibrations) == \
        f"{TOO_SMALL}; {NOT_CALIBRATED} (builtin/smollm2); agreement κ=0.61 [0.48, 0.72] on hb.jsonl (2026-12-06) " \
        "(openai/gpt-4o)"
    assert not judge_trust("builtin/smollm2", calibrations).trusted


def test_reports_show_agreement_only_inside_reporting_agreement():
    from medchat.evaluation.judges.trust import reporting_agreement

    calibrations = _Calibrations({})
    with reporting_agreement(calibrations):
        assert judge_caveat(["openai/gpt-4o"]) == "judge not calibrated (openai/gpt-4o)"
        assert judge_caveat([]) is None
    assert judge_caveat(["openai/gpt-4o"]) is None
    assert calibrations.asked == ["openai/gpt-4o"]


def test_stored_calibrations_open_the_configured_database_only_when_asked(tmp_path, monkeypatch):
    from medchat.config import get_settings
    from medchat.evaluation.judges.trust import StoredCalibrations
    from medchat.storage import close_databases, open_database
    from medchat.storage.calibrations import CalibrationStore

    monkeypatch.setenv("MEDCHAT_DATABASE_URL", f"sqlite:///{tmp_path / 'm.db'}")
    get_settings.cache_clear()
    lookup = StoredCalibrations()
    assert not (tmp_path / "m.db").exists()
    try:
        CalibrationStore(open_database()).save(judge="openai/gpt-4o", prompt="rubric@1", digest="d", format="rubric",
                                               dataset="mine.jsonl", items=3, repeats=1,
                                               metrics={"kappa": {"value": 0.5, "ci_low": 0.1, "ci_high": 0.8}})
        assert lookup.latest("openai/gpt-4o").dataset == "mine.jsonl"
        assert lookup.latest("other/model") is None
    finally:
        close_databases()
