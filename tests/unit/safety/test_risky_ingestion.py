"""``safety.risky_ingestion``: ingestions that are emergencies by what was taken or who took it (nothing to add up)."""

import pytest

from medchat.safety.risky_ingestion import WINDOW_CHARS, risky_ingestions
from medchat.safety.triage import assess


def _kinds(text: str) -> set[str]:
    return {found.kind for found in risky_ingestions(text)}


@pytest.mark.parametrize(("text", "kind"), [
    # a small child and an adult medicine one tablet of which can harm them, however well the child looks
    ("My 2 year old got hold of my mum's amlodipine and we think he swallowed one. He's totally fine and playing.",
     "child_high_risk"),
    ("Grandad's pill organiser: Tuesday's slot is empty and my daughter (3) was the only one near it. He's on "
     "bisoprolol.", "child_high_risk"),
    ("hi my son is 4 and he took one of my dosulepin thinking it was a sweet. gave him milk, enough?",
     "child_high_risk"),
    ("The button battery from the scales is missing and our baby was playing with them. No symptoms.",
     "child_high_risk"),
    ("孩子两岁，刚才吃了一片奶奶的格列美脲，现在看着挺好的，要不要等等看？", "child_high_risk"),
    ("宝宝一岁多，啃了一口洗碗块，嘴唇有点红，一直流口水。", "child_high_risk"),
    # a second opioid patch, chewed or doubled
    ("Mum's carer put a new fentanyl patch on without taking the old one off. She's very sleepy.", "opioid_patch"),
    ("奶奶的芬太尼贴剂护工贴了双份，旧的没撕掉。", "opioid_patch"),
    # little margin between a dose and a poisoning, doubled, and now unwell
    ("My dad has been taking his digoxin twice a day instead of once for a week and now he's being sick.",
     "narrow_margin"),
    ("我爸的地高辛最近一直吃双倍，这两天恶心吃不下饭，还说看东西发黄。", "narrow_margin"),
    ("My husband has been taking his methotrexate every morning, not once a week, for ten days.", "methotrexate_daily"),
    ("Knocked back a mouthful of vape liquid thinking it was my drink.", "nicotine_liquid"),
    ("Just injected my NovoRapid instead of my Lantus at bedtime, the full 30 units. Feel fine, can I sleep?",
     "insulin_mixup"),
    ("She said she'd taken all her lithium for the week after the argument.", "bulk"),
    ("My friend took oxycodone and some Xanax. He's asleep on my sofa making snoring, gurgling sounds.", "opioid_mix"),
    ("We picked mushrooms in the woods yesterday. This morning we've both got bad vomiting and diarrhoea.",
     "wild_mushrooms"),
    ("I took my friend's methadone at a party last night, feel ok.", "others_opioid"),
    ("Took a week's worth of blood pressure tablets at once by mistake, 7 x amlodipine 10 mg.", "bulk"),
    ("我妈睡前吃了艾司唑仑，又多吃了两片，还喝了半斤白酒，现在叫不太醒。", "sedative_mix"),
])
def test_an_ingestion_dangerous_by_its_substance_or_taker_is_found(text, kind):
    assert kind in _kinds(text)
    assert assess(text, "zh" if any("\u4e00" <= c <= "\u9fff" for c in text) else "en").emergency


@pytest.mark.parametrize("text", [
    # asked about, feared, prevented
    "What should I do if my toddler swallowed a button battery one day?",
    "How should I store my amlodipine so the grandkids can't get to it?",
    "安眠药在家里应该怎么放才安全，家里有小孩，怕他误吃过量",
    "Why are button batteries so much more dangerous than other small things kids swallow?",
    "How do I dispose of old fentanyl patches safely?",
    "I missed my warfarin dose yesterday, should I double up today?",
    "华法林昨晚忘了吃，今天早上才想起来，还能补吗？怕重复吃药导致出血。",
    # long past and treated
    "Last year my son swallowed a button battery and was fine after hospital. How do I childproof the house?",
    "My niece licked a nicotine e-liquid bottle six months ago and they kept her in for observation.",
    "上周孩子误吃了两片我的降压药（氨氯地平），当时马上去了急诊，出院时一切正常。以后还需要复查什么吗？",
    "女儿两岁时误吃过外婆的降压药，在医院观察了一晚上。现在7岁了，会不会对心脏有长期影响？",
    # denied, or someone's own treatment
    "I counted Mum's amlodipine after my toddler was near it and none are missing.",
    "My 14 year old daughter takes her own sertraline every morning.",
    "孩子15岁，抑郁症吃了两个月舍曲林，效果一般",
    "我35岁，早上迷迷糊糊把补铁的药吃了两片，平时一天一片，需要担心吗？",
    "My dad's warfarin is 3mg and he took 4mg yesterday by mistake. Feels fine, no bleeding, INR check Friday.",
    "My friend's methadone is kept locked in a box, is that enough?",
])
def test_a_question_a_past_event_or_a_denial_is_no_ingestion(text):
    assert risky_ingestions(text) == []


def test_each_substance_is_read_in_a_bounded_window():
    """A child named far from the medicine, with pages between, is not joined to it; the cost stays linear."""
    padding = " and then we talked about the weather" * (3 * WINDOW_CHARS // 30)
    assert risky_ingestions("My 2 year old" + padding + ". Someone swallowed amlodipine.") == []
    assert risky_ingestions(("My 2 year old swallowed grandma's amlodipine. " * 2000)[:60_000])


def test_a_long_unpunctuated_message_costs_a_bounded_look_per_substance(monkeypatch):
    """Count the characters searched back for a sentence start: bounded per substance, not the whole message."""
    import medchat.safety.risky_ingestion as module

    looked = []
    real = module._sentence_start
    monkeypatch.setattr(module, "_sentence_start", lambda text, position: looked.append(
        position - (start := real(text, position))) or start)
    module.risky_ingestions("what if my 2 year old swallowed the amlodipine and " * 4000)
    assert looked and max(looked) <= module.LEAD_CHARS
