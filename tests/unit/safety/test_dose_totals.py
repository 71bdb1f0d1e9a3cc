"""``safety.dose_totals``: amounts a message says were taken, added up over the day against 24-hour ceilings."""

import pytest

from medchat.safety.dose_totals import excesses
from medchat.safety.triage import assess


def _paracetamol(text: str) -> float | None:
    found = [e for e in excesses(text) if e.ingredient == "paracetamol"]
    return found[0].mg_per_day if found else None


@pytest.mark.parametrize(("text", "mg"), [
    # tablets a dose × doses a day (said, or from "every N hours", or the times listed)
    ("I've taken 2 paracetamol 500mg every 4 hours since 6am, 6 times now, the toothache is awful", 6000),
    ("paracetamol: 3 tablets at 7am, 3 at noon, 3 at 5pm and 3 at 10pm for my back", 6000),
    ("took 3 x 500mg paracetamol four times a day since Tuesday, feel ok", 6000),
    ("had 2 × 500 mg paracetamol at 7, 10, 1, 4 and 7 today", 5000),
    # two products holding paracetamol, each read with its own strength
    ("I've been on co-codamol 30/500 two tablets four times a day and then a lemsip max sachet at night", 5000),
    ("been having panadol 2 tabs 4 times a day plus 2 dayquil caplets (325mg each) twice for this cold", 5300),
    # a count that is the day's total
    ("had about 18 of the 500mg paracetamol today, stomach feels off", 9000),
    # Chinese: 每次 × 一天N次, and a granule product beside plain paracetamol
    ("对乙酰氨基酚500毫克的，每次吃3片，一天吃了5次，牙还是疼", 7500),
    ("今天感冒灵喝了6袋，又吃了必理通一次2片吃了3次", 4200),
])
def test_a_day_past_4_g_of_paracetamol_is_read(text, mg):
    assert _paracetamol(text) == pytest.approx(mg)


@pytest.mark.parametrize("text", [
    "2 x 500mg paracetamol four times today, that's my limit and I've stopped",  # exactly 4 g
    "took one lemsip max at 8am and 2 paracetamol at 2pm, head is better",  # 2 g
    "Can I take 3 paracetamol every 4 hours if the pain is bad?",  # a question, nothing taken
    "In 2019 I took 20 paracetamol and was treated in hospital, now I only use ibuprofen",  # past, treated
    "the box says do not take more than 8 tablets in 24 hours, I take 2 four times a day",  # the limit is not a count
    "tramadol 50mg, max 8 a day, I've had 4 today",
    "I take ibuprofen 400 three times a day with food for my knee",  # 1200 mg
    "必理通一次2片吃了3次，今天就吃了这些",  # 3 g
])
def test_within_the_limit_or_not_taken_is_not_an_excess(text):
    assert excesses(text) == []


def test_other_ingredients_have_their_own_ceilings():
    found = {e.ingredient: e.mg_per_day for e in excesses("tramadol 50mg, max 8 a day, but I've had 12 today")}
    assert found == {"tramadol": 600}


def test_a_childs_dose_is_weighed_by_the_weight_given():
    over = excesses("my 2 year old is 12kg and has had 10ml calpol infant (120mg/5ml) 6 times today")
    assert [(e.ingredient, e.per_kg, e.mg_per_day) for e in over] == [("paracetamol", True, 120.0)]
    assert excesses("my 3 year old (14kg) had 7.5ml calpol infant three times today") == []  # 39 mg/kg


def test_an_ingredient_named_inside_a_products_description_is_not_a_second_medicine():
    # "(500mg paracetamol each)" describes the caps; counted twice it would pass 4 g
    assert excesses("cold & flu caps (500mg paracetamol each): 2 caps 3 times today plus one panadol at 9pm") == []


def test_triage_escalates_what_the_reader_adds_up():
    result = assess("been taking 2 paracetamol every 3 hours since yesterday morning, 8 times a day, feel fine")
    assert result.emergency and result.categories == ["poisoning"]
    assert "paracetamol" in result.reason and "4000" in result.reason
    assert not assess("Is 2 paracetamol every 4 hours too much?").emergency


@pytest.mark.parametrize("text", [
    "My 3 year old swallowed two of my amitriptyline tablets, she seems fine",
    "toddler chewed up some of my paracetamol from the handbag, he's laughing",
    "孩子趁我不注意把爷爷的降压药吃了几片，现在还在玩",
])
def test_a_child_swallowing_an_adults_medicine_escalates(text):
    assert assess(text).emergency


def test_an_amount_taken_is_not_set_aside_as_curiosity_but_a_story_is():
    assert assess("been taking 2 paracetamol 500mg every 4 hours since 6am, 6 times so far, just wondering if "
                  "I can take more tonight").emergency
    story = assess("For my novel: the heroine has been taking 2 paracetamol every 2 hours for two days. What would "
                   "a doctor in the story say?")
    added = [m for m in story.matches if m.text.startswith("paracetamol about")]
    assert added and all(m.dropped == "fiction" for m in added)


def test_a_child_taking_their_own_medicine_as_given_is_not_an_ingestion():
    assert not assess("孩子把药吃了，还是有点咳嗽，要不要换药？").emergency


@pytest.mark.parametrize("text", [
    "i OD'd on my sertraline about an hour ago, like 15 tabs, i feel fine",  # an unlisted drug is no figure of speech
    "my 3 year old found nanna's oramorph in her bag and had a swig, now she's very sleepy",
    "had 3 diazepam 10mg and a few beers, then an extra tablet at midnight, just want to sleep",  # 40 mg
])
def test_overdoses_the_sixth_dosing_holdout_showed_after_scoring(text):
    assert assess(text).emergency


def test_overdosed_on_a_thing_that_is_no_medicine_is_still_a_figure_of_speech():
    assert not assess("I totally overdosed on chocolate at the party lol, feel a bit sick").emergency


@pytest.mark.parametrize(("text", "mg"), [
    # doses by the clock: each time counted, the amounts before the name too
    ("1g at 7.30, 1g at 10.30, 1g at 1.30, 1g at 4.30 and 1g at 7.30. Paracetamol, for a wisdom tooth.", 5000),
    ("Paracetamol log for today: 07:00 x2, 09:00 x2, 11:00 x2, 13:00 x2, 15:00 x2. Headache gone.", 5000),
    ("我今天7点、10点、13点、16点、19点各吃了两片0.5克的对乙酰氨基酚，是不是有点多？", 5000),
    ("牙疼，9点吃了3片对乙酰氨基酚，12点3片，3点3片，6点又3片，每片500毫克。", 6000),
    # a day's total said outright, past 1 g (a strength stops at 1 g)
    ("She's been getting paracetamol from two carers. I worked it out at about 8 g yesterday.", 8000),
    ("我妈带状疱疹疼得厉害，这5天每天吃大约6克对乙酰氨基酚。", 6000),
    # a whole pack over a span of days, and a count over a day and a half
    ("Dad finished a whole 32 pack of paracetamol in two days for his knee.", 8000),
    ("About 24 paracetamol over the last day and a half for toothache.", 8000),
    # 每毫升32毫克: the volume first
    ("对乙酰氨基酚混悬液（每毫升32毫克），一天喝了150毫升", 4800),
])
def test_schedules_stated_totals_and_spans_are_read(text, mg):
    assert _paracetamol(text) == pytest.approx(mg)


@pytest.mark.parametrize("text", [
    "我今天7点、13点、19点各吃了0.5克对乙酰氨基酚，睡前11点还能再吃一次吗？",  # 1.5 g, and 11 is a time
    "1g at 8, 1g at 2 and 1g at 8pm of paracetamol, that's all today",  # 3 g
    "Took 16 paracetamol in four days for a cold, all gone now",  # 2 g a day
    "The leaflet says no more than 4 g a day of paracetamol, I've had 2 today",  # the limit is not a total
])
def test_within_the_limit_by_the_clock_or_over_days_is_not_an_excess(text):
    assert excesses(text) == []


def test_a_light_adult_is_weighed_as_well_as_held_to_4_g():
    # 4 g a day is an adult's ceiling, but 85 mg/kg for a 47 kg woman (NPIS: more than 75 mg/kg needs assessment)
    over = excesses("Mum is 47 kg and has been getting 4 g of paracetamol a day for a week from the home care team.")
    assert [(e.ingredient, e.per_kg) for e in over] == [("paracetamol", True)]
    assert excesses("I'm 80 kg and have had 4 g of paracetamol a day this week") == []
    assert excesses("Mum is 47 kg and has 3 g of paracetamol a day") == []  # 64 mg/kg


def test_aspirin_is_added_up_against_its_own_ceiling():
    found = {e.ingredient for e in excesses("I've had 30 aspirin since yesterday for my back, the 300mg ones.")}
    assert found == {"aspirin"}
    assert excesses("I take 75mg aspirin every day for my heart") == []


@pytest.mark.parametrize(("text", "mg"), [
    # a liquid's strength and the volume a dose, wherever each is said; the strength's own "5ml" is not a dose
    ("the paracetamol syrup is 250mg per 5ml and I've had 15ml a go, 8 times in the last 24 hours", 6000),
    # "2 x 4 times": units and doses, not 2 × 4 mg
    ("co-codamol 30/500 2 x 4 times today plus Lemsip max (1000mg) twice", 6000),
])
def test_liquids_and_units_by_doses_are_read(text, mg):
    assert _paracetamol(text) == pytest.approx(mg)


def test_a_day_total_said_once_is_the_days_not_one_more_medicines():
    assert _paracetamol("Had a Lemsip max (1000mg) and 2 paracetamol 500mg this morning and the same at tea, so 4g in "
                        "total today") is None  # 4 g, not 4 g + what was read before it


def test_a_childs_liquid_dose_is_read_per_kg_with_the_volume_before_the_name():
    found = [e for e in excesses("Gave her 7.5ml calpol infant (120mg/5ml) 6 times today, she's 9kg")
             if e.ingredient == "paracetamol"]
    assert found and found[0].per_kg and found[0].mg_per_day == pytest.approx(1080 / 9, abs=0.1)


def test_a_count_said_for_both_medicines_is_read_per_kg():
    found = [e for e in excesses("my son is 14 kg, I've alternated calpol infant (120mg/5ml) 10ml and nurofen "
                                 "(100mg/5ml) 5ml, 6 times each today") if e.ingredient == "paracetamol"]
    assert found and found[0].mg_per_day == pytest.approx(1440 / 14, abs=0.1)


@pytest.mark.parametrize(("text", "within"), [
    # every amount given, well within 4 g: two products together are no emergency
    ("I had a Lemsip (1000 mg paracetamol a sachet) at 8am and then two 500 mg paracetamol at 2pm. Is that too much?",
     True),
    ("白加黑日片一次1片吃了2次，晚上夜片1片，没超吧", True),
    # an amount not said, a count of tablets past a day's ceiling, or close to the ceiling: not trusted as within
    ("had a Lemsip this morning and paracetamol on top since", False),
    ("从早上到晚上吃了对乙酰氨基酚片（0.3克一片）一共15片", False),
    ("paracetamol 500mg 2 four times today plus a Lemsip max", False),
    # a question asked about a second medicine is not a within-limit reading of it
    ("took 2 paracetamol 500mg at 9. can I have a Lemsip now?", False),
])
def test_a_total_known_to_be_within_the_ceiling(text, within):
    from medchat.safety.dose_totals import within_ceiling

    assert within_ceiling(text, "paracetamol") is within


def test_two_paracetamol_products_within_the_limit_do_not_escalate_but_past_it_or_unwell_they_do():
    calm = "I had a Lemsip (1000 mg paracetamol a sachet) at 8am and then two 500 mg paracetamol at 2pm. Too much?"
    assert not assess(calm, "en").emergency
    assert assess(calm.replace("Too much?", "Now I'm being sick. Too much?"), "en").emergency
    assert assess("I had a Lemsip (1000 mg paracetamol a sachet) 4 times today and then two 500 mg paracetamol at "
                  "2pm and 2 at 8pm", "en").emergency


def test_of_several_volumes_the_largest_dose_is_read_not_a_bottles_or_a_limits():
    # the leaflet's 2.5 ml is not what was given; the bottle's 100 ml and the "up to 10 ml" are no doses
    found = [e for e in excesses("She's 8 kg and on calpol infant 120mg/5ml. The leaflet says 2.5ml but I've given 5ml "
                                 "every 4 hours, 6 times today, from the 100ml bottle, it says up to 10ml")
             if e.ingredient == "paracetamol"]
    assert found and found[0].mg_per_day == pytest.approx(720 / 8, abs=0.1)


@pytest.mark.parametrize("text", [
    "Drank two 100ml bottles of the paracetamol suspension (32mg/ml) today, had a Lemsip too",
    "喝了两瓶对乙酰氨基酚混悬液，每瓶100毫升，又吃了一片必理通",
])
def test_amounts_counted_by_the_container_are_never_trusted_as_within(text):
    from medchat.safety.dose_totals import within_ceiling

    assert not within_ceiling(text, "paracetamol")
