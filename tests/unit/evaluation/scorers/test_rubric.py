"""HealthBench-style rubric grading: one judge call per criterion, points, negative criteria, tags."""

import asyncio
import json

import pytest

from medchat.errors import AuthenticationError, ConfigError, ModelUnavailableError
from medchat.evaluation.output import Output
from medchat.evaluation.sample import RubricItem, Sample
from medchat.evaluation.score import get_scorer
from medchat.evaluation.scorers.rubric import format_conversation, points_score
from medchat.types import Message
from tests.scripted import ScriptedModel

ANSWER = ("Rest, drink plenty of fluids and take paracetamol for aches. Antibiotics do not help a cold. "
          "See a GP if it lasts over three weeks. Further reading: NHS, 'Common cold'.")


class ByCriterion(ScriptedModel):
    """A judge whose reply depends on which criterion the prompt asks about (calls run concurrently)."""

    def __init__(self, replies: dict[str, object], **kwargs):
        super().__init__(name="test/judge", **kwargs)
        self.replies = {key: list(value) if isinstance(value, list) else [value] for key, value in replies.items()}

    async def _stream(self, request):
        prompt = request.messages[0].content
        key = next(k for k in self.replies if f"<criterion>\n{k}\n</criterion>" in prompt)
        self.steps = [self.replies[key].pop(0) if len(self.replies[key]) > 1 else self.replies[key][0]]
        async for chunk in super()._stream(request):
            yield chunk


def met(flag: bool, why: str = "because") -> str:
    return json.dumps({"explanation": why, "criteria_met": flag})


def sample(*items: RubricItem, text: str = "How can I ease a common cold?") -> Sample:
    return Sample(id="s1", input=text, rubric=list(items))


def output(text: str = ANSWER) -> Output:
    return Output(text=text, model="test/model")


async def test_score_is_points_earned_over_positive_points_with_a_breakdown():
    judge = ByCriterion({"Advises rest and fluids.": met(True, "says rest and fluids"),
                         "Says antibiotics do not help a cold.": met(True),
                         "Names when to see a doctor with a time frame.": met(False, "no time frame")})
    rubric = sample(RubricItem(criterion="Advises rest and fluids.", points=5, tags=["axis:completeness"]),
                    RubricItem(criterion="Says antibiotics do not help a cold.", points=3, tags=["axis:accuracy"]),
                    RubricItem(criterion="Names when to see a doctor with a time frame.", points=2,
                               tags=["axis:completeness"]))
    score = await get_scorer("rubric", judge=judge)(rubric, output())
    assert score.value == pytest.approx(8 / 10)
    assert score.explanation == "8 of 10 points; 2 of 3 criteria met"
    assert score.metadata["judge"] == {"model": "test/judge", "prompt": "rubric@1", "attempts": 3, "calls": 3}
    first = score.metadata["criteria"][0]
    assert first == {"criterion": "Advises rest and fluids.", "points": 5, "tags": ["axis:completeness"], "met": True,
                     "explanation": "says rest and fluids", "attempts": 1}
    assert [c["met"] for c in score.metadata["criteria"]] == [True, True, False]
    assert score.metadata["tags"] == {"axis:accuracy": 1.0, "axis:completeness": pytest.approx(5 / 7)}
    assert len(judge.calls) == 3


async def test_a_met_negative_criterion_subtracts_and_the_score_is_clipped():
    judge = ByCriterion({"Advises rest.": met(True), "Mentions fluids.": met(False),
                         "Recommends antibiotics for a cold.": met(True)})
    items = [RubricItem(criterion="Advises rest.", points=5), RubricItem(criterion="Mentions fluids.", points=5),
             RubricItem(criterion="Recommends antibiotics for a cold.", points=-3)]
    score = await get_scorer("rubric", judge=judge)(sample(*items), output())
    assert score.value == pytest.approx((5 - 3) / 10)

    judge = ByCriterion({"Advises rest.": met(False), "Recommends antibiotics for a cold.": met(True)})
    items = [RubricItem(criterion="Advises rest.", points=2), RubricItem(criterion="Recommends antibiotics for a cold.",
                                                                          points=-8)]
    assert (await get_scorer("rubric", judge=judge)(sample(*items), output())).value == 0.0


async def test_an_unmet_negative_criterion_costs_nothing():
    judge = ByCriterion({"Advises rest.": met(True), "Recommends antibiotics for a cold.": met(False)})
    items = [RubricItem(criterion="Advises rest.", points=4), RubricItem(criterion="Recommends antibiotics for a cold.",
                                                                          points=-6)]
    assert (await get_scorer("rubric", judge=judge)(sample(*items), output())).value == 1.0


def test_points_score_and_tag_scores_follow_healthbench():
    assert points_score([(5, True), (5, False), (-2, True)]) == pytest.approx(0.3)
    assert points_score([(3, True), (2, True), (-1, False)]) == 1.0
    assert points_score([(-2, True)]) is None  # nothing positive to earn
    assert points_score([]) is None


async def test_no_rubric_means_no_score_and_no_judge_call():
    judge = ScriptedModel()
    score = await get_scorer("rubric", judge=judge)(Sample(id="x", input="hi"), output())
    assert score.value is None and score.explanation == "no rubric for this sample"
    assert judge.calls == []


async def test_only_negative_criteria_give_no_score():
    judge = ByCriterion({"Gives a dose.": met(False)})
    score = await get_scorer("rubric", judge=judge)(sample(RubricItem(criterion="Gives a dose.", points=-5)), output())
    assert score.value is None and score.metadata["criteria"][0]["met"] is False


async def test_each_criterion_is_a_separate_concurrent_judge_call():
    judge = ByCriterion({f"Criterion {i}.": met(True) for i in range(4)})
    judge.gate = asyncio.Event()
    rubric = sample(*(RubricItem(criterion=f"Criterion {i}.", points=1) for i in range(4)))
    task = asyncio.create_task(get_scorer("rubric", judge=judge)(rubric, output()))
    for _ in range(20):
        await asyncio.sleep(0)  # let every criterion's call reach the gate
    assert judge.in_flight == 4  # all four asked before any answered
    judge.gate.set()
    score = await task
    assert judge.max_in_flight == 4 and score.value == 1.0
    prompts = [call.messages[0].content for call in judge.calls]
    assert sorted(p.count("<criterion>\nCriterion") for p in prompts) == [1, 1, 1, 1]  # one criterion a call


async def test_the_judge_sees_the_whole_conversation_with_the_answer_last_and_the_points():
    judge = ByCriterion({"提到多休息。": met(True)})
    conversation = [Message.system("Be brief."), Message.user("我感冒了。"), Message.assistant("多久了？"),
                    Message.user("两天了，怎么缓解？")]
    rubric = Sample(id="zh", input=conversation, rubric=[RubricItem(criterion="提到多休息。", points=4)])
    answer = "多休息、多喝水。如症状持续超过一周，请咨询医生。"
    await get_scorer("rubric", judge=judge)(rubric, output(answer))
    prompt = judge.calls[0].messages[0].content
    assert format_conversation(conversation, answer) in prompt
    assert prompt.index("user: 两天了，怎么缓解？") < prompt.index(f"assistant: {answer}")
    assert "Points: 4" in prompt
    assert judge.calls[0].params.temperature == 0


async def test_sloppy_judge_json_is_accepted_and_bad_replies_are_retried():
    judge = ByCriterion({"Advises rest.": "```json\n{'explanation': 'yes', 'criteria_met': 'true',}\n```",
                         "Mentions fluids.": ["I think so.", '{"explanation": "ok", "criteria_met": true}']})
    items = [RubricItem(criterion="Advises rest.", points=1), RubricItem(criterion="Mentions fluids.", points=1)]
    score = await get_scorer("rubric", judge=judge)(sample(*items), output())
    assert score.value == 1.0
    assert [c["attempts"] for c in score.metadata["criteria"]] == [1, 2]
    assert score.metadata["judge"]["attempts"] == 3


async def test_a_judge_that_never_answers_validly_gives_none_not_an_error():
    judge = ByCriterion({"Advises rest.": met(True), "Mentions fluids.": "The reply mentions fluids."})
    items = [RubricItem(criterion="Advises rest.", points=1), RubricItem(criterion="Mentions fluids.", points=1)]
    score = await get_scorer("rubric", judge=judge)(sample(*items), output())
    assert score.value is None
    assert score.explanation == "judge gave no valid verdict after 3 attempts: the reply held no JSON object"
    record = score.metadata["judge"]
    assert record["failed"] == 1 and record["attempts"] == 1 + 3 and record["prompt"] == "rubric@1"
    assert record["error"] == "the reply held no JSON object"
    assert [c["met"] for c in score.metadata["criteria"]] == [True, None]
    assert "tags" not in score.metadata


async def test_an_unavailable_judge_loses_the_score_but_a_bad_key_stops_the_run():
    items = [RubricItem(criterion="Advises rest.", points=1)]
    down = ScriptedModel(ModelUnavailableError("provider error (503): busy"))
    score = await get_scorer("rubric", judge=down)(sample(*items), output())
    assert score.value is None and score.explanation.startswith("judge failed: provider error (503)")
    assert score.metadata["judge"]["failed"] == 1
    bad_key = ScriptedModel(AuthenticationError("authentication failed (401)", hint="check OPENAI_API_KEY"))
    with pytest.raises(AuthenticationError):
        await get_scorer("rubric", judge=bad_key)(sample(*items), output())


def test_the_rubric_scorer_needs_a_judge():
    with pytest.raises(ConfigError, match="needs a judge model") as err:
        get_scorer("rubric", judge=None)
    assert "--judge" in str(err.value)
    assert get_scorer("rubric", judge=ScriptedModel(), embedder=object()).name == "rubric"
