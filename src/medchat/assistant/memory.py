"""Conversation memory within a token budget: the newest turns that fit, and a note of what the dropped ones held.

Dropping the oldest turns alone would let a long conversation forget what a clinician must not: the user's
age, a pregnancy, an allergy, the medicines they take. So the user sentences of the dropped turns that state
such facts (cue lists in English and Chinese: age, sex, pregnancy, allergies, medicines and doses, long-term
conditions, past events such as a stroke or surgery, symptoms with their durations) are kept, quoted word for
word, in conversation order, as a labelled note at the head of the prompt's first user turn. Extractive and
model-free: a few regular expressions per sentence (~0.2 ms for a 40-word message), cached per message, so a
turn pays only for the message it newly drops, and it works offline. It quotes the user only (never the
assistant), and only what it is given: the pipeline hands it the history already redacted for the model, so no
personal data reaches the note that the turns did not carry.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from medchat.knowledge.chunking import count_tokens, split_sentences
from medchat.types import Message

MESSAGE_OVERHEAD = 4  # role markers and separators, per message
NOTE_HEADING = {"en": "[Earlier in this conversation, in turns no longer shown, the user said:",
                "zh": "[此前对话中（已不在上文）用户提到："}
NOTE_END = "]"
_LONG_SENTENCE = 40  # tokens: above this, only the clauses that carry a fact are quoted

# -- what counts as a fact worth keeping, and how much it matters when the note must be cut --------------------
_DURATION_EN = (r"\bfor\s+(?:(?:the\s+)?(?:past|last)\s+)?(?:about\s+|over\s+|almost\s+|nearly\s+|around\s+)?"
                r"(?:\d+(?:\.\d+)?|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a\s+few|few|"
                r"a\s+couple\s+of|couple\s+of|several|many)\s*-?\s*(?:hours?|days?|nights?|weeks?|months?|years?|yrs?)\b"
                r"|\bsince\s+(?:yesterday|last\s+\w+|this\s+morning|the\s+weekend|monday|tuesday|wednesday|thursday|"
                r"friday|saturday|sunday|january|february|march|april|may|june|july|august|september|october|"
                r"november|december|\d|i\s+was|she\s+was|he\s+was|birth)"
                r"|\b(?:\d+|an?|one|two|three|four|five|six|a\s+few|a\s+couple\s+of)\s+(?:hours?|days?|weeks?|months?|years?)"
                r"\s+ago\b|\b(?:on\s+and\s+off|every\s+(?:day|night|morning)|all\s+(?:day|night|week))\b")
_DURATION_ZH = (r"(?:\d+|[一二三四五六七八九十两几半]+|好几|十几|二十几)\s*(?:个)?多?"
                r"(?:小时|钟头|天|日|晚|夜|周|星期|礼拜|月|年)|最近|这几天|这两天|这段时间|昨天|前天|上周|从.{0,8}?(?:开始|起)|以来|一直|反复")
_SYMPTOM_EN = (r"\b(?:pain\w*|ache|aches|aching|sore|cough\w*|fever\w*|temperature|headaches?|migraines?|rash\w*|"
               r"vomit\w*|throwing\s+up|diarrh\w*|nausea|nauseous|dizz\w*|faint\w*|breathless\w*|short(?:ness)?\s+of\s+breath|"
               r"wheez\w*|bleed\w*|blood\s+in|swell\w*|swollen|itch\w*|fatigue\w*|tired|exhaust\w*|insomnia|"
               r"can'?t\s+sleep|numb\w*|tingl\w*|palpitations?|tight\w*|constipat\w*|lump|discharge|weight\s+loss|"
               r"lost\s+weight|cramp\w*|spotting|burning|stiff\w*|weak\w*|confus\w*|runny\s+nose|congest\w*|sneez\w*|"
               r"chills|sweats|heartburn|reflux|indigestion|bloat\w*|low\s+mood|panic\w*|symptoms?)\b")
_SYMPTOM_ZH = (r"疼|痛|咳|发烧|发热|烧到|体温|头晕|晕|恶心|呕吐|想吐|吐了|腹泻|拉肚子|拉稀|皮疹|疹子|痒|"
               r"出血|流血|便血|肿|乏力|没劲|累|失眠|睡不着|胸闷|气短|喘|呼吸困难|便秘|心慌|心悸|麻木|发麻|抽筋|流鼻涕|鼻塞|打喷嚏|嗓子|喉咙|腹胀|胀气|"
               r"反酸|烧心|盗汗|消瘦|体重下降|水肿|尿频|尿急|尿痛|分泌物|症状")
# Drug stems by their ending (ramipril, losartan, atorvastatin...): checked per word in Python, far cheaper than
# a regular expression trying every ending at every letter.
_DRUG_ENDINGS = ("pril", "sartan", "olol", "statin", "formin", "thyroxine", "prazole", "oxetine", "cillin",
                 "mycin", "floxacin", "cycline", "conazole", "semide", "thiazide", "parin", "xaban", "gatran",
                 "lukast", "buterol", "olone", "isone", "afil", "tidine", "triptan", "zepam", "zolam", "codone",
                 "dipine", "gliptin", "gliflozin", "glutide", "profen", "opram", "aline", "pramine", "tyline")
_LATIN_WORD = re.compile(r"[a-z]{7,}")  # an ending above on a stem of three letters or more
_DRUG_EN = (r"\b(?:aspirin|paracetamol|acetaminophen|naproxen|warfarin|insulin|levothyroxine|thyroxine|sertraline|"
            r"gabapentin|pregabalin|tramadol|codeine|morphine|methotrexate|lithium|digoxin|clopidogrel|salbutamol|albuterol|ventolin|seretide|"
            r"symbicort|epipen|contraceptives?|hrt|antibiotics?|antidepressants?|steroids?|blood\s+thinners?|"
            r"iron\s+tablets|folic\s+acid|vitamin\s+[a-z]\d*)\b")
_DOSE = (r"\b\d+(?:\.\d+)?\s?(?:mg|mcg|µg|μg|ug|micrograms?|milligrams?|g|ml|iu|units?|puffs?|tablets?|pills?)\b"
         r"|\b(?:once|twice|three\s+times)\s+(?:a|per)\s+day\b|\b(?:once|twice)\s+daily\b")
MEDICINE_WEIGHT, SYMPTOM_WEIGHT = 5, 3  # a symptom counts with its duration only: both must be in the sentence
_CATEGORIES: tuple[tuple[str, int, re.Pattern[str]], ...] = tuple(
    (name, weight, re.compile(pattern)) for name, weight, pattern in (
        ("allergy", 6, r"allerg|anaphyla|intoleran|\breaction\s+to\b|过敏"),
        ("pregnancy", 6, r"pregnan|trimester|\bweeks?\s+(?:along|gestation)|gestational|breast-?feed|breastfed|"
                         r"postpartum|post-partum|postnatal|gave\s+birth|trying\s+to\s+conceive|\bivf\b|due\s+date|"
                         r"expecting\s+(?:a\s+baby|twins)|怀孕|怀了|怀着|孕\d|孕[一二三四五六七八九十两]|孕期|孕早|孕中|孕晚|"
                         r"孕妇|妊娠|备孕|哺乳|喂奶|母乳|产后|坐月子|试管"),
        ("medicine", MEDICINE_WEIGHT, rf"{_DRUG_EN}|{_DOSE}|\b(?:medications?|medicines?|meds|inhalers?|injections?|"
                        r"prescription|prescribed|dose|dosage)\b|服用|在吃|吃着|一直吃|长期吃|每天吃|正在用|用药|药物|[吃服用打].{0,8}?药|"
                        r"胰岛素|\d+(?:\.\d+)?\s*(?:毫克|微克|克|片|粒|单位|毫升|支)|阿司匹林|二甲双胍|优甲乐|左甲状腺素|"
                        r"华法林|布洛芬|对乙酰氨基酚|他汀|避孕药|激素|抗生素|头孢|阿莫西林"),
        ("condition", 5, r"\b(?:diagnosed|diagnosis|history\s+of|chronic|diabet\w*|asthma\w*|copd|emphysema|"
                         r"hypertension|high\s+blood\s+pressure|low\s+blood\s+pressure|heart\s+(?:failure|disease|"
                         r"condition)|atrial\s+fibrillation|a-?fib|angina|epilep\w*|seizures|kidney\s+disease|ckd|"
                         r"liver\s+disease|cirrhosis|hepatitis|hiv|cancer|leuka?emia|lymphoma|tumou?r|depression|"
                         r"anxiety|bipolar|schizophreni\w*|adhd|autism|autistic|arthritis|lupus|crohn'?s|colitis|ibs|"
                         r"coeliac|celiac|hypothyroid\w*|hyperthyroid\w*|thyroid|hashimoto'?s|graves'?|glaucoma|"
                         r"osteoporosis|dementia|alzheimer'?s|parkinson'?s|multiple\s+sclerosis|sickle\s+cell|"
                         r"thalassa?emia|ana?emi[ac]|g6pd|ha?emophilia|pcos|endometriosis|gout|psoriasis|eczema|"
                         r"sleep\s+apno?ea|high\s+cholesterol|pacemaker|immunosuppress\w*|dvt)\b"
                         r"|患有|确诊|诊断|得了|病史|慢性|糖尿病|高血压|低血压|哮喘|心脏病|冠心病|房颤|心衰|心力衰竭|肾病|肾衰|"
                         r"肾功能|癫痫|甲亢|甲减|甲状腺|肝炎|乙肝|丙肝|肝硬化|癌|肿瘤|白血病|淋巴瘤|抑郁|焦虑|双相|精神分裂|"
                         r"痛风|关节炎|红斑狼疮|帕金森|痴呆|阿尔茨海默|贫血|血友病|蚕豆病|多囊|子宫内膜异位|银屑病|湿疹|"
                         r"慢阻肺|肺气肿|高血脂|血脂高|心律不齐|起搏器"),
        ("event", 4, r"\b(?:stroke|mini-stroke|heart\s+attack|tia|surgery|operation|operated|bypass|stent|c-section|"
                     r"ca?esarean|hysterectomy|mastectomy|appendectomy|chemo\w*|radiotherapy|radiation\s+therapy|"
                     r"hospitali[sz]ed|admitted|intensive\s+care|blood\s+clot|pulmonary\s+embolism|miscarriage|"
                     r"fracture\w*|broke\s+(?:my|his|her)|concussion|transplant\w*|transfusion)\b"
                     r"|手术|开刀|中风|脑梗|脑卒中|脑出血|心梗|心肌梗|搭桥|支架|住院|住过院|化疗|放疗|剖腹产|剖宫产|顺产|流产|"
                     r"移植|骨折|输血|重症监护|血栓"),
        ("age", 4, r"\b\d{1,3}\s*-?\s*(?:years?|yrs?|y)\s*-?\s*old\b|\b\d{1,3}\s*(?:yo|y/o|y\.o\.)(?!\w)"
                   r"|\b(?:i'?m|i\s+am|she'?s|she\s+is|he'?s|he\s+is|aged?)\s*:?\s*\d{1,3}\b(?!\s*(?:mg|mcg|kg|%))"
                   r"|\b(?:mum|mom|mother|dad|father|son|daughter|wife|husband|partner|grandma|grandpa|grandmother|"
                   r"grandfather|brother|sister|baby|child|kid)\s+(?:is|was|'s)\s+\d{1,3}\b(?!\s*(?:mg|mcg|kg|%))"
                   r"|\b\d{1,2}\s*-?\s*(?:months?|weeks?|days?)\s*-?\s*old\b"
                   r"|\bin\s+(?:my|his|her|their)\s+(?:twenties|thirties|forties|fifties|sixties|seventies|eighties|"
                   r"nineties|\d0s)\b|\d{1,3}\s*周?岁|[一二三四五六七八九十两百]{1,4}岁|\d{1,2}\s*个?月大|年龄|今年\s*\d{1,3}"),
        ("sex", 4, r"\b(?:male|female|transgender|trans\s+(?:man|woman)|non-?binary)\b"
                   r"|\b(?:i'?m|i\s+am|she'?s|he'?s)\s+an?\s+(?:\d{1,3}\s*-?\s*(?:year|yr)s?\s*-?\s*old\s+)?"
                   r"(?:man|woman|boy|girl|guy|lady)\b|\b\d{1,3}\s*-?\s*(?:year|yr)s?\s*-?\s*old\s+(?:man|woman|boy|girl)\b"
                   r"|性别|男性|女性|男孩|女孩|男宝|女宝|(?:^|[，,。：:\s])[男女](?=[，,。；;\s\d]|$)"),
    ))
_SYMPTOM = re.compile(f"{_SYMPTOM_EN}|{_SYMPTOM_ZH}")
_DURATION = re.compile(f"{_DURATION_EN}|{_DURATION_ZH}")
# Someone in particular: a general question ("Is penicillin allergy common?") states nobody's facts.
_PERSONAL = re.compile(
    r"\b(?:i|i'm|im|i've|i'd|i'll|me|my|mine|myself|we|we're|our|us|she|she's|he|he's|her|his|him|they|their|"
    r"son|daughter|baby|child|kid|kids|toddler|mum|mom|mother|dad|father|wife|husband|partner|boyfriend|girlfriend|"
    r"grandma|grandpa|grandmother|grandfather|brother|sister|patient)\b"
    r"|我|俺|咱|他|她|孩子|宝宝|儿子|女儿|老公|老婆|爱人|妻子|丈夫|爸|妈|父亲|母亲|爷爷|奶奶|外公|外婆|姥姥|姥爷|老人|家人|患者")
# Asking, not telling: "tell me about asthma?" is a general question for all its "me".
_ASKING = re.compile(r"\b(?:tell|explain\s+to|give|show|help|let)\s+me\b|\bcan\s+(?:i|we)\s+(?:ask|know|learn)\b"
                     r"|告诉我|给我讲|跟我说|请问|我想(?:问|知道|了解)")
_QUESTION = re.compile(r"(?:[?？]|[吗呢么吧])\W*$")
_CLAUSE = re.compile(r"(?<=[,，;；:：])\s*")
_KEY = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class Fact:
    """One user sentence (or its fact-bearing clauses) worth keeping, and how much it matters."""

    text: str
    weight: int
    tokens: int


@dataclass(frozen=True)
class Memory:
    """What of the earlier conversation goes into the prompt."""

    kept: list[Message]
    dropped: int
    note: str = ""  # the labelled facts from the dropped turns, "" when there are none
    facts: int = 0  # how many user statements the note quotes

    def prompt(self, message: Message) -> list[Message]:
        """The kept turns and ``message``, the note at the head of the first user turn: the user's own words
        stay in a user turn (not raised into the system prompt, not put in the assistant's mouth), and the
        turns still alternate for chat templates that insist on it."""
        turns = [*self.kept, message]
        if self.note:
            turns[0] = Message(role=turns[0].role, content=f"{self.note}\n\n{turns[0].content}")
        return turns


def fit_history(history: list[Message], budget_tokens: int) -> tuple[list[Message], int]:
    """The newest turns whose total estimated tokens fit ``budget_tokens``, and how many were dropped.

    Turns are kept whole and in order; an assistant reply is never kept without the question before it.
    """
    kept: list[Message] = []
    used = 0
    for message in reversed([m for m in history if m.role != "system"]):
        cost = _message_cost(message.content)
        if used + cost > budget_tokens:
            break
        kept.append(message)
        used += cost
    kept.reverse()
    if kept and kept[0].role == "assistant":
        kept = kept[1:]
    dropped = len([m for m in history if m.role != "system"]) - len(kept)
    return kept, dropped


@lru_cache(maxsize=4096)
def _message_cost(content: str) -> int:
    # Cached: every turn walks back over the same earlier messages, and remember() may walk twice.
    return count_tokens(content) + MESSAGE_OVERHEAD


def remember(history: list[Message], budget_tokens: int, summary_tokens: int = 200, language: str = "en") -> Memory:
    """The newest turns that fit, plus a note of the facts the user stated in the turns that did not.

    The note (at most ``summary_tokens``; 0 turns it off) and the kept turns share ``budget_tokens``: room
    taken by the note drops more old turns, whose facts then join the note. ``language`` picks the label.
    """
    turns = [m for m in history if m.role != "system"]
    cap = min(summary_tokens, budget_tokens)
    reserve = 0
    while True:  # the reserve only grows, and never past the cap: a few rounds at most
        kept, dropped = fit_history(turns, budget_tokens - reserve)
        facts = _select([m for m in turns[:dropped] if m.role == "user"], cap, language)
        note = _note(facts, language)
        cost = _note_cost(facts, language) if facts else 0
        if cost <= reserve:
            return Memory(kept, dropped, note, len(facts))
        reserve = cost


def facts_in(text: str) -> list[Fact]:
    """The sentences of one user message that state a fact about the user or the person they care for."""
    return list(_facts_in(text))


@lru_cache(maxsize=4096)
def _facts_in(text: str) -> tuple[Fact, ...]:
    # Cached per message: every later turn summarises the same dropped messages again.
    found = []
    for start, end in split_sentences(text):
        sentence = text[start:end]
        weight = _weight(sentence)
        if not weight:
            continue
        if count_tokens(sentence) > _LONG_SENTENCE:
            clauses = [c.strip() for c in _CLAUSE.split(sentence)]
            picked = [c for c in clauses if c and _weight(c, personal=True)]
            sentence = " … ".join(picked) if picked else sentence
        found.append(Fact(sentence, weight, count_tokens(sentence)))
    return tuple(found)


def _weight(sentence: str, personal: bool = False) -> int:
    """How much a sentence matters (0: not a fact): the weightiest category it carries, less for a question.
    ``personal`` skips the check for someone in particular (a clause of a sentence that passed it)."""
    folded = unicodedata.normalize("NFKC", sentence).lower()  # patterns are lower case: no IGNORECASE, 2x faster
    weights = [weight for _, weight, pattern in _CATEGORIES if pattern.search(folded)]
    if any(word.endswith(_DRUG_ENDINGS) for word in _LATIN_WORD.findall(folded)):
        weights.append(MEDICINE_WEIGHT)
    if _SYMPTOM.search(folded) and _DURATION.search(folded):
        weights.append(SYMPTOM_WEIGHT)
    if not weights:
        return 0
    question = bool(_QUESTION.search(folded))
    if question and not personal and not _PERSONAL.search(_ASKING.sub(" ", folded)):
        return 0
    return max(weights) - (2 if question else 0)


def _select(messages: list[Message], cap: int, language: str) -> list[Fact]:
    """The weightiest distinct facts whose note fits ``cap`` tokens, in the order the user stated them;
    among equals, the later statement (a dose changed, a symptom that came back) wins the room."""
    if cap <= 0:
        return []
    facts: list[Fact] = []
    seen: set[str] = set()
    for message in messages:
        for fact in _facts_in(message.content):
            key = _KEY.sub("", unicodedata.normalize("NFKC", fact.text).casefold())  # "500 mg" = "500mg"
            if key not in seen:
                seen.add(key)
                facts.append(fact)
    room = cap - _note_cost([], language)
    chosen: set[int] = set()
    for index in sorted(range(len(facts)), key=lambda i: (-facts[i].weight, -i)):
        cost = facts[index].tokens + 1  # the list marker and line break
        if cost <= room:
            chosen.add(index)
            room -= cost
    return [facts[i] for i in sorted(chosen)]


def _note(facts: list[Fact], language: str) -> str:
    if not facts:
        return ""
    heading = NOTE_HEADING.get(language, NOTE_HEADING["en"])
    return heading + "".join(f"\n- {f.text}" for f in facts) + NOTE_END


def _note_cost(facts: list[Fact], language: str) -> int:
    """An upper bound of the note's ``count_tokens`` plus the message overhead: the estimate rounds words × 1.3
    once for the whole note, up to half a token more than the parts rounded one by one; one token of slack per
    part covers it, so the note never outgrows the room it was chosen for."""
    heading = count_tokens(NOTE_HEADING.get(language, NOTE_HEADING["en"])) + 1
    return heading + MESSAGE_OVERHEAD + sum(f.tokens + 1 for f in facts)
