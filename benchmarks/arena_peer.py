"""The peer side of ``benchmarks/arena.py``: FastChat's rating code as FastChat runs it, in
``benchmarks/.venv-arena`` (pandas + scikit-learn, and evalica when it installed), never in medchat's environment.

``compute_mle_elo``, ``compute_online_elo`` and the bootstrap are FastChat's
(``fastchat/serve/monitor/elo_analysis.py`` and the Chatbot Arena rating notebook, Apache-2.0, lmsys/FastChat),
reproduced with scikit-learn's current spelling of "no penalty" (``C=inf``; ``penalty=None`` is deprecated). One
row per battle, every battle twice, a tie as one win each way: the form the brief asks to compare against.

    python arena_peer.py BATTLES.jsonl ROWS ROUNDS OUT.json

reads the first ROWS battles with pandas and writes timings, peak memory and the ratings as JSON.
"""

from __future__ import annotations

import json
import math
import resource
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd


def compute_mle_elo(df, SCALE=400, BASE=10, INIT_RATING=1000):
    from sklearn.linear_model import LogisticRegression

    models = pd.concat([df["model_a"], df["model_b"]]).unique()
    models = pd.Series(np.arange(len(models)), index=models)
    # duplicate battles
    df = pd.concat([df, df], ignore_index=True)
    p = len(models.index)
    n = df.shape[0]
    X = np.zeros([n, p])
    X[np.arange(n), models[df["model_a"]]] = +math.log(BASE)
    X[np.arange(n), models[df["model_b"]]] = -math.log(BASE)
    # one A win => two A win
    Y = np.zeros(n)
    Y[df["winner"] == "model_a"] = 1.0
    # one tie => one A win + one B win
    tie_idx = (df["winner"] == "tie") | (df["winner"] == "tie (bothbad)")
    tie_idx[len(tie_idx) // 2:] = False
    Y[tie_idx] = 1.0
    lr = LogisticRegression(fit_intercept=False, C=np.inf, tol=1e-6)
    lr.fit(X, Y)
    elo_scores = SCALE * lr.coef_[0] + INIT_RATING
    return pd.Series(elo_scores, index=models.index).sort_values(ascending=False)


def compute_online_elo(battles, K=4, SCALE=400, BASE=10, INIT_RATING=1000):
    rating = defaultdict(lambda: INIT_RATING)
    for _rd, model_a, model_b, winner in battles[["model_a", "model_b", "winner"]].itertuples():
        ra = rating[model_a]
        rb = rating[model_b]
        ea = 1 / (1 + BASE ** ((rb - ra) / SCALE))
        eb = 1 / (1 + BASE ** ((ra - rb) / SCALE))
        if winner == "model_a":
            sa = 1
        elif winner == "model_b":
            sa = 0
        elif winner == "tie" or winner == "tie (bothbad)":
            sa = 0.5
        else:
            raise Exception(f"unexpected vote {winner}")
        rating[model_a] += K * (sa - ea)
        rating[model_b] += K * (1 - sa - eb)
    return dict(rating)


def get_bootstrap_result(battles, func_compute_elo, num_round):
    rows = []
    for _ in range(num_round):
        rows.append(func_compute_elo(battles.sample(frac=1.0, replace=True)))
    df = pd.DataFrame(rows)
    return df[df.median().sort_values(ascending=False).index]


def evalica_bt(df):
    """evalica's Bradley–Terry (a Rust MM solver), on the Elo scale and centred on 1000 like the others."""
    import evalica

    winners = df["winner"].map({"model_a": evalica.Winner.X, "model_b": evalica.Winner.Y, "tie": evalica.Winner.Draw,
                                "tie (bothbad)": evalica.Winner.Draw})
    result = evalica.bradley_terry(df["model_a"], df["model_b"], winners, tolerance=1e-10, limit=10_000)
    scores = result.scores
    ratings = 400 * np.log10(scores.to_numpy())
    return dict(zip(scores.index, ratings - ratings.mean() + 1000, strict=True))


def peak_mb() -> float:
    """Peak resident memory of this process (``VmHWM``; ``ru_maxrss`` would carry over the parent's)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    path, rows, rounds, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    result: dict = {"pandas": pd.__version__}
    import sklearn

    result["sklearn"] = sklearn.__version__
    start = time.perf_counter()
    battles = pd.read_json(path, lines=True, nrows=rows)[["model_a", "model_b", "winner"]]
    result["read_s"] = time.perf_counter() - start
    result["rows"] = len(battles)
    start = time.perf_counter()
    result["bt"] = compute_mle_elo(battles).to_dict()
    result["bt_s"] = time.perf_counter() - start
    result["bt_peak_mb"] = peak_mb()
    if rounds:
        start = time.perf_counter()
        get_bootstrap_result(battles, compute_mle_elo, rounds)
        result["bootstrap_s"] = time.perf_counter() - start
        result["bootstrap_rounds"] = rounds
    start = time.perf_counter()
    result["elo"] = compute_online_elo(battles)
    result["elo_s"] = time.perf_counter() - start
    try:
        import evalica

        result["evalica"] = evalica.__version__
        start = time.perf_counter()
        result["evalica_bt"] = evalica_bt(battles)
        result["evalica_bt_s"] = time.perf_counter() - start
    except ImportError:
        result["evalica"] = None
    result["peak_mb"] = peak_mb()
    with open(out, "w") as handle:
        json.dump(result, handle)


if __name__ == "__main__":
    main()
