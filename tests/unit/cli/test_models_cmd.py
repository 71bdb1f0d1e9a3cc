"""``medchat models`` shows each alias's gateway options (along its alias chain); a misspelt one is a one-line
error naming the option and the alias."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from medchat.cli.app import app

CONFIG = """
[cache]
mode = "exact"

[models.fast]
model = "openai/gpt-4o-mini"
base_url = "http://127.0.0.1:9/v1"
deployments = [{base_url = "http://127.0.0.1:10/v1"}, {base_url = "http://127.0.0.1:11/v1", weight = 2}]
strategy = "weighted"
fallbacks = ["builtin/smollm2", "slow"]
context_window_fallbacks = ["slow"]
rpm = 60
tpm = 100000
cache = "semantic"

[models.slow]
model = "builtin/smollm2"

[models.quiet]
model = "fast"
cache = "off"
"""


def write_config(text: str) -> None:
    Path("medchat.toml").write_text(text, encoding="utf-8")  # the tests run in a fresh directory (conftest)


def test_json_gives_each_alias_its_gateway_options() -> None:
    write_config(CONFIG)
    out = CliRunner().invoke(app, ["models", "--json"])
    assert out.exit_code == 0, out.output
    aliases = json.loads(out.stdout)["aliases"]
    assert aliases["fast"] == {"model": "openai/gpt-4o-mini", "base_url": "http://127.0.0.1:9/v1", "gateway": {
        "deployments": 2, "strategy": "weighted", "fallbacks": ["builtin/smollm2", "slow"],
        "context_window_fallbacks": ["slow"], "rpm": 60, "tpm": 100000, "cache": "semantic"}}
    assert aliases["slow"]["gateway"] == {"deployments": 0, "strategy": None, "fallbacks": [],
                                          "context_window_fallbacks": [], "rpm": None, "tpm": None, "cache": "exact"}
    quiet = aliases["quiet"]["gateway"]  # the chain's routing, its own cache mode
    assert quiet["deployments"] == 2 and quiet["fallbacks"] == ["builtin/smollm2", "slow"] and quiet["cache"] == "off"


def test_the_table_has_a_gateway_column() -> None:
    write_config(CONFIG)
    out = CliRunner().invoke(app, ["models"], env={"COLUMNS": "250"})
    assert out.exit_code == 0, out.output
    row = next(line for line in out.stdout.splitlines() if line.startswith("│ fast"))
    assert ("2 deployments (weighted) · fallbacks builtin/smollm2, slow · long prompts → slow · 60 rpm · "
            "100,000 tpm · cache semantic") in row
    slow = next(line for line in out.stdout.splitlines() if line.startswith("│ slow"))
    assert "cache exact" in slow and "deployment" not in slow


@pytest.mark.parametrize(("entry", "where", "option", "meant"), [
    ('fallback = ["builtin/smollm2"]', "models.fast", "fallback", "fallbacks"),
    ("rpms = 60", "models.fast", "rpms", "rpm"),
    ("context_window_fallback = []", "models.fast", "context_window_fallback", "context_window_fallbacks"),
    ('deployments = [{base_url = "http://127.0.0.1:10/v1", weigth = 2}]', "models.fast.deployments.0", "weigth",
     "weight"),
])
def test_a_misspelt_gateway_option_is_one_line_naming_it_and_the_alias(entry: str, where: str, option: str,
                                                                       meant: str) -> None:
    write_config(f'[models.fast]\nmodel = "openai/gpt-4o-mini"\n{entry}\n')
    out = CliRunner().invoke(app, ["models"])
    assert out.exit_code != 0 and "Traceback" not in out.output
    [line] = [line for line in out.output.splitlines() if line.strip()][:1]
    assert line.startswith(f"error: invalid setting '{where}'")
    assert f"unknown option '{option}' (did you mean '{meant}'?)" in line


def test_a_bad_gateway_value_is_one_line_too() -> None:
    write_config('[models.fast]\nmodel = "openai/gpt-4o-mini"\nstrategy = "fastest"\n')
    out = CliRunner().invoke(app, ["models"])
    assert out.exit_code != 0 and "Traceback" not in out.output
    assert out.output.startswith("error: invalid setting 'models.fast.strategy'")


def test_provider_options_are_not_mistaken_for_typos() -> None:
    write_config('[models.local]\nmodel = "llamacpp/x.gguf"\nn_ctx = 4096\nn_gpu_layers = 0\nmodel_path = "x"\n')
    out = CliRunner().invoke(app, ["models", "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["aliases"]["local"]["model_path"] == "x"
