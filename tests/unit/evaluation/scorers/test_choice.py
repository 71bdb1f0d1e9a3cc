"""Multiple-choice and PubMedQA scorers: answer extraction from free text, and the aggregate metrics."""

from __future__ import annotations

import pytest

from medchat.evaluation import Output, Sample, Score, get_scorer
from medchat.evaluation.scorers.choice import accuracy, extract_choice, extract_yes_no_maybe, macro_f1

OPTIONS = ["Aspirin", "Insulin", "Metformin", "Warfarin"]
OPTIONS_ZH = ["阿司匹林", "胰岛素", "二甲双胍", "华法林"]

# (reply, expected letter); the options are OPTIONS, so "metformin" names C.
ENGLISH = [
    ("C", "C"),
    ("c", "C"),
    ("(C)", "C"),
    ("C.", "C"),
    ("Answer: C", "C"),
    ("**Answer:** C", "C"),
    ("answer: c", "C"),
    ("The answer is C.", "C"),
    ("The correct answer is (C) Metformin.", "C"),
    ("Final answer: \\boxed{D}", "D"),
    ("C. Metformin", "C"),
    ("(C) Metformin is the usual first-line drug.", "C"),
    ("Metformin", "C"),
    ("metformin.", "C"),
    ("The answer is metformin.", "C"),
    ("I would start metformin first.", "C"),  # option text contained, and only that one
    ("option C", "C"),
    ("I'd choose B because it lowers glucose fastest.", "B"),
    ("A because it prevents clots.", "A"),  # "A" then a connector: an option, not an article
    ("D is the most appropriate choice.", "D"),
    ("Option A is wrong. Option B is wrong. Option C is correct.", "C"),
    # chain of thought: the last stated answer wins
    ("Aspirin (A) does not lower glucose and insulin (B) is not first-line, so the answer is C.", "C"),
    ("Answer: A. Wait, on reflection the answer is B.", "B"),
    ("A and B are incorrect; D is the best answer", "D"),
    ("The answer is not A; it is D.", "D"),
    ("We should not choose A. Choose B.", "B"),
    # the article "A" is not an answer
    ("A common cause of this is insulin resistance, so the answer is C.", "C"),
    ("A common first-line drug is metformin.", "C"),
    ("A patient like this needs further tests.", None),
    ("The answer is a bit unclear.", None),
    # names with capital letters are not answers
    ("Hepatitis B is more likely here.", None),
    ("B cells are involved.", None),
    ("E. coli is the usual cause.", None),
    ("Vitamin C deficiency.", None),
    # echoed option lists are not the last option chosen
    ("Options: A) Aspirin B) Insulin C) Metformin D) Warfarin. The best choice is metformin.", "C"),
    ("A) Aspirin B) Insulin C) Metformin D) Warfarin\nMetformin is first-line.", "C"),
    ("C. Metformin, not A. Aspirin", "C"),
    # a reply opening with several letters is not answering the first
    ("(B) and (D) are wrong; (C)", "C"),
    ("A, B and D are wrong, so C.", "C"),
    # nothing committed to
    ("I don't know.", None),
    ("Aspirin and insulin are both reasonable.", None),
    ("The answer is E.", None),  # no option E
    ("", None),
]
CHINESE = [
    ("答案：C", "C"),
    ("答案是 Ｃ。", "C"),  # full-width letter
    ("正确答案为（C）", "C"),  # full-width brackets
    ("故选C。", "C"),
    ("C项正确，其余选项错误。", "C"),
    ("选项D正确", "D"),
    ("我选B", "B"),
    ("不选A，选C", "C"),
    ("C，二甲双胍是2型糖尿病的一线用药。", "C"),
    ("二甲双胍", "C"),
    ("首选二甲双胍，而不是胰岛素。", "C"),
    ("阿司匹林和胰岛素都不合适。", None),
    ("这个问题我不确定。", None),
]


@pytest.mark.parametrize(("reply", "expected"), ENGLISH)
def test_extract_choice_english(reply: str, expected: str | None) -> None:
    assert extract_choice(reply, "ABCD", OPTIONS) == expected


@pytest.mark.parametrize(("reply", "expected"), CHINESE)
def test_extract_choice_chinese(reply: str, expected: str | None) -> None:
    assert extract_choice(reply, "ABCD", OPTIONS_ZH) == expected


def test_extraction_table_is_large() -> None:
    assert len(ENGLISH) + len(CHINESE) >= 25


async def score_choice(reply: str, target: str = "C", choices: list[str] | None = None) -> Score:
    sample = Sample(id="q", input="Which drug is usually first-line for type 2 diabetes?", target=target,
                    choices=OPTIONS if choices is None else choices)
    return await get_scorer("choice")(sample, Output(text=reply, model="test/model"))


async def test_choice_scores_the_extracted_letter() -> None:
    right = await score_choice("So the answer is C.")
    assert (right.value, right.answer, right.metadata) == (1.0, "C", {"label": "C"})
    wrong = await score_choice("The answer is B.")
    assert (wrong.value, wrong.answer, wrong.metadata) == (0.0, "B", {"label": "C"})
    assert "correct: C" in wrong.explanation


async def test_choice_target_may_be_the_option_text() -> None:
    score = await score_choice("C", target="Metformin")
    assert (score.value, score.metadata["label"]) == (1.0, "C")


async def test_choice_without_an_answer_scores_zero() -> None:
    score = await score_choice("It depends on the patient.")
    assert (score.value, score.answer, score.explanation) == (0.0, None, "no answer found")
    assert score.metadata == {"label": "C"}


async def test_choice_not_applicable() -> None:
    no_choices = await score_choice("C", choices=[])
    assert no_choices.value is None
    unresolvable = await score_choice("C", target="Sulfonylurea")
    assert unresolvable.value is None


# ------------------------------------------------------------------ PubMedQA


@pytest.mark.parametrize(("reply", "expected"), [
    ("Yes", "yes"),
    ("yes.", "yes"),
    ("No, the trial found no benefit.", "no"),
    ("Maybe: the evidence is mixed.", "maybe"),
    ("**Yes**, it does.", "yes"),
    ("Answer: maybe", "maybe"),
    ("The results were mixed. Answer: maybe", "maybe"),  # stated answer beats the first word
    ("Based on this cohort, yes.", "yes"),
    ("There is no clear evidence either way.", "no"),  # first decisive word, as PubMedQA-style parsers do
    ("The final decision is: no", "no"),
    ("是的，两者有关。", "yes"),
    ("否。", "no"),
    ("不是。", "no"),
    ("可能。证据不足。", "maybe"),
    ("答案：否", "no"),
    ("对于这个问题，答案是：可能", "maybe"),  # 对于 ("regarding") is not 对 ("right")
    ("高血压是常见病。", None),  # 是 as "is" is not an answer
    ("The study did not address this.", None),
])
def test_extract_yes_no_maybe(reply: str, expected: str | None) -> None:
    assert extract_yes_no_maybe(reply) == expected


async def score_pubmedqa(reply: str, target: str | list[str]) -> Score:
    sample = Sample(id="p", input="Does X reduce Y?", target=target)
    return await get_scorer("pubmedqa")(sample, Output(text=reply, model="test/model"))


async def test_pubmedqa_scores() -> None:
    right = await score_pubmedqa("Maybe; the data are limited.", "maybe")
    assert (right.value, right.answer, right.metadata) == (1.0, "maybe", {"label": "maybe"})
    wrong = await score_pubmedqa("Yes.", "no")
    assert (wrong.value, wrong.answer, wrong.metadata) == (0.0, "yes", {"label": "no"})
    chinese_gold = await score_pubmedqa("No.", "否")
    assert (chinese_gold.value, chinese_gold.metadata["label"]) == (1.0, "no")
    missing = await score_pubmedqa("I cannot tell.", "yes")
    assert (missing.value, missing.answer, missing.explanation) == (0.0, None, "no answer found")


async def test_pubmedqa_not_applicable() -> None:
    assert (await score_pubmedqa("yes", "perhaps")).value is None
    assert (await score_pubmedqa("yes", [])).value is None


# ------------------------------------------------------------------ accuracy and macro-F1

PAIRS = {
    "balanced": [("yes", "yes"), ("no", "no"), ("maybe", "maybe"), ("yes", "no"), ("no", "yes"),
                 ("maybe", "yes"), ("yes", "yes")],
    "maybe never predicted": [("yes", "yes"), ("no", "no"), ("maybe", "yes"), ("maybe", "no"), ("yes", "no"),
                              ("no", "no")],
    "maybe absent from gold and predictions": [("yes", "yes"), ("no", "yes"), ("no", "no"), ("yes", "yes")],
    "all wrong": [("yes", "no"), ("no", "maybe"), ("maybe", "yes")],
    "unparsed answers": [("yes", None), ("no", "no"), ("maybe", None), ("yes", "yes"), ("maybe", "maybe")],
    "single item": [("no", "no")],
}


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_macro_f1_equals_scikit_learn(name: str) -> None:
    metrics = pytest.importorskip("sklearn.metrics")
    pairs = PAIRS[name]
    gold = [g for g, _ in pairs]
    predicted = [p if p is not None else "none" for _, p in pairs]  # scikit-learn needs one type
    labels = ["yes", "no", "maybe"]
    expected = metrics.f1_score(gold, predicted, average="macro", labels=labels, zero_division=0)
    assert macro_f1(pairs) == pytest.approx(expected)
    assert accuracy(pairs) == pytest.approx(metrics.accuracy_score(gold, predicted))


def test_macro_f1_letters_with_inferred_labels_equals_scikit_learn() -> None:
    metrics = pytest.importorskip("sklearn.metrics")
    pairs = [("A", "A"), ("B", "C"), ("C", "C"), ("D", "A"), ("B", "B"), ("A", "D")]
    gold, predicted = zip(*pairs, strict=True)
    expected = metrics.f1_score(gold, predicted, average="macro", zero_division=0)
    assert macro_f1(pairs, labels=None) == pytest.approx(expected)


def test_macro_f1_by_hand() -> None:
    # yes: TP 1, FP 1 (a "no" called yes), FN 0 → 2/3; no: TP 1, FN 1 → 2/3; maybe: absent → 0.
    pairs = [("yes", "yes"), ("no", "yes"), ("no", "no")]
    assert macro_f1(pairs) == pytest.approx((2 / 3 + 2 / 3 + 0) / 3)
    assert macro_f1(pairs, labels=("yes", "no")) == pytest.approx(2 / 3)
    assert accuracy(pairs) == pytest.approx(2 / 3)
    assert accuracy([]) == 0.0
    assert macro_f1([]) == 0.0
