"""The arena section of the report: what it draws, and that model names are shown as text."""

from __future__ import annotations

import re
from pathlib import Path

from medchat.evaluation.arena import Battle, rate, read_battles
from medchat.evaluation.report.arena_section import HEAT_MAX_MODELS, arena_page, arena_section

DATA = Path(__file__).parents[3] / "data" / "eval" / "arena"


def test_section_has_a_dot_and_whisker_per_model_and_a_win_rate_heat_map():
    board = rate(read_battles(DATA / "battles.jsonl"), rounds=30)
    html = arena_section(board)
    dots = re.search(r'<svg class="chart chart-dots".*?</svg>', html, re.S).group(0)
    assert dots.count('class="mark"') == 4 and dots.count('class="errorbar"') == 4
    heat = re.search(r'<svg class="chart chart-heatmap".*?</svg>', html, re.S).group(0)
    assert heat.count('class="mark"') == 12  # 4 × 4 cells less the diagonal
    first = board.rows[0]
    assert f"{first.ci_low:.0f} – {first.ci_high:.0f}" in html
    assert "centred on a mean of 1000" in html and "the longer answer won" in html


def test_model_names_are_escaped_and_notes_shown():
    name = '<img src=x onerror=alert(1)>'
    battles = [Battle(model_a=name, model_b="b", winner="model_a")] * 3
    page = arena_page(rate(battles, rounds=10))
    assert "<img" not in page and "&lt;img" in page
    assert "weak prior" in page and "cannot be checked" in page  # no lengths given


def test_heat_map_keeps_to_the_top_models_when_there_are_many():
    battles = [Battle(model_a=f"m{k:02d}", model_b=f"m{(k + 1) % 40:02d}", winner="tie") for k in range(40)]
    html = arena_section(rate(battles, rounds=0))
    assert f"top {HEAT_MAX_MODELS} of 40" in html
