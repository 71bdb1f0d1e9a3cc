"""``medchat arena ratings``: the formats a user and a script read, the HTML page, and one-line errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from medchat.cli.app import app

DATA = Path(__file__).parents[3] / "data" / "eval" / "arena"
BATTLES = str(DATA / "battles.jsonl")
MODELS = {"openai/gpt-4o-mini", "gemini/gemini-2.0-flash", "assistant/builtin/smollm2", "builtin/extractive"}


def invoke(*args: str):
    return CliRunner().invoke(app, ["arena", *args])


def test_json_is_a_list_of_rows_best_first():
    result = invoke("ratings", BATTLES, "--format", "json", "--bootstrap", "50")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [set(row) for row in rows] == [{"model", "rating", "ci_low", "ci_high", "battles"}] * 4
    assert {row["model"] for row in rows} == MODELS
    assert [row["rating"] for row in rows] == sorted((row["rating"] for row in rows), reverse=True)
    assert all(row["ci_low"] <= row["rating"] <= row["ci_high"] and row["battles"] == 24 for row in rows)


def test_csv_has_the_same_columns_and_anchor_applies():
    result = invoke("ratings", BATTLES, "-f", "csv", "--bootstrap", "0", "--anchor", "builtin/extractive=800")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["model", "rating", "ci_low", "ci_high", "battles"]
    extractive = next(row for row in rows if row["model"] == "builtin/extractive")
    assert float(extractive["rating"]) == 800.0 and extractive["ci_low"] == ""  # no bootstrap, no interval


def test_table_names_models_with_intervals_and_the_length_bias(tmp_path):
    page = tmp_path / "arena.html"
    result = invoke("ratings", BATTLES, "--bootstrap", "20", "--method", "elo", "--html", str(page))
    assert result.exit_code == 0, result.output
    assert "online Elo" in result.stdout and "openai/gpt-4o-mini" in result.stdout
    assert "length bias: the longer answer won" in result.stdout
    html = page.read_text()
    assert html.startswith("<!DOCTYPE html>") and 'id="arena"' in html
    assert "chart-dots" in html and "chart-heatmap" in html and "Length bias" in html
    assert "http://" not in html and "https://" not in html  # nothing to fetch


def test_bad_input_is_one_line_not_a_traceback():
    bad = invoke("ratings", str(DATA / "bad_winner.jsonl"))
    assert bad.exit_code == 1
    assert "bad_winner.jsonl:4: field 'winner' is 'A'" in bad.output and "Traceback" not in bad.output
    missing = invoke("ratings", str(DATA / "nope.jsonl"))
    assert missing.exit_code == 1 and "nope.jsonl: no such file" in missing.output
    anchor = invoke("ratings", BATTLES, "--anchor", "nobody=1000")
    assert anchor.exit_code == 1 and "anchor model 'nobody' is not in the battles" in anchor.output
    assert invoke("ratings", BATTLES, "--anchor", "no-rating").exit_code == 2
    assert invoke("ratings", BATTLES, "--method", "glicko").exit_code == 2


def test_a_first_argument_that_is_no_subcommand_is_left_for_the_battle_runner():
    result = invoke("suite.jsonl", "-m", "a", "-m", "b")
    assert result.exit_code == 2
    assert "name the judge: --judge MODEL" in result.output
