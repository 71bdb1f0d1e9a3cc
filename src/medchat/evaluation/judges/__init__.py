"""LLM judges: a ``ChatModel`` asked a versioned prompt file and held to a pydantic schema.

Used by the judge-based scorers (``rubric``, ``faithfulness``); prompts live in ``prompts/*.md``.
"""

from medchat.evaluation.judges.judge import (
    Judge,
    JudgeError,
    JudgePrompt,
    JudgeVerdict,
    VerdictParseError,
    as_judge,
    load_prompt,
    parse_verdict,
)
from medchat.evaluation.judges.trust import UNTRUSTED_JUDGES, JudgeTrust, judge_caveat, judge_trust

__all__ = ["UNTRUSTED_JUDGES", "Judge", "JudgeError", "JudgePrompt", "JudgeTrust", "JudgeVerdict", "VerdictParseError",
           "as_judge", "judge_caveat", "judge_trust", "load_prompt", "parse_verdict"]
