"""How fast medchat rates a million battles, against FastChat's own algorithm as FastChat runs it, in one run.

Synthetic battles (seeded): ``--models`` models with true ratings drawn around 1000 (sd 150), pairs drawn
uniformly, 15 % ties (a third of them "tie (bothbad)"), the rest won as Bradley–Terry says; answer lengths drawn
per model. They are written to one JSONL file in a temporary folder, which both sides read.

medchat (each measurement in its own process, so its peak resident memory is its own; "base" is that process
after importing medchat and numpy and loading the coded battles, before the measured work):

- ``read``: the JSONL file streamed through ``arena.read_all`` (pydantic per line) into a ``BattleTable``;
- ``bt``: Bradley–Terry on the pair counts (counting included), no bootstrap;
- ``bt+bootstrap``: the same with ``--rounds`` bootstrap rounds (multinomial over pair-outcome cells);
- ``elo``: FastChat's online Elo, one pass in file order.

The peer is FastChat's ``compute_mle_elo`` (one row per battle, every battle twice, scikit-learn's
``LogisticRegression``), its bootstrap (``battles.sample(frac=1, replace=True)`` per round) and its online Elo,
run by ``benchmarks/arena_peer.py`` in ``benchmarks/.venv-arena`` (made here with pip: pandas, scikit-learn, and
evalica when it installs; never medchat dependencies). Its dense design matrix (2 rows × models floats per
battle) and a full refit per round make it slow: it gets ``--peer-battles`` battles and ``--peer-rounds`` rounds,
and the table says so. Agreement is measured on the same battles: medchat's BT against FastChat's and evalica's,
and both online Elos on the same order.

    python benchmarks/arena.py [--battles 1000000] [--models 100] [--rounds 100] [--peer-battles 1000000]
                               [--peer-rounds 3] [--no-peer]

Prints a table and writes ``benchmarks/results/arena-<time>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
PEER_VENV = HERE / ".venv-arena"
sys.path.insert(0, str(ROOT / "src"))


# ---------------------------------------------------------------------------------------------- battles


def synthesize(battles: int, models: int, seed: int, folder: Path) -> Path:
    """Write the battles as JSONL and as coded arrays (``battles.npz``, for the workers that skip reading)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    names = np.array([f"model-{k:03d}" for k in range(models)])
    strength = rng.normal(1000, 150, models)
    verbosity = rng.uniform(300, 1500, models)
    a = rng.integers(0, models, battles)
    b = (a + rng.integers(1, models, battles)) % models
    p = 1 / (1 + 10 ** ((strength[b] - strength[a]) / 400))
    u = rng.random(battles)
    tie = u < 0.15
    outcome = np.where(tie, np.where(rng.random(battles) < 1 / 3, 3, 2), np.where(rng.random(battles) < p, 0, 1))
    length_a = np.maximum(1, rng.normal(verbosity[a], 200)).astype(int)
    length_b = np.maximum(1, rng.normal(verbosity[b], 200)).astype(int)
    winners = np.array(["model_a", "model_b", "tie", "tie (bothbad)"])
    path = folder / "battles.jsonl"
    with path.open("w") as handle:
        for ma, mb, w, la, lb in zip(names[a].tolist(), names[b].tolist(), winners[outcome].tolist(),
                                     length_a.tolist(), length_b.tolist(), strict=True):
            handle.write(f'{{"model_a": "{ma}", "model_b": "{mb}", "winner": "{w}", "length_a": {la}, '
                         f'"length_b": {lb}}}\n')
    np.savez(folder / "battles.npz", names=names, a=a, b=b, outcome=outcome, length_a=length_a, length_b=length_b)
    return path


# ---------------------------------------------------------------------------------------------- medchat worker


def _rss_mb(field: str = "VmHWM") -> float:
    """This process's peak (``VmHWM``) or current (``VmRSS``) resident memory. Not ``ru_maxrss``: Linux carries that
    over a fork and exec from the parent, which holds the synthetic battles."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(kind: str, folder: Path, rounds: int, rows: int | None) -> dict[str, Any]:
    import numpy as np

    from medchat.evaluation.arena import BattleTable, rate, read_all

    out: dict[str, Any] = {}
    if kind == "read":
        base = _rss_mb("VmRSS")
        start = time.perf_counter()
        table = BattleTable.from_battles(read_all([folder / "battles.jsonl"]))
        out.update(seconds=time.perf_counter() - start, battles=len(table))
    else:
        data = np.load(folder / "battles.npz")
        n = rows or len(data["a"])
        table = BattleTable.from_arrays([str(x) for x in data["names"]], data["a"][:n], data["b"][:n],
                                        data["outcome"][:n], data["length_a"][:n], data["length_b"][:n])
        base = _rss_mb("VmRSS")
        method = "elo" if kind == "elo" else "bt"
        start = time.perf_counter()
        board = rate(table, method=method, rounds=rounds if kind == "bt+bootstrap" else 0)
        out.update(seconds=time.perf_counter() - start, battles=len(table),
                   ratings={row.model: row.rating for row in board.rows},
                   ci={row.model: [row.ci_low, row.ci_high] for row in board.rows})
    out.update(base_mb=base, peak_mb=_rss_mb())
    return out


def run_worker(kind: str, folder: Path, rounds: int, rows: int | None = None) -> dict[str, Any]:
    command = [sys.executable, __file__, "--worker", kind, "--folder", str(folder), "--rounds", str(rounds)]
    if rows:
        command += ["--rows", str(rows)]
    done = subprocess.run(command, capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------- peer


def ensure_peer() -> Path | None:
    """The peer virtualenv's python, made on first use; None if pandas or scikit-learn cannot be installed."""
    python = PEER_VENV / "bin" / "python"
    try:
        if not python.exists():
            print(f"making {PEER_VENV} (pandas, scikit-learn, evalica; once)...", flush=True)
            subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
        if subprocess.run([str(python), "-c", "import pandas, sklearn"], capture_output=True).returncode:
            subprocess.run([str(python), "-m", "pip", "install", "-q", "pandas", "scikit-learn"], check=True,
                           timeout=900)
        if subprocess.run([str(python), "-c", "import evalica"], capture_output=True).returncode:
            installed = subprocess.run([str(python), "-m", "pip", "install", "-q", "evalica"], timeout=900)
            if installed.returncode:
                print("evalica did not install: compared with FastChat's code only", flush=True)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        print(f"peer skipped: could not make {PEER_VENV} ({exc})", flush=True)
        return None
    return python


def run_peer(python: Path, folder: Path, rows: int, rounds: int) -> dict[str, Any]:
    out = folder / "peer.json"
    start = time.perf_counter()
    subprocess.run([str(python), str(HERE / "arena_peer.py"), str(folder / "battles.jsonl"), str(rows), str(rounds),
                    str(out)], check=True)
    result = json.loads(out.read_text())
    result["wall_s"] = time.perf_counter() - start
    return result


def agreement(ours: dict[str, float], theirs: dict[str, float]) -> dict[str, float]:
    import numpy as np

    models = sorted(ours)
    diff = np.array([ours[m] - theirs[m] for m in models])
    return {"max_abs": float(np.abs(diff).max()), "mean_abs": float(np.abs(diff).mean())}


# ---------------------------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--battles", type=int, default=1_000_000)
    parser.add_argument("--models", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--peer-battles", type=int, default=1_000_000)
    parser.add_argument("--peer-rounds", type=int, default=3)
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.folder, args.rounds, args.rows)))
        return

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="medchat-arena-") as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        path = synthesize(args.battles, args.models, args.seed, folder)
        print(f"{args.battles:,} battles over {args.models} models written in {time.perf_counter() - start:.1f} s "
              f"({path.stat().st_size / 1e6:.0f} MB of JSONL)", flush=True)
        ours = {kind: run_worker(kind, folder, args.rounds) for kind in ("read", "bt", "bt+bootstrap", "elo")}
        for kind, result in ours.items():
            print(f"medchat {kind}: {result['seconds']:.2f} s, peak {result['peak_mb']:.0f} MB (base "
                  f"{result['base_mb']:.0f} MB)", flush=True)
        peer: dict[str, Any] | None = None
        agree: dict[str, Any] = {}
        python = None if args.no_peer else ensure_peer()
        if python is not None:
            rows = min(args.peer_battles, args.battles)
            peer = run_peer(python, folder, rows, args.peer_rounds)
            same = ours["bt"] if rows == args.battles else run_worker("bt", folder, 0, rows)
            same_elo = ours["elo"] if rows == args.battles else run_worker("elo", folder, 0, rows)
            agree["bt_vs_fastchat"] = agreement(same["ratings"], peer["bt"])
            agree["elo_vs_fastchat"] = agreement(same_elo["ratings"], peer["elo"])
            if peer.get("evalica_bt"):
                agree["bt_vs_evalica"] = agreement(same["ratings"], peer["evalica_bt"])
    record = {"when": time.strftime("%Y-%m-%d %H:%M:%S"), "battles": args.battles, "models": args.models,
              "rounds": args.rounds, "seed": args.seed, "python": platform.python_version(),
              "cpus": os.cpu_count(), "load_before": load_before, "load_after": os.getloadavg(),
              "medchat": {k: {key: v for key, v in r.items() if key not in ("ratings", "ci")} for k, r in ours.items()},
              "peer": {k: v for k, v in (peer or {}).items() if k not in ("bt", "elo", "evalica_bt")} or None,
              "agreement": agree}
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"arena-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(record, indent=1) + "\n")
    print_table(record)
    print(f"results: {out}")


def print_table(record: dict[str, Any]) -> None:
    n = record["battles"]
    rows = [("medchat", "read JSONL → table", n, record["medchat"]["read"]["seconds"],
             record["medchat"]["read"]["peak_mb"])]
    labels = (("bt", "BT (pair counts)"), ("bt+bootstrap", f"BT + {record['rounds']}-round bootstrap"),
              ("elo", "online Elo"))
    rows += [("medchat", label, n, record["medchat"][kind]["seconds"], record["medchat"][kind]["peak_mb"])
             for kind, label in labels]
    peer = record.get("peer")
    if peer:
        m = peer["rows"]
        rows += [("FastChat", "pandas read_json", m, peer["read_s"], None),
                 ("FastChat", "compute_mle_elo (LogisticRegression)", m, peer["bt_s"], peer["bt_peak_mb"])]
        if peer.get("bootstrap_rounds"):
            done, wanted = peer["bootstrap_rounds"], record["rounds"]
            estimate = peer["bootstrap_s"] / done * wanted
            rows.append(("FastChat", f"bootstrap, {done} rounds (→ ~{estimate:.0f} s for {wanted})", m,
                         peer["bootstrap_s"], None))
        rows.append(("FastChat", "compute_online_elo", m, peer["elo_s"], peer["peak_mb"]))
        if peer.get("evalica_bt_s") is not None:
            rows.append((f"evalica {peer['evalica']}", "bradley_terry", m, peer["evalica_bt_s"], None))
    print(f"\n{'who':<14} {'what':<58} {'battles':>10} {'seconds':>9} {'peak MB':>8}")
    for who, what, battles, seconds, peak in rows:
        peak_text = f"{peak:.0f}" if peak is not None else "–"
        print(f"{who:<14} {what:<58} {battles:>10,} {seconds:>9.2f} {peak_text:>8}")
    print("peak MB: the process's peak resident memory (medchat's rating processes start holding the coded battles)")
    for name, values in record["agreement"].items():
        print(f"agreement {name}: max |Δ| {values['max_abs']:.4f} points, mean |Δ| {values['mean_abs']:.4f}")


if __name__ == "__main__":
    main()
