"""Red flags that the message itself shows settled, feared or harmless, and a goodbye spread across a message
(``medchat.safety.triage`` asks ``settled`` of each match after its other checks, and ``farewell`` of the message).

Kept apart from ``triage_context`` (the general cues: negation, history, frames) because these are narrow cases, each
tied to one category, found on a development set of consumer messages written blind (``consumer_dev.jsonl``).
"""

from __future__ import annotations

import re

_I = re.IGNORECASE

# Fingers or toes going white, then blue, in the cold: Raynaud's phenomenon (NHS: see a GP), not a person turning blue.
RAYNAUD = re.compile(r"raynaud|(?:in|with) the cold|when (?:it'?s|it is) cold|cold weather|雷诺|遇冷|天冷|受凉", _I)
# A toe or finger knocked and gone purple: a bruise (NHS: a broken toe is for a minor injuries unit, not 999).
KNOCKED_DIGIT = re.compile(r"\b(?:stub\w*|bang\w*|knock\w*|trap\w*|drop\w* \w+ on|hit|kick\w*)\b[^.!?]{0,40}"
                           r"\b(?:toes?|fingers?|thumb|nail)\b|踢到|砸到|夹到|撞到[^。！？]{0,6}(?:脚趾|手指)", _I)
# Choking that cleared: coughed up, got out ("nearly choked on a crisp but coughed it up straight away"), unless the
# airway still is not right (NHS: call 999 if the person still cannot breathe, speak or cough properly).
EN_CHOKE_CLEARED = re.compile(
    r"\b(?:coughed (?:it|them) (?:up|out)|(?:got|get|came|come|popped) (?:it |them )?out|dislodged|"
    r"cleared (?:it|his throat|her throat)|(?:was|is|were) (?:completely |totally )?fine (?:after|straight)|"
    r"nearly choked|almost choked)\b", _I)
EN_AIRWAY_NOW = re.compile(
    r"\b(?:still (?:can'?t|cannot|struggl\w*|wheez\w*|coughing|choking|not)|can'?t (?:breathe|speak|talk)|"
    r"struggling to breathe|noisy breathing|whistl\w*|stridor|blue|grey|gray|drooling)\b", _I)
ZH_CHOKE_CLEARED = re.compile(r"咳出来了|吐出来了|拍出来了|弄出来了|取出来了")
ZH_AIRWAY_NOW = re.compile(r"还是(?:喘|憋|说不出|咳)|说不出话|喘不上|发紫|发青|呼吸(?:困难|急促)")
EN_NOT_LABOURING = re.compile(
    r"\b(?:isn'?t|is not|not|aren'?t|are not|wasn'?t) (?:working|struggling|labou?ring)\s*$", _I)
# Passive thoughts of death with no plan and no intent stated (NHS: urgent support, not 999), set apart from a plan or
# a method, which no such statement drops.
EN_PASSIVE_IDEATION = re.compile(
    r"better off (?:dead|without me)|(?:don'?t|do not) want to (?:be here|exist|wake up)|"
    r"(?:disappear|not wake up|not be here)\b|(?:wish|wishing) (?:i was|i were|to be) dead", _I)
EN_NO_INTENT = re.compile(r"\b(?:no|not any|without any) (?:plans?|intention|intent)\b|"
                          r"\bno (?:plan|intention) (?:to|of)\b|"
                          r"\b(?:not|never) (?:going to|gonna) act on\b|\bwouldn'?t (?:ever )?act on\b", _I)
ZH_PASSIVE_IDEATION = re.compile(r"活着没意思|不想活|消失就好|不在了就好|不醒过来")
ZH_NO_INTENT = re.compile(r"没有(?:具体)?(?:计划|打算)|不会(?:真的)?(?:去)?(?:做|付诸行动)|不会做傻事")
# Someone else's guess reported ("my mum said it could mean something's wrong with the cord"), not a sign seen.
EN_REPORTED_GUESS = re.compile(r"\b(?:said|says|told (?:me|us)|reckons?|thinks?|heard)\b[^.!?]{0,25}\b"
                               r"(?:could|might|may|can) (?:mean|be a sign of|indicate)\s*(?:that\s*)?$", _I)
# Harmless to a child in the amounts a child takes (NHS, poison centres): a dissolved vitamin C tablet, silica gel,
# crayon, chalk, play dough, a lick of toothpaste. Not iron, nor any medicine named beside it.
EN_HARMLESS_INGESTION = re.compile(r"\b(?:vitamin c|silica gel|crayon|chalk|play-?doh|play dough|toothpaste)\b", _I)
EN_HARMFUL_NAMED = re.compile(
    r"\biron\b|paracetamol|calpol|ibuprofen|aspirin|battery|batteries|bleach|detergent|capsule|nicotine|e-?liquid|"
    r"adult|(?:my|his|her|their|grandma'?s|grandad'?s|nan'?s) (?:pills|tablets|medicine|meds)", _I)
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


def preparations(text: str, zh: bool) -> re.Match[str] | None:
    """Means stockpiled and affairs put in order, both in ``text``: the later cue, or None."""
    stock, affairs = (ZH_STOCKPILE, ZH_AFFAIRS) if zh else (EN_STOCKPILE, EN_AFFAIRS)
    found = [stock.search(text), affairs.search(text)]
    if not all(found) or PREPARATIONS_PAST.search(text) or DOSETTE.search(text):
        return None
    return max(found, key=lambda m: m.start())  # type: ignore[union-attr]


def settled(category: str, sentence: str, start: int, end: int, text: str, zh: bool) -> str | None:
    """Why the red flag ``sentence[start:end]`` is not an emergency now, if one of the narrow cases shows it."""
    match, before = sentence[start:end], sentence[:start]
    if re.match(r"\s*(?:clinic|service|team|nurse)\b", sentence[end:end + 12], _I):
        return "a service's name"  # "referred to the first fit clinic"
    if category == "breathing" and EN_NOT_LABOURING.search(before[-40:]):
        return "negated"  # "she isn't working hard to breathe" ("isn't working" alone is an inhaler that failed)
    if category == "breathing" and re.search(r"finger|toe|手指|脚趾", sentence, _I) and RAYNAUD.search(sentence):
        return "long-standing"
    if (category == "breathing" and KNOCKED_DIGIT.search(sentence)
            and not re.search(r"lips?|face|mouth|tongue|breath|嘴唇|脸|呼吸|喘", sentence, _I)):
        return "mild"  # "stubbed my toe, it's gone purple": a bruise, not a person turning blue
    if category == "breathing" and re.search(r"chok|噎|卡", match, _I):
        cleared, airway = (ZH_CHOKE_CLEARED, ZH_AIRWAY_NOW) if zh else (EN_CHOKE_CLEARED, EN_AIRWAY_NOW)
        if cleared.search(text) and not airway.search(text):
            return "over"
    if category == "self_harm":
        passive, no_intent = (ZH_PASSIVE_IDEATION, ZH_NO_INTENT) if zh else (EN_PASSIVE_IDEATION, EN_NO_INTENT)
        if passive.search(match) and no_intent.search(text):
            return "no plan or intent"
    if not zh and EN_REPORTED_GUESS.search(before[-80:]):
        return "someone's guess"
    if (category == "poisoning" and not zh and EN_HARMLESS_INGESTION.search(match)
            and not EN_HARMFUL_NAMED.search(text)):
        return "harmless substance"
    return None


def farewell(text: str) -> re.Match[str] | None:
    """A goodbye with its time set, from all three kinds of cue across the message: the last cue, or None."""
    if not EN_FAREWELL_TIME.search(text):
        return None
    found = [cue.search(text) for cue in EN_FAREWELL]
    if not all(found):
        return None
    return max(found, key=lambda m: m.start())  # type: ignore[union-attr]
