"""Which language a text is in, as far as medchat cares: Chinese (``zh``) or English (``en``).

A script check, not a statistical model: medchat's prompts, knowledge base and safety rules exist in
these two languages, and Han characters decide between them reliably even in short, mixed messages
("我有asthma怎么办").
"""

from __future__ import annotations

import re

Language = str  # "en" | "zh" (ISO 639-1)
SUPPORTED = ("en", "zh")

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def detect_language(text: str, default: Language = "en") -> Language:
    """``zh`` when Han characters carry at least as much of the text as Latin words, else ``en``."""
    han = len(_HAN.findall(text))
    if han == 0:
        return default if not _LATIN_WORD.search(text) else "en"
    latin_words = len(_LATIN_WORD.findall(text))
    # One Chinese word is ~1.5 characters: compare like with like.
    return "zh" if han / 1.5 >= latin_words * 0.5 else "en"


def is_han(char: str) -> bool:
    return bool(_HAN.match(char))
