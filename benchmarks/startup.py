"""Start-up cost: ``medchat --help`` and ``import medchat`` wall time, what gets imported, and the cold start
of the guarded assistant (one-shot ``ask --assistant``, the first turn of ``chat``).

Budget (docs/benchmarks.md): ``medchat --help`` < 0.3 s; ``import medchat`` pulls in no torch,
transformers, llama.cpp or provider SDK; ``ask --assistant`` and the first turn of ``chat`` answer within
2 s of the command starting.

    python benchmarks/startup.py [--runs 15] [--assistant-runs 5] [--baseline-src DIR]

Prints Markdown tables and writes them, with the command line, to ``benchmarks/results/startup-<time>.md``
(the run id).

The assistant rows run each command as a fresh process against a data directory of their own (one untimed
run first creates the database and whatever caches it keeps); "ready" is the time from starting the
process to the first byte of the answer on stdout, "exit" the time until it has stored the turn and quit,
"CPU" the process's user + system CPU time (steadier than wall time when the machine is busy).
``--baseline-src DIR`` (e.g. ``git archive HEAD src | tar -x -C /tmp/before``) also runs every assistant row
with ``DIR`` first on ``PYTHONPATH``, alternating with this tree, so a change is compared in one run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results"
LINES: list[str] = []


def out(text: str) -> None:
    """Print a line of the report and keep it for the results file."""
    print(text, flush=True)
    LINES.append(text)


HEAVY = ("torch", "transformers", "llama_cpp", "openai", "google.genai", "huggingface_hub", "pydantic_settings")
QUESTION = "What is a fever?"


def wall(cmd: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def timed_answer(cmd: list[str], env: dict[str, str], stdin: str | None, after: str) -> tuple[float, float, float]:
    """(seconds to the first stdout byte after ``after`` has been printed, seconds to exit, CPU seconds used)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if stdin is not None:
        assert proc.stdin is not None
        proc.stdin.write(stdin.encode())
        proc.stdin.close()
    assert proc.stdout is not None
    seen, ready = b"", None
    marker = after.encode()
    while chunk := os.read(proc.stdout.fileno(), 65536):
        seen += chunk
        if ready is None:
            cut = seen.find(marker) if marker else 0
            if cut >= 0 and len(seen) > cut + len(marker):
                ready = time.perf_counter() - start
    err = proc.stderr.read() if proc.stderr else b""
    _, status, usage = os.wait4(proc.pid, 0)  # the child's CPU time: steadier than wall time on a busy machine
    done = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{err.decode(errors='replace')[-2000:]}")
    return ready if ready is not None else float("nan"), done, usage.ru_utime + usage.ru_stime


def assistant_rows(runs: int, baseline: str | None) -> None:
    exe = str(Path(sys.executable).parent / "medchat")
    ask = [exe, "ask", "--assistant", QUESTION]
    commands = {
        "ask --assistant -m builtin/extractive": ([*ask, "-m", "builtin/extractive"], None, ""),
        "ask --assistant -m builtin/smollm2 --max-tokens 32": ([*ask, "-m", "builtin/smollm2", "--max-tokens", "32"],
                                                               None, ""),
        "chat -m builtin/extractive, first turn": ([exe, "chat", "-m", "builtin/extractive"], QUESTION + "\n",
                                                   QUESTION + "\n"),
        "chat -m builtin/smollm2, first turn": ([exe, "chat", "-m", "builtin/smollm2"], QUESTION + "\n",
                                                QUESTION + "\n"),
    }
    sides = {"this tree": None} if baseline is None else {"baseline": baseline, "this tree": None}
    out("\n| command | side | ready median s | ready p90 s | exit median s | CPU median s | runs |\n"
        "|---|---|---|---|---|---|---|")
    for name, (cmd, stdin, after) in commands.items():
        results: dict[str, tuple[list[float], list[float], list[float]]] = {side: ([], [], []) for side in sides}
        with tempfile.TemporaryDirectory() as data:
            envs = {}
            for side, src in sides.items():
                # Each side its own data and cache folders (the cache holds llama.cpp's saved prompt prefixes).
                home = Path(data) / side.replace(" ", "_")
                env = {**os.environ, "XDG_DATA_HOME": str(home), "XDG_CACHE_HOME": str(home / "cache")}
                if src:
                    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
                envs[side] = env
                timed_answer(cmd, env, stdin, after)  # untimed: creates the database and any caches
            for i in range(runs):
                order = list(sides) if i % 2 == 0 else list(reversed(sides))
                for side in order:
                    for values, value in zip(results[side], timed_answer(cmd, envs[side], stdin, after), strict=True):
                        values.append(value)
        for side, (ready, done, cpu) in results.items():
            p90 = statistics.quantiles(ready, n=10)[-1] if len(ready) > 1 else ready[0]
            out(f"| `{name}` | {side} | {statistics.median(ready):.2f} | {p90:.2f} | "
                f"{statistics.median(done):.2f} | {statistics.median(cpu):.2f} | {len(ready)} |")


STARTED = time.time()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--assistant-runs", type=int, default=5, help="per assistant row and side (0: skip them)")
    parser.add_argument("--baseline-src", help="a src/ folder to compare the assistant rows against")
    args = parser.parse_args()
    py = sys.executable
    if args.runs:
        rows = {
            "python -c pass (interpreter floor)": wall([py, "-c", "pass"], args.runs),
            "import medchat": wall([py, "-c", "import medchat"], args.runs),
            "medchat --help": wall([str(Path(py).parent / "medchat"), "--help"], args.runs),
            "medchat --version": wall([str(Path(py).parent / "medchat"), "--version"], args.runs),
        }
        out("| command | median s | p90 s | runs |\n|---|---|---|---|")
        for name, times in rows.items():
            p90 = statistics.quantiles(times, n=10)[-1]
            out(f"| {name} | {statistics.median(times):.3f} | {p90:.3f} | {len(times)} |")
        code = ("import sys, medchat, medchat.cli.app; "
                f"print(','.join(m for m in {HEAVY!r} if m in sys.modules) or 'none')")
        loaded = subprocess.run([py, "-c", code], check=True, capture_output=True, text=True).stdout.strip()
        out(f"\nheavy modules loaded by `import medchat` + the CLI app: {loaded}")
    if args.assistant_runs:
        assistant_rows(args.assistant_runs, args.baseline_src)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"startup-{time.strftime('%Y%m%d-%H%M%S', time.localtime(STARTED))}.md"
    path.write_text(f"`python {' '.join(sys.argv)}`\n\n" + "\n".join(LINES) + "\n", encoding="utf-8")
    print(f"\nwritten: {path}")


if __name__ == "__main__":
    main()
