"""Amounts taken, added up: a staggered or combined paracetamol overdose, and other medicines past a daily ceiling.

"2 paracetamol every 4 hours since 6am", "co-codamol 2 tabs 4 times a day plus 2 Lemsip Max", 必理通每次3片一天5次:
nothing in such a message is alarming word by word, and the writer usually feels fine — yet NHS and 国家卫生健康委员会
say more than 4 g of paracetamol in 24 hours (from one product or several, or over days) needs A&E now. The red-flag
patterns cannot add up; this module reads each medicine named (``data/dose_limits.toml``: products, what a unit holds,
the ingredients' 24-hour ceilings), the strength, units a dose, doses a day and a child's weight the message gives,
and sums each ingredient over the day.

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

WINDOW_CHARS = 220  # how far after a medicine's name its amounts are read (up to the next medicine named)
LEAD_CHARS = 30  # and before it ("took 16 paracetamol", "3 x 500mg paracetamol")


@dataclass(frozen=True)
class Product:
    """A medicine as ``data/dose_limits.toml`` lists it."""

    name: str
    per_ml: bool
    holds: dict[str, float]  # ingredient -> mg per unit (per ml for a liquid)


@dataclass(frozen=True)
class _Limits:
    products: dict[str, Product]  # phrase -> product
    pattern: re.Pattern[str]
    adult: dict[str, float]
    adult_per_kg: dict[str, float]
    child: dict[str, float]
    light_adult: dict[str, float]  # an adult under ``LIGHT_ADULT_KG``, per kg


LIGHT_ADULT_KG = 50  # BNF doses paracetamol by weight below this


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


def _number(text: str | None) -> float | None:
    if not text:
        return None
    text = text.lower()
    if text in P.EN_NUMBERS:
        return float(P.EN_NUMBERS[text])
    try:
        return float(text)
    except ValueError:
        pass
    if all(c in P.ZH_DIGITS for c in text):
        if text == "半":
            return 0.5
        if "十" in text:
            head, _, tail = text.partition("十")
            return (P.ZH_DIGITS.get(head, 1) if head else 1) * 10 + (P.ZH_DIGITS.get(tail, 0) if tail else 0)
        return float(P.ZH_DIGITS[text[0]]) if len(text) == 1 else None
    return None


def _first(match: re.Match[str] | None) -> float | None:
    if match is None:
        return None
    for group in match.groups():
        value = _number(group)
        if value is not None:
            return value
    return None


def _largest(pattern: re.Pattern[str], text: str) -> float | None:
    values = [v for m in pattern.finditer(text) for g in m.groups() if (v := _number(g)) is not None]
    return max(values) if values else None


def _mg(value: float, unit: str) -> float:
    return value * 1000 if unit.lower() in ("g", "克") else value


def _amount(product: Product, ingredient: str, window: str, lead: str) -> float | None:
    """mg of ``ingredient`` a day from one medicine's ``window`` (``lead``: the words just before its name): what
    its amounts add up to, or the day's total the message states if that is more."""
    read = _read_amount(product, ingredient, window, lead)
    if len(product.holds) > 1:
        return read
    text = lead + window
    return max(read or 0.0, _stated_total(text) or 0.0, _clock_doses(text, product, ingredient)) or None


def _clock_doses(text: str, product: Product, ingredient: str) -> float:
    """Amounts given at clock times, added up: "1g at 7.30, 1g at 10.30, 1g at 1.30…", 9点吃了3片，12点3片, "6am two,
    9am two" (0 if fewer than two)."""
    if len(at := P.DOSE_AT.findall(text)) >= 2:
        return sum(_mg(float(n), unit) for n, unit in at)
    if len(units := P.ZH_DOSE_AT.findall(text)) >= 2 or len(units := P.CLOCK_THEN_COUNT.findall(text)) >= 2:
        stated = _tablet_strength(text)
        strength = _mg(float(stated.group(1)), stated.group(2)) if stated else product.holds[ingredient]
        return sum(_number(n) or 0.0 for n in units) * strength
    return 0.0


def _tablet_strength(*texts: str) -> re.Match[str] | None:
    """The first strength stated in ``texts`` (in order) that a tablet can hold: 1 g at most ("8 g" is a total)."""
    return next((m for text in texts for m in P.STRENGTH.finditer(text) if _mg(float(m.group(1)), m.group(2)) <= 1000),
                None)


def _stated_total(text: str) -> float | None:
    """A day's total said outright ("about 8 g yesterday", 每天吃大约6克), in mg, unless it is a limit."""
    for m in P.STATED_TOTAL.finditer(text):
        number, unit = next((m.group(i), m.group(i + 1)) for i in (1, 3, 5, 7) if m.group(i))
        if not _limit_before(text, m.start()):
            return _mg(float(number), "g" if unit.lower().startswith("g") or unit == "克" else unit)
    return None


def _over_days(text: str) -> float:
    """How many days a total was spread over ("in two days", "over the last day and a half"); 1 if not said."""
    if (m := P.OVER_DAYS.search(text)) is None:
        return 1.0
    return max(_number(m.group(1)) or 1.0, 1.0) + (0.5 if m.group(2) else 0.0)


def _read_amount(product: Product, ingredient: str, window: str, lead: str) -> float | None:
    text = lead + window
    per_unit = product.holds[ingredient]
    if ingredient == "iron" and (own := P.IRON.search(text)) is not None:
        per_unit = _first(own) or per_unit
    single = len(product.holds) == 1 and ingredient != "iron"
    stated = _tablet_strength(window, lead)
    bare = P.BARE_STRENGTH.search(window) or P.BARE_AFTER.match(window)
    slash = P.SLASH_STRENGTH.search(text)
    strength = (float(slash.group(2)) if slash and ingredient == "paracetamol" else
                _mg(float(stated.group(1)), stated.group(2)) if stated and single else
                float(bare.group(1)) if bare and single else per_unit)
    concentration = P.CONCENTRATION.search(text)
    reversed_zh = P.CONCENTRATION_ZH.search(text) if concentration is None else None  # 每毫升32毫克
    volume = next((float(m.group(1)) for m in (*P.VOLUME.finditer(window), *P.VOLUME.finditer(lead))
                   if concentration is None or m.start() != concentration.start(2)), None)
    if volume is not None and (product.per_ml or concentration or reversed_zh):
        if concentration is not None:
            dose = volume * float(concentration.group(1)) / float(concentration.group(2) or 1)
        elif reversed_zh is not None:
            dose = volume * float(reversed_zh.group(2)) / float(reversed_zh.group(1) or 1)
        else:
            dose = _mg(float(stated.group(1)), stated.group(2)) if stated and single else volume * per_unit
        return dose * _doses(window, lead)
    if (x := P.UNITS_X.search(window) or P.UNITS_X.search(lead)) is not None:  # "3 x 500mg", "2 x 500"
        # a dose ("paracetamol 2 x 500mg at 8, 12 and 4", "2 x 500mg paracetamol every 3 hours"), unless the times
        # that follow each have their own count ("3 x 500mg paracetamol (one at 9, one at 2, one at 8)")
        times = _doses(window, lead) if x.string is window or not P.UNITS_AT.search(window) else 1.0
        more = _first(P.MORE.search(window)) or 0
        return (float(x.group(1)) * times + more) * _mg(float(x.group(2)), x.group(3) or "mg")
    if (pack := P.LEAD_PACK.search(lead)) is not None:  # "finished a whole 32 pack of paracetamol in two days"
        return float(pack.group(1)) * strength / _over_days(window)
    units = _units(window, lead)
    if (total := _taken_total(window)) is not None and total > 2 * (units or 1):  # "max 8 a day. I've had 16"
        return total * strength * max([1.0, *_said(window)])
    if units is not None and units >= 100:  # "400 ibuprofen and 1000 paracetamol": milligrams, not tablets
        return units * _doses(window, lead) if single else None
    daily = _largest(P.DAY_COUNTS, text) or _first(_unlimited(P.DAILY_COUNT, text))
    missing = _first(P.MISSING.search(text))
    if daily is not None and daily > (units or 1) * 2:
        return (daily + (missing or 0)) * strength
    if missing is not None:
        return missing * strength + ((units or 1) * strength * _doses(window, lead) if P.TIMES.search(window) else 0)
    if units is None and stated is not None and single:
        return strength * _doses(window, lead)  # "paracetamol 1g four times a day": the stated amount is the dose
    more = _first(P.MORE.search(window)) or 0  # "8 x 500mg today plus 2 more"
    doses = _doses(window, lead)
    spread = _over_days(window) if doses == 1 else 1.0  # "about 24 paracetamol over the last day and a half"
    return ((units or 1) * doses + more) * strength / spread


def _unlimited(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """The first match of ``pattern`` that is not a limit ("max 8 a day", 一天最多4片)."""
    return next((m for m in pattern.finditer(text) if not _limit_before(text, m.start())), None)


def _limit_before(text: str, position: int) -> bool:
    return bool(P.LIMIT.search(text[max(0, position - 12):position]))


def _units(window: str, lead: str) -> float | None:
    """Units a dose: "2 tabs", "took 16", "had 8 of the", 一次2片, 吃了9片 (not a limit: 一天最多4片)."""
    if (m := P.UNITS_AT.search(window)) is not None:  # "one at 10am, one at 4pm": a dose at each time
        return _first(m)
    if (m := P.LEAD_UNITS.search(lead) or P.LEAD_UNITS_ZH.search(lead)) is not None:
        return _first(m)
    for pattern in (P.AT_A_TIME, P.UNITS_EN, P.UNITS_ZH, P.UNITS_EVERY):
        if (m := _unlimited(pattern, window)) is not None:
            return _largest(pattern, m.group())
    if P.ZH_CLOCK_LIST.search(lead) and (m := P.UNITS_ZH.search(lead[-24:])) is not None:
        return _first(m)  # 7点、10点、13点各给他吃了两片0.5克的 + name
    return None


def _taken_total(window: str) -> float | None:
    """A count taken that is the day's total, not a dose: "I've had 16 since this morning", "taken 12 today"."""
    if (m := _unlimited(P.TAKEN_COUNT, window)) is not None and (count := _largest(P.TAKEN_COUNT, m.group())):
        return count if count >= 5 else None
    return None


def _said(window: str) -> list[float]:
    """The counts of doses the window says ("4 times", 一天5次, "5 doses"), not a limit's."""
    return [v for m in P.TIMES.finditer(window) if (v := _first(m)) is not None and v <= 12
            and not _limit_before(window, m.start())]


def _doses(window: str, lead: str = "") -> float:
    """Doses in the day: a count said ("4 times", 一天5次, "5 doses"), else one from "every 4 hours" or the times
    listed ("at 8, 11, 2pm and 5"; "2 at breakfast, 2 at lunch"; 7点、10点、13点各; "07:00 x2, 09:00 x2")."""
    said = _said(window) or (_said(lead) if P.HAN.search(lead) else [])  # 一天给他吃4次 + name
    if said and max(said) > 1:
        return max(said)
    counts = [1.0, float(len(P.CLOCK_X.findall(window)))]
    if (m := P.ZH_CLOCK_LIST.search(lead + window)) is not None:
        counts.append(float(len(P.ZH_CLOCK.findall(m.group()))))
    if (m := P.CLOCK_LIST.search(window)) is not None:
        counts.append(float(len(P.CLOCK.findall(m.group(1)))))
    counts.append(float(len(P.AT_TIME.findall(window))))
    counts.append(float(len(P.AM_PM.findall(window))))
    if (m := P.EVERY.search(window)) is not None and (hours := _first(m)):
        counts.append(min(24 / hours, 12.0) if hours >= 1 else 1.0)
    return max(counts)


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


def excesses(text: str) -> list[Excess]:
    """Every ingredient the message says was taken past its 24-hour ceiling (empty if none, or if the message only
    asks, or tells of something long past and treated)."""
    limits = _limits()
    lowered = text.lower().replace("×", "x")  # "2 × 500 mg" (same length: the spans still point into ``text``)
    mentions = _merged(list(limits.pattern.finditer(lowered)), lowered)
    if not mentions or P.PAST.search(lowered) or not P.TAKEN.search(lowered):
        return []
    totals: dict[str, float] = {}
    spans: dict[str, tuple[int, int]] = {}
    for mention, window, lead in _readings(lowered, mentions):
        begin, sentence = _sentence(lowered, mention.start(), mention.end())
        if P.HYPOTHETICAL.search(lowered[begin:mention.start()] + window[:40]) or (
                sentence.endswith(("?", "？")) and not P.TAKEN.search(sentence)):
            continue  # "can I take 3 every 4 hours?"
        product = _product(limits, mention.group())
        for ingredient in product.holds:
            if mg := _amount(product, ingredient, window, lead):
                totals[ingredient] = totals.get(ingredient, 0.0) + mg
                spans.setdefault(ingredient, mention.span())
    weight = P.WEIGHT.search(lowered)
    kg = (float(weight.group(1)) / (2 if weight.group(2) == "斤" else 1)) if weight else None
    child = bool(P.CHILD.search(lowered))
    out = []
    for ingredient, mg in totals.items():
        per_kg = limits.child if child else limits.adult_per_kg
        if kg and (not child or kg < 60) and ingredient in per_kg:
            if mg / kg > per_kg[ingredient]:
                out.append(Excess(ingredient, round(mg / kg, 1), per_kg[ingredient], True, *spans[ingredient]))
        elif mg > limits.adult[ingredient]:
            out.append(Excess(ingredient, round(mg), limits.adult[ingredient], False, *spans[ingredient]))
        elif kg and not child and kg < LIGHT_ADULT_KG and mg / kg > limits.light_adult.get(ingredient, float("inf")):
            # "Mum is 47 kg… 4 g a day from the home care team": within an adult's 4 g, past a light adult's limit
            out.append(Excess(ingredient, round(mg / kg, 1), limits.light_adult[ingredient], True, *spans[ingredient]))
    return out


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
        lead = leads[k]
        # "Monday 6 tablets, Tuesday 10... All paracetamol"; "1g at 7.30, 1g at 10.30… Paracetamol"
        if len(mentions) == 1 and (P.DAY_COUNTS.search(text) or P.ZH_CLOCK_LIST.search(text)
                                   or len(P.DOSE_AT.findall(text)) >= 2 or len(P.ZH_DOSE_AT.findall(text)) >= 2
                                   or len(P.CLOCK_THEN_COUNT.findall(text)) >= 2):
            lead = text[max(0, mention.start() - WINDOW_CHARS):mention.start()]
        out.append((mention, window, lead))
    return out
