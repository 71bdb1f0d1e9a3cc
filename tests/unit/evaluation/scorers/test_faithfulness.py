"""Faithfulness: claims are split from the answer, non-claims skipped, each claim checked against context."""

import json

import pytest

from medchat.errors import ConfigError
from medchat.evaluation.output import Output
from medchat.evaluation.sample import Sample
from medchat.evaluation.score import get_scorer
from medchat.evaluation.scorers.faithfulness import claims, context_of, lexical_support
from tests.scripted import ScriptedModel

CONTEXT = [
    "Most colds get better on their own within 7 to 10 days. Rest and drinking plenty of fluids help. "
    "Antibiotics do not work against cold viruses.",
    "Paracetamol or ibuprofen can ease a sore throat, aches and a high temperature.",
]
ANSWER = (
    "Hi, sorry to hear you're unwell!\n"
    "Most colds clear up by themselves within 7 to 10 days [1]. "
    "Resting and drinking plenty of fluids can help [1]. "
    "Vitamin C megadoses cure a cold within a day. "
    "See a GP if your symptoms last more than three weeks. "
    "This is general information, not medical advice.\n\n"
    "Sources:\n[1] NHS — Common cold\n[2] CDC — Common colds"
)


class ByClaim(ScriptedModel):
    """A judge that supports a claim unless it contains one of ``unsupported``."""

    def __init__(self, *unsupported: str, reply: str | None = None):
        super().__init__(name="test/judge")
        self.unsupported = unsupported
        self.reply = reply

    async def _stream(self, request):
        claim = request.messages[0].content.split("<statement>\n", 1)[1].split("\n</statement>", 1)[0]
        supported = not any(word in claim for word in self.unsupported)
        self.steps = [self.reply or json.dumps({"explanation": "checked", "supported": supported})]
        async for chunk in super()._stream(request):
            yield chunk


def sample(context=CONTEXT) -> Sample:
    return Sample(id="cold", input="How long does a cold last and what helps?", context=context)


def test_claims_leave_out_greetings_referrals_disclaimers_and_the_sources_list():
    found, skipped = claims(ANSWER)
    assert found == ["Most colds clear up by themselves within 7 to 10 days.",
                     "Resting and drinking plenty of fluids can help.",
                     "Vitamin C megadoses cure a cold within a day."]
    assert skipped == 3  # greeting, "see a GP", the disclaimer; the Sources list is cut off first


def test_chinese_answers_are_split_into_claims_too():
    answer = "你好！感冒通常在7到10天内自行好转。多休息、多喝水有助于恢复。如症状持续，请咨询医生。你还有其他问题吗？"
    found, skipped = claims(answer)
    assert found == ["感冒通常在7到10天内自行好转。", "多休息、多喝水有助于恢复。"]
    assert skipped == 3


async def test_the_judge_decides_each_claim_and_the_score_is_the_supported_share():
    judge = ByClaim("Vitamin C")
    score = await get_scorer("faithfulness", judge=judge)(sample(), Output(text=ANSWER, model="m"))
    assert score.value == pytest.approx(2 / 3)
    assert score.explanation == "2 of 3 claims supported"
    assert score.metadata["method"] == "judge"
    assert score.metadata["judge"] == {"model": "test/judge", "prompt": "faithfulness@1", "attempts": 3, "calls": 3}
    assert [c["supported"] for c in score.metadata["claims"]] == [True, True, False]
    assert score.metadata["skipped"] == 3
    prompts = [call.messages[0].content for call in judge.calls]
    assert len(prompts) == 3
    assert all("[1] Most colds get better" in p and "[2] Paracetamol" in p for p in prompts)
    assert not any("sorry to hear" in p or "NHS — Common cold" in p for p in prompts)


async def test_without_sample_context_the_cited_passages_are_the_context():
    citations = [{"number": 1, "title": "Common cold", "source": "NHS", "passage_id": "p1", "language": "en",
                  "quote": CONTEXT[0]}]
    output = Output(text=ANSWER, model="assistant/m", citations=citations)
    assert context_of(sample(context=[]), output) == [CONTEXT[0]]
    score = await get_scorer("faithfulness", judge=ByClaim("Vitamin C"))(sample(context=[]), output)
    assert score.value == pytest.approx(2 / 3)


async def test_no_context_or_no_claims_gives_no_score():
    judge = ByClaim()
    scorer = get_scorer("faithfulness", judge=judge)
    score = await scorer(sample(context=[]), Output(text=ANSWER, model="m"))
    assert score.value is None and score.explanation == "no context to check the answer against"
    score = await scorer(sample(), Output(text="Hello! Please see your doctor about this.", model="m"))
    assert score.value is None and score.explanation == "the answer makes no factual claims to check"
    assert judge.calls == []


async def test_a_judge_that_never_gives_a_verdict_leaves_the_score_empty():
    score = await get_scorer("faithfulness", judge=ByClaim(reply="Supported."))(sample(),
                                                                                  Output(text=ANSWER, model="m"))
    assert score.value is None
    assert score.explanation.startswith("judge gave no valid verdict after 3 attempts")
    assert score.metadata["judge"]["failed"] == 3


async def test_without_a_judge_a_lexical_check_stands_in():
    score = await get_scorer("faithfulness", judge=None)(sample(), Output(text=ANSWER, model="m"))
    assert score.metadata["method"] == "lexical"
    assert score.value == pytest.approx(2 / 3)
    verdicts = {c["claim"]: c for c in score.metadata["claims"]}
    assert verdicts["Vitamin C megadoses cure a cold within a day."]["supported"] is False
    assert verdicts["Resting and drinking plenty of fluids can help."]["evidence"] == \
        "Rest and drinking plenty of fluids help."
    assert "lexical check" in score.explanation


async def test_the_lexical_threshold_is_an_option():
    strict = get_scorer("faithfulness", threshold=1.0)
    loose = get_scorer("faithfulness", threshold=0.1)
    output = Output(text="Colds usually last about a week and fluids help recovery.", model="m")
    assert (await strict(sample(), output)).value == 0.0
    assert (await loose(sample(), output)).value == 1.0
    with pytest.raises(ConfigError):
        get_scorer("faithfulness", threshold=0)


def test_lexical_support_works_for_chinese():
    context = ["感冒多由病毒引起，一般7到10天可自行好转。抗生素对病毒无效。"]
    overlap, where = lexical_support("抗生素对感冒病毒无效。", context)
    assert overlap >= 0.5 and where == "抗生素对病毒无效。"
    assert lexical_support("维生素C可以根治感冒。", context)[0] < 0.5
