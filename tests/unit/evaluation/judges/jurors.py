"""Scripted jurors: judges with a known temper, for juries (rubric, faithfulness and pairwise prompts alike)."""

from __future__ import annotations

import json

from tests.unit.evaluation.judges.rules import RuleJudge, between


def verdict(flag: bool) -> str:
    """One reply that answers a rubric criterion and a claim alike."""
    return json.dumps({"explanation": "scripted", "criteria_met": flag, "supported": flag})


def lenient(name: str = "test/lenient") -> RuleJudge:
    """Every criterion met, every claim supported."""
    return RuleJudge(lambda prompt: verdict(True), name=name)


def strict(name: str = "test/strict") -> RuleJudge:
    """Nothing met, nothing supported."""
    return RuleJudge(lambda prompt: verdict(False), name=name)


def keyword(word: str, name: str = "test/keyword") -> RuleJudge:
    """Met (or supported) when the criterion (or claim) mentions ``word``."""
    def rule(prompt: str) -> str:
        asked = between(prompt, "<criterion>", "</criterion>") if "<criterion>" in prompt else \
            between(prompt, "<statement>", "</statement>")
        return verdict(word in asked)
    return RuleJudge(rule, name=name)


def broken(name: str = "test/broken") -> RuleJudge:
    """Never gives a usable reply: every verdict ends in a JudgeError."""
    return RuleJudge(lambda prompt: "I cannot decide.", name=name)
