"""Output validators, fed the way a model streams: piece by piece, checked before the answer is finished."""

from __future__ import annotations

import pytest

from medchat.safety.validators import NOTICES, SAFE_DOSING, StreamingValidator, validate_text

DISCLAIMER_EN = NOTICES["no_disclaimer"]["en"]
DIAGNOSIS_EN = NOTICES["diagnosis"]["en"]


def pieces_of(text: str, size: int = 3) -> list[str]:
    """``text`` cut into small pieces, as tokens arrive."""
    return [text[i:i + size] for i in range(0, len(text), size)]


def kinds(validator: StreamingValidator) -> dict[str, str | None]:
    return {f.kind: f.action for f in validator.findings}


# -- streaming with a replace policy (the default, for dosing) ------------------------------------------
def test_a_dosing_sentence_is_replaced_mid_stream_after_earlier_text_was_already_shown():
    v = StreamingValidator("en")
    assert v.hold  # dosing is "replace" by default: the sentence being written is held back

    first = v.feed("Rest and drink ")
    assert first == ""  # the sentence has not ended yet
    second = v.feed("fluids. Take 400 mg of ")
    assert second == "Rest and drink fluids. "  # shown as soon as it ended, long before the model finished
    assert v.feed("ibuprofen every 6 ") == ""  # the dosing sentence is held until it ends...
    third = v.feed("hours. See a")
    assert third == SAFE_DOSING["en"] + " "  # ...and then replaced, never shown
    assert kinds(v) == {"dosing": "replaced"}
    assert "400 mg" not in first + second + third
    assert v.feed(" doctor if it lasts.") == ""  # the last sentence has no space after its stop yet
    assert v.finish() == "See a doctor if it lasts."
    assert v.shown == f"Rest and drink fluids. {SAFE_DOSING['en']} See a doctor if it lasts."


def test_replacement_keeps_the_text_around_it_in_order():
    v = StreamingValidator("en")
    shown = [v.feed(p) for p in pieces_of("Rest helps. Take 2 tablets of paracetamol four times a day. "
                                          "See a doctor if it lasts.")]
    before_finish = "".join(shown)
    assert before_finish == f"Rest helps. {SAFE_DOSING['en']} "  # all but the last sentence, before finish()
    assert v.finish() == "See a doctor if it lasts."
    assert v.shown == f"Rest helps. {SAFE_DOSING['en']} See a doctor if it lasts."
    (finding,) = v.findings
    assert finding.check == "validator:dosing" and "2 tablets" in finding.message


def test_a_decimal_is_not_the_end_of_a_sentence():
    v = StreamingValidator("en")
    outputs = [v.feed(p) for p in ["A temperature of 38", ".", "5 is a mild fever", ". Ask a doctor."]]
    assert outputs == ["", "", "", "A temperature of 38.5 is a mild fever. "]
    assert v.finish() == "Ask a doctor."
    text, findings = validate_text("Take 2.5 ml of the syrup. See a doctor.", "en")
    assert text == f"{SAFE_DOSING['en']} See a doctor."  # "2.5" kept the dose in one sentence
    assert "2.5 ml" in findings[0].message


def test_chinese_stream_shows_each_sentence_when_it_ends():
    v = StreamingValidator("zh")
    outputs = [v.feed(p) for p in ["多喝温水，注意休", "息。每次吃2片布洛", "芬！如果持续不好，", "请看医生。"]]
    assert outputs == ["", "多喝温水，注意休息。", SAFE_DOSING["zh"], "如果持续不好，请看医生。"]
    assert v.finish() == ""  # 医生 is a pointer to help: nothing to append
    assert kinds(v) == {"dosing": "replaced"}


# -- pass-through (no replace policy) ------------------------------------------------------------------
def test_without_a_replace_policy_each_piece_is_shown_the_moment_it_arrives():
    v = StreamingValidator("en", policies={"dosing": "annotate"})
    assert not v.hold
    text = "Rest helps. Take 400 mg of ibuprofen every 6 hours. Ask a pharmacist."
    for piece in pieces_of(text, 4):
        assert v.feed(piece) == piece  # no holding back, even mid-sentence
    assert v.finish() == ""
    assert v.shown == text
    assert kinds(v) == {"dosing": "annotate"}  # still checked, sentence by sentence, for the report


def test_pass_through_still_appends_notices_at_the_end():
    v = StreamingValidator("en", policies={"dosing": "annotate"})
    shown = "".join(v.feed(p) for p in pieces_of("You most likely have tonsillitis. Gargle salt water."))
    assert shown == "You most likely have tonsillitis. Gargle salt water."
    assert v.finish() == f"\n\n{DIAGNOSIS_EN}\n{DISCLAIMER_EN}"


# -- appended notices ----------------------------------------------------------------------------------
def test_a_diagnosis_gets_a_notice_appended():
    text, findings = validate_text("You definitely have strep throat. A doctor can test for it.", "en")
    assert text == f"You definitely have strep throat. A doctor can test for it.\n\n{DIAGNOSIS_EN}"
    assert [(f.kind, f.action) for f in findings] == [("diagnosis", "appended")]


def test_a_chinese_diagnosis_gets_the_chinese_notice():
    text, findings = validate_text("你肯定是得了咽炎。多喝水，必要时去医院。", "zh")
    assert text.endswith("\n\n" + NOTICES["diagnosis"]["zh"])
    assert [f.kind for f in findings] == ["diagnosis"]


def test_no_pointer_to_professional_help_appends_the_disclaimer():
    text, findings = validate_text("Warm drinks and rest can ease a sore throat.", "en")
    assert text == f"Warm drinks and rest can ease a sore throat.\n\n{DISCLAIMER_EN}"
    assert [(f.kind, f.action, f.severity) for f in findings] == [("no_disclaimer", "appended", "info")]


def test_an_answer_that_points_to_help_gets_no_disclaimer():
    for answer in ("Rest. See your GP if it lasts.", "Rest. Ask a pharmacist.", "多休息，必要时请就医。"):
        text, findings = validate_text(answer, "zh" if "休息" in answer else "en")
        assert text == answer and findings == []


def test_the_same_notice_is_appended_once():
    text, findings = validate_text("You definitely have a cold. You are suffering from a virus.", "en")
    assert text.count(DIAGNOSIS_EN) == 1 and [f.kind for f in findings].count("diagnosis") == 2


# -- annotate-only findings ----------------------------------------------------------------------------
@pytest.mark.parametrize(("answer", "kind"), [
    ("It's nothing to worry about, just ignore it. See a doctor if unsure.", "tone"),
    ("This remedy is guaranteed to work. Ask a pharmacist.", "overconfidence"),
    ("没什么大不了的，你想多了。不放心可以去医院。", "tone"),
])
def test_tone_and_overconfidence_are_recorded_without_changing_the_text(answer, kind):
    text, findings = validate_text(answer, "zh" if "医院" in answer else "en")
    assert text == answer
    assert [(f.kind, f.action) for f in findings] == [(kind, "annotate")]


def test_ungrounded_when_most_sentences_share_little_with_the_sources():
    sources = ["Gargling with warm salty water may ease a sore throat in adults.",
               "Sucking lozenges can soothe a sore throat; see a doctor if it lasts more than a week."]
    grounded = "Gargling warm salty water may ease a sore throat. Lozenges can soothe a sore throat too. See a doctor."
    _, findings = validate_text(grounded, "en", sources=sources)
    assert findings == []

    invented = ("Quantum crystals realign throat energy fields overnight. Magnetic bracelets cure inflamed tonsils "
                "permanently. See a doctor.")
    _, findings = validate_text(invented, "en", sources=sources)
    (finding,) = findings
    assert finding.kind == "ungrounded" and finding.action == "annotate"
    assert finding.message == "2 of 2 sentences share little with the sources"
    assert finding.score == 0.0


def test_without_sources_grounding_is_not_checked():
    _, findings = validate_text("Quantum crystals realign throat energy fields overnight. See a doctor.", "en")
    assert findings == []


def test_length_is_annotated_past_the_limit():
    v = StreamingValidator("en", max_chars=50)
    v.feed("Rest and fluids help most colds get better. " * 3 + "See a doctor if it lasts.")
    v.finish()
    assert kinds(v) == {"length": "annotate"}


# -- policies ------------------------------------------------------------------------------------------
def test_policies_override_the_defaults():
    answer = "You definitely have strep throat. Take 500 mg of amoxicillin three times a day."
    text, findings = validate_text(answer, "en", policies={"diagnosis": "replace", "dosing": "append"})
    assert text == f"{DIAGNOSIS_EN} Take 500 mg of amoxicillin three times a day.\n\n{SAFE_DOSING['en']}"
    # (the replacement names a doctor, so the answer now points to help and needs no disclaimer)
    assert [(f.kind, f.action) for f in findings] == [("diagnosis", "replaced"), ("dosing", "appended")]


def test_a_disclaimer_policy_of_annotate_records_without_appending():
    text, findings = validate_text("Warm drinks can ease a sore throat.", "en", policies={"no_disclaimer": "annotate"})
    assert text == "Warm drinks can ease a sore throat."
    assert [(f.kind, f.action) for f in findings] == [("no_disclaimer", "annotate")]


def test_annotate_everything_leaves_the_text_alone():
    policy = dict.fromkeys(("dosing", "diagnosis", "no_disclaimer"), "annotate")
    answer = "You definitely have strep throat. Take 500 mg of amoxicillin three times a day."
    text, findings = validate_text(answer, "en", policies=policy)
    assert text == answer
    assert {f.kind for f in findings} == {"diagnosis", "dosing", "no_disclaimer"}
    assert {f.action for f in findings} == {"annotate"}


def test_an_empty_answer_has_no_findings():
    assert validate_text("", "en") == ("", [])
