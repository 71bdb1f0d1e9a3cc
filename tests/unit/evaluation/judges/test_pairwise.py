"""The pairwise judge: asked in both orders, a verdict that flips with the order becomes an inconsistent tie."""

import pytest

from medchat.evaluation.judges import JudgeError
from medchat.evaluation.judges.pairwise import combine, judge_pair, normalise_winner, swap
from tests.scripted import ScriptedModel
from tests.unit.evaluation.judges.rules import RuleJudge, between

GOOD = "Cool the burn under cool running water for about 20 minutes."
BAD = "Put butter on it."


def prefers_water(prompt: str) -> str:
    """A fair judge: the reply that mentions running water wins, wherever it stands."""
    a, b = between(prompt, "<reply_a>", "</reply_a>"), between(prompt, "<reply_b>", "</reply_b>")
    if ("water" in a) == ("water" in b):
        return '{"explanation": "same", "winner": "tie"}'
    return '{"explanation": "cooling is right", "winner": "%s"}' % ("a" if "water" in a else "b")


@pytest.mark.parametrize(("a", "b", "winner"), [(GOOD, BAD, "a"), (BAD, GOOD, "b"), (GOOD, GOOD, "tie")])
async def test_a_fair_judge_is_consistent_in_both_orders(a, b, winner):
    judge = RuleJudge(prefers_water)
    found = await judge_pair(judge, "I burned my hand. What first?", a, b)
    assert (found.winner, found.consistent, found.first, found.second) == (winner, True, winner, winner)
    assert found.prompt == "pairwise@1" and found.model == "test/rules"
    assert len(judge.prompts) == 2
    assert between(judge.prompts[0], "<reply_a>", "</reply_a>").strip() == a  # second call swapped
    assert between(judge.prompts[1], "<reply_a>", "</reply_a>").strip() == b


async def test_a_judge_that_always_picks_the_first_position_is_an_inconsistent_tie():
    judge = ScriptedModel('{"winner": "A"}', '{"winner": "[[A]]"}')
    found = await judge_pair(judge, [{"role": "user", "content": "Which is better?"}], GOOD, BAD)
    assert (found.winner, found.consistent) == ("tie", False)
    assert (found.first, found.second) == ("a", "b")  # the second order's "A" was answer B


async def test_tie_and_both_bad_agree_as_a_tie():
    found = await judge_pair(ScriptedModel('{"winner": "both_bad"}', '{"winner": "tie (bothbad)"}'), "q", BAD, BAD)
    assert (found.winner, found.consistent) == ("both_bad", True)
    assert combine("tie", "both_bad") == ("tie", True)


async def test_a_judge_that_never_answers_validly_raises_judge_error():
    with pytest.raises(JudgeError):
        await judge_pair(ScriptedModel("no idea", "still no idea", "nope"), "q", GOOD, BAD)


@pytest.mark.parametrize(("spoken", "winner"), [
    ("A", "a"), ("[[B]]", "b"), ("model_a", "a"), ("Assistant B", "b"), ("tie", "tie"),
    ("tie (bothbad)", "both_bad"), ("Both bad", "both_bad"), ("tie (inconsistent)", "tie"), ("C", None), (3, None),
])
def test_spoken_winners_are_normalised(spoken, winner):
    assert normalise_winner(spoken) == winner


def test_swap_maps_sides_and_keeps_ties():
    assert [swap(w) for w in ("a", "b", "tie", "both_bad")] == ["b", "a", "tie", "both_bad"]
