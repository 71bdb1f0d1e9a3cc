"""Tokens/s of ``builtin/smollm2`` through medchat against llama-cpp-python called directly.

Both sides load the same GGUF file with the same context size and threads, get the same prompts and
greedy parameters, and run in the same process, alternating (direct first on even rounds, medchat first
on odd ones) so that drift in machine load hits both alike. medchat goes through the full user path:
``get_model`` with its retry/timeout/concurrency layers, the worker thread and the asyncio bridge.

Throughput is output tokens / wall time from the call to the last chunk (medchat's ``tokens_per_s``),
with tokens counted the same way on both sides: text chunks for streaming (one per generated token in
llama.cpp), the reported ``completion_tokens`` without streaming.

    python benchmarks/local_generation.py [--rounds 5] [--max-tokens 128]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import time
from pathlib import Path
from typing import Any

PROMPTS = [
    "What are the warning signs of dehydration in adults?",
    "How can I lower my blood pressure without medication?",
    "When should a fever in a child be checked by a doctor?",
    "What is the difference between a cold and the flu?",
    "How should I store my insulin when travelling?",
]


def direct_run(llama: Any, prompt: str, params: dict[str, Any], stream: bool) -> tuple[int, float]:
    messages = [{"role": "user", "content": prompt}]
    start = time.perf_counter()
    if stream:
        tokens = 0
        for event in llama.create_chat_completion(messages=messages, stream=True, **params):
            if event["choices"][0]["delta"].get("content"):
                tokens += 1
        return tokens, time.perf_counter() - start
    response = llama.create_chat_completion(messages=messages, **params)
    return response["usage"]["completion_tokens"], time.perf_counter() - start


async def medchat_run(model: Any, prompt: str, max_tokens: int, stream: bool) -> tuple[int, float]:
    from medchat.types import ChatRequest

    request = ChatRequest.of(prompt, temperature=0, max_tokens=max_tokens, repetition_penalty=1.1, top_p=0.9)
    start = time.perf_counter()
    if stream:
        tokens = 0
        async for chunk in model.stream(request):
            if chunk.text:
                tokens += 1
        return tokens, time.perf_counter() - start
    done = await model.complete(request)
    return done.usage.completion_tokens, time.perf_counter() - start


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--output", type=Path, default=Path(__file__).parent / "results" / "local_generation.json")
    args = parser.parse_args()

    import llama_cpp

    from medchat.gateway import get_model
    from medchat.models.builtin import smollm2_path
    from medchat.models.llama_cpp import DEFAULT_N_CTX

    threads = os.cpu_count() or 1
    path = smollm2_path()
    direct = llama_cpp.Llama(model_path=str(path), n_ctx=DEFAULT_N_CTX, n_threads=threads, verbose=False)
    model = get_model("builtin/smollm2", n_ctx=DEFAULT_N_CTX, n_threads=threads)
    params = {"temperature": 0, "max_tokens": args.max_tokens, "repeat_penalty": 1.1, "top_p": 0.9}

    # Warm both up (model load, first-call allocations).
    direct_run(direct, "Hello", params, stream=True)
    await medchat_run(model, "Hello", args.max_tokens, stream=True)

    results: dict[str, dict[str, list[float]]] = {
        mode: {"direct": [], "medchat": []} for mode in ("stream", "complete")
    }
    for rnd in range(args.rounds):
        for mode in ("stream", "complete"):
            stream = mode == "stream"
            for prompt in PROMPTS:
                order = ("direct", "medchat") if rnd % 2 == 0 else ("medchat", "direct")
                for side in order:
                    if side == "direct":
                        tokens, seconds = direct_run(direct, prompt, params, stream)
                    else:
                        tokens, seconds = await medchat_run(model, prompt, args.max_tokens, stream)
                    results[mode][side].append(tokens / seconds)
        print(f"round {rnd + 1}/{args.rounds} done", flush=True)
    await model.aclose()

    summary: dict[str, Any] = {
        "machine": f"{platform.machine()}, {threads} threads, {platform.python_version()}",
        "llama_cpp_python": llama_cpp.__version__,
        "rounds": args.rounds,
        "prompts": len(PROMPTS),
        "max_tokens": args.max_tokens,
        "modes": {},
    }
    print("\n| mode | direct tok/s median [p25–p75] | medchat tok/s median [p25–p75] | medchat / direct |")
    print("|---|---|---|---|")
    for mode, sides in results.items():
        (d25, d, d75), (m25, m, m75) = (statistics.quantiles(sides[k], n=4) for k in ("direct", "medchat"))
        summary["modes"][mode] = {"direct_median": d, "medchat_median": m, "ratio": m / d,
                                  "direct_p25_p75": [d25, d75], "medchat_p25_p75": [m25, m75],
                                  "runs_per_side": len(sides["direct"])}
        print(f"| {mode} | {d:.1f} [{d25:.1f}–{d75:.1f}] | {m:.1f} [{m25:.1f}–{m75:.1f}] | {m / d:.3f} |")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(summary, indent=2))
    print(f"\nwritten to {args.output}")


if __name__ == "__main__":
    asyncio.run(main())
