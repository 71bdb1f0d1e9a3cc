"""Amounts taken, added up: a staggered or combined paracetamol overdose, and other medicines past a daily ceiling.

"2 paracetamol every 4 hours since 6am", "co-codamol 2 tabs 4 times a day plus 2 Lemsip Max", 必理通每次3片一天5次:
nothing in such a message is alarming word by word, and the writer usually feels fine — yet NHS and 国家卫生健康委员会
say more than 4 g of paracetamol in 24 hours (from one product or several, or over days) needs A&E now. The red-flag
patterns cannot add up; this module reads each medicine named (``data/dose_limits.toml``: products, what a unit holds,
the ingredients' 24-hour ceilings), the strength, units a dose, doses a day and a child's weight the message gives,
and sums each ingredient over the day (``dose_amounts`` reads one medicine's words; this module finds the medicines,
cuts the message into their words and adds up).

Linear and bounded: one pass of one pattern finds the medicines; each is read in a window of at most
``WINDOW_CHARS`` characters up to the next one.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from medchat.safety import dose_patterns as P
from medchat.safety.dose_amounts import Product, amount, number, said_amount, stated_total, tablet_strength

WINDOW_CHARS = 220  # how far after a medicine's name its amounts are read (up to the next medicine named)
LEAD_CHARS = 30  # and before it ("took 16 paracetamol", "3 x 500mg paracetamol")


@dataclass(frozen=True)
class _Limits:
    products: dict[str, Product]  # phrase -> product
    pattern: re.Pattern[str]
    adult: dict[str, float]
    adult_per_kg: dict[str, float]
    child: dict[str, float]
    light_adult: dict[str, float]  # an adult under ``LIGHT_ADULT_KG``, per kg


LIGHT_ADULT_KG = 50  # BNF doses paracetamol by weight below this
WITHIN_SHARE = 0.8  # "within a ceiling" means at most this share of it
MAX_UNITS = 8  # more tablets than this counted anywhere, and a total within the ceiling is not trusted


@cache
def _limits() -> _Limits:
    data = tomllib.loads(resources.files("medchat.safety").joinpath("data/dose_limits.toml").read_text("utf-8"))
    products: dict[str, Product] = {}
    for name, spec in data["products"].items():
        holds = {k: float(v) for k, v in spec.items() if k in data["ingredients"]}
        product = Product(name, bool(spec.get("per_ml")), holds)
        for phrase in spec["names"]:
            products[phrase.lower()] = product
    alternatives = "|".join(re.escape(p) for p in sorted(products, key=len, reverse=True))
    pattern = re.compile(r"(?<![a-z])(?:" + alternatives + r")(?:s|es)?(?![a-z])", re.I)
    return _Limits(products, pattern,
                   {k: float(v["adult_mg_per_day"]) for k, v in data["ingredients"].items()},
                   {k: float(v["adult_mg_per_kg_per_day"]) for k, v in data["ingredients"].items()
                    if "adult_mg_per_kg_per_day" in v},
                   {k: float(v["child_mg_per_kg_per_day"]) for k, v in data["ingredients"].items()
                    if "child_mg_per_kg_per_day" in v},
                   {k: float(v["light_adult_mg_per_kg_per_day"]) for k, v in data["ingredients"].items()
                    if "light_adult_mg_per_kg_per_day" in v})


@dataclass(frozen=True)
class Excess:
    """An ingredient taken past its 24-hour ceiling: how much, against what, and where the message says so."""

    ingredient: str
    mg_per_day: float
    ceiling: float
    per_kg: bool
    start: int
    end: int

    @property
    def reason(self) -> str:
        unit = " mg/kg" if self.per_kg else " mg"
        return f"{self.ingredient} about {self.mg_per_day:g}{unit} in a day, past {self.ceiling:g}{unit}"


def _product(limits: _Limits, name: str) -> Product:
    name = name.lower()
    return limits.products.get(name) or limits.products.get(name[:-1]) or limits.products[name[:-2]]


def _merged(mentions: list[re.Match[str]], text: str) -> list[re.Match[str]]:
    """The medicines named, less an ingredient named inside the product just before it ("cold & flu caps (500mg
    paracetamol each)", 感冒灵（每袋含0.2克对乙酰氨基酚）, "a Beechams (the powder says 1000mg paracetamol)"): that is
    what the product holds, not a second medicine."""
    kept: list[re.Match[str]] = []
    for mention in mentions:
        gap = text[kept[-1].end():mention.start()] if kept else ""
        inside = gap.rfind("(") > gap.rfind(")") or gap.rfind("（") > gap.rfind("）")
        if kept and (P.DESCRIBED.fullmatch(gap) or inside):
            continue
        kept.append(mention)
    return kept


def _sentence(text: str, start: int, end: int) -> tuple[int, str]:
    """Where the sentence holding ``text[start:end]`` starts, and the sentence (looked for within ``WINDOW_CHARS``
    either side, so a long message without full stops costs each medicine a bounded look)."""
    lo, hi = max(0, start - WINDOW_CHARS), min(len(text), end + WINDOW_CHARS)
    ends_before = [m.start() for m in P.SENTENCE_END.finditer(text, lo, start)]
    begin = ends_before[-1] + 1 if ends_before else lo
    stop = P.SENTENCE_END.search(text, end, hi)
    return begin, text[begin:(stop.start() if stop else hi) + 1]


@dataclass(frozen=True)
class _Totals:
    """What the message says was taken of each ingredient in a day, in mg; which ingredients had a medicine whose
    amount it does not say; and whose it is (a weight, a child)."""

    mg: dict[str, float]
    spans: dict[str, tuple[int, int]]
    unread: set[str]
    kg: float | None
    child: bool


def _totals(text: str) -> _Totals | None:
    """Each ingredient taken, added up over the day (None if no medicine is named as taken, or it was long ago)."""
    limits = _limits()
    lowered = text.lower().replace("×", "x")  # "2 × 500 mg" (same length: the spans still point into ``text``)
    mentions = _merged(list(limits.pattern.finditer(lowered)), lowered)
    if not mentions or P.PAST.search(lowered) or not P.TAKEN.search(lowered):
        return None
    totals: dict[str, float] = {}
    spans: dict[str, tuple[int, int]] = {}
    unread: set[str] = set()
    stated: dict[str, float] = {}
    for mention, window, lead in _readings(lowered, mentions):
        if (P.CONTAINS.search(lead) or P.QUESTIONED.match(window)) and not tablet_strength(window[:20]):
            continue  # "both contain paracetamol", 一共算下来对乙酰氨基酚多少: named again (not 每袋含…0.5克)
        begin, sentence = _sentence(lowered, mention.start(), mention.end())
        product = _product(limits, mention.group())
        if P.HYPOTHETICAL.search(lowered[begin:mention.start()] + window[:40]) or (
                sentence.endswith(("?", "？")) and not P.TAKEN.search(sentence)):
            unread.update(product.holds)  # not counted, and not known to be within a ceiling either
            continue  # "can I take 3 every 4 hours?"
        said = said_amount(window, lead)
        for ingredient in product.holds:
            if mg := amount(product, ingredient, window, lead):
                if len(product.holds) == 1 and mg == stated_total(lead + window):
                    stated[ingredient] = max(stated.get(ingredient, 0.0), mg)  # the day's, not this medicine's
                else:
                    totals[ingredient] = totals.get(ingredient, 0.0) + mg
                spans.setdefault(ingredient, mention.span())
            if not (mg and said):
                unread.add(ingredient)
    for ingredient, mg in stated.items():  # "… so 3g in total", 一共3650毫克: said once for every medicine before it
        totals[ingredient] = max(totals.get(ingredient, 0.0), mg)
    weight = P.WEIGHT.search(lowered)
    kg = (float(weight.group(1)) / (2 if weight.group(2) == "斤" else 1)) if weight else None
    return _Totals(totals, spans, unread, kg, bool(P.CHILD.search(lowered)))


def _ceilings(limits: _Limits, ingredient: str, kg: float | None, child: bool) -> list[tuple[float, bool]]:
    """The 24-hour ceilings of ``ingredient`` that hold for this person, each (value, per kg): a child's or an adult's
    per kg when a weight is given and the table has one; else an adult's, and a light adult's per kg beside it ("Mum is
    47 kg… 4 g a day from the home care team": within an adult's 4 g, past a light adult's limit)."""
    per_kg = limits.child if child else limits.adult_per_kg
    if kg and (not child or kg < 60) and ingredient in per_kg:
        return [(per_kg[ingredient], True)]
    ceilings = [(limits.adult[ingredient], False)]
    if kg and not child and kg < LIGHT_ADULT_KG and ingredient in limits.light_adult:
        ceilings.append((limits.light_adult[ingredient], True))
    return ceilings


def excesses(text: str) -> list[Excess]:
    """Every ingredient the message says was taken past its 24-hour ceiling (empty if none, or if the message only
    asks, or tells of something long past and treated)."""
    if (read := _totals(text)) is None:
        return []
    limits = _limits()
    out = []
    for ingredient, mg in read.mg.items():
        for ceiling, per_kg in _ceilings(limits, ingredient, read.kg, read.child):
            taken = mg / read.kg if per_kg and read.kg else mg
            if taken > ceiling:
                out.append(Excess(ingredient, round(taken, 1) if per_kg else round(taken), ceiling, per_kg,
                                  *read.spans[ingredient]))
                break
    return out


def within_ceiling(text: str, ingredient: str) -> bool:
    """The message says how much of every medicine holding ``ingredient`` was taken, and together that stays well
    within its 24-hour ceiling (a child's only with a weight): "a Lemsip (1000 mg) at 9 and two 500 mg paracetamol at
    3", 白加黑日片一次2片吃了2次，晚上夜片2片. Not when any of them is named without an amount, nor when the message
    counts more tablets at once than a day's ceiling allows (一共18片: a total the reading may have missed).

    "Well within": at most ``WITHIN_SHARE`` of the ceiling, a margin for what a reading of free text can miss."""
    read = _totals(text)
    if read is None or ingredient not in read.mg or ingredient in read.unread or (read.child and not read.kg):
        return False
    lowered = text.lower()
    if any((number(g) or 0) > MAX_UNITS for pattern in (P.UNITS_EN, P.UNITS_ZH, P.TAKEN_COUNT)
           for m in pattern.finditer(lowered) for g in m.groups()):
        return False
    if P.CONTAINER.search(lowered) or len({m.group(1) for m in P.VOLUME.finditer(lowered)}
                                          - {m.group(2) for m in P.CONCENTRATION.finditer(lowered)}) > 1:
        return False  # "two 100 ml bottles", "the chart says 2.5ml… I've given 5ml": which amount was taken is unsure
    mg = read.mg[ingredient]
    return all((mg / read.kg if per_kg and read.kg else mg) <= WITHIN_SHARE * ceiling
               for ceiling, per_kg in _ceilings(_limits(), ingredient, read.kg, read.child))


def _readings(text: str, mentions: list[re.Match[str]]) -> list[tuple[re.Match[str], str, str]]:
    """Each medicine named with the words that belong to it: its window (after the name, up to the next medicine's
    own words, at most ``WINDOW_CHARS``) and its lead (just before the name, back to a "plus", a comma...)."""
    leads = []
    for k, mention in enumerate(mentions):
        lead_from = max(mentions[k - 1].end() if k else 0, mention.start() - LEAD_CHARS)
        leads.append(P.LEAD_CUT.split(text[lead_from:mention.start()])[-1])
    out = []
    for k, mention in enumerate(mentions):
        end = mentions[k + 1].start() - len(leads[k + 1]) if k + 1 < len(mentions) else len(text)
        window = text[mention.end():min(end, mention.end() + WINDOW_CHARS)]
        if k + 1 < len(mentions) and not (P.TIMES.search(window) or P.EVERY.search(window)):
            # "calpol (120mg/5ml) 10ml and nurofen (100mg/5ml) 7.5ml… 6 times each": the count said once for both
            following = text[mentions[k + 1].end():mentions[k + 1].end() + WINDOW_CHARS]
            if (shared := P.SHARED.search(following)) is not None:
                stop = P.SENTENCE_END.search(following, shared.end())
                window += following[:stop.start() if stop else len(following)]
        lead = leads[k]
        # "Monday 6 tablets, Tuesday 10... All paracetamol"; "1g at 7.30, 1g at 10.30… Paracetamol"
        if len(mentions) == 1 and (P.DAY_COUNTS.search(text) or P.ZH_CLOCK_LIST.search(text)
                                   or len(P.DOSE_AT.findall(text)) >= 2 or len(P.ZH_DOSE_AT.findall(text)) >= 2
                                   or len(P.CLOCK_THEN_COUNT.findall(text)) >= 2):
            lead = text[max(0, mention.start() - WINDOW_CHARS):mention.start()]
        out.append((mention, window, lead))
    return out
