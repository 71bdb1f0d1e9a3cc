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
from dataclasses import dataclass
from functools import cache
from importlib import resources

WINDOW_CHARS = 160  # how far either side of a substance the reader looks for who took it, and how
CHILD_CHARS = 320  # and for a child ("planning my daughter's 3rd birthday... she may have swallowed one of his...")
LEAD_CHARS = 120  # how far back from the evidence of taking it a question ("what if...") or a denial is looked for
_I = re.IGNORECASE

# -- who ------------------------------------------------------------------------------------------------------------
_EN_AGE = r"(?:[0-9]|1[0-2]|one|two|three|four|five|six|seven|eight|nine|ten)"
CHILD = re.compile(
    r"\b(?:toddlers?|bab(?:y|ies)|infants?|little ones?|kiddo|kids?|child|children|grandson|granddaughter|grandkids?|"
    rf"little (?:boy|girl|brother|sister)|{_EN_AGE}[- ]?(?:years?|yrs?|yr)[- ]?old|\d{{1,2}}[- ]?(?:months?|mths?|mos?)"
    r"(?:[- ]?old)?|\d{1,2} ?(?:yo|y/o|mo)|(?:son|daughter|boy|girl|nephew|niece)\s*\((?:[0-9]|1[0-2])(?=\))|"
    rf"(?:son|daughter|he|she)(?:'s| is) (?:only |just )?{_EN_AGE}\b(?! (?:weeks|days|hours|stone|kg|lb))|"
    r"(?:[0-9]|1[0-2])(?:st|nd|rd|th) birthday)\b|"
    r"孩子|小孩|宝宝|娃|幼儿|孙子|孙女|外孙|小朋友|"
    r"(?<![\d十])(?:[1-9]|1[0-2]|[一二两三四五六七八九十])岁|(?:\d+|[一二两三四五六七八九十]+)个月", _I)

# -- whether it was taken --------------------------------------------------------------------------------------------
# Past forms only: "kids swallow button batteries easily" is no ingestion; "took" alone is how children take their own
# medicines, so it counts only as "took one of / some of".
SWALLOWED = re.compile(
    r"\b(?:swallowed|ate|eaten|chewed|chewing|bit(?:ten)? (?:into|through)|got into|gotten into|got hold of|tasted|"
    r"(?:took|taken|had|eaten) (?:one|some|a few|two|2|3|a couple)(?: of)?|out of the (?:blister|pack|packet|box|"
    r"bottle)|"
    r"can'?t find (?:it|one|them|the (?:tablet|pill|battery|missing))|(?:is|are|was|were) missing|smells? of it|"
    r"licked|licking|sucked|sucking|drank|drunk|had a (?:swig|sip|mouthful|gulp|lick|taste)|swig(?:ged)?|mouthful|"
    r"gulp(?:ed)?|sipped|knocked back|popped (?:one|some|it|a|two)|in (?:his|her|their) mouth|"
    r"found (?:him|her|them) with|took (?:one|some|a few|two|2|3|a couple) of|stuck (?:it|one|the patch) on|"
    r"(?:bubbles?|blisters?|slots?|compartments?|foils?)\b[^.!?]{0,25}\b(?:empty|missing|popped|gone|open(?:ed)?|torn)|"
    r"(?:empty|missing|popped|torn|opened) (?:bubbles?|blisters?|slots?|compartments?)|(?:are|is|were|was) (?:now |"
    r"all )?empty|"
    r"(?:one|two|a couple|some|a few|\d) (?:tablets? |pills? )?(?:is |are |were |was )?(?:missing|gone)|"
    r"missing (?:one|two|a tablet|a pill|some))|"
    r"吃了|吃掉|吃下|吞了|吞下|误服|误食|误吃|偷吃|咬了|咬破|咬开|啃了|嚼了|舔了|尝了|贴在[^。，]{0,4}(?:身上|肚|手|胳膊|背|腿)|塞(?:进)?嘴|含在嘴|喝了|少了[一两几\d]*[片粒颗]|"
    r"空了|抠出", _I)
# "吃了两个月舍曲林" is a course of treatment, not a swallowing
COURSE = re.compile(r"^(?:[^。，,]{0,3}(?:\d+|[一两二三四五六七八九十几半]+)(?:个月|年|周|星期|个星期|天))")
HYPOTHETICAL = re.compile(r"\b(?:if|in case|what if|suppose|supposing|imagine|ever|whether|prevent|stop (?:him|her|"
                          r"them|kids)|"
                          r"(?:do|should|can|could|may) (?:i|we|she|he)|is it (?:ok|okay|safe|fine))\b|"
                          r"如果|万一|要是|假如|假设|以防|预防|防止|会不会|"
                          r"怕|担心|害怕|以免|避免|能不能|还能|可以吗", _I)
DENIED = re.compile(r"\b(?:didn'?t|did not|hasn'?t|has not|haven'?t|have not|never|wasn'?t|weren'?t|not|none|"
                    r"nothing|no)\b"
                    r"[^.!?,;]{0,12}$|[没未不别][^。，,！？]{0,3}$", _I)
ALL_THERE = re.compile(r"\b(?:all|every one)\b[^.!?]{0,25}\b(?:there|accounted for)\b|\b(?:none|nothing|no tablets?|"
                       r"no pills?)"
                       r" (?:are |is |were |was )?(?:missing|gone)|一[片粒颗]没少|都在|没有少|没少", _I)
PAST = re.compile(r"\b(?:last (?:year|month|summer|winter|spring|autumn|fall)|(?:\d+|a few|few|a couple of|one|two|"
                  r"three|"
                  r"four|five|six|seven|eight|nine|ten|eleven|twelve|several|many) (?:years?|months?|weeks?|"
                  r"winters?|summers?) ago|"
                  r"kept (?:him|her|them) in|years back|when (?:he|she|they|i) (?:was|were) (?:little|small|a baby|"
                  r"a toddler|"
                  r"younger|\d)|was (?:admitted|kept in|monitored|discharged)|were (?:discharged|sent home)|"
                  r"(?:was|were) fine (?:after|afterwards)|all clear)\b|"
                  r"去年|前年|年前|上个月|上周|上个星期|上次|那次|小时候|当时|"
                  r"洗胃后|洗了胃|出院时|后来没事|一切正常|"
                  r"误[吃服食]过|(?:\d|[一二两三四五六七八九十])岁(?:的)?时|观察了一(?:晚|夜|天)", _I)

# -- how much, and what it is doing ----------------------------------------------------------------------------------
DOUBLED = re.compile(
    r"\b(?:twice (?:a|per|each) day instead of once|instead of once (?:a|per) day|doubled?(?: (?:up|dose|doses|"
    r"the dose))?|"
    r"(?:two|2) doses|twice (?:this|today|yesterday|last|by mistake|over)|(?:taking|took|taken|had|given|"
    r"gave) (?:it|them|her|him|\w+) twice|"
    r"extra (?:dose|doses|tablets?|pills?)|too (?:many|much)|wrong (?:tablets?|pills?|dose)|mixed up|"
    r"(?:every ?day|daily) instead of|instead of (?:once a week|weekly)|by (?:mistake|accident)|accidentally|"
    r"(?:most of |half )?(?:a|the) (?:strip|packet|box|bottle)|handful)\b|"
    r"双份|两倍|双倍|加倍|翻倍|重复吃|吃了两遍|吃了两次|多吃了|吃重了|天天吃|每天都吃|一天两次|吃多了|过量", _I)
METHOTREXATE_DAILY = re.compile(r"\b(?:every ?day|daily|each day|every (?:morning|night|evening))\b[^.!?]{0,30}\b"
                                r"(?:instead of|not|rather than)\b[^.!?]{0,20}\b"
                                r"(?:week|weekly|once a week|monday|tuesday|wednesday|thursday|friday|saturday|sunday)|"
                                r"每天(?:都)?吃[^！？]{0,40}(?:一周一次|每周一次|一星期一次)|"
                                r"(?:一周一次|每周一次)[^！？]{0,40}(?:每天|天天)", _I)
UNWELL = re.compile(
    r"\b(?:vomit\w*|being sick|been sick|(?:feels?|feeling|is|was|felt) (?:really |very |so )?sick|nause\w*|"
    r"throwing up|"
    r"threw up|confused|confusion|muddled|not making sense|drows\w*|shak\w*|tremor\w*|trembl\w*|unsteady|wobbly|"
    r"slurr\w*|"
    r"diarrh\w*|blurr\w*|yellow|halos?|seeing (?:things|colours|colors)|bleed\w*|bruis\w*|blood in|black (?:poo|stool)|"
    r"slow (?:pulse|heart)|heart(?: rate)? (?:is )?(?:racing|pounding|fluttering|irregular|skipping|slow)|palpitat\w*|"
    r"dizz\w*|faint\w*|ringing|tinnitus|"
    r"mouth ulcers|sore (?:mouth|throat)|twitch\w*|sweat\w*|(?:a |high )?(?:temperature|fever)|"
    r"can'?t walk straight|odd|funny|weird)\b|"
    r"恶心|呕吐|吐了|想吐|拉肚子|腹泻|手抖|发抖|走路不稳|站不稳|糊涂|迷糊|说胡话|嗜睡|看东西发黄|视物模糊|看不清|出血|"
    r"流鼻血|耳鸣|瘀青|淤青|黑便|心跳慢|心慌|心跳乱|头晕|口腔溃疡|溃疡|发烧|出汗|冒汗", _I)
PATCH_DOUBLED = re.compile(
    r"\b(?:(?:two|2|both) (?:\w+ ){0,2}(?:patches|of them)|(?:two|2|both) (?:on|stuck)|on at once|at the same time|"
    r"(?:second|another|extra|third) (?:patch|one)\b(?! (?:after|in|every))|"
    r"new one\b[^.!?]{0,50}\b(?:without|didn'?t|not|forgot|never|still)|(?:didn'?t|did not|forgot to|never|without) "
    r"(?:take|took|taking|peel|peeling|pull|pulling|remove|removing)\w*[^.!?]{0,20}\b(?:old|off|first)|"
    r"old one (?:is )?still on|"
    r"double(?:d)?|chew\w*|suck\w*|heat (?:pad|pack)|hot[- ]water bottle|electric blanket|sauna|hot tub)\b|"
    r"双份|两贴|两片|两张|旧的没撕|没撕|忘了撕|忘记撕|又贴了|嚼|咬|热水袋|电热毯|暖宝宝", _I)
OPIOID_SIGNS = re.compile(
    r"\b(?:drows\w*|(?:very|really|so) sleepy|can'?t (?:wake|stay awake|keep (?:his|her|my|their) eyes open)|"
    r"won'?t wake|"
    r"hard to wake|(?:tiny|pinpoint|pin-?point|small) pupils|pupils (?:are |look )?(?:tiny|pinpoint|really small)|"
    r"snor\w*|slow(?:er)? breathing|breathing (?:is )?(?:slow|shallow)|shallow breath\w*|blue lips|lips (?:look |"
    r"are |gone )?blue|"
    r"confus\w*|nodding off|unresponsive|floppy)\b|"
    r"昏睡|叫不(?:太)?醒|嗜睡|瞳孔[^。，！？]{0,4}小|针尖|打呼|呼吸[^。，！？]{0,3}(?:慢|浅)|"
    r"嘴唇发[紫青]|迷糊", _I)
OTHERS_OPIOID = re.compile(
    r"\b(?:friend|partner|flatmate|mate|brother|sister|dad|mum|mom|husband|wife|someone|somebody|cousin|uncle|aunt|"
    r"housemate|boyfriend|girlfriend)(?:'s| else'?s)\s+(?:methadone|oxycodone|oxycontin|morphine|oramorph|fentanyl|"
    r"buprenorphine|subutex)\b|"
    r"(?:别人|朋友|室友|老公|老婆|爸爸|妈妈|爷爷|奶奶|哥哥|姐姐|[他她我](?:哥|姐|弟|妹|爸|妈))的"
    r"(?:美沙酮|吗啡|羟考酮|芬太尼|丁丙诺啡)", _I)
TOOK = re.compile(r"\b(?:took|taken|had|tried|drank|swallowed|downed|used)\b|吃了|喝了|服了|用了|吞了", _I)
INSULIN_MIXUP = re.compile(
    r"\b(?:wrong pen|instead of (?:my |his |her |the )?(?:lantus|levemir|tresiba|toujeo|abasaglar|semglee|humulin i|"
    r"long[- ]acting|basal|night[- ]?time|bedtime)|mixed up (?:my |his |her |the )?pens|twice|double|again)\b|"
    r"拿错|打错|打成了|打了两次|打了两遍|重复打|又打了", _I)
BULK = re.compile(r"\b(?:a handful|handfuls|a (?:whole|full) (?:box|strip|bottle|packet|pack|blister)|"
                  r"a (?:week|fortnight|month)'?s (?:worth|supply)|(?:my|his|her|their|a) (?:whole|entire|full) "
                  r"(?:week|fortnight|month)(?:'s)?(?: (?:worth|supply))? of|"
                  r"all (?:of )?(?:my|his|her|their|the)"
                  r"|the rest of (?:my|his|her|their|the))\b|一大把|一把|一整瓶|整瓶|一整盒|整盒|一整板|整板|全部", _I)
SEDATIVES = re.compile(r"\b(?:diazepam|valium|xanax|alprazolam|lorazepam|clonazepam|etizolam|benzos?|zopiclone|"
                       r"zolpidem|"
                       r"pregabalin|gabapentin|sleeping (?:pills|tablets)|alcohol|drinks|drunk|vodka|wine|beers?|"
                       r"pints)\b|"
                       r"安眠药|地西泮|阿普唑仑|艾司唑仑|酒", _I)
SLEEPING_DRUGS = re.compile(r"\b(?:diazepam|valium|xanax|alprazolam|lorazepam|clonazepam|zopiclone|zolpidem|"
                            r"sleeping (?:pills|tablets))\b|安眠药|地西泮|阿普唑仑|艾司唑仑|佐匹克隆|唑吡坦", _I)
DRINK = re.compile(r"\b(?:alcohol|drinks|drunk|vodka|wine|beers?|pints|whisky|gin)\b|"
                   r"白酒|喝了[^。，！？]{0,6}酒|啤酒|红酒", _I)
WILD_MUSHROOMS = re.compile(r"\b(?:picked|foraged|wild|found|gathered)\b[^.!?]{0,30}\bmushrooms?\b|"
                            r"野生菌|野蘑菇|毒蘑菇|采的蘑菇|采的菌|捡的蘑菇|菌子", _I)
OPIOIDS = re.compile(r"\b(?:oramorph|morphine|oxycodone|oxycontin|oxynorm|methadone|fentanyl|buprenorphine|codeine|"
                     r"tramadol|dihydrocodeine|heroin|opioids?)\b|吗啡|羟考酮|美沙酮|芬太尼|曲马多|可待因|丁丙诺啡", _I)

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
    return {kind: re.compile(r"(?<![a-z])(?:" + "|".join(data[kind]["en"]) + r")(?![a-z])|" + "|"
                             r"".join(data[kind]["zh"]), _I)
            for kind in KINDS}


def _taken(text: str, lo: int, hi: int) -> re.Match[str] | None:
    """The first place in ``text[lo:hi]`` that says something was swallowed, not asked about or denied."""
    for m in SWALLOWED.finditer(text, lo, hi):
        if m.group().startswith(("吃了", "喝了")) and COURSE.match(text, m.end()):
            continue
        sentence = _sentence_start(text, m.start())
        lead = text[max(sentence, m.start() - LEAD_CHARS):m.start()]
        if HYPOTHETICAL.search(lead) or DENIED.search(lead[-20:]):
            continue
        return m
    return None


def risky_ingestions(text: str) -> list[RiskyIngestion]:
    """Every ingestion the message tells of that is an emergency by its substance or its taker (empty if none, or
    if the message only asks, denies it, or tells of something long past)."""
    found: list[RiskyIngestion] = []
    patterns = _patterns()
    for kind in KINDS:
        for m in patterns[kind].finditer(text):
            lo, hi = max(0, m.start() - WINDOW_CHARS), min(len(text), m.end() + WINDOW_CHARS)
            if PAST.search(text, lo, hi) or ALL_THERE.search(text, lo, hi):
                continue  # "last year he swallowed a battery and was fine", "counted them: none missing"
            hit = _kind_found(kind, text, m, lo, hi)
            if hit:
                found.append(RiskyIngestion(hit, m.group(), m.start(), m.end()))
                break  # one finding a kind is enough
    found += _bulk(text, patterns) + _mixed_or_foraged(text)
    for m in OTHERS_OPIOID.finditer(text):
        lo, hi = max(0, m.start() - 60), min(len(text), m.end() + 60)
        if TOOK.search(text, lo, hi) and _unasked(text, m.start()) and not PAST.search(text, lo, hi):
            found.append(RiskyIngestion("others_opioid", (OPIOIDS.search(m.group()) or m).group(), m.start(), m.end()))
            break
    for m in OPIOIDS.finditer(text):
        lo, hi = max(0, m.start() - WINDOW_CHARS), min(len(text), m.end() + WINDOW_CHARS)
        if (DOUBLED.search(text, lo, hi) and OPIOID_SIGNS.search(text, lo, hi) and _unasked(text, m.start())
                and not PAST.search(text, lo, hi)):
            found.append(RiskyIngestion("opioid_excess", m.group(), m.start(), m.end()))
            break
    return found


def _sentence_start(text: str, position: int) -> int:
    """Where the sentence holding ``position`` starts, looked for no further back than ``LEAD_CHARS``."""
    floor = max(0, position - LEAD_CHARS)
    return max(floor, max(text.rfind(c, floor, position) for c in ".!?。！？\n") + 1)


def _unasked(text: str, position: int) -> bool:
    sentence = _sentence_start(text, position)
    return not HYPOTHETICAL.search(text, max(sentence, position - LEAD_CHARS), position)


def _kind_found(kind: str, text: str, m: re.Match[str], lo: int, hi: int) -> str | None:
    if kind == "child_high_risk":
        near = CHILD.search(text, max(0, m.start() - CHILD_CHARS), min(len(text), m.end() + CHILD_CHARS))
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
        for m in patterns[kind].finditer(text):
            lead = text[max(0, m.start() - 40):m.start()]
            bulk = BULK.search(lead)
            if bulk and TOOK.search(text, max(0, m.start() - 70), m.start()) and _unasked(text, m.start()) and not (
                    PAST.search(text, max(0, m.start() - WINDOW_CHARS), m.end() + WINDOW_CHARS)):
                return [RiskyIngestion("bulk", m.group(), m.start(), m.end())]
    return []


def _mixed_or_foraged(text: str) -> list[RiskyIngestion]:
    """An opioid with a sedative or drink and now hard to rouse; wild mushrooms eaten and now vomiting (told across
    sentences, which the red-flag patterns, read a sentence at a time, cannot join)."""
    found = []
    for m in OPIOIDS.finditer(text):
        lo, hi = max(0, m.start() - WINDOW_CHARS), min(len(text), m.end() + 2 * WINDOW_CHARS)
        signs = any(_unasked(text, x.start()) for x in OPIOID_SIGNS.finditer(text, m.end(), hi))
        if signs and SEDATIVES.search(text, lo, hi) and not PAST.search(text, lo, hi):
            found.append(RiskyIngestion("opioid_mix", m.group(), m.start(), m.end()))
            break
    for m in SLEEPING_DRUGS.finditer(text):
        lo, hi = max(0, m.start() - WINDOW_CHARS), min(len(text), m.end() + 2 * WINDOW_CHARS)
        signs = any(_unasked(text, x.start()) for x in OPIOID_SIGNS.finditer(text, m.end(), hi))
        if signs and DRINK.search(text, lo, hi) and DOUBLED.search(text, lo, hi) and not (
                PAST.search(text, lo, hi)):
            found.append(RiskyIngestion("sedative_mix", m.group(), m.start(), m.end()))
            break
    for m in WILD_MUSHROOMS.finditer(text):
        hi = min(len(text), m.end() + 2 * WINDOW_CHARS)
        if UNWELL.search(text, m.end(), hi) and not PAST.search(text, max(0, m.start() - WINDOW_CHARS), hi):
            found.append(RiskyIngestion("wild_mushrooms", m.group(), m.start(), m.end()))
            break
    return found
