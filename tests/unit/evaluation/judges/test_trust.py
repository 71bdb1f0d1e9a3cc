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
