"""Emergencies read across a message's sentences, where no one sentence holds them: a goodbye with its time set,
means stockpiled beside affairs put in order, a glucose meter past its range and drowsiness told sentences apart, green
vomit with a swollen belly or no wind, spirits of unknown origin and then failing sight.

The red-flag patterns (``triage_red_flags``) read one sentence at a time, so their negation and history checks look at
the clause around a match; these cues are spread out ("her sugar reader just says HI. … today she's so drowsy and
muddled"), so ``medchat.safety.triage`` asks ``across`` of the whole message (messages up to ``2 × NEAR_CHARS``,
not pasted documents) and sets a finding aside only for a story. Each needs all of its cues.
"""

from __future__ import annotations

import re

_I = re.IGNORECASE

# A goodbye with its time set, across the sentences of a message: "I've made my decision and I've got everything I
# need for tonight. Thanks for everything." (Samaritans and the NHS list goodbyes, giving things away and a settled
# calm among the signs.) All three kinds of cue and a time: any two alone are an ordinary goodbye to a service.
EN_FAREWELL = (
    re.compile(r"\b(?:made (?:up )?my (?:decision|mind)|decided (?:it'?s|it is) time|my mind is made up)\b", _I),
    re.compile(r"\b(?:thank(?:s| you) for everything|goodbye|sorry for everything|tell (?:them|my \w+) i love)\b", _I),
    re.compile(r"\b(?:everything i need (?:for tonight|now|to do it)|"
               r"won'?t (?:be needing|need) (?:it|them|this|my \w+|the \w+)|(?:gave|given|giving) away (?:my|all)|"
               r"put my affairs in order|sorted (?:out )?my will|won'?t be here)\b", _I),
)
EN_FAREWELL_TIME = re.compile(
    r"\b(?:tonight|today|after today|by (?:tomorrow|the morning)|this weekend|anymore|any more)\b", _I)


# Means gathered and affairs put in order, in one message: "counted out all the tablets I've been keeping… found a new
# home for my dog", 安眠药一片一片存下来…银行卡密码也写给了妹妹 (Samaritans, NHS and 国家卫生健康委员会 list stockpiling
# medicines, giving things away and settling affairs among the warning signs). Either alone is ordinary: a will, a
# dosette box, leftover tablets to return to the pharmacy.
_MEDS = r"(?:tablets|pills|meds|medication|paracetamol|co-codamol|sertraline|propranolol|sleeping pills|painkillers)"
EN_STOCKPILE = re.compile(
    r"\b(?:sav(?:ed|ing)|stockpil\w*|hoard\w*|kept|keeping|collect(?:ed|ing)|counted out|lined up|put aside|"
    r"set aside)\b[^.!?]{0,40}" + _MEDS + r"|" + _MEDS + r"[^.!?]{0,40}\b(?:sav(?:ed|ing)|stockpil\w*|hoard\w*|"
    r"kept|keeping|been keeping|collect(?:ed|ing)|counted out|lined up|for weeks|for months)\b|"
    r"\b(?:about|around|nearly|over|almost)?\s?\d{2,3}\s" + _MEDS + r"|"
    r"\b(?:kept|saved|stored) (?:the last |all )?(?:[\w']+ ){0,3}worth\b|"
    r"\bthere'?s (?:about|around|nearly|over) \d{2,3}\b", _I)
EN_AFFAIRS = re.compile(
    r"\b(?:letters? (?:for|to|addressed)|(?:notes?|letters?) (?:are |is )?(?:written|on the table)|"
    r"wrote (?:\w+ )?(?:letters|notes|a letter|a note)|sorted (?:out )?my will|made (?:a|my) will|my will|"
    r"(?:rehomed|re-homed|new home for|given away|gave away|giving away|has given away) (?:my |her |his |their )?"
    r"(?:dog|cat|pets?|guitar|things|stuff|belongings|\w+)|(?:cat|dog)'?s (?:been )?rehomed|bills (?:are )?paid|"
    r"paid off|passwords?|everything'?s (?:arranged|sorted|in order)|affairs in order|won'?t be needing)\b", _I)
ZH_STOCKPILE = re.compile(r"(?:存|攒|囤|藏|留)(?:了|下来|起来|着)[^。！？]{0,20}(?:药|片|粒)|"
                          r"(?:药|片|粒)[^。！？]{0,12}(?:存|攒|囤)(?:了|下来|起来|着)|"
                          r"(?:有|攒了|存了)(?:差不多|大概|将近)?[一二三四五六七八九十百两\d]{2,4}(?:片|粒)")
ZH_AFFAIRS = re.compile(r"遗书|(?:信|遗嘱)(?:都)?(?:写好|留给|放在)|密码(?:也|都)?(?:写给|告诉|交给)|后事|"
                        r"(?:猫|狗|宠物)[^。！？]{0,6}(?:送人|送走|托付)|东西(?:都)?(?:送人|分给)|交代好|安排好了")
PREPARATIONS_PAST = re.compile(r"\b(?:years? ago|back then|at the time|used to|when i was)\b|那时候|当年|以前|年前", _I)
DOSETTE = re.compile(r"dosette|pill (?:organi[sz]er|box)|blister pack|药盒|分药盒", _I)


def _later(*found: re.Match[str] | None) -> re.Match[str] | None:
    """The last of the cues when every one was found, else None."""
    return max(found, key=lambda m: m.start()) if all(found) else None  # type: ignore[union-attr]


def preparations(text: str, zh: bool) -> re.Match[str] | None:
    """Means stockpiled and affairs put in order, both in ``text``: the later cue, or None."""
    if PREPARATIONS_PAST.search(text) or DOSETTE.search(text):
        return None
    stock, affairs = (ZH_STOCKPILE, ZH_AFFAIRS) if zh else (EN_STOCKPILE, EN_AFFAIRS)
    return _later(stock.search(text), affairs.search(text))


# NHS (hyperosmolar hyperglycaemic state, DKA): a glucose meter past its range with drowsiness or confusion: A&E now.
EN_METER_HIGH = re.compile(r"\b(?:sugars?|glucose|meter|reader|monitor|libre|bm)\w*(?: \w+){0,3} (?:says|reads|shows|"
                           r"reading|showing|is reading) (?:just )?(?:hi|high|over 3\d)\b", _I)
EN_DROWSY = re.compile(r"\b(?:drows\w*|muddled|confused|confusion|can'?t wake|"
                       r"hard to wake|not making sense|barely awake)\b", _I)
ZH_METER_HIGH = re.compile(r"血糖[^。！？；]{0,8}(?:HI|爆表|测不出|超出范围|显示高)", _I)
ZH_DROWSY = re.compile(r"(?:嗜睡|迷糊|糊涂|叫不醒|意识不清|昏昏沉沉|说胡话)")
# NHS (bowel obstruction): being sick green with a swollen tummy or no poo or wind: A&E now.
EN_GREEN_VOMIT = re.compile(r"\b(?:vomit\w*|being sick|been sick|sick|throw\w* up|bringing up)\b(?:[^.!?]){0,30}"
                            r"\b(?:green|bile)\b|\bgreen (?:vomit|sick|bile)\b", _I)
_BELLY = r"\b(?:belly|tummy|stomach|abdomen)\b"
EN_BLOCKED = re.compile(r"\b(?:swollen|distended|bloated|hard|tight)\b(?:[^.!?]){0,20}" + _BELLY + "|"
                        + _BELLY + r"(?:[^.!?]){0,20}\b(?:swollen|distended|hard|tight|like a drum)\b|"
                        r"\bno (?:poo|stool|wind|toilet|bowel movement)s?\b|\bnot (?:passed|passing) (?:wind|stool)|"
                        r"\b(?:can'?t|hasn'?t|haven'?t) (?:poo|pass(?:ed)? wind|pooed|been to the toilet)", _I)
ZH_GREEN_VOMIT = re.compile(r"(?:吐|呕吐|呕)[^。！？；]{0,10}(?:绿色|绿水|黄绿色|胆汁)")
ZH_BLOCKED = re.compile(r"(?:肚子|腹部)[^。！？；]{0,6}(?:胀|鼓|硬)|(?:不|没|没有)(?:排气|放屁|排便|大便)|"
                        r"几天没(?:大便|拉)")
# 国家卫生健康委员会 / NHS: methanol (假酒, 散装白酒, 工业酒精, home-distilled spirits), then failing sight.
EN_UNKNOWN_SPIRIT = re.compile(r"\b(?:moonshine|home-?made (?:vodka|spirits?|alcohol)|bootleg|"
                               r"counterfeit (?:vodka|spirits?)|methanol|methylated spirits?|meths)\b", _I)
EN_SIGHT = re.compile(r"\b(?:blurr\w*|can'?t see|snow\w*|going blind|lost (?:his|her|my) sight)\b", _I)
ZH_UNKNOWN_SPIRIT = re.compile(r"散装(?:白)?酒|假酒|自酿(?:的)?(?:白)?酒|工业酒精|甲醇")
ZH_SIGHT = re.compile(r"眼睛模糊|视物模糊|看不清|看东西[^。！？；]{0,6}(?:模糊|下雪|雪花|发白)|失明|眼前发黑")


# A cue denied just before it ("not drowsy or confused", 没有迷糊) or asked about ahead ("what does it mean if the meter
# says HI", 如果…) is no finding.
_DENIED = re.compile(r"(?:\b(?:not|no|never|isn'?t|wasn'?t)|n't)\s+(?:\w+\s+){0,2}$|"
                     r"(?:没有|没|不|并不)[^。！？；，,]{0,4}$", _I)
_ASKED_AHEAD = re.compile(r"\b(?:if|in case|should (?:she|he|they|i) ever|what happens when)\b[^.!?]{0,60}$|"
                          r"(?:如果|万一|假如)[^。！？]{0,30}$", _I)


def _cue(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """The first match of ``pattern`` that is neither denied nor asked about ahead (each looks 60 characters back)."""
    for m in pattern.finditer(text):
        before = text[max(0, m.start() - 60):m.start()]
        if not _DENIED.search(before) and not _ASKED_AHEAD.search(before):
            return m
    return None


def farewell(text: str) -> re.Match[str] | None:
    """A goodbye with its time set, from all three kinds of cue across the message: the last cue, or None."""
    if not EN_FAREWELL_TIME.search(text):
        return None
    return _later(*(cue.search(text) for cue in EN_FAREWELL))


def across(text: str, zh: bool) -> list[tuple[str, re.Match[str]]]:
    """Every finding of this module in ``text``: (category, the later cue)."""
    found = [("self_harm", m) for m in (farewell(text), preparations(text, zh)) if m]
    pairs = ((("diabetic", ZH_METER_HIGH, ZH_DROWSY), ("abdominal", ZH_GREEN_VOMIT, ZH_BLOCKED),
              ("poisoning", ZH_UNKNOWN_SPIRIT, ZH_SIGHT)) if zh else
             (("diabetic", EN_METER_HIGH, EN_DROWSY), ("abdominal", EN_GREEN_VOMIT, EN_BLOCKED),
              ("poisoning", EN_UNKNOWN_SPIRIT, EN_SIGHT)))
    return found + [(category, m) for category, first, second in pairs
                    if (m := _later(_cue(first, text), _cue(second, text)))]
