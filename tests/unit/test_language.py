import pytest

from medchat.language import detect_language, is_han


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("What are the signs of a stroke?", "en"),
        ("什么是哮喘", "zh"),
        ("哮喘吸入器应该怎么用？", "zh"),
        ("我有asthma怎么办", "zh"),  # a Chinese sentence with one English word is Chinese
        ("My doctor said I have 哮喘, what should I do about it?", "en"),  # and the other way round
        ("COVID-19 疫苗", "zh"),
    ],
)
def test_detect_language(text, expected):
    assert detect_language(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "120/80", "?!"])
def test_text_without_words_gets_the_default(text):
    assert detect_language(text) == "en"
    assert detect_language(text, default="zh") == "zh"


def test_the_default_does_not_override_english_words():
    assert detect_language("headache", default="zh") == "en"


def test_is_han():
    assert is_han("喘") and not is_han("a") and not is_han("。")
