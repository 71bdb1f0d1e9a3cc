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
message (a Chinese question may name a drug in English). The lists err towards more kinds, which costs only misses.

What no list names is caught by the shape of the pair instead (``minimal_pair``): two messages that differ in one
short place holding a content word ("… planning to get pregnant" / "… just found out I'm pregnant", 泼尼松 /
泼尼松龙, 毫米 / 厘米) differ in the point of the question, whatever that word is; a paraphrase rewords in more
places, or only in words that carry no fact (``[neutral]`` in the data files: "can I" / "is it ok to", 吗 / 呢). This
costs the paraphrases that change one content word ("helps" / "eases"): a miss, one model call. So does the same
content in another order (``reordered``: "a flight after diving" / "diving after a flight"). The rest is left to the
embedding threshold.
"""

from __future__ import annotations

import difflib
import re
import tomllib
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib import resources

KINDS = ("negation", "number", "unit", "drug", "age", "person", "pregnancy", "body_part", "side", "condition",
         "quality", "timing", "route", "procedure", "animal", "object", "food", "place", "aspect", "action", "name")
#: ``differences``' kind for a minimal pair: one place with a content word differs (``minimal_pair``)
EDIT = "edit"
#: ``differences``' kind for the same content words in another order (``reordered``)
ORDER = "order"
MINIMAL_EDIT_TOKENS = 3  # the longest side (words, Chinese characters) of a minimal pair's place beside rewordings
_COUNTED = {"negation", "number"}  # how many times matters ("not … not", "2 tablets 2 times"); else which
# What the question asks about (dose, side effects...) and does (start, stop...): phrased so many ways that one side
# often names none, so these differ only when both name some ("side effects" / "dose"), not when one is silent.
_WHEN_BOTH = {"aspect", "action"}
# A capitalised word (or an acronym of 3+ letters) that does not open a sentence.
_NAME = re.compile(r"(?<![.!?:;\-—]\s)(?<![A-Za-z'])(?:[A-Z][a-z]{2,}|[A-Z]{3,})(?![A-Za-z])")
_DIGITS = re.compile(r"\d+(?:[.,]\d+)?")
_HAN = re.compile(r"[\u3400-\u9fff]")
_ZH_NUMERAL = re.compile(r"[零〇一二两三四五六七八九十百千万]+|半")
_NOT = re.compile(r"n't\b")
_TOKEN = re.compile(r"[\u3400-\u9fff]|[a-z0-9][a-z0-9.]*")  # an English word or a number, or a Chinese character

Facts = dict[str, Counter[str]]


@dataclass(frozen=True)
class _Lexicon:
    pattern: re.Pattern[str]
    meanings: dict[str, tuple[tuple[str, str], ...]]  # phrase -> ((kind, name), ...); () for ignored phrases
    patterns: tuple[tuple[re.Pattern[str], str], ...]  # read after the phrases, in what they left: (pattern, kind)
    numbers: dict[str, float]
    chinese: bool
    neutral: frozenset[str]  # words (English, stemmed) or characters (Chinese) that carry no fact


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
    neutral = frozenset(_stem(w) for w in data.get("neutral", {}).get("words", []))
    return _Lexicon(re.compile(bounded.format(body)), {k: tuple(v) for k, v in meanings.items()}, patterns, numbers,
                    chinese, neutral)


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


def differences(a: str, b: str) -> list[str]:
    """The kinds whose names differ between two messages, and ``EDIT`` for a minimal pair (empty: they may share
    an answer)."""
    fa, fb = facts(a), facts(b)
    out = []
    for kind in KINDS:
        left, right = fa.get(kind, Counter()), fb.get(kind, Counter())
        if kind in _WHEN_BOTH and not (left and right):
            continue
        same = left == right if kind in _COUNTED else set(left) == set(right)
        if not same:
            out.append(kind)
    if not out and minimal_pair(a, b):
        out.append(EDIT)
    if not out and reordered(a, b):
        out.append(ORDER)
    return out


def reordered(a: str, b: str) -> bool:
    """Whether the two messages hold the same content words (neutral ones aside) in another order: who or what
    comes first, or does what to whom, changed ("fly the day after a tooth extraction" / "a tooth extraction the
    day after I fly"; 我妈 … 我 / 我 … 我妈). A paraphrase that only moves a clause is a miss with it: one model
    call."""
    left, right = _content(a), _content(b)
    return left != right and Counter(left) == Counter(right)


def _content(text: str) -> list[str]:
    neutral = _neutral()
    return [stem for stem in map(_stem, _words(text)) if stem not in neutral]


def minimal_pair(a: str, b: str) -> bool:
    """Whether two messages differ in one place that holds a content word, which is then what the second one asks
    differently, whether a list names the word or not. A place holds content unless it has only ``[neutral]``
    words or its two sides are one phrase the lists give the same names. The one place is either the only place
    the messages differ at all, within text they share at least twice over ("… planning to get pregnant" / "… just
    found out I'm pregnant"), or the only place with content, at most ``MINIMAL_EDIT_TOKENS`` words or characters a
    side, beside rewordings of neutral words ("can I" / "is it ok to"). Numbers are left to the facts."""
    words_a, words_b = _words(a), _words(b)
    left, right = [_stem(w) for w in words_a], [_stem(w) for w in words_b]
    neutral = _neutral()
    matcher = difflib.SequenceMatcher(a=left, b=right, autojunk=False)
    # Each place with the word before it (the same on both sides), so a phrase the lists know whole is read whole
    # ("with food" / "with meals").
    places = [(words_a[i1:i2], words_b[j1:j2], words_a[max(i1 - 1, 0):i1], words_b[max(j1 - 1, 0):j1])
              for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]
    content = [(x, y) for x, y, before_x, before_y in places
               if any(_stem(t) not in neutral for t in (*x, *y))
               and not _synonyms(x, y) and not (before_x and _synonyms(before_x + x, before_y + y))]
    if len(content) != 1:
        return False
    longest = max(len(content[0][0]), len(content[0][1]))
    shared = sum(block.size for block in matcher.get_matching_blocks())
    return longest <= MINIMAL_EDIT_TOKENS or (len(places) == 1 and shared >= 2 * longest)


def _synonyms(left: list[str], right: list[str]) -> bool:
    """Whether both sides of a place, less their neutral words, are each one phrase of the lists with the same
    names ("while pregnant" / "during pregnancy", "food" / "meals", 疼 / 痛): a paraphrase the lists know. Only
    whole phrases: a character a phrase happens to hold (肚 of 肚脐) says nothing about the rest."""
    names = [_phrase(side) for side in (left, right)]
    return bool(names[0]) and names[0] == names[1]


def _phrase(words: list[str]) -> frozenset[tuple[str, str]]:
    """The names the lists give ``words`` as one phrase, whole or less its neutral words; empty if no list has it."""
    neutral = _neutral()
    chinese = any(_HAN.match(w) for w in words)
    lexicon, joiner = _lexicon("zh" if chinese else "en"), "" if chinese else " "
    whole = lexicon.meanings.get(joiner.join(words))  # "with food" is a phrase; so is "pregnant", without "while"
    return frozenset(whole or lexicon.meanings.get(joiner.join(w for w in words if _stem(w) not in neutral), ()))


@cache
def _neutral() -> frozenset[str]:
    return _lexicon("en").neutral | _lexicon("zh").neutral


def _words(text: str) -> list[str]:
    """English words and Chinese characters, in order; not numbers (the facts compare them). A negation's "n't"
    is "not", so "I'm not" and "isn't" hold the same word."""
    text = _NOT.sub(" not", _normal(text).replace("can't", "can not").replace("won't", "will not"))
    return [t for t in _TOKEN.findall(text) if not _DIGITS.fullmatch(t) and not _ZH_NUMERAL.fullmatch(t)]


def _stem(word: str) -> str:
    """A word without its commonest English endings, so an inflection is not a difference ("tablets" / "tablet")."""
    for ending in ("ing", "ed", "es", "s", "ly"):
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[:-len(ending)]
    return word
