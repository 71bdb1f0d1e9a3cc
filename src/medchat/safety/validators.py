"""Checks on what the model says, applied while it streams.

Sentence checks (prescriptive dosing, diagnosis, dismissive tone, overconfidence) run as soon as a
sentence is complete; answer checks (grounding in the sources, a pointer to professional help, length)
run at the end. Each finding gets a policy:

- ``annotate``: record it in the safety report only;
- ``append``: add a short notice after the answer;
- ``replace``: swap the offending sentence for a safe one.

Streaming never waits for the whole answer: text passes straight through unless a ``replace`` policy
is active, and then only the sentence being written is held back until it ends.
"""

from __future__ import annotations

import re
from typing import Literal

from medchat.knowledge.chunking import split_sentences
from medchat.knowledge.tokenize import content_words
from medchat.safety.report import Finding

Policy = Literal["annotate", "append", "replace"]

DEFAULT_POLICIES: dict[str, Policy] = {
    "dosing": "replace",
    "diagnosis": "append",
    "tone": "annotate",
    "overconfidence": "annotate",
    "ungrounded": "annotate",
    "no_disclaimer": "append",
    "length": "annotate",
}

_I = re.IGNORECASE
_SENTENCE_CHECKS: dict[str, dict[str, re.Pattern[str]]] = {
    "dosing": {
        "en": re.compile(r"\b(?:take|taking|give|giving|use|increase|double|reduce|inject)\b[^.!?]{0,40}?\b\d+(?:\.\d+)?\s?"
                         r"(?:mg|milligrams?|mcg|micrograms?|g|grams?|ml|millilitres?|milliliters?|tablets?|pills?|capsules?|units?|puffs?)\b|"
                         r"\b\d+(?:\.\d+)?\s?(?:mg|ml|mcg)\s+(?:every|twice|three times|four times|once|per|a day|daily)\b", _I),
        "zh": re.compile(r"(?:吃|服用|服|口服|用|打|注射|喷)[^。！？]{0,10}?\d+(?:\.\d+)?\s*(?:毫克|mg|克|片|粒|毫升|ml|单位|喷)|"
                         r"每次\s*\d+(?:\.\d+)?\s*(?:毫克|mg|片|粒|毫升|ml)", _I),
    },
    "diagnosis": {
        "en": re.compile(r"\byou (?:definitely|certainly|clearly|probably|most likely|must) have\b|\byou are suffering from\b|"
                         r"\bthis is (?:definitely|certainly|clearly)\b|\bi (?:can )?diagnose\b|\byour diagnosis is\b", _I),
        "zh": re.compile(r"你(?:肯定|一定|应该|就是|可以确定)(?:是|得了|患有|患了)|你(?:得了|患有|患了)|(?:肯定|一定)是[^。！？]{0,6}(?:病|症|炎|癌)"),
    },
    "tone": {
        "en": re.compile(r"\b(?:nothing to worry about|just ignore (?:it|this)|you'?re overreacting|calm down|stupid|silly question|"
                         r"stop complaining|it'?s all in your head)\b", _I),
        "zh": re.compile(r"没什么大不了|别大惊小怪|你想多了|矫情|无理取闹"),
    },
    "overconfidence": {
        "en": re.compile(r"\b(?:guaranteed|100 ?%|always works|never fails|will definitely|will certainly|completely cures?|"
                         r"cures? (?:it|this) (?:completely|for good))\b", _I),
        "zh": re.compile(r"保证|百分之百|一定能治好|彻底根治|肯定能好|包治"),
    },
}
_HELP = {
    "en": re.compile(r"\b(?:doctor|gp|pharmacist|nurse|clinician|health ?care|medical (?:advice|help|attention)|emergency|"
                     r"call (?:911|999|112)|a&e|urgent care)\b", _I),
    "zh": re.compile(r"医生|药师|护士|就医|医院|急救|120|门诊|诊所"),
}
SAFE_DOSING = {
    "en": "For the right dose, follow the medicine's label or ask a pharmacist or doctor.",
    "zh": "具体剂量请遵照药品说明书，或咨询药师、医生。",
}
NOTICES = {
    "diagnosis": {"en": "Note: I can't diagnose; a doctor who can examine you can confirm what is going on.",
                  "zh": "提示：我无法做出诊断，需要由能为你检查的医生来确认。"},
    "no_disclaimer": {"en": "This is general information, not medical advice; please check with a doctor or pharmacist "
                            "about your own situation.",
                      "zh": "以上为一般健康信息，不能替代医生的诊断和建议；具体情况请咨询医生或药师。"},
    "tone": {"en": "If you are worried about a symptom, it is always reasonable to get it checked.",
             "zh": "如果你担心某个症状，去看医生确认一下总是合理的。"},
    "overconfidence": {"en": "Note: treatments work differently for different people.",
                       "zh": "提示：治疗效果因人而异。"},
    "ungrounded": {"en": "Note: parts of this answer are not covered by the sources cited.",
                   "zh": "提示：此回答的部分内容未在所引用的资料中找到依据。"},
    "length": {"en": "", "zh": ""},
    "dosing": {"en": SAFE_DOSING["en"], "zh": SAFE_DOSING["zh"]},
}
# An English stop needs a space after it ("38.5" is not a sentence end); Chinese stops do not.
_SENTENCE_END = re.compile(r"[.!?](?=\s)\s*|[。！？；]|\n")


class StreamingValidator:
    """Feed model text as it arrives; show what ``feed`` returns; then show what ``finish`` returns.

    Two modes. When a ``replace`` policy is active, the sentence being written is held until it ends,
    then shown (or replaced). Otherwise text is shown the moment it arrives and each sentence is checked
    once complete, for the report and any notices appended at the end.
    """

    def __init__(self, language: str, *, sources: list[str] | None = None,
                 policies: dict[str, Policy] | None = None, max_chars: int = 4000) -> None:
        self.language = "zh" if language == "zh" else "en"
        self.sources = sources or []
        self.policies: dict[str, Policy] = {**DEFAULT_POLICIES, **(policies or {})}
        self.max_chars = max_chars
        self.findings: list[Finding] = []
        self.hold = any(self.policies.get(kind) == "replace" for kind in _SENTENCE_CHECKS)
        self.shown = ""  # everything shown so far
        self._pending = ""  # the sentence being written

    def feed(self, text: str) -> str:
        self._pending += text
        out: list[str] = []
        while (match := _SENTENCE_END.search(self._pending)) is not None:
            sentence, self._pending = self._pending[:match.end()], self._pending[match.end():]
            out.append(self._check_sentence(sentence))
        shown = "".join(out) if self.hold else text
        self.shown += shown
        return shown

    def finish(self) -> str:
        """The held last sentence (if any) and the notices to append."""
        tail = self._check_sentence(self._pending) if self._pending.strip() else self._pending
        self._pending = ""
        tail = tail if self.hold else ""
        self.shown += tail
        self._answer_checks(self.shown)
        notices: list[str] = []
        for finding in self.findings:
            if self.policies.get(finding.kind) == "append" and finding.action == "append":
                notice = NOTICES.get(finding.kind, {}).get(self.language, "")
                if notice and notice not in notices:
                    notices.append(notice)
                finding.action = "appended"
        closing = "\n\n" + "\n".join(notices) if notices else ""
        self.shown += closing
        return tail + closing

    def _check_sentence(self, sentence: str) -> str:
        """Record findings for one complete sentence; return it, or its replacement."""
        body = sentence.strip()
        if not body:
            return sentence
        for kind, patterns in _SENTENCE_CHECKS.items():
            if not (patterns[self.language].search(body) or patterns["en"].search(body)):
                continue
            policy = self.policies.get(kind, "annotate")
            replace = policy == "replace" and self.hold
            self.findings.append(Finding(check=f"validator:{kind}", kind=kind, severity="warning",
                                         message=f"{kind}: “{body[:120]}”", action="replaced" if replace else policy))
            if replace:
                trailing = sentence[len(sentence.rstrip()):] or ("" if self.language == "zh" else " ")
                return NOTICES[kind][self.language] + trailing
        return sentence

    def _answer_checks(self, answer: str) -> None:
        language = self.language
        text = answer.strip()
        if not text:
            return
        if not _HELP[language].search(text) and not _HELP["en"].search(text):
            self.findings.append(Finding(check="validator:no_disclaimer", kind="no_disclaimer", severity="info",
                                         message="no pointer to professional help",
                                         action=self.policies.get("no_disclaimer", "append")))
        if len(text) > self.max_chars:
            self.findings.append(Finding(check="validator:length", kind="length", severity="info",
                                         message=f"answer is {len(text)} characters (limit {self.max_chars})",
                                         action=self.policies.get("length", "annotate")))
        if self.sources:
            source_words = set().union(*(content_words(s) for s in self.sources))
            sentences = [text[a:b] for a, b in split_sentences(text)]
            claims = [s for s in sentences if len(content_words(s)) >= 3]
            unsupported = [s for s in claims
                           if len(content_words(s) & source_words) / max(len(content_words(s)), 1) < 0.3]
            if claims and len(unsupported) / len(claims) > 0.5:
                self.findings.append(Finding(
                    check="validator:ungrounded", kind="ungrounded", severity="warning",
                    score=1 - len(unsupported) / len(claims),
                    message=f"{len(unsupported)} of {len(claims)} sentences share little with the sources",
                    action=self.policies.get("ungrounded", "annotate")))


def validate_text(text: str, language: str, *, sources: list[str] | None = None,
                  policies: dict[str, Policy] | None = None) -> tuple[str, list[Finding]]:
    """Validate a finished answer at once (non-streaming callers)."""
    validator = StreamingValidator(language, sources=sources, policies=policies)
    shown = validator.feed(text)
    shown += validator.finish()
    return shown, validator.findings
