"""System prompts as files: the constitutional medical prompt and the emergency addendum, en and zh.

Kept as Markdown beside this module so reviewers can read and change them without touching code;
``system_prompt()`` picks the file for the language and joins the sources block the assistant retrieved.
"""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def load_prompt(name: str, language: str) -> str:
    language = "zh" if language == "zh" else "en"
    return (resources.files("medchat.safety.prompts") / f"{name}.{language}.md").read_text(encoding="utf-8").strip()


def system_prompt(language: str, *, sources: str = "", emergency: bool = False) -> str:
    """The full system message: constitution, the emergency addendum if needed, then the sources."""
    parts = [load_prompt("constitution", language)]
    if emergency:
        parts.append(load_prompt("emergency", language))
    if sources:
        heading = "资料：" if language == "zh" else "Sources:"
        parts.append(f"{heading}\n{sources}")
    else:
        parts.append("（本轮没有找到相关资料。）" if language == "zh" else "(No sources were found for this question.)")
    return "\n\n".join(parts)
