"""Start-up cost: ``medchat --help`` and ``import medchat`` wall time, and what gets imported.

Budget (docs/benchmarks.md): ``medchat --help`` < 0.3 s; ``import medchat`` pulls in no torch,
transformers, llama.cpp or provider SDK.

    python benchmarks/startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

HEAVY = ("torch", "transformers", "llama_cpp", "openai", "google.genai", "huggingface_hub", "pydantic_settings")


def wall(cmd: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    py = sys.executable
    rows = {
        "python -c pass (interpreter floor)": wall([py, "-c", "pass"], args.runs),
        "import medchat": wall([py, "-c", "import medchat"], args.runs),
        "medchat --help": wall([str(Path(py).parent / "medchat"), "--help"], args.runs),
        "medchat --version": wall([str(Path(py).parent / "medchat"), "--version"], args.runs),
    }
    print("| command | median s | p90 s | runs |\n|---|---|---|---|")
    for name, times in rows.items():
        p90 = statistics.quantiles(times, n=10)[-1]
        print(f"| {name} | {statistics.median(times):.3f} | {p90:.3f} | {len(times)} |")
    code = ("import sys, medchat, medchat.cli.app; "
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules) or 'none')")
    loaded = subprocess.run([py, "-c", code], check=True, capture_output=True, text=True).stdout.strip()
    print(f"\nheavy modules loaded by `import medchat` + the CLI app: {loaded}")


if __name__ == "__main__":
    main()
