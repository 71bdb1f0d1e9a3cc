"""The rules' work grows linearly with a message, counted rather than timed: how many pattern scans a check makes
and how many characters each reads, for a 2,000- and a 200,000-character message."""

from __future__ import annotations

import re

import pytest

from medchat.safety import injection, triage

try:  # the parser behind re.compile (renamed in Python 3.11)
    import re._constants as sre_constants
    import re._parser as sre_parse
except ImportError:  # pragma: no cover
    import sre_constants  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

EN = "My chest has felt tight on and off this week. Last year my dad had a stroke; I worry about it. "
ZH = "这一周我的胸口时不时发紧。去年我爸爸中风过，我很担心。"
NAMES = {injection: ("_EN", "_ZH"), triage: ("EN_RED_FLAGS", "ZH_RED_FLAGS")}  # the tables each module reads
TABLES = {module: {table: getattr(module, table) for table in names} for module, names in NAMES.items()}


class Counting:
    """A compiled pattern that counts its scans and the characters they were given."""

    def __init__(self, pattern: re.Pattern[str], tally: dict[str, int]) -> None:
        self.pattern, self.tally = pattern, tally

    def _count(self, text: str) -> None:
        self.tally["scans"] += 1
        self.tally["chars"] += len(text)
        self.tally["longest"] = max(self.tally["longest"], len(text))

    def search(self, text: str):
        self._count(text)
        return self.pattern.search(text)

    def finditer(self, text: str):
        self._count(text)
        return self.pattern.finditer(text)


def _injection_work(monkeypatch, text: str) -> dict[str, int]:
    tally = {"scans": 0, "chars": 0, "longest": 0}
    for table in ("_EN", "_ZH"):
        counted = [(family, weight, Counting(p, tally)) for family, weight, p in TABLES[injection][table]]
        monkeypatch.setattr(injection, table, counted)
    injection.score_injection(text, use_classifier=False)
    return tally


def _triage_work(monkeypatch, text: str) -> dict[str, int]:
    tally = {"scans": 0, "chars": 0, "longest": 0}
    for table in NAMES[triage]:
        counted = {c: [Counting(p, tally) for p in patterns] for c, patterns in TABLES[triage][table].items()}
        monkeypatch.setattr(triage, table, counted)
    triage.assess(text, use_classifier=False)
    return tally


@pytest.mark.parametrize("unit", [EN, ZH, EN + ZH])
def test_injection_rules_scan_a_200k_message_as_often_as_a_short_one(monkeypatch, unit):
    short = _injection_work(monkeypatch, (unit * 100)[:2_000])
    long = _injection_work(monkeypatch, (unit * 10_000)[:200_000])
    assert long["scans"] == short["scans"]  # a fixed number of patterns over a fixed number of variants
    assert long["longest"] <= 200_000 and long["chars"] <= short["scans"] * 200_000


@pytest.mark.parametrize("unit", [EN, ZH])
def test_triage_rules_read_a_200k_message_a_bounded_number_of_times(monkeypatch, unit):
    short = _triage_work(monkeypatch, (unit * 100)[:2_000])
    long = _triage_work(monkeypatch, (unit * 10_000)[:200_000])
    per_char_short, per_char_long = short["chars"] / 2_000, long["chars"] / 200_000
    assert per_char_long <= per_char_short * 1.1  # linear: each character is read by the same number of scans
    assert per_char_long <= sum(map(len, (*triage.EN_RED_FLAGS.values(), *triage.ZH_RED_FLAGS.values())))


def _requires(items, wanted) -> bool:
    """Every string the parsed pattern ``items`` matches holds a character for which ``wanted`` is true."""
    c = sre_constants
    for op, av in items:
        if op is c.LITERAL and wanted(av):
            return True
        if op is c.IN and av and av[0][0] is not c.NEGATE and all(
                (o is c.LITERAL and wanted(a)) or (o is c.RANGE and all(map(wanted, range(a[0], a[1] + 1))))
                for o, a in av):
            return True
        if op is c.SUBPATTERN and _requires(av[-1], wanted):
            return True
        if op in (c.MAX_REPEAT, c.MIN_REPEAT) and av[0] >= 1 and _requires(av[2], wanted):
            return True
        if op is c.BRANCH and all(_requires(branch, wanted) for branch in av[1]):
            return True
    return False


def _latin(code: int) -> bool:
    return chr(code).isascii() and chr(code).isalpha()


def _han(code: int) -> bool:
    return 0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF


def test_every_pattern_holds_a_character_of_its_script():
    """What lets the checks skip a table on text without its script (triage per sentence, injection per text):
    an English pattern cannot match without a Latin letter, a Chinese one without a Han character."""
    tables = [(f"triage {c}", p, _latin) for c, ps in triage.EN_RED_FLAGS.items() for p in ps]
    tables += [(f"triage {c}", p, _han) for c, ps in triage.ZH_RED_FLAGS.items() for p in ps]
    tables += [(f"injection {f}", p, _latin) for f, _, p in injection._EN]
    tables += [(f"injection {f}", p, _han) for f, _, p in injection._ZH]
    missing = [f"{name}: {p.pattern[:60]}" for name, p, wanted in tables
               if not _requires(sre_parse.parse(p.pattern, p.flags), wanted)]
    assert missing == []
    assert _requires(sre_parse.parse("(?:chest|heart) pain"), _latin)
    assert not _requires(sre_parse.parse(r"chest|\d+"), _latin) and not _requires(sre_parse.parse("[^a]x?"), _latin)
