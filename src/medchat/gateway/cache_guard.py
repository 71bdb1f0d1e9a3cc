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
costs the paraphrases that change one content word ("helps" / "eases"): a miss, one model call (two changed spans
one shared word apart count as one place: "a salt substitute" / "sea salt"). The same content in another order costs
the same (``reordered``: "a flight after diving" / "diving after a flight"), and so does an action both name done by
someone else (``role_changed``: "for me to take my mother's diazepam" / "for my mother to take her diazepam", which
differ only in words no list holds). The rest is left to the embedding threshold.
"""

from __future__ import annotations

import difflib
import re
import tomllib
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources

KINDS = ("negation", "number", "unit", "drug", "age", "person", "pregnancy", "body_part", "side", "condition",
         "quality", "amount", "timing", "route", "procedure", "animal", "object", "food", "place", "aspect", "action",
         "name")
#: ``differences``' kind for a minimal pair: one place with a content word differs (``minimal_pair``)
EDIT = "edit"
#: ``differences``' kind for the same content words in another order (``reordered``)
ORDER = "order"
#: ``differences``' kind for an action both messages name done by another person in each (``role_changed``)
ROLE = "role"
MINIMAL_EDIT_TOKENS = 3  # the longest side (words, Chinese characters) of a minimal pair's place beside rewordings
_COUNTED = {"negation", "number"}  # how many times matters ("not … not", "2 tablets 2 times"); else which
# What the question asks about (dose, side effects...) and does (start, stop...): phrased so many ways that one side
# often names none, so these differ only when both name some ("side effects" / "dose"), not when one is silent; and
# how much: in one of them a manner of speaking ("a bit dizzy"), in both a fact ("a little alcohol" / "a lot").
_WHEN_BOTH = {"aspect", "action", "amount"}
# A capitalised word (or an acronym of 3+ letters) that does not open a sentence.
_NAME = re.compile(r"(?<![.!?:;\-—]\s)(?<![A-Za-z'])(?:[A-Z][a-z]{2,}|[A-Z]{3,})(?![A-Za-z])")
_DIGITS = re.compile(r"\d+(?:[.,]\d+)?")
_HAN = re.compile(r"[\u3400-\u9fff]")
_ZH_NUMERAL = re.compile(r"[零〇一二两三四五六七八九十百千万]+|半")
_NOT = re.compile(r"n't\b")
_CLITIC = re.compile(r"'(?:s|m|re|ve|ll|d)\b")  # "mother's", "I'm", "she's": the word itself is what counts
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
    if not out and role_changed(a, b, fa, fb):
        out.append(ROLE)
    return out


# Actions whose doer the answer turns on, and the words before one that name who does it (the person lists' one-word
# phrases too). Pronouns are [neutral] words, so no other check sees "for me to take" / "for my mother to take".
_ACTS = {"take", "use", "give", "have", "drink", "eat", "吃", "用", "服", "喝", "打", "涂"}
_DOERS = {"i": "self", "me": "self", "we": "self", "us": "self", "he": "other", "him": "other", "she": "other",
          "her": "other", "they": "other", "them": "other", "我": "self", "我们": "self", "他": "other", "她": "other",
          "他们": "other", "她们": "other"}
# "he", 他 — not "they" ("are they safe" is often the tablets), nor 他 inside a word (其他, 阿托伐他汀, 氯雷他定,
# 他克莫司).
_STRANGER = re.compile(r"\b(?:he|him|his|she|her|hers)\b|(?<![其吉利])他(?![汀定们莫人])|她(?!们)")
_ANTECEDENT = re.compile(r"\b(?:wom[ae]n|m[ae]n|child|children|kid|kids|baby|boy|girl|person|someone|somebody|patient|"
                         r"toddler|teen|teenager|friend|guy|lady|neighbou?r|colleague|partner)\b|孩子|小孩|宝宝|婴儿|老人|病人|患者|"
                         r"女性|男性|女人|男人|女孩|男孩|朋友|同事|家人|别人|对方|老公|老婆")
_DOER_REACH = 4  # words (Chinese characters) before the action searched for its doer


def role_changed(a: str, b: str, facts_a: Facts | None = None, facts_b: Facts | None = None) -> bool:
    """Whether an action each message names once is done by someone else in each: "is it safe for me to take my
    mother's diazepam" / "for my mother to take her diazepam", "can I use my daughter's EpiPen" / "can my daughter
    use my EpiPen", 我能吃我妈的药吗 / 我妈能吃我的药吗. The doer is the nearest person word within ``_DOER_REACH``
    before the action; an action named twice, or with no doer found on a side, is not compared. Two messages the same
    but for one pronoun that names someone else differ too (``_pronoun_swapped``)."""
    words_a, words_b = _words(a), _words(b)
    if _pronoun_swapped(words_a, words_b) or _stranger(a, facts_a) != _stranger(b, facts_b):
        return True
    left, right = _doers(words_a), _doers(words_b)
    return any(left[act] != right[act] for act in left.keys() & right.keys()
               if left[act] is not None and right[act] is not None)


def _pronoun_swapped(left: list[str], right: list[str]) -> bool:
    """The two messages' words are the same but one pronoun, and it names someone else (我老公在吃华法林，
    他膝盖疼… / …，我膝盖疼…: whose knee it is decides the interaction)."""
    if len(left) != len(right):
        return False
    changed = [(x, y) for x, y in zip(left, right, strict=True) if x != y]
    return (len(changed) == 1 and changed[0][0] in _DOERS and changed[0][1] in _DOERS
            and _DOERS[changed[0][0]] != _DOERS[changed[0][1]])


def _stranger(text: str, found: Facts | None = None) -> bool:
    """The message speaks of someone else by a pronoun only ("he", 他) and names nobody it could stand for:
    我对青霉素过敏，能吃… / 他对青霉素过敏，我能吃… ask about different people, while "my son… can he take" and
    "how would a woman know she has…" name theirs."""
    lowered = text.lower()
    if not _STRANGER.search(lowered):
        return False
    if _ANTECEDENT.search(lowered):
        return False
    found = facts(text) if found is None else found  # ``differences`` has them already
    return not (found["person"] or found["age"])


def _doers(words: list[str]) -> dict[str, str | None]:
    """Each action named once in a message's ``words`` with its doer (``None``: named more than once, or no doer
    found)."""
    stems = [_stem(w) for w in words]
    found: dict[str, str | None] = {}
    for k, stem in enumerate(stems):
        if stem in _ACTS:
            found[stem] = None if stem in found else _doer(words, k)
    return found


def _doer(words: list[str], k: int) -> str | None:
    """The person the words just before ``words[k]`` name (the nearest; for Chinese the longest phrase ending
    there)."""
    persons = _persons()
    for end in range(k - 1, max(k - 1 - _DOER_REACH, -1), -1):
        for start in range(max(end - 3, 0), end + 1):  # a Chinese person is a phrase of up to 4 characters
            piece = words[start:end + 1]
            phrase = "".join(piece) if all(_HAN.match(w) for w in piece) else " ".join(piece)
            if (who := _DOERS.get(phrase) or persons.get(phrase)) is not None:
                return who
    return None


@cache
def _persons() -> dict[str, str]:
    """Person phrases of both lists, each with its name (son, mother...)."""
    return {phrase: name for language in ("en", "zh") for phrase, meanings in _lexicon(language).meanings.items()
            for kind, name in meanings if kind == "person"}


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
    # ("with food" / "with meals"), and the words that differ in it.
    def holds_content(i1: int, i2: int, j1: int, j2: int) -> bool:
        return any(stem not in neutral for stem in (*left[i1:i2], *right[j1:j2]))

    places = [(words_a[i1:i2], words_b[j1:j2], words_a[max(i1 - 1, 0):i1], words_b[max(j1 - 1, 0):j1], content)
              for i1, i2, j1, j2, content in _places(matcher.get_opcodes(), holds_content)]
    content = [(x, y) for x, y, before_x, before_y, holds in places
               if holds and not _synonyms(x, y) and not (before_x and _synonyms(before_x + x, before_y + y))]
    if len(content) != 1:
        return False
    longest = max(len(content[0][0]), len(content[0][1]))
    shared = sum(block.size for block in matcher.get_matching_blocks())
    return longest <= MINIMAL_EDIT_TOKENS or (len(places) == 1 and shared >= 2 * longest)


def _places(opcodes: list[tuple[str, int, int, int, int]], holds_content: Callable[[int, int, int, int], bool]
            ) -> list[tuple[int, int, int, int, bool]]:
    """The spans where two word lists differ (``SequenceMatcher`` opcodes), each with whether it changes a content
    word; two content spans one shared word apart are one place: a phrase rewritten around a word it keeps ("a salt
    substitute" / "sea salt") is one change. (A neutral rewording beside a content change stays a place of its own.)"""
    spans: list[list] = []
    gap = None  # the size of the equal run since the last span
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            gap = i2 - i1
            continue
        content = holds_content(i1, i2, j1, j2)
        if spans and gap == 1 and content and spans[-1][4]:
            spans[-1][1], spans[-1][3] = i2, j2
        else:
            spans.append([i1, i2, j1, j2, content])
        gap = None
    return [(i1, i2, j1, j2, content) for i1, i2, j1, j2, content in spans]


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
    is "not", so "I'm not" and "isn't" hold the same word; other clitics go ("my mother's pills": mother, pill)."""
    text = _NOT.sub(" not", _normal(text).replace("can't", "can not").replace("won't", "will not"))
    text = _CLITIC.sub("", text)
    return [t for t in _TOKEN.findall(text) if not _DIGITS.fullmatch(t) and not _ZH_NUMERAL.fullmatch(t)]


def _stem(word: str) -> str:
    """A word without its commonest English endings, so an inflection is not a difference ("tablets" / "tablet")."""
    for ending in ("ing", "ed", "es", "s", "ly"):
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[:-len(ending)]
    return word
