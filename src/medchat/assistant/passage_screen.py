"""The injection screen of retrieved passages, with the bundled knowledge base's verdicts computed ahead.

Every retrieved passage is checked for instructions hidden in it (rules only, so the verdict is a pure function
of the text) before it reaches the prompt. A page of our own knowledge base costs ~1–2 ms to check, four pages
a turn, and a fresh process meets every page for the first time: so the bundled pages found clean are shipped
as a list of text digests (``data/bundled_clean_passages.json``, written by
``python scripts/screen_bundled_passages.py``), tied to a digest of the rules, and anything else — a user's own
knowledge base, or the bundled one after the rules changed — is checked and remembered per process.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

from medchat.safety import injection
from medchat.safety.injection import InjectionResult, score_injection

SHIPPED = "bundled_clean_passages.json"


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


@cache
def rules_digest() -> str:
    """Changes whenever a pattern, its weight, the threshold or the code that applies them changes."""
    parts = [repr([(family, weight, pattern.pattern, pattern.flags) for family, weight, pattern in (*injection._EN,
                                                                                                   *injection._ZH)]),
             repr(injection.THRESHOLD)]
    parts += [inspect.getsource(f) for f in (injection.normalise, injection._deleet, injection._score_rules)]
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:16]


@cache
def _shipped_clean() -> frozenset[str]:
    try:
        data = json.loads((resources.files("medchat.assistant") / "data" / SHIPPED).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return frozenset()
    return frozenset(data["clean"]) if data.get("rules") == rules_digest() else frozenset()


@lru_cache(maxsize=4096)
def screen_passage(text: str) -> InjectionResult:
    """The injection verdict on a retrieved passage: a bundled page already found clean costs a hash."""
    if text_key(text) in _shipped_clean():
        return InjectionResult(0.0, False)
    return score_injection(text, source="document", use_classifier=False)


def build(path: Path | None = None) -> Path:
    """Check every bundled passage now and write the digests of the clean ones."""
    from medchat.knowledge.bundled import bundled_passages

    passages = bundled_passages()
    clean = sorted({text_key(p.text) for p in passages
                    if not score_injection(p.text, source="document", use_classifier=False).flagged})
    out = path or Path(str(resources.files("medchat.assistant") / "data" / SHIPPED))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"rules": rules_digest(), "passages": len(passages), "clean": clean}, indent=0) + "\n",
                   encoding="utf-8")
    return out
