"""Arena ratings against FastChat's own algorithm, closed forms, and the behaviour the leaderboard promises."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from medchat.errors import ConfigError
from medchat.evaluation.arena import Battle, BattleTable, PairCounts, rate, read_battles
from medchat.evaluation.arena import bt as bt_fit
from medchat.evaluation.arena.elo import online_elo, online_elo_rounds

DATA = Path(__file__).parents[3] / "data" / "eval" / "arena"


def fastchat_mle_elo(battles: list[Battle], scale: float = 400, base: float = 10, init: float = 1000
                     ) -> dict[str, float]:
    """FastChat's ``compute_mle_elo`` (fastchat/serve/monitor/elo_analysis.py, one row per battle), without
    pandas: every battle twice; a win is two wins, a tie one win for A and one for B; logistic regression with
    no intercept and no penalty."""
    from sklearn.linear_model import LogisticRegression

    models = list(dict.fromkeys(m for b in battles for m in (b.model_a, b.model_b)))
    index = {m: k for k, m in enumerate(models)}
    rows = battles + battles
    n = len(rows)
    x = np.zeros((n, len(models)))
    x[np.arange(n), [index[b.model_a] for b in rows]] = +math.log(base)
    x[np.arange(n), [index[b.model_b] for b in rows]] = -math.log(base)
    y = np.zeros(n)
    y[[k for k, b in enumerate(rows) if b.winner == "model_a"]] = 1.0
    y[[k for k, b in enumerate(rows[: n // 2]) if b.winner in ("tie", "tie (bothbad)")]] = 1.0
    lr = LogisticRegression(fit_intercept=False, C=np.inf, tol=1e-10, max_iter=10_000)
    lr.fit(x, y)
    return dict(zip(models, scale * lr.coef_[0] + init, strict=True))


@pytest.fixture
def battles() -> list[Battle]:
    return list(read_battles(DATA / "battles.jsonl"))


def by_model(board) -> dict[str, float]:
    return {row.model: row.rating for row in board.rows}


def test_bradley_terry_equals_fastchat_logistic_regression(battles):
    reference = fastchat_mle_elo(battles)
    ours = by_model(rate(battles, rounds=0))
    assert set(ours) == set(reference)
    for model, rating in reference.items():
        assert ours[model] == pytest.approx(rating, abs=0.01), model
    # FastChat's unanchored fit has mean 1000 (its solver starts at zero and keeps the coefficients summing to 0)
    assert np.mean(list(reference.values())) == pytest.approx(1000, abs=0.01)


def test_pair_counts_fit_equals_fit_on_expanded_battles(battles):
    counts = PairCounts.from_table(BattleTable.from_battles(battles))
    # one "battle" per row, expanded back from the counts: every pair's wins, losses and ties as single battles
    expanded = []
    for i, j, wi, wj, t in zip(counts.i, counts.j, counts.wins_i, counts.wins_j, counts.ties, strict=True):
        a, b = counts.models[i], counts.models[j]
        expanded += [Battle(model_a=a, model_b=b, winner="model_a")] * int(wi)
        expanded += [Battle(model_a=b, model_b=a, winner="model_a")] * int(wj)  # B as model_a this time
        expanded += [Battle(model_a=a, model_b=b, winner="tie")] * int(t)
    assert len(expanded) == len(battles)
    reference = fastchat_mle_elo(expanded)
    ours = by_model(rate(battles, rounds=0))
    for model, rating in reference.items():
        assert ours[model] == pytest.approx(rating, abs=0.01)


def test_ties_count_as_half_wins_in_closed_form():
    wins_a, wins_b, ties = 7, 3, 4
    battles = ([Battle(model_a="a", model_b="b", winner="model_a")] * wins_a
               + [Battle(model_a="b", model_b="a", winner="model_a")] * wins_b
               + [Battle(model_a="a", model_b="b", winner="tie (bothbad)")] * ties)
    ratings = by_model(rate(battles, rounds=0))
    expected = 400 * math.log10((wins_a + ties / 2) / (wins_b + ties / 2))
    assert ratings["a"] - ratings["b"] == pytest.approx(expected, abs=1e-6)
    assert (ratings["a"] + ratings["b"]) / 2 == pytest.approx(1000)


def test_anchor_fixes_a_models_rating_and_keeps_differences(battles):
    free = by_model(rate(battles, rounds=0))
    board = rate(battles, anchor={"builtin/extractive": 800.0}, rounds=50)
    anchored = by_model(board)
    assert anchored["builtin/extractive"] == pytest.approx(800.0)
    shift = anchored["openai/gpt-4o-mini"] - free["openai/gpt-4o-mini"]
    assert all(anchored[m] - free[m] == pytest.approx(shift) for m in free)
    row = next(r for r in board.rows if r.model == "builtin/extractive")
    assert row.ci_low == pytest.approx(800.0) and row.ci_high == pytest.approx(800.0)  # fixed in every round


def test_unknown_anchor_and_anchor_with_win_rate_are_clear_errors(battles):
    with pytest.raises(ConfigError, match="anchor model 'nobody' is not in the battles"):
        rate(battles, anchor={"nobody": 1000.0})
    with pytest.raises(ConfigError, match="win_rate gives shares"):
        rate(battles, method="win_rate", anchor={"builtin/extractive": 1000.0})
    with pytest.raises(ConfigError, match="unknown rating method 'glicko'"):
        rate(battles, method="glicko")


def test_bootstrap_intervals_contain_the_estimate_and_shrink_with_more_battles(battles):
    small = rate(battles, rounds=200, seed=1)
    large = rate(battles * 16, rounds=200, seed=1)
    for row in small.rows + large.rows:
        assert row.ci_low <= row.rating <= row.ci_high
        assert row.ci_low <= row.median <= row.ci_high
    width = {r.model: r.ci_high - r.ci_low for r in small.rows}
    for row in large.rows:
        assert row.ci_high - row.ci_low < width[row.model] / 2  # 16× the battles: about a quarter the width
    again = rate(battles, rounds=200, seed=1)
    assert again.rows == small.rows  # seeded


def test_matrices_and_counts(battles):
    board = rate(battles, rounds=0)
    m = len(board.models)
    assert all(board.counts[k][k] == 0 for k in range(m))
    assert sum(map(sum, board.counts)) == 2 * len(battles)
    for i in range(m):
        for j in range(m):
            if i == j:
                assert board.win_rate[i][j] is None and board.predicted_win_rate[i][j] is None
                continue
            assert board.win_rate[i][j] + board.win_rate[j][i] == pytest.approx(1.0)
            assert board.predicted_win_rate[i][j] + board.predicted_win_rate[j][i] == pytest.approx(1.0)
    # rows are best first, so the first model is predicted to beat every other
    assert all(p > 0.5 for p in board.predicted_win_rate[0][1:])
    assert [r.battles for r in board.rows] == [24, 24, 24, 24]


def test_a_model_that_won_everything_and_models_that_never_met_stay_finite():
    battles = ([Battle(model_a="champ", model_b="x", winner="model_a")] * 5
               + [Battle(model_a="x", model_b="y", winner="model_a")] * 3
               + [Battle(model_a="y", model_b="x", winner="model_a")] * 2
               + [Battle(model_a="p", model_b="q", winner="tie")] * 2)
    board = rate(battles, rounds=30)
    ratings = by_model(board)
    assert all(math.isfinite(r.rating) and math.isfinite(r.ci_low) and math.isfinite(r.ci_high) for r in board.rows)
    assert ratings["champ"] > ratings["x"] > ratings["y"]
    text = " ".join(board.notes)
    assert "weak prior" in text
    assert "never lost or tied a battle: champ" in text
    assert "never met" in text and "p, q" in text
    assert board.win_rate[board.models.index("p")][board.models.index("champ")] is None


def test_online_elo_matches_fastchat_and_the_vectorised_rounds():
    rng = np.random.default_rng(3)
    a = rng.integers(0, 4, 300)
    b = (a + rng.integers(1, 4, 300)) % 4
    score = rng.choice([0.0, 0.5, 1.0], 300)
    # FastChat's compute_online_elo, written out
    rating = dict.fromkeys(range(4), 1000.0)
    for ia, ib, sa in zip(a.tolist(), b.tolist(), score.tolist(), strict=True):
        ra, rb = rating[ia], rating[ib]
        ea, eb = 1 / (1 + 10 ** ((rb - ra) / 400)), 1 / (1 + 10 ** ((ra - rb) / 400))
        rating[ia] += 4 * (sa - ea)
        rating[ib] += 4 * (1 - sa - eb)
    single = online_elo(a, b, score, 4)
    assert single == pytest.approx([rating[k] for k in range(4)])
    assert single.sum() == pytest.approx(4000)  # zero-sum updates
    rounds = online_elo_rounds(np.stack([a, a[::-1]]), np.stack([b, b[::-1]]), np.stack([score, score[::-1]]), 4)
    assert rounds[0] == pytest.approx(single)
    assert rounds[1] == pytest.approx(online_elo(a[::-1], b[::-1], score[::-1], 4))


def test_elo_and_win_rate_methods_agree_on_the_order(battles):
    bt_order = [r.model for r in rate(battles, rounds=0).rows]
    elo = rate(battles * 10, method="elo", rounds=20)
    share = rate(battles, method="win_rate", rounds=50)
    assert elo.rows[0].model == bt_order[0] and elo.rows[-1].model == bt_order[-1]
    assert [r.model for r in share.rows] == bt_order
    assert share.scale == "share" and share.predicted_win_rate is None
    assert all(0 <= r.ci_low <= r.rating <= r.ci_high <= 1 for r in share.rows)


def test_length_bias_counts_the_longer_answers_wins():
    battles = [Battle(model_a="a", model_b="b", winner="model_a", length_a=900, length_b=300),  # longer won
               Battle(model_a="a", model_b="b", winner="model_b", length_a=900, length_b=880),  # shorter won
               Battle(model_a="b", model_b="a", winner="tie", length_a=100, length_b=1500),  # half
               Battle(model_a="b", model_b="a", winner="model_b", length_a=100, length_b=1500),  # longer won
               Battle(model_a="a", model_b="b", winner="model_a", length_a=500, length_b=500),  # same length
               Battle(model_a="a", model_b="b", winner="model_a")]  # unknown
    bias = rate(battles, rounds=0).length_bias
    assert bias.battles == 4 and bias.ties == 1
    assert bias.longer_win_rate == pytest.approx(2.5 / 4)
    assert {b.label: (b.battles, b.longer_win_rate) for b in bias.buckets} == {
        "1–49": (1, 0.0), "500–999": (1, 1.0), "1000–1999": (2, 0.75)}
    assert bias.ci_low < bias.longer_win_rate < bias.ci_high
    assert rate([Battle(model_a="a", model_b="b", winner="tie")], rounds=0).length_bias is None


def test_resampling_keeps_the_number_of_battles(battles):
    counts = PairCounts.from_table(BattleTable.from_battles(battles))
    for resample in counts.resamples(np.random.default_rng(0), 5):
        assert resample.total == len(battles)


def test_fit_without_prior_on_a_connected_set_has_zero_mean(battles):
    counts = PairCounts.from_table(BattleTable.from_battles(battles))
    assert bt_fit.mle_exists(counts)
    assert bt_fit.fit(counts).sum() == pytest.approx(0.0, abs=1e-9)
