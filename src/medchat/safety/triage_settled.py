"""Red flags that the message itself shows settled, feared or harmless (``medchat.safety.triage`` asks ``settled`` of
each match after its other checks).

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
                          r"\b(?:not|never) (?:going to|gonna) act on\b|\bwouldn'?t (?:ever )?act on\b|"
                          r"\b(?:i'?d|i would|i will|i'?ll) never (?:act on (?:it|them)|do (?:it|anything))\b", _I)
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
