"""How much one medicine's words say was taken in a day, for ``safety.dose_totals``: its strength, units a dose, doses
a day, a liquid's volume, a total said outright (``dose_patterns`` holds the patterns).

Each reader gets a medicine's ``window`` (the words after its name, up to the next medicine's) and ``lead`` (just
before it): bounded, so a reading stays linear in the message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from medchat.safety import dose_patterns as P


@dataclass(frozen=True)
class Product:
    """A medicine as ``data/dose_limits.toml`` lists it."""

    name: str
    per_ml: bool
    holds: dict[str, float]  # ingredient -> mg per unit (per ml for a liquid)


def number(text: str | None) -> float | None:
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
        if len(text) == 2 and "半" not in text:  # 七八片, 三四次: the larger
            return float(max(P.ZH_DIGITS[c] for c in text))
        return float(P.ZH_DIGITS[text[0]]) if len(text) == 1 else None
    return None


def _first(match: re.Match[str] | None) -> float | None:
    if match is None:
        return None
    for group in match.groups():
        value = number(group)
        if value is not None:
            return value
    return None


def _largest(pattern: re.Pattern[str], text: str) -> float | None:
    values = [v for m in pattern.finditer(text) for g in m.groups() if (v := number(g)) is not None]
    return max(values) if values else None


def _mg(value: float, unit: str) -> float:
    return value * 1000 if unit.lower() in ("g", "克") else value


def amount(product: Product, ingredient: str, window: str, lead: str) -> float | None:
    """mg of ``ingredient`` a day from one medicine's ``window`` (``lead``: the words just before its name): what
    its amounts add up to, or the day's total the message states if that is more."""
    read = _read_amount(product, ingredient, window, lead)
    if len(product.holds) > 1:
        return read
    text = lead + window
    return max(read or 0.0, stated_total(text) or 0.0, _clock_doses(text, product, ingredient)) or None


def _clock_doses(text: str, product: Product, ingredient: str) -> float:
    """Amounts given at clock times, added up: "1g at 7.30, 1g at 10.30, 1g at 1.30…", 9点吃了3片，12点3片, "6am two,
    9am two" (0 if fewer than two)."""
    if len(at := P.DOSE_AT_LIST.findall(text)) >= 2:
        return sum(_mg(float(n), unit) * (1 + len(P.CLOCK.findall(more))) for n, unit, more in at)
    if len(units := P.ZH_DOSE_AT.findall(text)) >= 2 or len(units := P.CLOCK_THEN_COUNT.findall(text)) >= 2:
        stated = tablet_strength(text)
        strength = _mg(float(stated.group(1)), stated.group(2)) if stated else product.holds[ingredient]
        return sum(number(n) or 0.0 for n in units) * strength
    return 0.0


def tablet_strength(*texts: str) -> re.Match[str] | None:
    """The first strength stated in ``texts`` (in order) that a tablet can hold: 1 g at most ("8 g" is a total)."""
    return next((m for text in texts for m in P.STRENGTH.finditer(text) if _mg(float(m.group(1)), m.group(2)) <= 1000),
                None)


def stated_total(text: str) -> float | None:
    """A day's total said outright ("about 8 g yesterday", 每天吃大约6克), in mg, unless it is a limit."""
    for m in P.STATED_TOTAL.finditer(text):
        number, unit = next((m.group(i), m.group(i + 1)) for i in (1, 3, 5, 7) if m.group(i))
        if not limit_before(text, m.start()):
            return _mg(float(number), "g" if unit.lower().startswith("g") or unit == "克" else unit)
    return None


def _over_days(text: str) -> float:
    """How many days a total was spread over ("in two days", "over the last day and a half"); 1 if not said."""
    if (m := P.OVER_DAYS.search(text)) is None:
        return 1.0
    return max(number(m.group(1)) or 1.0, 1.0) + (0.5 if m.group(2) else 0.0)


def _read_amount(product: Product, ingredient: str, window: str, lead: str) -> float | None:
    text = lead + window
    per_unit = product.holds[ingredient]
    if ingredient == "iron" and (own := P.IRON.search(text)) is not None:
        per_unit = _first(own) or per_unit
    single = len(product.holds) == 1 and ingredient != "iron"
    stated = tablet_strength(window, lead)
    bare = P.BARE_STRENGTH.search(window) or P.BARE_AFTER.match(window)
    slash = P.SLASH_STRENGTH.search(text)
    strength = (float(slash.group(2)) if slash and ingredient == "paracetamol" else
                _mg(float(stated.group(1)), stated.group(2)) if stated and single else
                float(bare.group(1)) if bare and single else per_unit)
    # the medicine's own strength first: the lead may end in the one before it ("美林（20mg/ml）和泰诺林…")
    concentration = P.CONCENTRATION.search(window) or P.CONCENTRATION.search(lead)
    reversed_zh = None if concentration else P.CONCENTRATION_ZH.search(window) or P.CONCENTRATION_ZH.search(lead)
    volume = dose_volume(window, lead)
    if volume is not None and (product.per_ml or concentration or reversed_zh):
        if concentration is not None:
            dose = volume * float(concentration.group(1)) / float(concentration.group(2) or 1)
        elif reversed_zh is not None:
            dose = volume * float(reversed_zh.group(2)) / float(reversed_zh.group(1) or 1)
        else:
            dose = _mg(float(stated.group(1)), stated.group(2)) if stated and single else volume * per_unit
        return dose * doses_a_day(window, lead)
    if (x := P.UNITS_X.search(window) or P.UNITS_X.search(lead)) is not None:  # "3 x 500mg", "2 x 500"
        # a dose ("paracetamol 2 x 500mg at 8, 12 and 4", "2 x 500mg paracetamol every 3 hours"), unless the times
        # that follow each have their own count ("3 x 500mg paracetamol (one at 9, one at 2, one at 8)")
        times = doses_a_day(window, lead) if x.string is window or not P.UNITS_AT.search(window) else 1.0
        more = _first(P.MORE.search(window)) or 0
        return (float(x.group(1)) * times + more) * _mg(float(x.group(2)), x.group(3) or "mg")
    if (pack := P.LEAD_PACK.search(lead)) is not None:  # "finished a whole 32 pack of paracetamol in two days"
        return float(pack.group(1)) * strength / _over_days(window)
    units = units_a_dose(window, lead)
    if (total := taken_total(window)) is not None and total > 2 * (units or 1):  # "max 8 a day. I've had 16"
        return total * strength * max([1.0, *_said(window)])
    if units is not None and units >= 100:  # "400 ibuprofen and 1000 paracetamol": milligrams, not tablets
        return units * doses_a_day(window, lead) if single else None
    daily = _largest(P.DAY_COUNTS, text) or _first(unlimited(P.DAILY_COUNT, text))
    missing = _first(P.MISSING.search(text))
    if daily is not None and daily > (units or 1) * 2:
        return (daily + (missing or 0)) * strength
    if missing is not None:
        taken_with = (units or 1) * strength * doses_a_day(window, lead) if P.TIMES.search(window) else 0.0
        return missing * strength + taken_with
    if units is None and stated is not None and single:
        return strength * doses_a_day(window, lead)  # "paracetamol 1g four times a day": the stated amount is the dose
    more = _first(P.MORE.search(window)) or 0  # "8 x 500mg today plus 2 more"
    doses = doses_a_day(window, lead)
    spread = _over_days(window) if doses == 1 else 1.0  # "about 24 paracetamol over the last day and a half"
    return ((units or 1) * doses + more) * strength / spread


def dose_volume(window: str, lead: str) -> float | None:
    """The volume a dose ("20ml a go", "7.5ml calpol"), not the one inside a strength ("120mg/5ml"), a bottle's
    ("a 200ml bottle") or a limit's ("up to 10ml"); of several ("the chart says 2.5ml… I've been giving 5ml"), the
    largest: an amount over-read escalates, one under-read would not."""
    for part in (window, lead):
        strengths = [m.span() for pattern in (P.CONCENTRATION, P.CONCENTRATION_ZH) for m in pattern.finditer(part)]
        found = [float(m.group(1)) for m in P.VOLUME.finditer(part)
                 if not any(lo <= m.start() < hi for lo, hi in strengths) and not P.BOTTLE.match(part, m.end())
                 and not limit_before(part, m.start())]
        if found:
            return max(found)
    return None


def unlimited(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """The first match of ``pattern`` that is not a limit ("max 8 a day", 一天最多4片)."""
    return next((m for m in pattern.finditer(text) if not limit_before(text, m.start())), None)


def limit_before(text: str, position: int) -> bool:
    return bool(P.LIMIT.search(text[max(0, position - 12):position]))


def units_a_dose(window: str, lead: str) -> float | None:
    """Units a dose: "2 tabs", "took 16", "had 8 of the", 一次2片, 吃了9片 (not a limit: 一天最多4片)."""
    if (m := P.UNITS_AT.search(window)) is not None:  # "one at 10am, one at 4pm": a dose at each time
        return _first(m)
    if (m := P.LEAD_UNITS.search(lead) or P.LEAD_UNITS_ZH.search(lead)) is not None:
        return _first(m)
    for pattern in (P.AT_A_TIME, P.UNITS_EN, P.UNITS_ZH, P.UNITS_EVERY):
        if (m := unlimited(pattern, window)) is not None:
            return _largest(pattern, m.group())
    if P.ZH_CLOCK_LIST.search(lead) and (m := P.UNITS_ZH.search(lead[-24:])) is not None:
        return _first(m)  # 7点、10点、13点各给他吃了两片0.5克的 + name
    return None


def taken_total(window: str) -> float | None:
    """A count taken that is the day's total, not a dose: "I've had 16 since this morning", "taken 12 today"."""
    if (m := unlimited(P.TAKEN_COUNT, window)) is not None and (count := _largest(P.TAKEN_COUNT, m.group())):
        return count if count >= 5 else None
    return None


def _said(window: str) -> list[float]:
    """The counts of doses the window says ("4 times", 一天5次, "5 doses"), not a limit's."""
    return [v for m in P.TIMES.finditer(window) if (v := _first(m)) is not None and v <= 12
            and not limit_before(window, m.start())]


def doses_a_day(window: str, lead: str = "") -> float:
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


def said_amount(window: str, lead: str) -> bool:
    """The message says how much of this medicine was taken (a count, a volume, a total), not only that it was."""
    text = lead + window
    return bool(units_a_dose(window, lead) is not None or P.ONE.search(lead) or dose_volume(window, lead) is not None
                or P.UNITS_X.search(text) or stated_total(text) or P.LEAD_PACK.search(lead) or taken_total(window)
                or P.DAY_COUNTS.search(text) or unlimited(P.DAILY_COUNT, text))
