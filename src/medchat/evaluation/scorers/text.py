"""Text helpers the reference scorers share: SQuAD v1.1 normalisation, and telling Chinese text apart.

English answers are normalised exactly as the official SQuAD v1.1 script does, so our exact match and F1
are comparable with published numbers. Chinese has no spaces, so a whitespace split would make a whole
answer one token; the one extension here is that text containing Chinese characters is tokenised one
token per character (Latin words and numbers inside it stay whole), after Unicode punctuation is dropped.
"""

from __future__ import annotations

import re
import string
import unicodedata

# CJK ideographs: the unified block, extension A and the compatibility block.
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAS_CJK = re.compile(f"[{CJK}]")
_CJK_TOKENS = re.compile(f"[{CJK}]|[^\\s{CJK}]+")
_PUNCTUATION = frozenset(string.punctuation)  # ASCII only, as in the SQuAD script
_ARTICLES = re.compile(r"\b(a|an|the)\b")


def has_cjk(text: str) -> bool:
    """Whether ``text`` holds at least one Chinese character."""
    return _HAS_CJK.search(text) is not None


def squad_normalize(text: str) -> str:
    """SQuAD v1.1 normalisation: lower-case, drop ASCII punctuation, drop a/an/the, collapse whitespace."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def answer_tokens(text: str) -> list[str]:
    """The tokens SQuAD EM/F1 compare: whitespace words for English, characters for Chinese.

    English-only text gives exactly ``squad_normalize(text).split()``. Text with Chinese characters also
    loses Unicode punctuation (，。！ are not in ``string.punctuation``) and splits into one token per
    Chinese character, keeping embedded Latin words and numbers whole ("维生素d缺乏" → 维 生 素 d 缺 乏).
    """
    normalized = squad_normalize(text)
    if not has_cjk(normalized):
        return normalized.split()
    kept = "".join(" " if unicodedata.category(ch).startswith("P") else ch for ch in normalized)
    return _CJK_TOKENS.findall(kept)
