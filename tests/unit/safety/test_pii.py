import socket

import pytest

from medchat.safety.pii import PIIDetector, get_detector, id_checksum_ok


@pytest.fixture(scope="session")
def detector() -> PIIDetector:
    # Building loads spaCy and Presidio (~5 s): once per session, shared like in the app.
    return get_detector()


def resident_id(first17: str) -> str:
    """A Chinese resident ID with its ISO 7064 MOD 11-2 check character, computed from the standard's definition
    (weights 2^(17-i) mod 11; check = (12 - sum mod 11) mod 11, 10 written X)."""
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(first17))
    check = (12 - total % 11) % 11
    return first17 + ("X" if check == 10 else str(check))


VALID_ID = resident_id("11010519491231002")  # the 18th character comes out as X
VALID_ID_DIGIT = resident_id("44030419900307125")  # a digit


def found(detector: PIIDetector, text: str) -> list[tuple[str, str]]:
    return [(e.type, e.text) for e in detector.detect(text)]


# -- each entity type ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "entity_type", "value"), [
    ("My name is Sarah Johnson and I have asthma.", "PERSON", "Sarah Johnson"),
    ("Please ask Maria Garcia to call me back.", "PERSON", "Maria Garcia"),
    ("我叫王小明，今年三十岁，最近总是失眠", "PERSON", "王小明"),
    ("患者李建国，男，65岁，高血压十年", "PERSON", "李建国"),
    ("Please call me on (415) 555-0132 tomorrow.", "PHONE_NUMBER", "(415) 555-0132"),
    ("Call me on 07700 900123 after 5pm.", "PHONE_NUMBER", "07700 900123"),
    ("我的手机号是 +86 138 1234 5678，请回电", "CN_MOBILE", "+86 138 1234 5678"),
    ("我的手机是13812345678，有结果请通知我", "CN_MOBILE", "13812345678"),
    ("Email me at jane.doe@example.com with the results.", "EMAIL_ADDRESS", "jane.doe@example.com"),
    ("我的邮箱是 zhang.wei@163.com，请发报告给我", "EMAIL_ADDRESS", "zhang.wei@163.com"),
    ("My MRN is 12345678, can you check my results?", "MEDICAL_RECORD_NUMBER", "12345678"),
    ("My hospital number is RX-449201.", "MEDICAL_RECORD_NUMBER", "RX-449201"),
    ("病历号：A1234567，请帮我查一下", "MEDICAL_RECORD_NUMBER", "A1234567"),
    ("I was born on 12/03/1985 and take metformin.", "DATE_OF_BIRTH", "12/03/1985"),
    ("My date of birth is 4 July 1978.", "DATE_OF_BIRTH", "4 July 1978"),
    ("出生日期：1990年5月12日", "DATE_OF_BIRTH", "1990年5月12日"),
    ("我1990年5月12日出生的，现在睡眠不好", "DATE_OF_BIRTH", "1990年5月12日"),
    (f"我的身份证号是{VALID_ID}，帮我挂号", "CN_RESIDENT_ID", VALID_ID),
    (f"身份证 {VALID_ID_DIGIT} 可以用来预约吗", "CN_RESIDENT_ID", VALID_ID_DIGIT),
    ("I live at 742 Evergreen Terrace, Springfield, IL 62704 and need a GP.", "ADDRESS",
     "742 Evergreen Terrace, Springfield, IL 62704"),
    ("Send it to 8 Willow Close, Oxford OX4 1DZ please.", "ADDRESS", "8 Willow Close, Oxford OX4 1DZ"),
    ("我住在北京市朝阳区建国路88号，附近有社区医院吗", "ADDRESS", "北京市朝阳区建国路88号"),
    ("快递请寄到深圳市南山区科苑路362号1208室", "ADDRESS", "深圳市南山区科苑路362号1208室"),
])
def test_entity_is_detected_with_its_exact_span(detector, text, entity_type, value):
    entities = detector.detect(text)
    assert (entity_type, value) in [(e.type, e.text) for e in entities]
    for e in entities:
        assert text[e.start:e.end] == e.text
        assert 0.0 < e.score <= 1.0


def test_record_number_label_is_not_part_of_the_entity(detector):
    redacted = detector.redact("My MRN is 12345678, can you check?").text
    assert redacted == "My MRN is [MEDICAL_RECORD_NUMBER_1], can you check?"


def test_a_date_without_a_birth_cue_is_not_a_date_of_birth(detector):
    assert found(detector, "I had surgery on 12/03/1985 and still get pain.") == []
    assert found(detector, "My appointment is on 14/03/2025, should I fast?") == []


def test_an_eighteen_digit_number_with_a_wrong_check_digit_is_not_an_id(detector):
    wrong = VALID_ID[:-1] + "0"
    assert not id_checksum_ok(wrong)
    assert found(detector, f"我的身份证号是{wrong}，帮我挂号") == []


@pytest.mark.parametrize("text", [
    "Take 500 mg twice daily with food.",
    "My BP was 140/90 this morning.",
    "My HbA1c is 7.2% now.",
    "My appointment is on 14/03/2025, should I fast?",
    "Is 38.5 a fever for a 2 year old?",
    "每次500mg，一天两次，饭后服用",
    "血压140/90，需要吃药吗",
])
def test_clinical_numbers_are_not_personal_data(detector, text):
    assert found(detector, text) == []


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_empty_text_has_no_entities(detector, text):
    assert detector.detect(text) == []
    redaction = detector.redact(text)
    assert redaction.text == text and redaction.count == 0 and redaction.mapping == {}


# -- redaction ----------------------------------------------------------------------------------------
def test_redact_uses_numbered_placeholders_and_can_be_restored(detector):
    text = ("Call John Smith at 415-555-0132 or john@example.com; John Smith is my brother, "
            "415-555-0132 is his cell and 212-555-0187 is his office.")
    redaction = detector.redact(text)
    assert redaction.text == ("Call [PERSON_1] at [PHONE_NUMBER_1] or [EMAIL_ADDRESS_1]; [PERSON_1] is my brother, "
                              "[PHONE_NUMBER_1] is his cell and [PHONE_NUMBER_2] is his office.")
    assert redaction.mapping == {"[PERSON_1]": "John Smith", "[PHONE_NUMBER_1]": "415-555-0132",
                                 "[PHONE_NUMBER_2]": "212-555-0187", "[EMAIL_ADDRESS_1]": "john@example.com"}
    assert redaction.count == 6
    for original in redaction.mapping.values():
        assert original not in redaction.text
    restored = redaction.text
    for placeholder, original in redaction.mapping.items():
        restored = restored.replace(placeholder, original)
    assert restored == text


def test_redact_chinese_message_keeps_the_words_around_the_data(detector):
    text = f"我叫王小明，手机13812345678，身份证{VALID_ID}，住在北京市朝阳区建国路88号。"
    redaction = detector.redact(text)
    assert redaction.text == "我叫[PERSON_1]，手机[CN_MOBILE_1]，身份证[CN_RESIDENT_ID_1]，住在[ADDRESS_1]。"
    for original in ("王小明", "13812345678", VALID_ID, "建国路88号"):
        assert original not in redaction.text


def test_text_without_personal_data_is_left_as_is(detector):
    text = "What is a normal blood pressure for a 60 year old?"
    redaction = detector.redact(text)
    assert redaction.text == text and redaction.entities == [] and redaction.mapping == {}


# -- e-mail addresses: the address, and nothing of the text around it ------------------------------------
@pytest.mark.parametrize(("text", "redacted"), [
    # glued to Chinese text on either side (the words before were taken in, or the address was missed)
    ("我的邮箱是zhang.wei@example.com，请回复", "我的邮箱是[EMAIL_ADDRESS_1]，请回复"),
    ("请发到邮箱wang@example.cn谢谢", "请发到邮箱[EMAIL_ADDRESS_1]谢谢"),
    ("邮箱xuj41@sina.com想咨询", "邮箱[EMAIL_ADDRESS_1]想咨询"),
    ("我的QQ邮箱是1073986700@qq.com", "我的QQ邮箱是[EMAIL_ADDRESS_1]"),
    ("发到tang_jiayi1970@qq.com，孩子发烧了", "发到[EMAIL_ADDRESS_1]，孩子发烧了"),
    # full-width punctuation around it
    ("联系我：li@test.org", "联系我：[EMAIL_ADDRESS_1]"),
    ("邮箱（wang@example.cn）请回复", "邮箱（[EMAIL_ADDRESS_1]）请回复"),
    ("邮箱「li@test.org」。", "邮箱「[EMAIL_ADDRESS_1]」。"),
    ("邮箱是li@test.org；电话另告", "邮箱是[EMAIL_ADDRESS_1]；电话另告"),
    ("请发到li@test.org。谢谢", "请发到[EMAIL_ADDRESS_1]。谢谢"),
    ("邮箱li＠test.org谢谢", "邮箱[EMAIL_ADDRESS_1]谢谢"),  # a full-width at sign, as Chinese keyboards type it
    # English text: unchanged behaviour
    ("Email the results to jane.doe@example.com.", "Email the results to [EMAIL_ADDRESS_1]."),
    ("Use john.smith+clinic@mail.example.co.uk for letters", "Use [EMAIL_ADDRESS_1] for letters"),
    ("reply to j_o-e@sub.example.org,please", "reply to [EMAIL_ADDRESS_1],please"),
    ("(o'brien@example.ie) is my address", "([EMAIL_ADDRESS_1]) is my address"),
    ("ping ZHANG_Wei-01@Mail.Example.COM today", "ping [EMAIL_ADDRESS_1] today"),
    ("write to josé@example.es about it", "write to [EMAIL_ADDRESS_1] about it"),  # a non-ASCII local part
    ("the host is x@xn--fsqu00a.xn--fiqs8s谢谢", "the host is [EMAIL_ADDRESS_1]谢谢"),  # punycode domain
])
def test_an_email_address_is_redacted_exactly(detector, text, redacted):
    assert detector.redact(text).text == redacted


@pytest.mark.parametrize("text", ["user@localhost is down", "foo@bar", "价格是5@3元", "@example.com"])
def test_what_is_not_an_email_address_is_left_alone(detector, text):
    assert [e for e in detector.detect(text) if e.type == "EMAIL_ADDRESS"] == []


# -- resident ID checksum -----------------------------------------------------------------------------
def test_id_checksum_accepts_valid_ids():
    assert VALID_ID.endswith("X") and VALID_ID_DIGIT[-1].isdigit()
    assert id_checksum_ok(VALID_ID)
    assert id_checksum_ok(VALID_ID.lower())  # a lowercase x is the same check character
    assert id_checksum_ok(VALID_ID_DIGIT)
    for first17 in ("51010719810115550", "32010219750823441", "63280119931126702"):
        assert id_checksum_ok(resident_id(first17))


@pytest.mark.parametrize("number", [
    VALID_ID[:-1] + "1",  # wrong check character
    VALID_ID_DIGIT[:-1] + str((int(VALID_ID_DIGIT[-1]) + 1) % 10),
    VALID_ID[:-1],  # 17 characters
    VALID_ID + "0",  # 19 characters
    "X" + VALID_ID[1:],  # X only allowed last
    "",
    "11010519491231002 ",
])
def test_id_checksum_rejects_invalid_ids(number):
    assert not id_checksum_ok(number)


# -- no network -----------------------------------------------------------------------------------------
def test_email_detection_never_fetches_the_public_suffix_list(detector, monkeypatch):
    import tldextract

    assert tldextract.extract.suffix_list_urls == ()

    def no_network(*args, **kwargs):
        raise AssertionError("PII detection tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    assert ("EMAIL_ADDRESS", "someone@clinic.example.org") in found(detector, "Write to someone@clinic.example.org")


def test_get_detector_is_shared(detector):
    assert get_detector() is detector
