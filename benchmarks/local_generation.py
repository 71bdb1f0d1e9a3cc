"""Tokens/s of ``builtin/smollm2`` through medchat against llama-cpp-python called directly and against
``llama_cpp.server``, two concurrent requests, and the guarded assistant's turn against the raw model's.

Every side loads the same GGUF file with the same context size and threads, gets the same prompts and
greedy parameters, and runs in the same run, alternating which side goes first each round so that drift
in machine load hits all alike. medchat goes through the full user path: ``get_model`` with its
retry/timeout/concurrency layers, the worker thread and the asyncio bridge.

Rows (``--rows``, all by default):

- ``generation``: one request at a time, streamed and not: direct ``llama_cpp.Llama``, medchat, and
  ``llama_cpp.server`` (llama-cpp-python's own OpenAI server, over HTTP on loopback). Throughput is output
  tokens / wall time from the call to the last chunk (medchat's ``tokens_per_s``), tokens counted the same way
  on every side: text chunks when streaming (one per generated token in llama.cpp), the reported
  ``completion_tokens`` otherwise.
- ``concurrent``: two requests sent at once (two different prompts); wall time until both answers are
  complete and their tokens / that time. One llama.cpp context runs one generation at a time, so direct runs
  them back to back; medchat and the server queue the second.
- ``assistant``: seconds per turn of ``assistant/builtin/smollm2`` (the guarded pipeline with the bundled
  knowledge base) against the raw model's turn on the same question, en and zh questions interleaved, same
  ``max_tokens``; the assistant as configured by default (saved prompt prefixes, and sources within
  ``source_tokens``), with every passage whole (``source_tokens = "all"``, as before the budget) and without
  saved prefixes (``prefix_states=0``: only llama-cpp-python's reuse of the live context, as before issue 13),
  and with flash attention (``flash_attn``); and the assistant's exact prompts
  sent to ``llama_cpp.server`` as it is (live context only) and with ``--cache true`` (its ``LlamaRAMCache``).
  medchat's rows also give the prompt tokens llama.cpp evaluated per turn. With ``--assistant-rounds`` 2 or more,
  every question of the second round on is a repeat (its whole prompt may be kept: ``prompt_states``, and the
  server's ``--cache``), so first asks and repeats get medians of their own. Before the timed turns every side
  answers one untimed question per language (what a running server has done: the constitution read once, or restored
  from an earlier process's file), printed on a line of its own.

``--auto`` adds medchat with its own thread default (no ``n_threads``: every core while a generation runs
alone, a share of them when several contexts compute at once, ``medchat.models.cpu_shares``): the side
``medchat auto`` in the first two rows (``--threads`` then sets only the other sides), and in ``concurrent`` two
requests on two contexts at once, with the shares (``auto, 2 contexts``) and with every core each
(``all cores, 2 contexts``: what the shares prevent). llama.cpp is imported the way medchat imports it
(``OMP_WAIT_POLICY=PASSIVE`` for its OpenMP runtime unless the variable is set), so the direct side shares the policy.

``llama_cpp.server`` runs from a virtualenv this script makes on first use (``benchmarks/.venv-llama-server``,
gitignored; ``pip install 'llama-cpp-python[server]==<the installed version>'``, which pip serves from its
wheel cache when it built the same version before); it is never a medchat dependency. ``--no-server`` skips it.

    python benchmarks/local_generation.py [--rounds 5] [--max-tokens 128] [--rows generation concurrent assistant]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SERVER_VENV = HERE / ".venv-llama-server"
PROMPTS = [
    "What are the warning signs of dehydration in adults?",
    "How can I lower my blood pressure without medication?",
    "When should a fever in a child be checked by a doctor?",
    "What is the difference between a cold and the flu?",
    "How should I store my insulin when travelling?",
]
# The assistant row: en and zh interleaved, as a server with users of both languages sees them. Each question
# is asked once per round (a question asked again would find its whole prompt saved).
ASSISTANT_QUESTIONS = [
    ("en", PROMPTS[0]), ("zh", "发烧的孩子什么时候需要看医生？"), ("en", PROMPTS[1]), ("zh", "感冒和流感有什么区别？"),
    ("en", PROMPTS[3]), ("zh", "高血压患者的饮食要注意什么？"), ("en", PROMPTS[4]), ("zh", "成年人脱水有哪些表现？"),
]
# One untimed turn per language and side before the timed ones, as a server has answered before its next user:
# the first turn in a language reads the constitution (and files its state for later processes); a once-per-machine
# cost, printed on its own line, not a turn's.
WARM_UP_QUESTIONS = [("en", "How much water should an adult drink each day?"), ("zh", "怎样预防感冒？")]
ROWS = ("generation", "concurrent", "assistant")


def quartiles(values: list[float]) -> tuple[float, float, float]:
    if len(values) < 2:
        v = values[0] if values else float("nan")
        return v, v, v
    q25, q50, q75 = statistics.quantiles(values, n=4)
    return q25, q50, q75


# --------------------------------------------------------------------------------------------------
# The three ways to the model


def direct_run(llama: Any, messages: list[dict[str, str]], params: dict[str, Any], stream: bool) -> tuple[int, float]:
    start = time.perf_counter()
    if stream:
        tokens = 0
        for event in llama.create_chat_completion(messages=messages, stream=True, **params):
            if event["choices"][0]["delta"].get("content"):
                tokens += 1
        return tokens, time.perf_counter() - start
    response = llama.create_chat_completion(messages=messages, **params)
    return response["usage"]["completion_tokens"], time.perf_counter() - start


def request_of(prompt: str, max_tokens: int) -> Any:
    from medchat.types import ChatRequest

    return ChatRequest.of(prompt, temperature=0, max_tokens=max_tokens, repetition_penalty=1.1, top_p=0.9)


async def medchat_run(model: Any, prompt: str, max_tokens: int, stream: bool) -> tuple[int, float]:
    request = request_of(prompt, max_tokens)
    start = time.perf_counter()
    if stream:
        tokens = 0
        async for chunk in model.stream(request):
            if chunk.text:
                tokens += 1
        return tokens, time.perf_counter() - start
    done = await model.complete(request)
    return done.usage.completion_tokens, time.perf_counter() - start


async def server_run(client: Any, url: str, messages: list[dict[str, str]], params: dict[str, Any],
                     stream: bool) -> tuple[int, float]:
    body = {"model": "smollm2", "messages": messages, **params}
    start = time.perf_counter()
    if stream:
        tokens = 0
        async with client.stream("POST", url, json={**body, "stream": True}) as response:
            response.raise_for_status()
            async for line in response.aiter_lines():
                if line.startswith("data: ") and line != "data: [DONE]":
                    choices = json.loads(line[6:]).get("choices") or [{}]
                    if choices[0].get("delta", {}).get("content"):
                        tokens += 1
        return tokens, time.perf_counter() - start
    response = await client.post(url, json=body)
    response.raise_for_status()
    return response.json()["usage"]["completion_tokens"], time.perf_counter() - start


# --------------------------------------------------------------------------------------------------
# llama_cpp.server in its own virtualenv and process


def ensure_server(version: str) -> Path | None:
    """The python of benchmarks/.venv-llama-server with llama-cpp-python[server]==version; None if that fails."""
    python = SERVER_VENV / "bin" / "python"
    check = [str(python), "-c", "import llama_cpp, llama_cpp.server.app; print(llama_cpp.__version__)"]
    if python.exists():
        out = subprocess.run(check, capture_output=True, text=True)
        if out.returncode == 0 and out.stdout.strip() == version:
            return python
    print(f"installing llama-cpp-python[server]=={version} into {SERVER_VENV} (once)...", flush=True)
    try:
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(SERVER_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", f"llama-cpp-python[server]=={version}"],
                       check=True, timeout=1800)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        print(f"llama_cpp.server skipped: could not install it into {SERVER_VENV} ({exc})", flush=True)
        return None
    return python


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``python -m llama_cpp.server`` on a free loopback port, in its own process group."""

    def __init__(self, python: Path, model: Path, *, n_ctx: int, threads: int, cache: bool, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1/chat/completions"
        cmd = [str(python), "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
               "--port", str(self.port), "--n_ctx", str(n_ctx), "--n_threads", str(threads),
               "--n_threads_batch", str(threads), "--verbose", "false", "--cache", str(cache).lower()]
        self.log = log
        with log.open("wb") as out:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         start_new_session=True)

    async def ready(self, client: Any, timeout_s: float = 120) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited with {self.proc.returncode}; see {self.log}")
            with contextlib.suppress(Exception):
                if (await client.get(f"http://127.0.0.1:{self.port}/v1/models")).status_code == 200:
                    return
            await asyncio.sleep(0.25)
        raise RuntimeError(f"llama_cpp.server not ready after {timeout_s:.0f} s; see {self.log}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


# --------------------------------------------------------------------------------------------------
# Rows


async def bench_generation(args: argparse.Namespace, direct: Any, model: Any, server: Server | None,
                           client: Any, params: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    sides = ["direct", "medchat"] + (["server"] if server else []) + (["medchat auto"] if extra else [])
    results: dict[str, dict[str, list[float]]] = {mode: {s: [] for s in sides} for mode in ("stream", "complete")}
    for rnd in range(args.rounds):
        for mode in ("stream", "complete"):
            stream = mode == "stream"
            for prompt in PROMPTS:
                messages = [{"role": "user", "content": prompt}]
                order = sides[rnd % len(sides):] + sides[:rnd % len(sides)]
                for side in order:
                    if side == "direct":
                        tokens, seconds = direct_run(direct, messages, params, stream)
                    elif side == "medchat":
                        tokens, seconds = await medchat_run(model, prompt, args.max_tokens, stream)
                    elif side == "medchat auto":
                        tokens, seconds = await medchat_run(extra["auto"], prompt, args.max_tokens, stream)
                    else:
                        assert server is not None
                        tokens, seconds = await server_run(client, server.url, messages, params, stream)
                    results[mode][side].append(tokens / seconds)
        print(f"generation: round {rnd + 1}/{args.rounds} done", flush=True)
    out: dict[str, Any] = {}
    print("\n| mode | direct tok/s median [p25–p75] | medchat tok/s median [p25–p75] | medchat / direct"
          + (" | llama_cpp.server tok/s median [p25–p75] | medchat / server |" if server else " |"))
    print("|---|---|---|---" + ("|---|---|" if server else "|"))
    for mode, by_side in results.items():
        q = {s: quartiles(v) for s, v in by_side.items()}
        d, m = q["direct"][1], q["medchat"][1]
        out[mode] = {s: {"median": q[s][1], "p25_p75": [q[s][0], q[s][2]], "runs": len(by_side[s])} for s in sides}
        out[mode]["medchat_over_direct"] = m / d
        line = (f"| {mode} | {d:.1f} [{q['direct'][0]:.1f}–{q['direct'][2]:.1f}] | "
                f"{m:.1f} [{q['medchat'][0]:.1f}–{q['medchat'][2]:.1f}] | {m / d:.3f}")
        if server:
            s = q["server"][1]
            out[mode]["medchat_over_server"] = m / s
            line += f" | {s:.1f} [{q['server'][0]:.1f}–{q['server'][2]:.1f}] | {m / s:.3f}"
        print(line + " |")
    if extra:
        print("\n| mode | medchat auto tok/s median [p25–p75] | auto / medchat | auto / direct |\n|---|---|---|---|")
        for mode, by_side in results.items():
            a = quartiles(by_side["medchat auto"])
            out[mode]["auto_over_medchat"] = a[1] / out[mode]["medchat"]["median"]
            print(f"| {mode} | {a[1]:.1f} [{a[0]:.1f}–{a[2]:.1f}] | {out[mode]['auto_over_medchat']:.3f} | "
                  f"{a[1] / out[mode]['direct']['median']:.3f} |")
    return out


async def bench_concurrent(args: argparse.Namespace, direct: Any, model: Any, server: Server | None,
                           client: Any, params: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    sides = ["direct", "medchat"] + (["server"] if server else [])
    if extra:
        sides += ["medchat auto", "auto, 2 contexts", "all cores, 2 contexts"]
    pair_of = {"auto, 2 contexts": ("auto", "auto_b"), "all cores, 2 contexts": ("all", "all_b")}
    walls: dict[str, list[float]] = {s: [] for s in sides}
    rates: dict[str, list[float]] = {s: [] for s in sides}
    pairs = [(PROMPTS[i], PROMPTS[(i + 1) % len(PROMPTS)]) for i in range(len(PROMPTS))]
    for rnd in range(args.rounds):
        for a, b in pairs:
            order = sides[rnd % len(sides):] + sides[:rnd % len(sides)]
            for side in order:
                start = time.perf_counter()
                if side == "direct":  # one context: one after the other
                    done = [direct_run(direct, [{"role": "user", "content": p}], params, False) for p in (a, b)]
                elif side == "medchat":
                    done = await asyncio.gather(*(medchat_run(model, p, args.max_tokens, False) for p in (a, b)))
                elif side == "medchat auto":
                    done = await asyncio.gather(*(medchat_run(extra["auto"], p, args.max_tokens, False)
                                                  for p in (a, b)))
                elif side in pair_of:  # each request on a context of its own: both compute at once
                    done = await asyncio.gather(*(medchat_run(extra[m], p, args.max_tokens, False)
                                                  for m, p in zip(pair_of[side], (a, b), strict=True)))
                else:
                    assert server is not None
                    done = await asyncio.gather(*(server_run(client, server.url, [{"role": "user", "content": p}],
                                                             params, False) for p in (a, b)))
                wall = time.perf_counter() - start
                walls[side].append(wall)
                rates[side].append(sum(tokens for tokens, _ in done) / wall)
        print(f"concurrent: round {rnd + 1}/{args.rounds} done", flush=True)
    out: dict[str, Any] = {}
    print("\n| two requests at once | wall s median [p25–p75] | tok/s (both answers) median [p25–p75] |")
    print("|---|---|---|")
    for side in sides:
        w, r = quartiles(walls[side]), quartiles(rates[side])
        out[side] = {"wall_median": w[1], "wall_p25_p75": [w[0], w[2]], "tok_s_median": r[1],
                     "tok_s_p25_p75": [r[0], r[2]], "runs": len(walls[side])}
        print(f"| {side} | {w[1]:.2f} [{w[0]:.2f}–{w[2]:.2f}] | {r[1]:.1f} [{r[0]:.1f}–{r[2]:.1f}] |")
    return out


def _provider(model: Any) -> Any:
    """The LlamaCppModel under the gateway's wrappers (for its ``prompt_tokens_evaluated``)."""
    seen = 0
    while not hasattr(model, "prompt_tokens_evaluated") and seen < 10:
        model = getattr(model, "inner", None) or getattr(model, "model", None) or model
        seen += 1
    return model


async def bench_assistant(args: argparse.Namespace, raw: Any, path: Path, threads: int,
                          servers: dict[str, Server], client: Any, params: dict[str, Any]) -> dict[str, Any]:
    from medchat.assistant.model import around
    from medchat.config import Settings
    from medchat.gateway import get_model
    from medchat.models.llama_cpp import DEFAULT_N_CTX

    settings = Settings()
    assistants = {}
    # Each variant on a loaded context of its own, which only it uses (the raw model's calls would replace the live
    # context: saved prefixes survive that, the live context does not, which would favour them). A context is
    # identified by its options, so the saved-prefix variant names a memory bound (512 MB for the default's 256:
    # its two saved prefixes take ~27 MB, so it binds neither).
    # The whole-sources variant gives the model every passage whole (source_tokens = "all"), as before the budget.
    whole = settings.assistant.model_copy(update={"source_tokens": "all"})
    for variant, options, assistant_settings in (
            ("assistant", {"prefix_states_mb": 512}, settings.assistant),
            ("assistant, whole sources", {"prefix_states_mb": 384}, whole),
            ("assistant, no saved prefixes", {"prefix_states": 0}, settings.assistant),
            ("assistant, flash attention", {"prefix_states_mb": 448, "flash_attn": True}, settings.assistant)):
        base = get_model("builtin/smollm2", n_ctx=DEFAULT_N_CTX, n_threads=threads, **options)
        assistants[variant] = around(base, assistant_settings, data_dir=settings.data_dir, name=variant)
    # The assistant's exact prompt for each question (the same steps as its turn), for llama_cpp.server.
    prompts = {}
    assistant = assistants["assistant"].assistant
    for _, question in ASSISTANT_QUESTIONS + WARM_UP_QUESTIONS:
        turn = await asyncio.to_thread(assistant._prepare, [], question, None, lambda *a, **k: None)
        prompts[question] = [{"role": m.role, "content": m.content} for m in turn.request.messages]

    sides = ["raw", *assistants, *servers]

    async def ask(side: str, question: str) -> tuple[Any, Any]:
        """One turn of ``side``: (its Completion, the LlamaCppModel under it), (None, None) for a server."""
        if side == "raw":
            return await raw.complete(request_of(question, args.max_tokens)), _provider(raw)
        if side in assistants:
            return (await assistants[side].complete(request_of(question, args.max_tokens)),
                    _provider(assistants[side].base))
        await server_run(client, servers[side].url, prompts[question], params, False)
        return None, None

    warm_up = []
    for language, question in WARM_UP_QUESTIONS:
        for side in sides:
            start = time.perf_counter()
            _, provider = await ask(side, question)
            read = f", {provider.prompt_tokens_evaluated} tokens read" if provider is not None else ""
            warm_up.append(f"{side} {language} {time.perf_counter() - start:.2f} s{read}")
    print("warm-up turns (untimed):", "; ".join(warm_up), flush=True)
    seconds: dict[str, dict[str, list[float]]] = {s: {"en": [], "zh": []} for s in sides}
    evaluated: dict[str, dict[str, list[int]]] = {s: {"en": [], "zh": []} for s in sides}
    prompt_tokens: dict[str, dict[str, list[int]]] = {s: {"en": [], "zh": []} for s in sides}
    repeat: dict[str, dict[str, list[bool]]] = {s: {"en": [], "zh": []} for s in sides}  # asked in an earlier round
    for rnd in range(args.assistant_rounds):
        for i, (language, question) in enumerate(ASSISTANT_QUESTIONS):
            k = (rnd * len(ASSISTANT_QUESTIONS) + i) % len(sides)
            for side in sides[k:] + sides[:k]:
                start = time.perf_counter()
                done, provider = await ask(side, question)
                seconds[side][language].append(time.perf_counter() - start)
                repeat[side][language].append(rnd > 0)
                if done is not None:
                    prompt_tokens[side][language].append(done.usage.prompt_tokens)
                    evaluated[side][language].append(provider.prompt_tokens_evaluated)
        print(f"assistant: round {rnd + 1}/{args.assistant_rounds} done", flush=True)
    for a in assistants.values():
        await a.aclose()
    out: dict[str, Any] = {"warm_up": warm_up}
    print("\n| language | side | s per turn median [min–max] | prompt tokens median | evaluated median | "
          "× raw turn | first asks: median s, × raw | repeats: median s, × raw |")
    print("|---|---|---|---|---|---|---|---|")
    for language in ("en", "zh"):
        if not seconds["raw"][language]:
            continue
        raw_median = statistics.median(seconds["raw"][language])

        def split(side: str, again: bool, language: str = language) -> list[float]:
            return [t for t, r in zip(seconds[side][language], repeat[side][language], strict=True) if r == again]

        raw_split = {again: statistics.median(v) if (v := split("raw", again)) else None for again in (False, True)}
        for side in sides:
            values = seconds[side][language]
            median = statistics.median(values)
            p = statistics.median(prompt_tokens[side][language]) if prompt_tokens[side][language] else None
            e = statistics.median(evaluated[side][language]) if evaluated[side][language] else None
            parts = {}
            for again in (False, True):
                values_of = split(side, again)
                if values_of and raw_split[again]:
                    m = statistics.median(values_of)
                    parts[again] = (m, m / raw_split[again])
            out.setdefault(language, {})[side] = {"seconds": values, "median_s": median, "prompt_tokens": p,
                                                  "evaluated": e, "over_raw": median / raw_median,
                                                  "evaluated_each": evaluated[side][language],
                                                  "repeat_each": repeat[side][language],
                                                  "first_asks": parts.get(False), "repeats": parts.get(True)}
            p_text, e_text = ("–" if x is None else f"{x:.0f}" for x in (p, e))
            first, again_text = (f"{parts[k][0]:.2f}, {parts[k][1]:.2f}" if k in parts else "–" for k in (False, True))
            print(f"| {language} | {side} | {median:.2f} [{min(values):.2f}–{max(values):.2f}] | {p_text} | "
                  f"{e_text} | {median / raw_median:.2f} | {first} | {again_text} |")
    return out


# --------------------------------------------------------------------------------------------------


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--assistant-rounds", type=int, default=1,
                        help="rounds of the assistant row (from the second on, every question is a repeat)")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                        help="llama.cpp threads (generation and prompt) on every side")
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--rows", nargs="+", choices=ROWS, default=list(ROWS))
    parser.add_argument("--no-server", action="store_true", help="leave llama_cpp.server out")
    parser.add_argument("--auto", action="store_true", help="add medchat with its own thread default (see above)")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()

    import httpx

    from medchat.gateway import get_model
    from medchat.models.llama_context import import_llama_cpp

    llama_cpp = import_llama_cpp()  # as medchat imports it (its OpenMP settings apply to the direct side too)
    from medchat.models.builtin import smollm2_path
    from medchat.models.llama_cpp import DEFAULT_N_CTX

    run_id = time.strftime("%Y%m%d-%H%M%S")
    results_dir = HERE / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    output = args.output or results_dir / f"local_generation-{run_id}.json"
    threads = args.threads
    path = smollm2_path()
    signal.signal(signal.SIGTERM, _interrupt)  # stop the servers on `timeout` / kill too
    params = {"temperature": 0, "max_tokens": args.max_tokens, "repeat_penalty": 1.1, "top_p": 0.9}
    load_before = os.getloadavg()

    servers: dict[str, Server] = {}
    python = None if args.no_server else ensure_server(llama_cpp.__version__)
    if python is not None:
        servers["llama_cpp.server"] = Server(python, path, n_ctx=DEFAULT_N_CTX, threads=threads, cache=False,
                                             log=results_dir / f"llama-server-{run_id}.log")
        if "assistant" in args.rows:
            servers["llama_cpp.server --cache"] = Server(
                python, path, n_ctx=DEFAULT_N_CTX, threads=threads, cache=True,
                log=results_dir / f"llama-server-cache-{run_id}.log")
    summary: dict[str, Any] = {
        "run_id": run_id,
        "machine": f"{platform.machine()}, {threads} threads, {platform.python_version()}",
        "llama_cpp_python": llama_cpp.__version__,
        "rounds": args.rounds, "assistant_rounds": args.assistant_rounds, "max_tokens": args.max_tokens,
        "command": " ".join(sys.argv), "load_before": load_before, "rows": {},
    }
    try:
        async with httpx.AsyncClient(timeout=600) as client:
            for server in servers.values():
                await server.ready(client)
            direct = llama_cpp.Llama(model_path=str(path), n_ctx=DEFAULT_N_CTX, n_threads=threads,
                                     n_threads_batch=threads, verbose=False)
            model = get_model("builtin/smollm2", n_ctx=DEFAULT_N_CTX, n_threads=threads)
            extra: dict[str, Any] = {}
            if args.auto:  # a loaded context is identified by its options: n_ctx tells the second ones apart
                from medchat.models.cpu_shares import SHARES

                extra = {"auto": get_model("builtin/smollm2", n_ctx=DEFAULT_N_CTX),
                         "auto_b": get_model("builtin/smollm2", n_ctx=DEFAULT_N_CTX + 1)}
                if "concurrent" in args.rows:
                    extra |= {"all": get_model("builtin/smollm2", n_ctx=DEFAULT_N_CTX, n_threads=SHARES.cores),
                              "all_b": get_model("builtin/smollm2", n_ctx=DEFAULT_N_CTX + 1,
                                                 n_threads=SHARES.cores)}
                for m in extra.values():
                    await medchat_run(m, "Hello", args.max_tokens, stream=True)
            server = servers.get("llama_cpp.server")
            # Warm every side up (model load, first-call allocations).
            direct_run(direct, [{"role": "user", "content": "Hello"}], params, stream=True)
            await medchat_run(model, "Hello", args.max_tokens, stream=True)
            for s in servers.values():
                await server_run(client, s.url, [{"role": "user", "content": "Hello"}], params, False)
            if "generation" in args.rows:
                summary["rows"]["generation"] = await bench_generation(args, direct, model, server, client, params,
                                                                       extra)
            if "concurrent" in args.rows:
                summary["rows"]["concurrent"] = await bench_concurrent(args, direct, model, server, client, params,
                                                                       extra)
            direct.close()
            if "assistant" in args.rows:
                summary["rows"]["assistant"] = await bench_assistant(args, model, path, threads, servers, client,
                                                                     params)
            await model.aclose()
            for m in extra.values():
                await m.aclose()
    finally:
        for server in servers.values():
            server.stop()
    summary["load_after"] = os.getloadavg()
    output.write_text(json.dumps(summary, indent=2))
    print(f"\nrun {run_id}; load average before {load_before[0]:.2f}, after {summary['load_after'][0]:.2f}; "
          f"written to {output}")


if __name__ == "__main__":
    asyncio.run(main())
