"""What the safety layer found, in one structure every check writes into and every caller reads."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Severity = Literal["info", "warning", "critical"]


class Finding(BaseModel):
    """One thing a check noticed: which check, what kind, where, how sure, and why."""

    check: str  # "triage" | "pii" | "injection" | "validator:<name>"
    kind: str  # e.g. "cardiac", "PHONE_NUMBER", "override", "dosing"
    severity: Severity = "info"
    message: str
    start: int | None = None
    end: int | None = None
    score: float | None = None
    action: str | None = None  # what was done about it: "escalated", "redacted", "annotated", "replaced"...


class SafetyReport(BaseModel):
    """All findings for one turn, plus the decisions derived from them."""

    language: str = "en"
    findings: list[Finding] = Field(default_factory=list)
    emergency: bool = False
    emergency_categories: list[str] = Field(default_factory=list)
    injection_score: float = 0.0
    redactions: int = 0

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)

    def by_check(self, check: str) -> list[Finding]:
        return [f for f in self.findings if f.check == check or f.check.startswith(check + ":")]
