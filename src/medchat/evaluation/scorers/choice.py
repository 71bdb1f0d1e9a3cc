"""Classification-style scorers: multiple choice (MedQA, MedMCQA, CMExam...) and PubMedQA's yes/no/maybe,
plus the aggregate metrics over their (label, prediction) pairs: ``accuracy`` and ``macro_f1``.

Models rarely answer with a bare letter, so the letter is pulled out of free text. The rules go from
the surest to the loosest and the first that finds something decides; within a rule the last statement
wins, because chain-of-thought answers reason through several options before concluding:

1. a stated answer, by letter or by the option's text: "Answer: C", "the correct answer is (C)",
   "C is correct", "I'd choose C", "\\boxed{C}", "the answer is metformin", "答案：C", "故选C", "C项正确";
2. the reply is a letter, or starts with one as a label: "C", "(C)", "C. Metformin", "C，因为…"
   (from here on an echoed option list, "A) Aspirin B) Insulin C) ...", is ignored);
3. the option named: "option C", "choice (C)", "选项C", "C选项", "(C)";
4. the option's text: the reply equals one option, or contains exactly one option's text;
5. a letter standing alone where a word cannot be ("... I'd say C."), never the article in
   "A common cause", the pronoun "I", "hepatitis B", "vitamin C", "B cells" or "E. coli".

Letters outside the sample's options are ignored. Text is NFKC-normalised first, so full-width letters
and punctuation in Chinese replies (Ｃ, ：, （）) read as their ASCII forms.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Sequence

from medchat.evaluation.output import Output
from medchat.evaluation.sample import LETTERS, Sample
from medchat.evaluation.score import Score, ScoreFn, scorer
from medchat.evaluation.scorers.text import CJK

# Words after which a capital "A" (or a lone letter) reads as an option, not an article: "A because...".
_CONNECTORS = frozenset({
    "because", "since", "as", "is", "was", "seems", "appears", "looks", "would", "should", "could", "might",
    "must", "and", "or", "but", "then", "therefore", "thus", "so", "here", "which", "over", "rather", "instead",
    "too", "again", "also", "fits", "matches",
})
# Words before a lone capital letter that make it part of a name, not an option.
_NAMING_WORDS = frozenset({
    "vitamin", "vitamins", "hepatitis", "hep", "type", "types", "group", "grade", "stage", "class", "category",
    "phase", "protein", "factor", "influenza", "flu", "strep", "streptococcus", "haemophilus", "hemophilus",
    "plan", "part", "schedule", "list", "section", "step", "table", "figure", "appendix", "blood", "cluster",
    "zone", "level", "lane", "ward", "room", "apolipoprotein", "immunoglobulin", "ig", "coenzyme", "toxin",
    "serotype", "subtype", "strain", "antigen",
})
_NEGATION = re.compile(r"(?:\bnot|n't|\bnever|\bexcept|不|非)\s*$", re.IGNORECASE)
_OPEN, _CLOSE = r"[\(\[{「【<]?", r"[\)\]}」】>]?"
_LETTER = r"(?<![A-Za-z0-9])([A-Za-z])(?![A-Za-z0-9'’])"
_ADVERB = r"(?:(?:therefore|thus|clearly|probably|likely|most\s+likely|definitely|then|indeed|certainly)\s*,?\s+)?"
_LABEL = r"(?:(?:option|choice|letter|answer)\s*)?"

# Rule 1: the answer stated as such.
_STATED = [re.compile(p, re.IGNORECASE) for p in (
    rf"\b(?:answer|choice|option|response|pick|selection)\b\s*(?:is|was|would\s+be|should\s+be|will\s+be|must\s+be"
    rf"|[:=\-–—])\s*:?\s*{_ADVERB}{_LABEL}{_OPEN}{_LETTER}",
    rf"\b(?:answer|choice|option)\s+(?:here\s+)?(?:is|would\s+be)\s+(?:therefore\s+)?(?:that\s+of\s+)?{_LABEL}{_OPEN}{_LETTER}",
    rf"\b(?:choose|chose|choosing|select|selected|selecting|pick|picked|picking|go\s+with|going\s+with|opt\s+for"
    rf"|answer\s+with)\s+{_LABEL}{_OPEN}{_LETTER}",
    rf"\\boxed\{{\s*(?:\\text\{{)?\s*{_OPEN}{_LETTER}",
    rf"{_LABEL}{_OPEN}(?<![A-Za-z0-9])((?-i:[A-Z]))(?![A-Za-z0-9'’]){_CLOSE}\s+(?:is|seems|appears\s+to\s+be|would\s+be)"
    rf"\s+(?:the\s+)?(?:most\s+)?(?:correct|right|best|true|accurate|appropriate)\b",
    rf"(?:正确答案|最佳答案|答案|正确选项|应选|故选|所以选|因此选|本题选|选择|选)\s*(?:应该是|应该为|应为|是|为)?\s*:?\s*"
    rf"(?:选项)?\s*{_OPEN}{_LETTER}",
    rf"(?<![A-Za-z0-9])([A-Za-z])(?![A-Za-z0-9])\s*{_CLOSE}\s*(?:选项|项)?\s*(?:是|为)?\s*(?:最)?(?:正确|最佳|最合适|符合题意)",
)]
# Rule 1 with the option's text instead of its letter: "the answer is metformin", "首选二甲双胍".
_STATED_TEXT = (r"(?:\b(?:answer|choice|option|pick|selection)\b\s*(?:is|was|would\s+be|should\s+be|will\s+be|must\s+be"
                rf"|[:=\-–—])\s*:?\s*{_ADVERB}|\b(?:choose|chose|select|selected|pick|picked|go\s+with|opt\s+for)\s+"
                r"|(?:正确答案|答案|应选|故选|选择|首选|选)\s*(?:应该是|应为|是|为)?\s*:?\s*)")
# Rule 2: the reply is a letter, or opens with one used as a label.
_BARE = re.compile(rf"^{_OPEN}([A-Za-z]){_CLOSE}[.:。)]?$")
_LEADING = re.compile(rf"^{_OPEN}([A-Z])(?:{_CLOSE}\s*(?:[.:,;)]|[-–—]\s)|\)|\]|\s*(?=[{CJK}])|\s+(?=\w))")
# "(B) and (D) are wrong": a reply that opens with several letters is not answering the first.
_MORE_LETTERS = re.compile(r"[\)\]]?\s*(?:and|or|&|,|、|和|或|与)\s*[\(\[]?[A-Z](?![A-Za-z0-9])")
# Rule 3: the option named.
_NAMED = [re.compile(p, re.IGNORECASE) for p in (
    rf"\b(?:option|choice)\s*{_OPEN}{_LETTER}",
    rf"选项\s*{_OPEN}{_LETTER}",
    rf"(?<![A-Za-z0-9])([A-Za-z]){_CLOSE}\s*(?:选项|项)",
)] + [re.compile(r"[\(\[]([A-Z])[\)\]]")]
# Rule 5: a capital letter standing alone.
_LONE = re.compile(r"(?<![A-Za-z0-9'’\-])([A-Z])(?![A-Za-z0-9'’\-])")
_SPACES = re.compile(r"\s+")
_WORD_AFTER = re.compile(r"\s+([A-Za-z]+)")
_WORD_BEFORE = re.compile(r"([A-Za-z]+)\W*$")


def _clean(text: str) -> str:
    """NFKC, no Markdown emphasis, whitespace runs collapsed (which also keeps the patterns' backtracking
    short on long or odd replies)."""
    text = unicodedata.normalize("NFKC", text).replace("*", "").replace("`", "")
    return _SPACES.sub(lambda m: "\n" if "\n" in m.group() else " ", text).strip()


def _negated(text: str, position: int) -> bool:
    return _NEGATION.search(text[max(0, position - 16):position].rstrip("([{「【< ")) is not None


def _reads_as_letter(text: str, start: int, end: int, *, strict: bool = False, loose: bool = False) -> bool:
    """Whether the letter at ``text[start:end]`` is an option letter rather than a word.

    A lower-case letter, a capital "A" or "I", and (``strict``) any letter count only when no ordinary
    word follows: "A common cause" is an article, "B cells" a noun, "A because" and "A." an option.
    ``loose`` (a letter found with no cue around it) is strict and also rules out names: "hepatitis B",
    "E. coli", the pronoun "I".
    """
    letter, after = text[start:end], text[end:]
    word = _WORD_AFTER.match(after)
    if loose:
        before = _WORD_BEFORE.search(text[max(0, start - 24):start])
        if before and before.group(1).lower() in _NAMING_WORDS:
            return False
        if re.match(r"\.\s*[a-z]", after):  # "E. coli", "C. difficile"
            return False
        if letter == "I":
            return not word and not after.lstrip().startswith(("'", "’"))
    if word is None:
        return True
    if letter.islower() or letter in "AI" or strict or loose:
        return word.group(1).lower() in _CONNECTORS
    return True


def _mentions(patterns: list[re.Pattern[str]], text: str, letters: str, *, loose: bool = False
              ) -> list[tuple[int, str]]:
    """(position, letter) for every match of ``patterns`` that names one of ``letters`` unnegated."""
    found: list[tuple[int, str]] = []
    for pattern in patterns:
        for match in pattern.finditer(text):
            letter = match.group(1)
            if letter.upper() not in letters or _negated(text, match.start(0)) or _negated(text, match.start(1)):
                continue
            if _reads_as_letter(text, match.start(1), match.end(1), loose=loose):
                found.append((match.start(1), letter.upper()))
    return found


def _last(found: list[tuple[int, str]]) -> str | None:
    return max(found)[1] if found else None


def _stated_texts(text: str, choices: Sequence[str]) -> list[tuple[int, str]]:
    """(position, letter) where an option's own text is given as the answer: "the answer is metformin"."""
    found: list[tuple[int, str]] = []
    for index, option in enumerate(choices):
        option = " ".join(unicodedata.normalize("NFKC", option).split())
        if not option:
            continue
        body = r"\s+".join(re.escape(word) for word in option.split())
        pattern = rf"{_STATED_TEXT}(?:{_OPEN}[A-Z]{_CLOSE}[.):]?\s*)?({body})(?![A-Za-z0-9])"
        for match in re.finditer(pattern, text, re.IGNORECASE):
            if not _negated(text, match.start(0)):
                found.append((match.start(1), LETTERS[index]))
    return found


def _without_option_list(text: str, choices: Sequence[str]) -> str:
    """The reply with an echoed option list ("A) Aspirin B) Insulin ...") blanked out, so that listing
    every option is not read as choosing the last one. A list is at least three labelled options (all of
    them when there are fewer) in letter order; "C. Metformin, not A. Aspirin" is an answer, not a list."""
    spans: list[tuple[int, int, int]] = []
    for index, option in enumerate(choices):
        words = unicodedata.normalize("NFKC", option).split()
        if not words:
            continue
        body = r"\s+".join(re.escape(word) for word in words)
        label = rf"(?<![A-Za-z0-9]){_OPEN}{LETTERS[index]}{_CLOSE}[.):]?\s*{body}(?![A-Za-z0-9])"
        spans += [(*match.span(), index) for match in re.finditer(label, text, re.IGNORECASE)]
    spans.sort()
    runs = [1]  # lengths of the runs of labels in letter order (a list may be echoed more than once)
    for previous, current in itertools.pairwise(spans):
        if current[2] > previous[2]:
            runs[-1] += 1
        else:
            runs.append(1)
    if not spans or min(runs) < min(3, len(choices)):
        return text
    for start, end, _ in spans:
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def _plain(text: str) -> str:
    """Lower-case words (and Chinese characters) separated by single spaces, for matching option text."""
    return " ".join(re.sub(rf"[^a-z0-9{CJK}]+", " ", unicodedata.normalize("NFKC", text).lower()).split())


def _by_option_text(text: str, choices: Sequence[str]) -> str | None:
    reply = _plain(text)
    options = [_plain(choice) for choice in choices]
    exact = [i for i, option in enumerate(options) if option and option == reply]
    if len(exact) == 1:
        return LETTERS[exact[0]]
    contained = [i for i, option in enumerate(options)
                 if option and re.search(rf"(?<![a-z0-9]){re.escape(option)}(?![a-z0-9])", reply)]
    # "type 2 diabetes" mentioned also mentions "diabetes": keep the options no other found option contains.
    contained = [i for i in contained if not any(j != i and options[i] in options[j] for j in contained)]
    return LETTERS[contained[0]] if len(contained) == 1 else None


def extract_choice(text: str, letters: str, choices: Sequence[str] = ()) -> str | None:
    """The option letter a free-text reply commits to (one of ``letters``), or ``None``. Rules: module doc."""
    text = _clean(text)
    if not text or not letters:
        return None
    if found := _last(_mentions(_STATED, text, letters) + _stated_texts(text, choices)):
        return found
    stripped = text.strip(" \t\n.。!！")
    if (bare := _BARE.match(stripped)) and bare.group(1).upper() in letters:
        return bare.group(1).upper()
    text = _without_option_list(text, choices)
    lead = _LEADING.match(text)
    if (lead and lead.group(1) in letters and _reads_as_letter(text, lead.start(1), lead.end(1), strict=True)
            and not _MORE_LETTERS.match(text, lead.end(1))):
        return lead.group(1)
    if found := _last(_mentions(_NAMED, text, letters)):
        return found
    if choices and (found := _by_option_text(text, choices)):
        return found
    return _last(_mentions([_LONE], text, letters, loose=True))


@scorer("choice")
def choice() -> ScoreFn:
    """Multiple-choice accuracy: 1.0 when the letter extracted from the reply is the correct one."""

    async def score(sample: Sample, output: Output) -> Score:
        label = sample.answer_letter
        if label is None:
            why = "not a multiple-choice sample" if not sample.choices else "the target names no option"
            return Score(value=None, explanation=why)
        answer = extract_choice(output.text, sample.letters, sample.choices)
        if answer is None:
            return Score(value=0.0, explanation="no answer found", metadata={"label": label})
        verdict = "correct" if answer == label else f"wrong (correct: {label})"
        return Score(value=float(answer == label), answer=answer, explanation=f"answered {answer}: {verdict}",
                     metadata={"label": label})

    return score


# ---------------------------------------------------------------- PubMedQA: yes / no / maybe

PUBMEDQA_LABELS = ("yes", "no", "maybe")
_ZH_LABELS = {"是": "yes", "是的": "yes", "对": "yes", "否": "no", "不是": "no", "不": "no", "可能": "maybe",
              "不确定": "maybe", "不一定": "maybe", "也许": "maybe"}
_DECISION_EN = re.compile(r"\b(?:answer|decision|conclusion|verdict)\b\s*(?:is|would\s+be|[:=\-–—])?\s*:?\s*"
                          r"(yes|no|maybe)\b", re.IGNORECASE)
_DECISION_ZH = re.compile(r"(?:答案|结论|回答)\s*(?:是|为)?\s*:?\s*(不确定|不一定|不是|是的|可能|也许|是|否)")
_FIRST_ZH = re.compile(rf"^(不确定|不一定|不是|是的|可能|也许|(?:否|对|是)(?![{CJK}]))")
_WORD = re.compile(r"\b(yes|no|maybe)\b", re.IGNORECASE)


def _label(value: str) -> str | None:
    value = value.strip().lower().rstrip(".。!")
    return value if value in PUBMEDQA_LABELS else _ZH_LABELS.get(value)


def extract_yes_no_maybe(text: str) -> str | None:
    """yes/no/maybe from a reply: the last stated answer ("Answer: maybe", "答案：否"), else the opening
    word ("Yes, ...", "可能…"), else the first yes/no/maybe word anywhere (English only: 是 is also "is")."""
    text = _clean(text)
    stated = [(m.start(), m.group(1)) for pattern in (_DECISION_EN, _DECISION_ZH) for m in pattern.finditer(text)]
    if stated:
        return _label(max(stated)[1])
    opening = text.lstrip(" \t\n\"'“‘([-–—:")
    if first := _FIRST_ZH.match(opening):
        return _label(first.group(1))
    word = _WORD.search(opening)
    return word.group(1).lower() if word else None


@scorer("pubmedqa")
def pubmedqa() -> ScoreFn:
    """PubMedQA accuracy: the yes/no/maybe in the reply against the gold decision (also 是/否/可能)."""

    async def score(sample: Sample, output: Output) -> Score:
        label = _label(sample.target[0]) if sample.target else None
        if label is None:
            return Score(value=None, explanation="the target is not yes, no or maybe")
        answer = extract_yes_no_maybe(output.text)
        if answer is None:
            return Score(value=0.0, explanation="no answer found", metadata={"label": label})
        return Score(value=float(answer == label), answer=answer, explanation=f"answered {answer}, gold {label}",
                     metadata={"label": label})

    return score


# ---------------------------------------------------------------- aggregates over (label, prediction) pairs


def accuracy(pairs: Sequence[tuple[str, str | None]]) -> float:
    """Share of ``(label, prediction)`` pairs where the prediction equals the label (0.0 for no pairs)."""
    return sum(label == predicted for label, predicted in pairs) / len(pairs) if pairs else 0.0


def macro_f1(pairs: Sequence[tuple[str, str | None]], labels: Sequence[str] | None = PUBMEDQA_LABELS) -> float:
    """Macro-averaged F1 over ``labels`` from ``(label, prediction)`` pairs, as the PubMedQA paper reports.

    Matches scikit-learn's ``f1_score(y_true, y_pred, average="macro", labels=labels, zero_division=0)``:
    every class in ``labels`` counts in the mean, and a class with no true, predicted or matching item
    scores 0 (so a class absent from both the gold labels and the predictions pulls the mean down). A
    prediction that is ``None`` or not in ``labels`` is wrong for its gold class and predicts no class.
    ``labels=None`` takes the sorted set of every gold label and prediction, as scikit-learn does.
    """
    if labels is None:
        labels = sorted({label for label, _ in pairs} | {p for _, p in pairs if p is not None})
    if not labels:
        return 0.0
    scores = []
    for cls in labels:
        tp = sum(1 for label, predicted in pairs if label == cls and predicted == cls)
        fp = sum(1 for label, predicted in pairs if label != cls and predicted == cls)
        fn = sum(1 for label, predicted in pairs if label == cls and predicted != cls)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores)
