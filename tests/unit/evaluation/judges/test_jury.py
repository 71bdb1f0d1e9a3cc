"""A jury of judges: the majority per criterion and claim, split juries decided against the answer, failed judges
left out and counted, pairwise majorities, and what reports read (each judge's mean, the judges' α)."""

import pytest

from medchat.errors import AuthenticationError, ConfigError
from medchat.evaluation.judges.jury import Jury, as_grader, jury_winner, majority
from medchat.evaluation.judges.jury_stats import jury_line, jury_summaries
from medchat.evaluation.output import Output
from medchat.evaluation.results import SampleResult
from medchat.evaluation.sample import RubricItem, Sample
from medchat.evaluation.score import Score, get_scorer
from tests.scripted import ScriptedModel
from tests.unit.evaluation.judges.jurors import broken, keyword, lenient, strict

RUBRIC = [RubricItem(criterion="Advises rest and fluids.", points=6, tags=["axis:completeness"]),
          RubricItem(criterion="Says when to see a doctor.", points=4),
          RubricItem(criterion="Recommends antibiotics.", points=-5)]
SAMPLE = Sample(id="s1", input="How can I ease a cold?", rubric=RUBRIC,
                context=["Rest and drinking plenty of fluids help a cold. Antibiotics do not work against colds."])
ANSWER = Output(text="Rest and drink plenty of fluids for a cold. Antibiotics cure colds quickly.", model="test/m")


def test_majority_and_its_tie_rule():
    assert majority([True, True, False], tie=False) is True
    assert majority([True, False], tie=False) is False
    assert majority([True, False], tie=True) is True
    assert majority([], tie=False) is False


@pytest.mark.parametrize(("winners", "expected"), [
    (["model_a", "model_a", "model_b"], "model_a"),
    (["model_a", "model_b"], "tie"),
    (["model_a", "model_b", "tie"], "tie"),
    (["tie (bothbad)", "tie (bothbad)", "model_a"], "tie (bothbad)"),
    (["tie", "tie (bothbad)", "model_b"], "tie"),
    (["model_b"], "model_b"),
])
def test_the_pairwise_jury_verdict_is_the_majority_or_a_tie(winners, expected):
    assert jury_winner(winners) == expected


def test_a_jury_needs_two_distinct_judges():
    with pytest.raises(ConfigError, match="two judges or more"):
        Jury([lenient()])
    with pytest.raises(ConfigError, match="names a judge twice"):
        Jury([lenient(), lenient()])
    assert isinstance(as_grader([lenient(), strict()]), Jury)
    assert not isinstance(as_grader([lenient()]), Jury)


async def test_rubric_by_a_jury_of_three_is_the_majority_per_criterion_with_each_judges_score():
    judges = [lenient(), strict(), keyword("rest")]
    score = await get_scorer("rubric", judge=judges)(SAMPLE, ANSWER)
    # rest: met by lenient and keyword; doctor: lenient only; antibiotics: lenient only -> 6 of 10
    assert score.value == pytest.approx(0.6)
    assert [c["met"] for c in score.metadata["criteria"]] == [True, False, False]
    assert score.metadata["criteria"][0]["votes"] == {"test/lenient": True, "test/strict": False,
                                                      "test/keyword": True}
    panel = score.metadata["jury"]["judges"]
    assert panel["test/lenient"]["value"] == pytest.approx(0.5)  # 6 + 4 - 5 of 10
    assert panel["test/strict"]["value"] == 0.0
    assert panel["test/keyword"]["value"] == pytest.approx(0.6)
    assert panel["test/strict"]["judge"]["model"] == "test/strict"
    assert score.metadata["judge"]["model"] == "jury: test/lenient, test/strict, test/keyword"
    assert score.metadata["judge"]["calls"] == 9
    assert score.judges == ["test/lenient", "test/strict", "test/keyword"]
    assert score.metadata["tags"] == {"axis:completeness": 1.0}
    assert "jury's majority" in score.explanation


async def test_a_split_jury_decides_against_the_answer():
    score = await get_scorer("rubric", judge=[lenient(), strict()])(SAMPLE, ANSWER)
    # every criterion split 1-1: earning ones not met, the penalty met -> -5 of 10, clipped to 0
    assert [c["met"] for c in score.metadata["criteria"]] == [False, False, True]
    assert score.value == 0.0
    faith = await get_scorer("faithfulness", judge=[lenient(), strict()])(SAMPLE, ANSWER)
    assert faith.value == 0.0 and all(c["supported"] is False for c in faith.metadata["claims"])


async def test_faithfulness_by_a_jury_keeps_each_judges_share():
    score = await get_scorer("faithfulness", judge=[lenient(), keyword("fluids"), strict()])(SAMPLE, ANSWER)
    assert [c["supported"] for c in score.metadata["claims"]] == [True, False]
    assert score.value == 0.5
    assert {n: j["value"] for n, j in score.metadata["jury"]["judges"].items()} == {
        "test/lenient": 1.0, "test/keyword": 0.5, "test/strict": 0.0}
    assert score.metadata["method"] == "judge"


async def test_a_judge_that_fails_is_left_out_of_that_items_jury_and_counted():
    score = await get_scorer("rubric", judge=[lenient(), keyword("rest"), broken()])(SAMPLE, ANSWER)
    # a jury of two: rest met by both; doctor and antibiotics split, decided against the answer -> 6 - 5 of 10
    assert score.value == pytest.approx(0.1)
    assert [c["met"] for c in score.metadata["criteria"]] == [True, False, True]
    assert score.metadata["judge"]["failed"] == 1
    assert "judge gave no valid verdict" in score.metadata["jury"]["failed"]["test/broken"]
    assert score.metadata["jury"]["judges"]["test/broken"]["value"] is None
    assert "1 of 3 judges gave no verdict" in score.explanation
    assert score.metadata["criteria"][0]["votes"] == {"test/lenient": True, "test/keyword": True}

    nobody = await get_scorer("rubric", judge=[broken("test/b1"), broken("test/b2")])(SAMPLE, ANSWER)
    assert nobody.value is None and nobody.metadata["judge"]["failed"] == 2
    assert "every judge of the jury failed" in nobody.explanation


async def test_a_judge_with_a_bad_key_stops_the_run_as_with_one_judge():
    bad = ScriptedModel(*[AuthenticationError("authentication failed (401)")] * 3, name="test/bad")
    with pytest.raises(AuthenticationError):
        await get_scorer("rubric", judge=[lenient(), bad])(SAMPLE, ANSWER)


async def test_reports_read_each_judges_mean_and_the_judges_alpha():
    scorer = get_scorer("rubric", judge=[lenient(), strict(), keyword("rest")])
    results = []
    for model in ("test/a", "test/b"):
        for i in range(3):
            sample = SAMPLE.model_copy(update={"id": f"s{i}"})
            results.append(SampleResult(run_id="r", task="t", model=model, sample_id=sample.id, output=ANSWER,
                                        scores={"rubric": await scorer(sample, ANSWER)}))
    results.append(SampleResult(run_id="r", task="t", model="test/a", sample_id="plain", output=ANSWER,
                                scores={"rubric": Score(value=1.0)}))  # not a jury's: ignored
    (summary,) = jury_summaries(results, resamples=50)
    assert (summary.task, summary.metric, summary.answers) == ("t", "rubric", 6)
    assert summary.judges == ["test/lenient", "test/strict", "test/keyword"]
    assert summary.means["test/a"] == pytest.approx({"test/lenient": 0.5, "test/strict": 0.0, "test/keyword": 0.6})
    assert summary.jury["test/b"] == pytest.approx(0.6)
    # every answer gets 0.5, 0.0, 0.6: the judges differ and never vary together -> α below 0
    assert summary.alpha.value is not None and summary.alpha.value < 0
    line = jury_line(summary, "test/a")
    assert line.startswith("jury of 3 (majority): test/lenient 0.500, test/strict 0.000, test/keyword 0.600 → 0.600")
    assert "over 6 answers" in line
