"""The semantic cache's fact check: a paraphrase keeps its facts; a changed fact of any kind shows."""

from __future__ import annotations

import pytest

from medchat.gateway.cache_guard import EDIT, ORDER, ROLE, differences, facts, minimal_pair, reordered, role_changed

PARAPHRASES = [
    ("Can my son take ibuprofen for a fever?", "Is it OK for my son to have ibuprofen when he has a fever?"),
    ("I have a tummy ache after eating", "My stomach hurts after eating"),
    ("What is the max dose of Tylenol for adults?", "What's the maximum dose of acetaminophen for adults?"),
    ("How much paracetamol can I take in a day?", "How much acetaminophen can I take per day?"),
    ("Is it safe to take amoxicillin while pregnant?", "Can I take amoxicillin during pregnancy?"),
    # a vaccine's everyday names, "small" as "minor"
    ("Are there side effects of the HPV vaccine?", "Does the HPV jab have side effects?"),
    ("How do I clean a small cut?", "How do I clean a minor cut?"),
    ("Should I take metformin with food?", "Do I take metformin with meals?"),
    ("My 5-year-old has a cough", "My 5 year old has a cough"),
    ("宝宝发烧38.5度怎么办", "宝宝发烧到38.5度了，该怎么办？"),
    ("布洛芬饭后吃还是饭前吃？", "布洛芬应该饭后吃还是饭前吃"),
    ("我妈妈有高血压，能吃感冒药吗？", "我妈血压高，可以吃感冒药吗"),
    ("孕妇可以吃对乙酰氨基酚吗", "怀孕期间能吃扑热息痛吗"),
    ("头疼吃什么药", "头痛吃什么药好"),
]

DIFFERENT = [
    # (a, b, the kind that differs), English then Chinese
    ("Can I take ibuprofen with food?", "Can I not take ibuprofen with food?", "negation"),
    ("Is it safe to take aspirin?", "Is it not safe to take aspirin?", "negation"),
    ("Can I take 500 mg of paracetamol?", "Can I take 1000 mg of paracetamol?", "number"),
    ("Can I take two tablets at once?", "Can I take three tablets at once?", "number"),
    ("Is 5 mg of melatonin a lot?", "Is 5 g of melatonin a lot?", "unit"),
    ("Give 5 ml of the syrup?", "Give 5 teaspoons of the syrup?", "unit"),
    ("Can I take ibuprofen for a headache?", "Can I take aspirin for a headache?", "drug"),
    ("Can I drink alcohol with amoxicillin?", "Can I drink coffee with amoxicillin?", "drug"),
    ("Is lisinopril safe for me?", "Is losartan safe for me?", "drug"),
    ("Is this dose safe for toddlers?", "Is this dose safe for teenagers?", "age"),
    ("Is ibuprofen safe for the elderly?", "Is ibuprofen safe for children?", "age"),
    ("My son has a rash", "My father has a rash", "person"),
    ("Can my wife take this?", "Can my husband take this?", "person"),
    ("Can I take cetirizine while pregnant?", "Can I take cetirizine while breastfeeding?", "pregnancy"),
    ("Can I take cetirizine while pregnant?", "Can I take cetirizine?", "pregnancy"),
    ("I have pain in my knee", "I have pain in my ankle", "body_part"),
    ("Why does my chest hurt?", "Why does my back hurt?", "body_part"),
    ("Is ibuprofen safe with asthma?", "Is ibuprofen safe with diabetes?", "condition"),
    ("What helps a cold?", "What helps the flu?", "condition"),
    ("Is it better with high blood pressure?", "Is it better with low blood pressure?", "condition"),
    ("Take it before meals?", "Take it after meals?", "timing"),
    ("Should I take it in the morning?", "Should I take it at bedtime?", "timing"),
    ("Can I crush the tablet?", "Can I crush the capsule?", "route"),
    ("Is the injection painful?", "Is the cream painful?", "route"),
    ("What are the side effects of statins?", "What is the dose of statins?", "aspect"),
    ("Should I stop taking sertraline?", "Should I start taking sertraline?", "action"),
    ("能吃布洛芬吗", "不能吃布洛芬吗", "negation"),
    ("孩子吃了两片", "孩子吃了三片", "number"),
    ("一次吃10毫克", "一次吃10克", "unit"),
    ("发烧吃布洛芬还是对乙酰氨基酚", "发烧吃布洛芬还是阿司匹林", "drug"),
    ("老人能吃这个药吗", "儿童能吃这个药吗", "age"),
    ("我儿子咳嗽", "我爸爸咳嗽", "person"),
    ("哺乳期能吃阿莫西林吗", "怀孕能吃阿莫西林吗", "pregnancy"),
    ("膝盖疼怎么办", "肩膀疼怎么办", "body_part"),
    ("有糖尿病能吃吗", "有哮喘能吃吗", "condition"),
    ("饭前吃", "饭后吃", "timing"),
    ("口服可以吗", "注射可以吗", "route"),
    ("头孢的副作用", "头孢的用量", "aspect"),
]


@pytest.mark.parametrize(("a", "b"), PARAPHRASES)
def test_a_paraphrase_keeps_its_facts(a, b):
    assert differences(a, b) == []


@pytest.mark.parametrize(("a", "b", "kind"), DIFFERENT)
def test_a_changed_fact_shows(a, b, kind):
    assert kind in differences(a, b)


def test_facts_read_synonyms_numbers_and_chinese_numerals():
    found = facts("My boy took two Advil 200mg tablets before breakfast")
    assert set(found["person"]) == {"son"} and set(found["drug"]) == {"ibuprofen"}
    assert sorted(found["number"]) == ["2", "200"] and {"mg", "tablet_count"} <= set(found["unit"])
    assert set(found["timing"]) == {"before_meal"}
    zh = facts("三岁孩子一天吃两次，每次半片")
    assert sorted(zh["number"].elements()) == ["0.5", "2", "3"]
    assert facts("一百零五")["number"] == facts("105")["number"]


def test_words_that_only_look_like_cues_are_not_read_as_them():
    assert facts("别人说一下就好，非常感谢")["negation"] == facts("谢谢")["negation"]
    assert not facts("我一直很担心")["number"]
    assert not facts("头孢过敏")["body_part"]  # 头孢 is a drug, not the head
    assert not facts("vitamin b12 or covid-19")["number"]


# -- minimal pairs: one place differs, whatever the word --------------------------------------------
UNLISTED_CHANGES = [  # words no list needs to know: the pair's shape says the one place is the question
    ("Can I swim in a chlorinated pool with a new tattoo?", "Can I swim in a chlorinated pool with a new piercing?"),
    ("Is it fine to eat durian while on this medicine?", "Is it fine to eat rambutan while on this medicine?"),
    ("孩子被蜜蜂蛰了怎么处理？", "孩子被黄蜂蛰了怎么处理？"),
    ("I take warfarin for my heart valve and we are planning to get pregnant. What should I do?",
     "I take warfarin for my heart valve and just found out I am pregnant. What should I do?"),
]


@pytest.mark.parametrize(("a", "b"), UNLISTED_CHANGES)
def test_a_one_place_change_is_a_minimal_pair_even_when_no_list_names_it(a, b):
    assert minimal_pair(a, b)
    assert differences(a, b) == [EDIT]


@pytest.mark.parametrize(("a", "b"), [
    ("Can I take ibuprofen for a headache?", "Is it ok for me to take ibuprofen for a headache?"),  # neutral words
    ("Should I take metformin with food?", "Do I take metformin with meals?"),  # a phrase the lists know whole
    ("Is it safe to take amoxicillin while pregnant?", "Can I take amoxicillin during pregnancy?"),
    ("I have a tummy ache after eating", "My stomach hurts after eating"),  # reworded in more than one short place
    ("头疼吃什么药", "头痛吃什么药好"),
    ("Can I take 2 tablets?", "Can I take 3 tablets?"),  # numbers are the facts' to compare, not a place
])
def test_rewording_neutral_words_or_known_synonyms_is_not_a_minimal_pair(a, b):
    assert not minimal_pair(a, b)


def test_the_cost_a_paraphrase_that_swaps_one_content_word_is_a_miss():
    assert differences("What helps a cold?", "What eases a cold?") == [EDIT]  # one model call, never a wrong answer


def test_lists_keep_arrhythmias_apart():
    assert "condition" in differences("早搏需要长期吃抗凝药吗？", "房颤需要长期吃抗凝药吗？")
    assert "condition" in differences("Do skipped beats need blood thinners?", "Does afib need blood thinners?")


@pytest.mark.parametrize(("a", "b"), [
    ("Can I fly the day after a tooth extraction?", "Can I have a tooth extraction the day after I fly?"),
    ("我妈对青霉素过敏，我能吃阿莫西林吗", "我对青霉素过敏，我妈能吃阿莫西林吗"),  # who is allergic, who takes it
    ("I'm on aspirin and my wife isn't; can I drink alcohol?",
     "My wife is on aspirin and I'm not; can I drink alcohol?"),  # "isn't" and "not" are one word
])
def test_the_same_words_in_another_order_are_another_question(a, b):
    assert reordered(a, b)
    assert differences(a, b) == [ORDER]


def test_the_cost_alternatives_swapped_around_or_are_a_miss():
    assert differences("布洛芬饭后吃还是饭前吃？", "布洛芬应该饭前吃还是饭后吃") == [ORDER]  # the same question


def test_the_same_words_in_the_same_order_are_not_reordered():
    assert not reordered("Can I take ibuprofen for a headache?", "Is it ok to take ibuprofen for a headache?")
    assert not reordered("What helps a cold?", "What eases a cold?")  # other words: a minimal pair, not an order


def test_a_phrase_rewritten_around_a_word_it_keeps_is_one_place():
    # "a salt substitute" / "sea salt": two spans one shared word apart, one change of what is asked about
    assert minimal_pair("Is a salt substitute OK with lisinopril?", "Is sea salt OK with lisinopril?")
    # a rewording spread over the sentence is still not one place
    assert not minimal_pair("Why does my knee hurt when I go up stairs?",
                            "my knee is painful when climbing stairs, why?")


@pytest.mark.parametrize(("a", "b"), [
    ("Can I borrow and take my husband's sleeping pills tonight?",
     "Can my husband take my sleeping pills tonight?"),
    ("Is it ok for me to use my son's asthma inhaler?", "Is it ok for my son to use my asthma inhaler?"),
    ("我能吃我老公的降压药吗", "我老公能吃我的降压药吗"),
    # one pronoun swapped, the rest word for word the same: whose knee it is decides the interaction
    ("我妈在吃氯吡格雷，她牙疼能吃布洛芬吗？", "我妈在吃氯吡格雷，我牙疼能吃布洛芬吗？"),
    ("My wife is on lithium, is ibuprofen safe for her?", "My wife is on lithium, is ibuprofen safe for me?"),
])
def test_the_same_action_done_by_someone_else_is_another_question(a, b):
    assert role_changed(a, b)
    assert differences(a, b) == [ROLE]


@pytest.mark.parametrize(("a", "b"), [
    ("Can my son take ibuprofen for a fever?", "Is it OK for my son to take ibuprofen when he has a fever?"),
    ("Can I take my usual antacid with omeprazole?", "Is it safe for me to take my usual antacid with omeprazole?"),
    ("我女儿能吃布洛芬吗", "请问我女儿可以吃布洛芬吗"),
    ("Can I take it if my wife takes it too?", "If my wife takes it too, can I take it?"),  # "take" named twice
])
def test_the_same_doer_or_an_action_named_twice_is_not_a_role_change(a, b):
    assert not role_changed(a, b)


def test_chinese_first_step_is_not_the_number_one_and_the_common_miswriting_of_a_sting_is_a_sting():
    assert facts("被蜜蜂蜇了怎么处理？") == facts("被蜜蜂蛰了，第一步怎么处理？")


@pytest.mark.parametrize(("a", "b"), [
    ("孕妇能吃清蒸鲈鱼吗？", "孕妇能吃生鱼片吗？"),
    ("Can I eat cooked salmon while pregnant?", "Can I eat raw salmon while pregnant?"),
    ("Is pasteurised goat's cheese safe in pregnancy?", "Is unpasteurised goat's cheese safe in pregnancy?"),
])
def test_how_food_is_prepared_is_a_fact(a, b):
    assert "quality" in differences(a, b)


@pytest.mark.parametrize(("a", "b", "changed"), [
    ("我对头孢过敏，能用阿莫西林吗？", "她对头孢过敏，我能用阿莫西林吗？", True),
    ("I'm allergic to penicillin, can I take amoxicillin?", "He's allergic to penicillin, can I take amoxicillin?",
     True),
    ("My son has a fever. Is ibuprofen OK for him?", "Is ibuprofen OK for my son with a fever?", False),
    ("阿托伐他汀早上吃还是晚上吃？", "立普妥应该什么时候吃，早上还是晚上？", False),  # 他 inside a drug's name
    ("How would a woman know she has thrush?", "What are the signs of thrush in women?", False),
])
def test_someone_named_only_by_a_pronoun_is_someone_else(a, b, changed):
    assert role_changed(a, b) is changed


@pytest.mark.parametrize(("a", "b", "changed"), [
    ("Is it safe to have a little alcohol while taking paracetamol?",
     "Is it safe to have a lot of alcohol while taking paracetamol?", True),
    ("吃头孢期间少量饮酒可以吗？", "吃头孢期间大量饮酒可以吗？", True),
    # said in one message only, an amount is a manner of speaking, not a fact to compare
    ("I feel a bit dizzy after starting amlodipine, is that normal?", "Is dizziness normal after starting amlodipine?",
     False),
])
def test_how_much_is_a_fact_when_both_messages_say(a, b, changed):
    assert ("amount" in differences(a, b)) is changed
