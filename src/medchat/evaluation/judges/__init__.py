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

__all__ = ["Judge", "JudgeError", "JudgePrompt", "JudgeVerdict", "VerdictParseError", "as_judge", "load_prompt",
           "parse_verdict"]
