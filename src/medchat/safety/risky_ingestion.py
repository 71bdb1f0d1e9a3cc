"""Ingestions that are emergencies by what was taken or who took it, with nothing to add up.

"My 2 year old was playing with Nana's pill box and Wednesday's slot is empty — she's on amlodipine", a second
fentanyl patch left on since this morning, grandma on digoxin twice a day for a week and now being sick, a mouthful of
vape liquid: no amount in such a message passes a ceiling (``dose_totals``), and the writer is usually calm. NHS, CDC
and 国家卫生健康委员会 advice is the same for each: emergency help now, even with no symptoms for a child. The
substances are data (``data/risky_ingestions.toml``); this module reads, around each one named, whether it was
taken (not asked about, not long past, not denied) and by whom.

Linear and bounded: one pass of one pattern per kind finds the substances; each is read in a window of at most
``WINDOW_CHARS`` characters either side.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources

WINDOW_CHARS = 160  # how far either side of a substance the reader looks for who took it, and how
CHILD_CHARS = 320  # and for a child ("planning my daughter's 3rd birthday... she may have swallowed one of his...")
LEAD_CHARS = 120  # how far back from the evidence of taking it a question ("what if...") or a denial is looked for
_I = re.IGNORECASE

# -- who ------------------------------------------------------------------------------------------------------------
# A small child, for whom one adult tablet can be too many (``dose_patterns.CHILD`` is wider: any child or teenager,
# for per-kilogram ceilings).
_EN_AGE = r"(?:[0-9]|1[0-2]|one|two|three|four|five|six|seven|eight|nine|ten)"
SMALL_CHILD = re.compile(
    r"\b(?:toddlers?|bab(?:y|ies)|infants?|little ones?|kiddo|kids?|child|children|grandson|granddaughter|grandkids?|"
    rf"little (?:boy|girl|brother|sister)|{_EN_AGE}[- ]?(?:years?|yrs?|yr)[- ]?old|"
    r"\d{1,2}[- ]?(?:months?|mths?|mos?)(?:[- ]?old)?|\d{1,2} ?(?:yo|y/o|mo)|"
    r"(?:son|daughter|boy|girl|nephew|niece)\s*\((?:[0-9]|1[0-2])(?=\))|"
    rf"(?:son|daughter|he|she)(?:'s| is) (?:only |just )?{_EN_AGE}\b(?! (?:weeks|days|hours|stone|kg|lb))|"
    r"(?:[0-9]|1[0-2])(?:st|nd|rd|th) birthday)\b|"
    r"孩子|小孩|宝宝|娃|幼儿|孙子|孙女|外孙|小朋友|"
    r"(?<![\d十])(?:[1-9]|1[0-2]|[一二两三四五六七八九十])岁|(?:\d+|[一二两三四五六七八九十]+)个月", _I)

# -- whether it was taken --------------------------------------------------------------------------------------------
# Past forms only: "kids swallow button batteries easily" is no ingestion; "took" alone is how children take their own
# medicines, so it counts only as "took one of / some of".
SWALLOWED = re.compile(
    r"\b(?:swallowed|ate|eaten|chewed|chewing|bit(?:ten)? (?:into|through)|got into|gotten into|got hold of|tasted|"
    r"(?:took|taken|had|eaten) (?:one|some|a few|two|2|3|a couple)(?: of)?|"
    r"out of the (?:blister|pack|packet|box|bottle)|"
    r"can'?t find (?:it|one|them|the (?:tablet|pill|battery|missing))|(?:is|are|was|were) missing|smells? of it|"
    r"licked|licking|sucked|sucking|drank|drunk|had a (?:swig|sip|mouthful|gulp|lick|taste)|swig(?:ged)?|mouthful|"
    r"gulp(?:ed)?|sipped|knocked back|popped (?:one|some|it|a|two)|in (?:his|her|their) mouth|"
    r"found (?:him|her|them) with|took (?:one|some|a few|two|2|3|a couple) of|stuck (?:it|one|the patch) on|"
    r"(?:bubbles?|blisters?|slots?|compartments?|foils?)\b[^.!?]{0,25}\b(?:empty|missing|popped|gone|open(?:ed)?|torn)|"
    r"(?:empty|missing|popped|torn|opened) (?:bubbles?|blisters?|slots?|compartments?)|"
    r"(?:are|is|were|was) (?:now |all )?empty|"
    r"(?:one|two|a couple|some|a few|\d) (?:tablets? |pills? )?(?:is |are |were |was )?(?:missing|gone)|"
    r"missing (?:one|two|a tablet|a pill|some))|"
    r"吃了|吃掉|吃下|吞了|吞下|误服|误食|误吃|偷吃|咬了|咬破|咬开|啃了|嚼了|舔了|尝了|"
    r"贴在[^。，]{0,4}(?:身上|肚|手|胳膊|背|腿)|塞(?:进)?嘴|含在嘴|喝了|少了[一两几\d]*[片粒颗]|空了|抠出", _I)
# "吃了两个月舍曲林" is a course of treatment, not a swallowing
COURSE = re.compile(r"^(?:[^。，,]{0,3}(?:\d+|[一两二三四五六七八九十几半]+)(?:个月|年|周|星期|个星期|天))")
HYPOTHETICAL = re.compile(
    r"\b(?:if|in case|what if|suppose|supposing|imagine|ever|whether|prevent|stop (?:him|her|them|kids)|"
    r"(?:do|should|can|could|may) (?:i|we|she|he)|is it (?:ok|okay|safe|fine))\b|"
    r"如果|万一|要是|假如|假设|以防|预防|防止|会不会|怕|担心|害怕|以免|避免|能不能|还能|可以吗", _I)
DENIED = re.compile(r"\b(?:didn'?t|did not|hasn'?t|has not|haven'?t|have not|never|wasn'?t|weren'?t|not|none|"
                    r"nothing|no)\b[^.!?,;]{0,12}$|"
                    r"\b(?:no|without|not any)\s+\w+(?:\s+\w+)?\s+(?:or|nor)\s+$|"  # "no bleeding or bruising"
                    r"[没未不别][^。，,！？]{0,3}$", _I)
ALL_THERE = re.compile(r"\b(?:all|every one)\b[^.!?]{0,25}\b(?:there|accounted for)\b|"
                       r"\b(?:none|nothing|no tablets?|no pills?) (?:are |is |were |was )?(?:missing|gone)|"
                       r"一[片粒颗]没少|都在|没有少|没少", _I)
PAST = re.compile(
    r"\b(?:last (?:year|month|summer|winter|spring|autumn|fall)|"
    r"(?:\d+|a few|few|a couple of|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|several|many) "
    r"(?:years?|months?|weeks?|winters?|summers?) ago|kept (?:him|her|them) in|years back|"
    r"when (?:he|she|they|i) (?:was|were) (?:little|small|a baby|a toddler|younger|\d)|"
    r"was (?:admitted|kept in|monitored|discharged)|were (?:discharged|sent home)|"
    r"(?:was|were) fine (?:after|afterwards)|all clear)\b|"
    r"去年|前年|年前|上个月|上周|上个星期|上次|那次|小时候|当时|洗胃后|洗了胃|出院时|后来没事|一切正常|"
    r"误[吃服食]过|(?:\d|[一二两三四五六七八九十])岁(?:的)?时|观察了一(?:晚|夜|天)", _I)

# -- how much, and what it is doing ----------------------------------------------------------------------------------
DOUBLED = re.compile(
    r"\b(?:twice (?:a|per|each) day instead of once|instead of once (?:a|per) day|"
    r"doubled?(?: (?:up|dose|doses|the dose))?|(?:two|2) doses|twice (?:this|today|yesterday|last|by mistake|over)|"
    r"(?:taking|took|taken|had|given|gave) (?:it|them|her|him|\w+) twice|"
    r"extra (?:dose|doses|tablets?|pills?)|too (?:many|much)|wrong (?:tablets?|pills?|dose)|mixed up|"
    r"(?:every ?day|daily) instead of|instead of (?:once a week|weekly)|by (?:mistake|accident)|accidentally|"
    r"(?:most of |half )?(?:a|the) (?:strip|packet|box|bottle)|handful)\b|"
    r"双份|两倍|双倍|加倍|翻倍|重复吃|吃了两遍|吃了两次|多吃了|吃重了|天天吃|每天都吃|一天两次|吃多了|过量", _I)
METHOTREXATE_DAILY = re.compile(
    r"\b(?:every ?day|daily|each day|every (?:morning|night|evening))\b[^.!?]{0,30}\b"
    r"(?:instead of|not|rather than)\b[^.!?]{0,20}\b"
    r"(?:week|weekly|once a week|monday|tuesday|wednesday|thursday|friday|saturday|sunday)|"
    r"每天(?:都)?吃[^！？]{0,40}(?:一周一次|每周一次|一星期一次)|"
    r"(?:一周|每周|一星期|每星期|每个?礼拜)(?:吃|服)?一次[^！？]{0,40}(?:每天|天天)", _I)
UNWELL = re.compile(
    r"\b(?:vomit\w*|being sick|been sick|(?:feels?|feeling|is|was|felt) (?:really |very |so )?sick|nause\w*|"
    r"throwing up|threw up|confused|confusion|muddled|not making sense|drows\w*|shak\w*|tremor\w*|trembl\w*|"
    r"unsteady|wobbly|slurr\w*|diarrh\w*|blurr\w*|yellow|halos?|seeing (?:things|colours|colors)|bleed\w*|bruis\w*|"
    r"blood in|black (?:poo|stool)|slow (?:pulse|heart)|"
    r"heart(?: rate)? (?:is )?(?:racing|pounding|fluttering|irregular|skipping|slow)|palpitat\w*|"
    r"dizz\w*|faint\w*|ringing|tinnitus|mouth ulcers|sore (?:mouth|throat)|twitch\w*|sweat\w*|"
    r"(?:a |high )?(?:temperature|fever)|can'?t walk straight|odd|funny|weird)\b|"
    r"恶心|呕吐|吐了|想吐|拉肚子|腹泻|手抖|发抖|走路不稳|站不稳|糊涂|迷糊|说胡话|嗜睡|看东西发黄|视物模糊|看不清|出血|"
    r"流鼻血|耳鸣|瘀青|淤青|黑便|心跳慢|心慌|心跳乱|头晕|口腔溃疡|溃疡|发烧|出汗|冒汗", _I)
PATCH_DOUBLED = re.compile(
    r"\b(?:(?:two|2|both) (?:\w+ ){0,2}(?:patches|of them)|(?:two|2|both) (?:on|stuck)|on at once|at the same time|"
    r"(?:second|another|extra|third) (?:patch|one)\b(?! (?:after|in|every))|"
    r"new one\b[^.!?]{0,50}\b(?:without|didn'?t|not|forgot|never|still)|"
    r"(?:didn'?t|did not|forgot to|never|without) (?:take|took|taking|peel|peeling|pull|pulling|remove|removing)\w*"
    r"[^.!?]{0,20}\b(?:old|off|first)|old one (?:is )?still on|"
    r"double(?:d)?|chew\w*|suck\w*|heat (?:pad|pack)|hot[- ]water bottle|electric blanket|sauna|hot tub)\b|"
    r"双份|两贴|两片|两张|旧的没撕|没撕|忘了撕|忘记撕|又贴了|嚼|咬|热水袋|电热毯|暖宝宝", _I)
OPIOID_SIGNS = re.compile(
    r"\b(?:drows\w*|(?:very|really|so) sleepy|can'?t (?:wake|stay awake|keep (?:his|her|my|their) eyes open)|"
    r"won'?t wake|hard to wake|(?:tiny|pinpoint|pin-?point|small) pupils|"
    r"pupils (?:are |look )?(?:tiny|pinpoint|really small)|snor\w*|slow(?:er)? breathing|"
    r"breathing (?:is )?(?:slow|shallow)|shallow breath\w*|blue lips|lips (?:look |are |gone )?blue|"
    r"confus\w*|nodding off|unresponsive|floppy)\b|"
    r"昏睡|叫不(?:太)?醒|嗜睡|瞳孔[^。，！？]{0,4}小|针尖|打呼|呼吸[^。，！？]{0,3}(?:慢|浅)|嘴唇发[紫青]|迷糊", _I)
_OPIOIDS_EN = r"oramorph|morphine|oxycodone|oxycontin|oxynorm|methadone|fentanyl|buprenorphine|subutex"
OPIOIDS = re.compile(rf"\b(?:{_OPIOIDS_EN}|codeine|tramadol|dihydrocodeine|heroin|opioids?)\b|"
                     r"吗啡|羟考酮|美沙酮|芬太尼|曲马多|可待因|丁丙诺啡", _I)
# someone else's strong opioid, which the taker's body is not used to
OTHERS_OPIOID = re.compile(
    r"\b(?:friend|partner|flatmate|mate|brother|sister|dad|mum|mom|husband|wife|someone|somebody|cousin|uncle|aunt|"
    rf"housemate|boyfriend|girlfriend)(?:'s| else'?s)\s+(?:{_OPIOIDS_EN})\b|"
    r"(?:别人|朋友|室友|老公|老婆|爸爸|妈妈|爷爷|奶奶|哥哥|姐姐|[他她我](?:哥|姐|弟|妹|爸|妈))的(?:美沙酮|吗啡|羟考酮|芬太尼|丁丙诺啡)",
    _I)
TOOK = re.compile(r"\b(?:took|taken|had|tried|drank|swallowed|downed|used)\b|吃了|喝了|服了|用了|吞了", _I)
INSULIN_MIXUP = re.compile(
    r"\b(?:wrong pen|instead of (?:my |his |her |the )?(?:lantus|levemir|tresiba|toujeo|abasaglar|semglee|humulin i|"
    r"long[- ]acting|basal|night[- ]?time|bedtime)|mixed up (?:my |his |her |the )?pens|twice|double|again)\b|"
    r"拿错|打错|打成了|打了两次|打了两遍|重复打|又打了|"
    r"(?:短效|速效|餐时)[^。！？]{0,6}(?:当成|当作|当)[^。！？]{0,4}(?:长效|基础)", _I)
BULK = re.compile(
    r"\b(?:a handful|handfuls|a (?:whole|full) (?:box|strip|bottle|packet|pack|blister)|"
    r"a (?:week|fortnight|month)'?s (?:worth|supply)|"
    r"(?:my|his|her|their|a) (?:whole|entire|full) (?:week|fortnight|month)(?:'s)?(?: (?:worth|supply))? of|"
    r"all (?:of )?(?:my|his|her|their|the)|the rest of (?:my|his|her|their|the))\b|"
    r"一大把|一把|一整瓶|整瓶|一整盒|整盒|一整板|整板|全部", _I)
_SLEEPING_EN = r"diazepam|valium|xanax|alprazolam|lorazepam|clonazepam|zopiclone|zolpidem|sleeping (?:pills|tablets)"
_SLEEPING_ZH = r"安眠药|地西泮|阿普唑仑|艾司唑仑"
_DRINK_EN = r"alcohol|drinks|drunk|vodka|wine|beers?|pints"
SLEEPING_DRUGS = re.compile(rf"\b(?:{_SLEEPING_EN})\b|{_SLEEPING_ZH}|佐匹克隆|唑吡坦", _I)
DRINK = re.compile(rf"\b(?:{_DRINK_EN}|whisky|gin)\b|白酒|喝了[^。，！？]{{0,6}}酒|啤酒|红酒", _I)
# what, with an opioid, slows breathing (NHS, CDC): sleeping tablets and other sedatives, or drink
SEDATIVES = re.compile(rf"\b(?:{_SLEEPING_EN}|etizolam|benzos?|pregabalin|gabapentin|{_DRINK_EN})\b|"
                       rf"{_SLEEPING_ZH}|酒", _I)
WILD_MUSHROOMS = re.compile(r"\b(?:picked|foraged|wild|found|gathered)\b[^.!?]{0,30}\bmushrooms?\b|"
                            r"野生菌|野蘑菇|毒蘑菇|采的蘑菇|采的菌|捡的蘑菇|菌子", _I)

KINDS = ("child_high_risk", "narrow_margin", "opioid_patch", "nicotine_liquid", "insulin_mixup")
REASONS = {
    "child_high_risk": "a child and {0}, dangerous to a small child in one dose",
    "narrow_margin": "{0} taken twice over, and unwell",
    "methotrexate_daily": "methotrexate daily instead of weekly",
    "opioid_patch": "a {0} doubled up or chewed",
    "nicotine_liquid": "{0} swallowed",
    "insulin_mixup": "{0} injected in place of the long-acting insulin, or twice",
    "opioid_excess": "{0} past the dose, and drowsy",
    "others_opioid": "someone else's {0} taken",
    "bulk": "a large amount of {0} taken",
    "opioid_mix": "{0} with a sedative or alcohol, and hard to rouse",
    "wild_mushrooms": "{0} eaten, and now unwell",
    "sedative_mix": "more {0} than the dose, with alcohol, and hard to rouse",
}


@dataclass(frozen=True)
class RiskyIngestion:
    """A substance taken that is an emergency by what it is or who took it, and where the message says so."""

    kind: str
    substance: str
    start: int
    end: int

    @property
    def reason(self) -> str:
        return REASONS[self.kind].format(self.substance)


@cache
def _patterns() -> dict[str, re.Pattern[str]]:
    data = tomllib.loads(resources.files("medchat.safety").joinpath("data/risky_ingestions.toml").read_text("utf-8"))
    english = {kind: "|".join(data[kind]["en"]) for kind in KINDS}
    return {kind: re.compile(rf"(?<![a-z])(?:{english[kind]})(?![a-z])|" + "|".join(data[kind]["zh"]), _I)
            for kind in KINDS}


def risky_ingestions(text: str) -> list[RiskyIngestion]:
    """Every ingestion the message tells of that is an emergency by its substance or its taker (empty if none, or
    if the message only asks, denies it, or tells of something long past)."""
    patterns = _patterns()
    found: list[RiskyIngestion] = []
    for kind in KINDS:  # one finding a kind is enough
        for m in patterns[kind].finditer(text):
            lo, hi = _around(text, m, WINDOW_CHARS, WINDOW_CHARS)
            if PAST.search(text, lo, hi) or ALL_THERE.search(text, lo, hi):
                continue  # "last year he swallowed a battery and was fine", "counted them: none missing"
            if hit := _kind_found(kind, text, m, lo, hi):
                found.append(RiskyIngestion(hit, m.group(), m.start(), m.end()))
                break
    found += _bulk(text, patterns)
    found += _first("opioid_mix", OPIOIDS.finditer(text), lambda m: _sedated(text, m, SEDATIVES))
    found += _first("sedative_mix", SLEEPING_DRUGS.finditer(text),
                    lambda m: _sedated(text, m, DRINK) and DOUBLED.search(text, *_around(text, m, WINDOW_CHARS,
                                                                                         2 * WINDOW_CHARS)))
    found += _first("wild_mushrooms", WILD_MUSHROOMS.finditer(text), lambda m: bool(
        UNWELL.search(text, m.end(), _around(text, m, 0, 2 * WINDOW_CHARS)[1])
        and not PAST.search(text, *_around(text, m, WINDOW_CHARS, 2 * WINDOW_CHARS))))
    found += _first("others_opioid", OTHERS_OPIOID.finditer(text), lambda m: bool(
        TOOK.search(text, *_around(text, m, 60, 60)) and _unasked(text, m.start())
        and not PAST.search(text, *_around(text, m, 60, 60))), name=lambda m: OPIOIDS.search(m.group()).group())
    found += _first("opioid_excess", OPIOIDS.finditer(text), lambda m: bool(
        DOUBLED.search(text, *_around(text, m, WINDOW_CHARS, WINDOW_CHARS))
        and OPIOID_SIGNS.search(text, *_around(text, m, WINDOW_CHARS, WINDOW_CHARS)) and _unasked(text, m.start())
        and not PAST.search(text, *_around(text, m, WINDOW_CHARS, WINDOW_CHARS))))
    return found


def _around(text: str, m: re.Match[str], before: int, after: int) -> tuple[int, int]:
    """The window of ``text`` from ``before`` characters ahead of a match to ``after`` past it."""
    return max(0, m.start() - before), min(len(text), m.end() + after)


def _first(kind: str, matches: Iterator[re.Match[str]], found: Callable[[re.Match[str]], object],
           name: Callable[[re.Match[str]], str] = lambda m: m.group()) -> list[RiskyIngestion]:
    """The first of ``matches`` for which ``found`` holds, as a finding of ``kind`` (none: empty)."""
    for m in matches:
        if found(m):
            return [RiskyIngestion(kind, name(m), m.start(), m.end())]
    return []


def _sentence_start(text: str, position: int) -> int:
    """Where the sentence holding ``position`` starts, looked for no further back than ``LEAD_CHARS``."""
    floor = max(0, position - LEAD_CHARS)
    return max(floor, max(text.rfind(c, floor, position) for c in ".!?。！？\n") + 1)


def _unasked(text: str, position: int) -> bool:
    """Nothing from the start of the sentence up to ``position`` asks or fears ("what if", "should I", 怕)."""
    sentence = _sentence_start(text, position)
    return not HYPOTHETICAL.search(text, max(sentence, position - LEAD_CHARS), position)


def _taken(text: str, lo: int, hi: int) -> re.Match[str] | None:
    """The first place in ``text[lo:hi]`` that says something was swallowed, not asked about or denied."""
    for m in SWALLOWED.finditer(text, lo, hi):
        if m.group().startswith(("吃了", "喝了")) and COURSE.match(text, m.end()):
            continue
        lead = text[_sentence_start(text, m.start()):m.start()]
        if HYPOTHETICAL.search(lead) or DENIED.search(lead[-20:]):
            continue
        return m
    return None


def _kind_found(kind: str, text: str, m: re.Match[str], lo: int, hi: int) -> str | None:
    if kind == "child_high_risk":
        near = SMALL_CHILD.search(text, *_around(text, m, CHILD_CHARS, CHILD_CHARS))
        return kind if near and _taken(text, lo, hi) else None
    if kind == "nicotine_liquid":
        return kind if _taken(text, lo, hi) else None
    if not _unasked(text, m.start()):
        return None
    if kind == "insulin_mixup":
        return kind if any(_unasked(text, x.start()) for x in INSULIN_MIXUP.finditer(text, lo, hi)) else None
    if kind == "opioid_patch":
        doubled = PATCH_DOUBLED.search(text, lo, hi)
        return kind if doubled and not DENIED.search(text[max(lo, doubled.start() - 20):doubled.start()]) else None
    # narrow_margin
    if m.group().lower() in ("methotrexate", "甲氨蝶呤") and METHOTREXATE_DAILY.search(text, lo, hi):
        return "methotrexate_daily"
    # both told as happening, not feared or asked about ("do I take double tonight?", 怕重复吃药导致出血)
    doubled = any(_unasked(text, d.start()) for d in DOUBLED.finditer(text, lo, hi))
    unwell = any(_unasked(text, u.start()) and not DENIED.search(text[max(0, u.start() - 20):u.start()])
                 for u in UNWELL.finditer(text, lo, hi))  # "no bleeding" is no symptom
    return kind if doubled and unwell else None


def _bulk(text: str, patterns: dict[str, re.Pattern[str]]) -> list[RiskyIngestion]:
    """A handful, a whole box, "all her lithium for the week" of a medicine dangerous in excess, taken."""
    for kind in ("child_high_risk", "narrow_margin"):
        found = _first("bulk", patterns[kind].finditer(text), lambda m: bool(
            BULK.search(text, max(0, m.start() - 40), m.start())
            and TOOK.search(text, max(0, m.start() - 70), m.start())
            and _unasked(text, m.start()) and not PAST.search(text, *_around(text, m, WINDOW_CHARS, WINDOW_CHARS))))
        if found:
            return found
    return []


def _sedated(text: str, m: re.Match[str], taken_with: re.Pattern[str]) -> bool:
    """A sedating drug with ``taken_with`` near it and, after it, signs of sedation told as happening (across
    sentences, which the red-flag patterns, read a sentence at a time, cannot join)."""
    lo, hi = _around(text, m, WINDOW_CHARS, 2 * WINDOW_CHARS)
    signs = any(_unasked(text, x.start()) for x in OPIOID_SIGNS.finditer(text, m.end(), hi))
    return signs and bool(taken_with.search(text, lo, hi)) and not PAST.search(text, lo, hi)
