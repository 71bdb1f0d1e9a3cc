"""The judge: prompt files, lenient parsing of what judges really write, and bounded retries."""

import pytest
from pydantic import BaseModel

from medchat.errors import ConfigError
from medchat.evaluation.judges import Judge, JudgeError, VerdictParseError, as_judge, load_prompt, parse_verdict
from medchat.evaluation.judges.judge import PROMPTS_DIR, json_shape, parse_prompt
from tests.scripted import ScriptedModel


class Verdict(BaseModel):
    explanation: str = ""
    criteria_met: bool


@pytest.mark.parametrize(("reply", "met", "explanation"), [
    ('{"explanation": "Mentions rest and fluids.", "criteria_met": true}', True, "Mentions rest and fluids."),
    ('Sure, here is my verdict:\n```json\n{"explanation": "No dose given", "criteria_met": false}\n```\nThanks!',
     False, "No dose given"),
    ("The reply is fine. {'explanation': 'It says the patient's fever needs checking', 'criteria_met': True}",
     True, "It says the patient's fever needs checking"),
    ('{"explanation": "ok", "criteria_met": "true",}', True, "ok"),
    ('{"explanation": "ok", "criteria_met": "yes"}', True, "ok"),
    ('{"explanation": "ok", "criteria_met": "No."}', False, "ok"),
    ('{"Criteria Met": 1, "Explanation": "x"}', True, "x"),
    ("{explanation: 'bare keys', criteriaMet: false}", False, "bare keys"),
    ('{"explanation": "回答提到了多休息", "criteria_met": "是"}', True, "回答提到了多休息"),
    ('{"explanation": "uses {braces} inside", "criteria_met": true}', True, "uses {braces} inside"),
    ("**Explanation:** The reply names the NHS.\n**criteria_met:** yes", True, "The reply names the NHS."),
    ('{"criteria_met": false}', False, ""),
])
def test_lenient_parsing_of_real_judge_replies(reply, met, explanation):
    verdict = parse_verdict(reply, Verdict)
    assert verdict.criteria_met is met
    assert verdict.explanation == explanation


@pytest.mark.parametrize(("reply", "problem"), [
    ("", "empty"),
    ("I think the criterion is met.", "no JSON object"),
    ('{"explanation": "The reply covers hydration and', "not closed"),
    ('{"explanation": "unsure", "criteria_met": "maybe"}', '"criteria_met" must be true or false'),
    ('{"explanation": "forgot the verdict"}', 'the field "criteria_met" is missing'),
])
def test_unusable_replies_say_what_is_wrong(reply, problem):
    with pytest.raises(VerdictParseError, match=problem):
        parse_verdict(reply, Verdict)


def test_shape_shows_the_judge_the_fields():
    assert json_shape(Verdict) == '{"explanation": "<text>", "criteria_met": true or false}'


async def test_a_valid_first_reply_is_one_attempt_at_temperature_zero():
    model = ScriptedModel('{"explanation": "Advises rest.", "criteria_met": true}', name="test/judge")
    verdict = await Judge(model).ask("rubric", Verdict, conversation="user: hi\n\nassistant: rest", criterion="rest",
                                     points="5")
    assert verdict.value.criteria_met is True
    assert (verdict.attempts, verdict.model, verdict.prompt) == (1, "test/judge", "rubric@1")
    assert verdict.record() == {"model": "test/judge", "prompt": "rubric@1", "attempts": 1}
    assert verdict.raw.strip() == '{"explanation": "Advises rest.", "criteria_met": true}'
    request = model.calls[0]
    assert request.params.temperature == 0
    assert request.params.max_tokens is not None
    assert "assistant: rest" in request.messages[0].content


async def test_a_bad_reply_is_retried_with_what_was_wrong():
    model = ScriptedModel("Met.", '{"explanation": "x", "criteria_met": "perhaps"}', '{"criteria_met": false}')
    verdict = await Judge(model).ask("rubric", Verdict, conversation="c", criterion="k", points="1")
    assert verdict.value.criteria_met is False
    assert verdict.attempts == 3
    first_retry, second_retry = model.calls[1].messages, model.calls[2].messages
    assert [m.role for m in first_retry] == ["user", "assistant", "user"]
    assert first_retry[1].content.strip() == "Met."
    assert "held no JSON object" in first_retry[2].content
    assert '"criteria_met": true or false' in first_retry[2].content
    assert '"criteria_met" must be true or false' in second_retry[2].content
    assert second_retry[0] == first_retry[0]  # the original prompt, not a growing pile of retries


async def test_retries_are_bounded_and_end_in_a_judge_error():
    model = ScriptedModel("no", "still no", "nope", "never asked")
    with pytest.raises(JudgeError, match="judge gave no valid verdict after 3 attempts: the reply held no JSON") as err:
        await Judge(model).ask("rubric", Verdict, conversation="c", criterion="k", points="1")
    assert len(model.calls) == 3
    assert err.value.record() == {"model": "test/scripted", "prompt": "rubric@1", "attempts": 3,
                                  "error": "the reply held no JSON object"}
    model = ScriptedModel("no", '{"criteria_met": true}')
    with pytest.raises(JudgeError, match="after 1 attempts"):
        await Judge(model, retries=0).ask("rubric", Verdict, conversation="c", criterion="k", points="1")


def test_bundled_prompts_have_a_versioned_header_and_their_placeholders():
    names = sorted(p.stem for p in PROMPTS_DIR.glob("*.md"))
    assert names == ["facts", "faithfulness", "pairwise", "rubric"]
    assert load_prompt("rubric").id == "rubric@1"
    assert load_prompt("rubric").fields == {"conversation", "criterion", "points"}
    assert load_prompt("faithfulness").fields == {"context", "claim"}
    assert load_prompt("pairwise").fields == {"conversation", "answer_a", "answer_b"}
    assert load_prompt("facts").fields == {"question", "fact"}
    for name in names:
        assert load_prompt(name).name == name


def test_rendering_fills_placeholders_once_and_needs_all_of_them():
    prompt = parse_prompt("---\nname: t\nversion: 2\n---\nQ: {question}\nShape: {\"ok\": true}\n")
    assert prompt.id == "t@2"
    assert prompt.render(question="what is {question}?") == 'Q: what is {question}?\nShape: {"ok": true}'
    with pytest.raises(ConfigError, match="needs question"):
        prompt.render()


def test_prompt_errors_are_one_line_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="no header"):
        parse_prompt("Just text {x}")
    with pytest.raises(ConfigError, match="lacks name or version"):
        parse_prompt("---\nname: x\n---\nbody")
    with pytest.raises(ConfigError, match="known prompts: facts, faithfulness, pairwise, rubric"):
        load_prompt("nonexistent")
    (tmp_path / "mine.md").write_text("---\nname: mine\nversion: 7\n---\nSay {x}", encoding="utf-8")
    assert Judge(ScriptedModel(), prompts_dir=tmp_path).prompt("mine").id == "mine@7"


def test_as_judge_wraps_models_and_keeps_judges():
    model = ScriptedModel()
    judge = Judge(model, retries=1)
    assert as_judge(None) is None
    assert as_judge(judge) is judge
    wrapped = as_judge(model)
    assert isinstance(wrapped, Judge) and wrapped.model is model and wrapped.name == "test/scripted"
    with pytest.raises(ConfigError):
        Judge(model, retries=-1)


@pytest.mark.model
async def test_the_builtin_smollm2_as_judge_answers_valid_json_at_the_first_attempt():
    """A tiny local judge: constrained decoding (the verdict's JSON Schema as a llama.cpp grammar) makes
    its reply parse the first time; whether the verdict is right is another matter (it is 135M)."""
    from medchat.evaluation.output import Output
    from medchat.evaluation.sample import RubricItem, Sample
    from medchat.evaluation.score import get_scorer
    from medchat.gateway import get_model

    judge = Judge(get_model("builtin/smollm2"), retries=1, max_tokens=160)
    sample = Sample(id="cold", input="How can I ease a common cold?",
                    rubric=[RubricItem(criterion="Advises rest and drinking fluids.", points=5),
                            RubricItem(criterion="Recommends antibiotics.", points=-5)])
    output = Output(text="Rest, drink plenty of fluids and see a GP if it lasts over three weeks.", model="m")
    score = await get_scorer("rubric", judge=judge)(sample, output)
    record = score.metadata["judge"]
    assert record["model"] == "builtin/smollm2" and record["prompt"] == "rubric@1"
    assert record["attempts"] == record["calls"] == 2, score.explanation  # one attempt per criterion
    assert score.value is not None and 0.0 <= score.value <= 1.0
    assert [c["met"] in (True, False) for c in score.metadata["criteria"]] == [True, True]
