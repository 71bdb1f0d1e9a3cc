"""A flaky upstream loses no sample: ``medchat eval`` against an OpenAI-compatible server failing ~30 % of calls.

Two local upstreams, each in a process of its own: one fault-free, one failing a share of calls in every way
``tests/wire/faults.py`` knows (429 with Retry-After, 500, 503, hangs past the client's timeout, bodies cut
mid-way, invalid JSON, reset connections, incomplete chunked reads), deterministically by seed. The same
``medchat eval`` (a generated JSONL file, a ``medchat.toml`` alias with ``base_url`` and a short
``timeout_s``, ``--concurrency 16``, millisecond backoff) runs as a subprocess against each, and against the
faulty one once more without retries (``MEDCHAT_RETRY__MAX_ATTEMPTS=1``), to show what the retries save.
Recorded per configuration: samples answered (each stored once), the run's time (stored run created → finished,
so without the command's start-up) and the extra over the fault-free upstream, upstream calls per sample, and
the stored per-answer timing (latency of the answering attempt, end-to-end time, attempts).

    python benchmarks/faults.py [--samples 200] [--rate 0.3] [--seed 11] [--concurrency 16] [--repeat 3]

Results go to stdout and benchmarks/results/faults.json.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def serve_forever(seed: int, rate: float, ports: Any) -> None:
    sys.path.insert(0, str(ROOT))  # the fake server and its fault plan live with the wire tests
    from tests.wire.fake_server import FakeServer
    from tests.wire.faults import FaultPlan

    with FakeServer() as server:
        server.handler = FaultPlan(seed=seed, rate=rate, answer=answer).reply
        ports.put(server.port)
        threading.Event().wait()


def question(i: int) -> str:
    return f"Question number {i} about hydration?"


def answer(prompt: str) -> str:
    return "answer " + prompt.split("number ")[1].split()[0]


def start_upstream(context: Any, seed: int, rate: float) -> tuple[Any, str]:
    ports = context.Queue()
    process = context.Process(target=serve_forever, args=(seed, rate, ports), daemon=True)
    process.start()
    return process, f"http://127.0.0.1:{ports.get(timeout=60)}"


def ask(url: str, what: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{url}/{what}", timeout=10) as response:
        return json.loads(response.read())


def one_eval(work: Path, url: str, args: argparse.Namespace, *, retries: bool) -> dict[str, Any]:
    """One ``medchat eval`` in a fresh data directory; what it stored and what the upstream saw."""
    data = work / "samples.jsonl"
    if not data.exists():
        data.write_text("".join(json.dumps({"id": f"q{i}", "input": question(i), "target": [f"answer {i}"]}) + "\n"
                                for i in range(args.samples)), encoding="utf-8")
    config = work / f"medchat-{len(list(work.glob('medchat-*.toml')))}.toml"
    config.write_text(f'[models.upstream]\nmodel = "openai/bench"\nbase_url = "{url}/v1"\napi_key = "sk-bench"\n'
                      f'timeout_s = {args.timeout}\n\n[retry]\nmax_attempts = {args.max_attempts}\n'
                      f'backoff_base_s = {args.backoff}\nbackoff_max_s = {args.backoff * 10}\njitter = 0.25\n')
    data_dir = work / config.stem
    env = {**os.environ, "MEDCHAT_CONFIG": str(config), "MEDCHAT_DATA_DIR": str(data_dir)}
    if not retries:
        env["MEDCHAT_RETRY__MAX_ATTEMPTS"] = "1"
    ask(url, "reset")  # every repetition meets the same faults
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "medchat.cli", "eval", str(data), "-m", "upstream", "--limit",
                          str(args.samples), "--concurrency", str(args.concurrency), "--scorer", "exact_match",
                          "--scorer", "performance", "--no-report", "--max-errors", "100%"],
                         capture_output=True, text=True, env=env, timeout=600)
    wall = time.perf_counter() - start
    if out.returncode != 0:
        raise SystemExit(f"medchat eval failed ({out.returncode}): {out.stderr[-2000:]}")
    with sqlite3.connect(data_dir / "medchat.db") as db:
        rows = db.execute("SELECT sample_id, error, metrics FROM sample_results").fetchall()
        created, finished = db.execute("SELECT created_at, updated_at FROM eval_runs").fetchone()
    answered = [json.loads(metrics) for _s, error, metrics in rows if error is None]
    return {
        "wall_s": wall,  # the whole command, start-up (~2 s of imports) included
        "run_s": (datetime.fromisoformat(finished) - datetime.fromisoformat(created)).total_seconds(),
        "stored": len(rows),
        "distinct": len({sample for sample, _e, _m in rows}),
        "answered": len(answered),
        "correct": sum(m.get("exact_match") == 1.0 for m in answered),
        "calls": ask(url, "stats")["calls"],
        "mean_latency_s": statistics.fmean(m["performance.latency_s"] for m in answered) if answered else None,
        "mean_e2e_s": statistics.fmean(m["performance.e2e_s"] for m in answered) if answered else None,
        "max_e2e_s": max((m["performance.e2e_s"] for m in answered), default=None),
        "mean_attempts": statistics.fmean(m["performance.attempts"] for m in answered) if answered else None,
        "max_attempts": max((m["performance.attempts"] for m in answered), default=None),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--rate", type=float, default=0.3, help="share of calls that fail")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--timeout", type=float, default=0.25, help="the alias's timeout_s: when a hang fails")
    parser.add_argument("--max-attempts", type=int, default=10)
    parser.add_argument("--backoff", type=float, default=0.002, help="backoff_base_s")
    parser.add_argument("--repeat", type=int, default=3, help="runs per configuration (the median is shown)")
    args = parser.parse_args()

    context = multiprocessing.get_context("spawn")
    clean_process, clean = start_upstream(context, args.seed, 0.0)
    faulty_process, faulty = start_upstream(context, args.seed, args.rate)
    configurations = [("fault-free", clean, True), ("faulty, retries", faulty, True),
                      ("faulty, no retries", faulty, False)]
    load_before = os.getloadavg()[0]
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name, _url, _r in configurations}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeat):  # interleaved, so a change in machine load touches every configuration
            for name, url, retries in configurations:
                runs[name].append(one_eval(Path(tmp), url, args, retries=retries))
    clean_process.terminate()
    faulty_process.terminate()

    baseline = statistics.median(r["run_s"] for r in runs["fault-free"])
    rows = []
    print(f"{args.samples} samples, concurrency {args.concurrency}, {args.rate:.0%} of calls failing "
          f"(seed {args.seed}), timeout_s {args.timeout:g}, backoff {args.backoff * 1000:g} ms; "
          f"median of {args.repeat} runs")
    header = (f"{'upstream':<19} {'answered':>9} {'stored':>7} {'run s':>6} {'extra s':>8} {'calls/sample':>13} "
              f"{'latency s':>10} {'e2e s':>7} {'max e2e':>8} {'attempts':>9}")
    print(header)
    for name, results in runs.items():
        median = {key: statistics.median(r[key] for r in results) for key in ("wall_s", "run_s", "calls")}
        last = results[-1]
        row = {"upstream": name, "answered": last["answered"], "samples": args.samples, "stored": last["stored"],
               "distinct": last["distinct"], "correct": last["correct"], "wall_s": median["wall_s"],
               "run_s": median["run_s"], "extra_run_s": median["run_s"] - baseline,
               "calls_per_sample": median["calls"] / args.samples,
               **{k: last[k] for k in ("mean_latency_s", "mean_e2e_s", "max_e2e_s", "mean_attempts", "max_attempts")},
               "runs": results}
        rows.append(row)

        def num(value: float | None, digits: int = 3) -> str:
            return "–" if value is None else f"{value:.{digits}f}"

        print(f"{name:<19} {row['answered']:>5}/{args.samples:<3} {row['stored']:>7} {row['run_s']:>6.2f} "
              f"{row['extra_run_s']:>+8.2f} {row['calls_per_sample']:>13.2f} {num(row['mean_latency_s']):>10} "
              f"{num(row['mean_e2e_s']):>7} {num(row['max_e2e_s'], 2):>8} {num(row['mean_attempts'], 2):>9}")
    out = Path(__file__).with_name("results") / "faults.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"samples": args.samples, "rate": args.rate, "seed": args.seed,
                               "concurrency": args.concurrency, "timeout_s": args.timeout,
                               "max_attempts": args.max_attempts, "backoff_base_s": args.backoff,
                               "repeat": args.repeat, "rows": rows, "cpu_count": os.cpu_count(),
                               "python": platform.python_version(), "load_before": load_before,
                               "load_after": os.getloadavg()[0]}, indent=2))
    print(f"load average {load_before:.2f} → {os.getloadavg()[0]:.2f}; written {out}")


if __name__ == "__main__":
    main()
