"""Words for BM25: English stemmed without stop words; Chinese by jieba words or character bigrams.

Chinese has no spaces, so it must be segmented. ``jieba`` finds words (its search mode also emits the
sub-words of long compounds); character bigrams need no dictionary. ``benchmarks/retrieval.py``
measures both on the bundled set; the default is the one that measured better there.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

ChineseMode = Literal["jieba", "bigram"]
DEFAULT_CHINESE: ChineseMode = "jieba"

_RUNS = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)|([A-Za-z0-9]+(?:['’][A-Za-z]+)?)")
_ZH_STOP = frozenset({
    "的", "了", "和", "是", "在", "有", "我", "你", "他", "她", "它", "们", "这",
    "那", "吗", "呢", "吧", "啊", "也", "都", "就", "与", "及", "或", "而", "被",
    "把", "对", "于", "之", "为", "以", "等", "个", "么", "什么", "怎么", "如何",
})


@lru_cache(maxsize=1)
def _english() -> tuple[frozenset[str], object]:
    import Stemmer  # PyStemmer
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN), Stemmer.Stemmer("english")


@lru_cache(maxsize=1)
def _jieba() -> object:
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def chinese_ready(chinese: ChineseMode = DEFAULT_CHINESE) -> bool:
    """Whether Chinese text can be split without loading anything first (jieba's dictionary takes ~0.5 s)."""
    return chinese != "jieba" or _jieba.cache_info().currsize > 0


def tokenize(text: str, chinese: ChineseMode = DEFAULT_CHINESE) -> list[str]:
    stop, stemmer = _english()
    tokens: list[str] = []
    for han, latin in _RUNS.findall(text):
        if latin:
            word = latin.lower().replace("’", "'")
            if word not in stop:
                tokens.append(stemmer.stemWord(word))  # type: ignore[attr-defined]
        elif chinese == "bigram":
            tokens.extend(han[k:k + 2] for k in range(max(len(han) - 1, 1)))
        else:
            tokens.extend(w for w in _jieba().lcut_for_search(han) if w not in _ZH_STOP)  # type: ignore[attr-defined]
    return tokens


# Words that say a sentence is a question, not what it is about.
_QUESTION_WORDS = frozenset({
    "what", "how", "who", "whom", "whose", "when", "where", "why", "which", "can", "could", "should",
    "would", "will", "do", "does", "did", "is", "are", "was", "were", "be", "been", "have",
    "has", "had", "get", "got", "tell", "know", "please", "help", "much", "many", "someone", "anyone",
})


def content_words(text: str, chinese: ChineseMode = DEFAULT_CHINESE) -> set[str]:
    """The topic-bearing words of ``text``: no question words, no single Chinese characters."""
    _, stemmer = _english()
    question = {stemmer.stemWord(w) for w in _QUESTION_WORDS}  # type: ignore[attr-defined]
    return {t for t in tokenize(text, chinese) if t not in question and not (len(t) == 1 and not t.isascii())}
