"""May two user messages share one cached answer? Only when no fact a medical answer turns on differs.

Embedding similarity alone cannot tell "can my son take ibuprofen" from "can my father take ibuprofen", or
"500 mg" from "50 mg": such pairs sit above any useful cosine threshold. So the semantic cache asks this module
as well: each message is read into ``Facts`` — per kind (negation, numbers, units, drugs, ages, persons,
pregnancy/breastfeeding, body parts and side, conditions, quality (sudden, severe, colours), timing, route/form,
procedures, animals, objects, foods, places, the question's aspect and action, and capitalised names no list
explains), the canonical names its words map to — and two messages may share an answer only when every kind
finds the same names in both. A paraphrase keeps its facts ("tummy ache" / "stomach pain": abdomen + pain); a
changed fact shows as a differing kind.

The word lists are data (``data/cache_guard_en.toml``, ``cache_guard_zh.toml``); both are read over every
message (a Chinese question may name a drug in English). What no list names is left to the embedding threshold,
so a missed difference costs a false hit: the lists err towards more kinds, which costs only misses.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib import resources

KINDS = ("negation", "number", "unit", "drug", "age", "person", "pregnancy", "body_part", "side", "condition",
         "quality", "timing", "route", "procedure", "animal", "object", "food", "place", "aspect", "action", "name")
_COUNTED = {"negation", "number"}  # how many times matters ("not … not", "2 tablets 2 times"); else which
# What the question asks about (dose, side effects...) and does (start, stop...): phrased so many ways that one side
# often names none, so these differ only when both name some ("side effects" / "dose"), not when one is silent.
_WHEN_BOTH = {"aspect", "action"}
# A capitalised word (or an acronym of 3+ letters) that does not open a sentence.
_NAME = re.compile(r"(?<![.!?:;\-—]\s)(?<![A-Za-z'])(?:[A-Z][a-z]{2,}|[A-Z]{3,})(?![A-Za-z])")
_DIGITS = re.compile(r"\d+(?:[.,]\d+)?")
_HAN = re.compile(r"[\u3400-\u9fff]")
_ZH_NUMERAL = re.compile(r"[零〇一二两三四五六七八九十百千万]+|半")

Facts = dict[str, Counter[str]]


@dataclass(frozen=True)
class _Lexicon:
    pattern: re.Pattern[str]
    meanings: dict[str, tuple[tuple[str, str], ...]]  # phrase -> ((kind, name), ...); () for ignored phrases
    patterns: tuple[tuple[re.Pattern[str], str], ...]  # read after the phrases, in what they left: (pattern, kind)
    numbers: dict[str, float]
    chinese: bool


@cache
def _lexicon(language: str) -> _Lexicon:
    data = tomllib.loads(resources.files("medchat.gateway").joinpath(f"data/cache_guard_{language}.toml")
                         .read_text(encoding="utf-8"))
    chinese = language == "zh"
    unknown = (set(data["kinds"]) | set(data.get("patterns", {}))) - set(KINDS)
    if unknown:
        raise ValueError(f"cache_guard_{language}.toml: unknown kinds {sorted(unknown)}; add them to KINDS")
    meanings: dict[str, list[tuple[str, str]]] = {}
    for phrase in data.get("ignore", {}).get("phrases", []):
        meanings.setdefault(_normal(phrase), [])
    for kind, names in data["kinds"].items():
        for name, phrases in names.items():
            for phrase in phrases:
                if chinese and not _HAN.search(phrase):
                    continue  # matched without word boundaries, "ml" would be found in "html": the English list has it
                found = meanings.setdefault(_normal(phrase), [])
                if (kind, name) not in found:
                    found.append((kind, name))
    numbers = {_normal(word): float(value) for word, value in data.get("number_words", {}).items()}
    if not chinese:
        for word, value in numbers.items():
            meanings.setdefault(word, []).append(("number", _number(value)))
    body = "|".join(re.escape(p) for p in sorted(meanings, key=len, reverse=True))
    bounded = "{}" if chinese else "(?<![a-z])(?:{})(?![a-z])"
    patterns = tuple((re.compile(bounded.format(rx)), kind)
                     for kind, rxs in data.get("patterns", {}).items() for rx in rxs)
    return _Lexicon(re.compile(bounded.format(body)), {k: tuple(v) for k, v in meanings.items()}, patterns, numbers,
                    chinese)


def _normal(text: str, *, lower: bool = True) -> str:
    """NFKC (full-width digits and letters), lowercase, one kind of apostrophe and hyphen, single spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = text.lower() if lower else text
    text = text.replace("’", "'").replace("‘", "'").replace("‐", "-").replace("–", "-")
    return re.sub(r"\s+", " ", text).strip()


def _number(value: float) -> str:
    return f"{value:g}"


def _zh_number(run: str, numbers: dict[str, float]) -> float:
    """A run of Chinese numerals as a value: 三 3, 十五 15, 二十 20, 一百零五 105, 两 2, 半 0.5."""
    if run == "半":
        return 0.5
    total = section = number = 0.0
    for char in run:
        value = numbers.get(char, 0.0)
        if value == 10_000:
            total += (section + number) * 10_000
            section = number = 0.0
        elif value >= 10:
            section += (number or 1) * value
            number = 0.0
        else:
            number = number * 10 + value
    return total + section + number


def facts(text: str) -> Facts:
    """The canonical names ``text`` mentions, per kind (counted for negation and numbers); ``name``: capitalised
    English words no list explains, not opening a sentence (a brand, a place: "Kenya" / "Canada")."""
    cased = _normal(text, lower=False)
    text = cased.lower()
    found: Facts = {kind: Counter() for kind in KINDS}
    masked = list(text)
    for language in ("en", "zh"):
        lexicon = _lexicon(language)
        for match in lexicon.pattern.finditer(text):
            for kind, name in lexicon.meanings[match.group()]:
                found[kind][name] += 1
            masked[match.start():match.end()] = " " * (match.end() - match.start())
        for pattern, kind in lexicon.patterns:  # an unlisted drug by its stem (…profen, …沙星), a contraction
            for match in pattern.finditer("".join(masked)):
                found[kind]["not" if kind == "negation" else match.group()] += 1
                masked[match.start():match.end()] = " " * (match.end() - match.start())
        if lexicon.chinese:
            rest = "".join(masked)
            for match in _ZH_NUMERAL.finditer(rest):
                found["number"][_number(_zh_number(match.group(), lexicon.numbers))] += 1
    rest = "".join(masked)
    for match in _DIGITS.finditer(rest):  # not the digits of a named thing (vitamin b12, covid-19)
        found["number"][_number(float(match.group().replace(",", "")))] += 1
    if len(cased) == len(text):  # lowercasing kept the positions (it does for every script but a few letters)
        for match in _NAME.finditer(cased):
            if match.start() and rest[match.start():match.end()] == text[match.start():match.end()]:  # unlisted
                found["name"][match.group().lower()] += 1
    return found


def differences(a: Facts | str, b: Facts | str) -> list[str]:
    """The kinds whose names differ between two messages (empty: they may share an answer)."""
    fa = facts(a) if isinstance(a, str) else a
    fb = facts(b) if isinstance(b, str) else b
    out = []
    for kind in KINDS:
        left, right = fa.get(kind, Counter()), fb.get(kind, Counter())
        if kind in _WHEN_BOTH and not (left and right):
            continue
        same = left == right if kind in _COUNTED else set(left) == set(right)
        if not same:
            out.append(kind)
    return out
