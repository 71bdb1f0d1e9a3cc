import pytest

from medchat.errors import ConfigError
from medchat.safety.escalation import LOCALES, escalation_message, lines_for
from medchat.safety.triage import CATEGORIES

# A word from each category's reason, to check the reason made it into the message.
EN_REASON_WORDS = {"cardiac": "heart attack", "stroke": "stroke", "anaphylaxis": "anaphylaxis", "bleeding": "bleeding",
                   "breathing": "breathing", "seizure": "seizure", "poisoning": "poisoning", "infant_fever": "baby",
                   "pregnancy": "pregnancy", "burns": "burn", "diabetic": "diabetic",
                   "unconscious": "unresponsive", "testicular": "torsion", "abdominal": "blocked bowel"}
ZH_REASON_WORDS = {"cardiac": "心梗", "stroke": "中风", "anaphylaxis": "过敏", "bleeding": "出血",
                   "breathing": "呼吸困难", "seizure": "抽搐", "poisoning": "中毒", "infant_fever": "婴儿",
                   "pregnancy": "孕期", "burns": "烧烫伤", "diabetic": "糖尿病",
                   "unconscious": "没有反应", "testicular": "睾丸扭转", "abdominal": "肠梗阻"}


def test_auto_english_names_the_numbers_of_the_main_regions():
    message = escalation_message(["cardiac"], "en")
    for number in ("911", "999", "112"):
        assert number in message
    assert message.startswith("⚠️")


def test_auto_chinese_calls_120_in_chinese():
    message = escalation_message(["cardiac"], "zh")
    assert "120" in message and "急救电话" in message
    assert "911" not in message and "Call" not in message


def test_gb_locale_uses_999_and_samaritans():
    message = escalation_message(["self_harm"], "en", locale="GB")
    assert "999" in message and "Samaritans" in message and "116 123" in message
    assert "911" not in message and "988" not in message
    assert lines_for("UK", "en") == lines_for("GB", "en")


def test_us_locale_uses_911_and_988():
    message = escalation_message(["self_harm"], "en", locale="US")
    assert "Call 911 now" in message and "988" in message
    assert "999" not in message and "116 123" not in message


def test_cn_locale_uses_120_and_the_national_crisis_line():
    message = escalation_message(["self_harm"], "zh", locale="CN")
    assert "120" in message and "12356" in message


def test_locale_is_case_insensitive():
    assert lines_for("gb", "en").emergency == "999"
    assert lines_for("Auto", "zh") == LOCALES["CN"]


@pytest.mark.parametrize("locale", ["XX", "", "United Kingdom"])
def test_unknown_locale_is_a_config_error(locale):
    with pytest.raises(ConfigError, match="unknown safety locale"):
        escalation_message(["cardiac"], "en", locale=locale)


@pytest.mark.parametrize(("language", "numbers"), [("en", ("988", "116 123")), ("zh", ("12356",))])
def test_self_harm_adds_crisis_lines(language, numbers):
    with_crisis = escalation_message(["self_harm"], language)
    without = escalation_message(["cardiac"], language)
    for number in numbers:
        assert number in with_crisis
        assert number not in without
    assert len(with_crisis.splitlines()) > len(escalation_message([], language).splitlines())


@pytest.mark.parametrize("category", [c for c in CATEGORIES if c != "self_harm"])
def test_each_category_adds_its_reason_in_both_languages(category):
    en = escalation_message([category], "en").splitlines()
    zh = escalation_message([category], "zh").splitlines()
    assert en[1].startswith("Why: ") and EN_REASON_WORDS[category] in en[1]
    assert zh[1].startswith("原因：") and ZH_REASON_WORDS[category] in zh[1]


def test_several_categories_give_all_their_reasons_and_unknown_ones_none():
    message = escalation_message(["cardiac", "breathing"], "en")
    assert "heart attack" in message and "trouble breathing" in message
    assert escalation_message(["no_such_category"], "en") == escalation_message([], "en")
    assert "Why:" not in escalation_message([], "en")
