"""The gateway against upstreams that fail: ``medchat eval`` loses no sample, and stays under a rate limit.

(a) A flaky upstream. Two local upstreams, each in a process of its own: one fault-free, one failing a share of
calls in every way ``tests/wire/faults.py`` knows (429 with Retry-After, 500, 503, hangs past the client's timeout,
bodies cut mid-way, invalid JSON, reset connections, incomplete chunked reads), deterministically by seed. The same
``medchat eval`` (a generated JSONL file, a ``medchat.toml`` alias with ``base_url`` and a short ``timeout_s``,
``--concurrency 16``, millisecond backoff) runs as a subprocess against each; against the faulty one once more
without retries (``MEDCHAT_RETRY__MAX_ATTEMPTS=1``), to show what the retries save, and once without the AIMD
limit (``MEDCHAT_GATEWAY__ADAPTIVE=false``), to show what it costs here; once with two tries and the
fault-free upstream as a fallback; and once with both upstreams as deployments of one alias (least-busy).
Recorded per configuration: samples answered (each stored once), the run's time (stored run created → finished,
so without the command's start-up) and the extra over the fault-free upstream, upstream calls per sample (and
those the second upstream answered), and the stored per-answer timing (latency of the answering attempt,
end-to-end time, attempts).

(b) A rate-limited upstream: at most N requests in any W seconds (scaled down from a per-minute limit: N per 10 s
by default), 429 with the Retry-After until a slot frees beyond that. The same eval with no client limits (the
gateway's adaptive layer off), with AIMD and the Retry-After hold only, and with AIMD and ``rpm`` set to the
limit. Recorded: requests the upstream refused, and requests accepted per window after the first, against N.

    python benchmarks/faults.py [--part flaky|rate|both] [--samples 200] [--rate 0.3] [--seed 11]
        [--concurrency 16] [--repeat 3] [--rate-limit 30] [--rate-window 10] [--rate-samples 150]

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


def serve_forever(kind: str, options: dict[str, Any], ports: Any) -> None:
    sys.path.insert(0, str(ROOT))  # the fake server and its upstreams live with the wire tests
    from tests.wire.fake_server import FakeServer
    from tests.wire.faults import FaultPlan, RateLimited

    with FakeServer() as server:
        upstream = FaultPlan(**options, answer=answer) if kind == "faults" else RateLimited(**options, answer=answer)
        server.handler = upstream.reply
        ports.put(server.port)
        threading.Event().wait()


def question(i: int) -> str:
    return f"Question number {i} about hydration?"


def answer(prompt: str) -> str:
    return "answer " + prompt.split("number ")[1].split()[0]


def start_upstream(context: Any, kind: str, **options: Any) -> tuple[Any, str]:
    ports = context.Queue()
    process = context.Process(target=serve_forever, args=(kind, options, ports), daemon=True)
    process.start()
    return process, f"http://127.0.0.1:{ports.get(timeout=60)}"


def ask(url: str, what: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{url}/{what}", timeout=10) as response:
        return json.loads(response.read())


def alias(name: str, url: str, timeout: float, extra: str = "") -> str:
    return (f'[models.{name}]\nmodel = "openai/bench"\nbase_url = "{url}/v1"\napi_key = "sk-bench"\n'
            f"timeout_s = {timeout}\n{extra}\n")


def one_eval(work: Path, config: str, upstreams: list[str], args: argparse.Namespace, *, samples: int,
             env: dict[str, str] | None = None) -> dict[str, Any]:
    """One ``medchat eval`` of the alias ``upstream`` in a fresh data directory; what it stored and what the
    upstreams saw (each reset first, so every repetition meets the same faults)."""
    data = work / f"samples-{samples}.jsonl"
    if not data.exists():
        data.write_text("".join(json.dumps({"id": f"q{i}", "input": question(i), "target": [f"answer {i}"]}) + "\n"
                                for i in range(samples)), encoding="utf-8")
    path = work / f"medchat-{len(list(work.glob('medchat-*.toml')))}.toml"
    path.write_text(config)
    data_dir = work / path.stem
    env = {**os.environ, "MEDCHAT_CONFIG": str(path), "MEDCHAT_DATA_DIR": str(data_dir), **(env or {})}
    for url in upstreams:
        ask(url, "reset")
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "medchat.cli", "eval", str(data), "-m", "upstream", "--limit",
                          str(samples), "--concurrency", str(args.concurrency), "--scorer", "exact_match",
                          "--scorer", "performance", "--no-report", "--max-errors", "100%"],
                         capture_output=True, text=True, env=env, timeout=900)
    wall = time.perf_counter() - start
    if out.returncode != 0:
        raise SystemExit(f"medchat eval failed ({out.returncode}): {out.stderr[-2000:]}")
    with sqlite3.connect(data_dir / "medchat.db") as db:
        rows = db.execute("SELECT sample_id, error, metrics FROM sample_results").fetchall()
        created, finished = db.execute("SELECT created_at, updated_at FROM eval_runs").fetchone()
    answered = [json.loads(metrics) for _s, error, metrics in rows if error is None]
    seen = [ask(url, "stats") for url in upstreams]
    return {
        "wall_s": wall,  # the whole command, start-up (~2 s of imports) included
        "run_s": (datetime.fromisoformat(finished) - datetime.fromisoformat(created)).total_seconds(),
        "stored": len(rows),
        "distinct": len({sample for sample, _e, _m in rows}),
        "answered": len(answered),
        "correct": sum(m.get("exact_match") == 1.0 for m in answered),
        "calls": sum(stats["calls"] for stats in seen),
        "calls_per_upstream": [stats["calls"] for stats in seen],
        "upstreams": seen,
        "mean_latency_s": statistics.fmean(m["performance.latency_s"] for m in answered) if answered else None,
        "mean_e2e_s": statistics.fmean(m["performance.e2e_s"] for m in answered) if answered else None,
        "max_e2e_s": max((m["performance.e2e_s"] for m in answered), default=None),
        "mean_attempts": statistics.fmean(m["performance.attempts"] for m in answered) if answered else None,
        "max_attempts": max((m["performance.attempts"] for m in answered), default=None),
    }


def num(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def flaky(args: argparse.Namespace, context: Any, tmp: Path) -> dict[str, Any]:
    """(a) A flaky upstream: every sample answered and stored once, at what cost in time and calls."""
    clean_process, clean = start_upstream(context, "faults", seed=args.seed, rate=0.0)
    faulty_process, faulty = start_upstream(context, "faults", seed=args.seed, rate=args.rate)
    retry = (f"[retry]\nmax_attempts = {args.max_attempts}\nbackoff_base_s = {args.backoff}\n"
             f"backoff_max_s = {args.backoff * 10}\njitter = 0.25\n\n")
    deployments = (f'deployments = [{{ base_url = "{faulty}/v1" }}, {{ base_url = "{clean}/v1" }}]\n'
                   'strategy = "least-busy"')
    configurations = [  # name, medchat.toml, upstreams asked, environment
        ("fault-free", retry + alias("upstream", clean, args.timeout), [clean], {}),
        ("faulty, retries", retry + alias("upstream", faulty, args.timeout), [faulty], {}),
        ("faulty, retries, no AIMD", retry + alias("upstream", faulty, args.timeout), [faulty],
         {"MEDCHAT_GATEWAY__ADAPTIVE": "false"}),
        ("faulty, no retries", retry + alias("upstream", faulty, args.timeout), [faulty],
         {"MEDCHAT_RETRY__MAX_ATTEMPTS": "1"}),
        ("faulty, 2 tries + fallback", retry + alias("upstream", faulty, args.timeout, 'fallbacks = ["clean"]')
         + alias("clean", clean, args.timeout), [faulty, clean], {"MEDCHAT_RETRY__MAX_ATTEMPTS": "2"}),
        ("faulty + clean deployments", retry + alias("upstream", faulty, args.timeout, deployments),
         [faulty, clean], {}),
    ]
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name, *_ in configurations}
    for _ in range(args.repeat):  # interleaved, so a change in machine load touches every configuration
        for name, config, upstreams, env in configurations:
            runs[name].append(one_eval(tmp, config, upstreams, args, samples=args.samples, env=env))
    clean_process.terminate()
    faulty_process.terminate()

    baseline = statistics.median(r["run_s"] for r in runs["fault-free"])
    rows = []
    print(f"(a) {args.samples} samples, concurrency {args.concurrency}, {args.rate:.0%} of calls failing "
          f"(seed {args.seed}), timeout_s {args.timeout:g}, backoff {args.backoff * 1000:g} ms; "
          f"median of {args.repeat} runs")
    print(f"{'upstream':<27} {'answered':>9} {'stored':>7} {'run s':>6} {'extra s':>8} {'calls/sample':>13} "
          f"{'to 2nd':>7} {'latency s':>10} {'e2e s':>7} {'max e2e':>8} {'attempts':>9}")
    for name, results in runs.items():
        median = {key: statistics.median(r[key] for r in results) for key in ("wall_s", "run_s", "calls")}
        last = results[-1]
        second = last["calls_per_upstream"][1] if len(last["calls_per_upstream"]) > 1 else None
        row = {"upstream": name, "answered": last["answered"], "samples": args.samples, "stored": last["stored"],
               "distinct": last["distinct"], "correct": last["correct"], "wall_s": median["wall_s"],
               "run_s": median["run_s"], "extra_run_s": median["run_s"] - baseline,
               "calls_per_sample": median["calls"] / args.samples, "calls_to_second_upstream": second,
               **{k: last[k] for k in ("mean_latency_s", "mean_e2e_s", "max_e2e_s", "mean_attempts", "max_attempts")},
               "runs": results}
        rows.append(row)
        print(f"{name:<27} {row['answered']:>5}/{args.samples:<3} {row['stored']:>7} {row['run_s']:>6.2f} "
              f"{row['extra_run_s']:>+8.2f} {row['calls_per_sample']:>13.2f} {'–' if second is None else second:>7} "
              f"{num(row['mean_latency_s']):>10} {num(row['mean_e2e_s']):>7} {num(row['max_e2e_s'], 2):>8} "
              f"{num(row['mean_attempts'], 2):>9}")
    return {"samples": args.samples, "rate": args.rate, "seed": args.seed, "timeout_s": args.timeout,
            "max_attempts": args.max_attempts, "backoff_base_s": args.backoff, "repeat": args.repeat, "rows": rows}


def windows(accepted_at: list[float], window_s: float) -> list[int]:
    """Requests accepted in each whole window after the first (the first may hold a burst the limit allows once)."""
    if not accepted_at:
        return []
    first, last = accepted_at[0], accepted_at[-1]
    counts, start = [], first + window_s
    while start + window_s <= last:
        counts.append(sum(start <= t < start + window_s for t in accepted_at))
        start += window_s
    return counts


def rate_limited(args: argparse.Namespace, context: Any, tmp: Path) -> dict[str, Any]:
    """(b) A rate-limited upstream: how close to its limit each client gets, and how many requests it refuses."""
    limit, window_s = args.rate_limit, args.rate_window
    process, url = start_upstream(context, "rate", limit=limit, window_s=window_s, latency_s=args.rate_latency)
    retry = f"[retry]\nmax_attempts = {args.max_attempts}\nbackoff_base_s = 0.05\nbackoff_max_s = 1\n\n"
    rpm = round(limit * 60 / window_s)
    configurations = [
        ("no client limits", retry + "[gateway]\nadaptive = false\n\n" + alias("upstream", url, 30)),
        ("AIMD + Retry-After", retry + alias("upstream", url, 30)),
        (f"AIMD + rpm = {rpm}", retry + alias("upstream", url, 30, f"rpm = {rpm}")),
    ]
    print(f"(b) at most {limit} requests in any {window_s:g} s (a sliding log; 429 + Retry-After beyond), answers "
          f"taking {args.rate_latency:g} s; {args.rate_samples} samples at concurrency {args.concurrency}")
    print(f"{'client':<22} {'answered':>9} {'stored':>7} {'run s':>6} {'calls':>6} {'429s':>5} {'refused':>8} "
          f"{'per window (after the 1st)':>28} {'of limit':>9}")
    rows = []
    for name, config in configurations:
        result = one_eval(tmp, config, [url], args, samples=args.rate_samples)
        stats = result["upstreams"][0]
        per_window = windows(stats["accepted_at"], window_s)
        use = statistics.fmean(per_window) / limit if per_window else None
        refused = stats["rejected"] / stats["calls"] if stats["calls"] else 0.0
        row = {"client": name, **{k: v for k, v in result.items() if k != "upstreams"}, "rejected": stats["rejected"],
               "refused_share": refused, "per_window": per_window, "of_limit": use,
               "accepted_at": stats["accepted_at"], "rejected_at": stats["rejected_at"]}
        rows.append(row)
        print(f"{name:<22} {row['answered']:>5}/{args.rate_samples:<3} {row['stored']:>7} {row['run_s']:>6.1f} "
              f"{row['calls']:>6} {row['rejected']:>5} {refused:>8.1%} {per_window!s:>28} "
              f"{'–' if use is None else f'{use:.0%}':>9}")
    process.terminate()
    return {"limit": limit, "window_s": window_s, "latency_s": args.rate_latency, "samples": args.rate_samples,
            "rpm": rpm, "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--part", choices=("flaky", "rate", "both"), default="both")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--rate", type=float, default=0.3, help="share of calls that fail")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--timeout", type=float, default=0.25, help="the alias's timeout_s: when a hang fails")
    parser.add_argument("--max-attempts", type=int, default=10)
    parser.add_argument("--backoff", type=float, default=0.002, help="backoff_base_s")
    parser.add_argument("--repeat", type=int, default=3, help="runs per configuration (the median is shown)")
    parser.add_argument("--rate-limit", type=int, default=30, help="(b) requests the upstream allows per window")
    parser.add_argument("--rate-window", type=float, default=10.0, help="(b) the window, seconds")
    parser.add_argument("--rate-latency", type=float, default=0.1, help="(b) seconds each answer takes")
    parser.add_argument("--rate-samples", type=int, default=150)
    args = parser.parse_args()

    context = multiprocessing.get_context("spawn")
    load_before = os.getloadavg()[0]
    results: dict[str, Any] = {"concurrency": args.concurrency, "cpu_count": os.cpu_count(),
                               "python": platform.python_version(), "load_before": load_before}
    with tempfile.TemporaryDirectory() as tmp:
        if args.part in ("flaky", "both"):
            results["flaky"] = flaky(args, context, Path(tmp))
        if args.part in ("rate", "both"):
            results["rate_limited"] = rate_limited(args, context, Path(tmp))
    results["load_after"] = os.getloadavg()[0]
    out = Path(__file__).with_name("results") / "faults.json"
    out.parent.mkdir(exist_ok=True)
    if args.part != "both" and out.exists():  # keep the other part's last results
        results = {**json.loads(out.read_text()), **results}
    out.write_text(json.dumps(results, indent=2))
    print(f"load average {load_before:.2f} → {results['load_after']:.2f}; written {out}")


if __name__ == "__main__":
    main()
