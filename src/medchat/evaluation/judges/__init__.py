"""LLM judges: a ``ChatModel`` asked a versioned prompt file and held to a pydantic schema.

Used by the judge-based scorers (``rubric``, ``faithfulness``) and, pairwise (``judge_pair``), by the arena;
prompts live in ``prompts/*.md``. ``calibrate`` measures a judge against human labels (``labels``, ``agreement``).
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
from medchat.evaluation.judges.pairwise import PairJudgment, judge_pair
from medchat.evaluation.judges.trust import UNTRUSTED_JUDGES, JudgeTrust, judge_caveat, judge_trust

__all__ = ["UNTRUSTED_JUDGES", "Judge", "JudgeError", "JudgePrompt", "JudgeTrust", "JudgeVerdict", "PairJudgment",
           "VerdictParseError", "as_judge", "judge_caveat", "judge_pair", "judge_trust", "load_prompt", "parse_verdict"]
