"""The CLI as a user runs it: a subprocess, its exit code, stdout and stderr."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.wire.fake_server import Reply, sse

MEDCHAT = [sys.executable, "-m", "medchat.cli"]


def medchat(*args: str, env: dict | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*MEDCHAT, *args], capture_output=True, text=True, input=stdin, timeout=300,
                          env={**os.environ, **(env or {})})


def test_version_and_help():
    out = medchat("--version")
    assert out.returncode == 0 and out.stdout.startswith("medchat ")
    out = medchat("--help")
    assert out.returncode == 0 and "ask" in out.stdout and "models" in out.stdout


def test_importing_medchat_loads_no_heavy_library():
    code = ("import sys, medchat, medchat.gateway, medchat.cli.app; "
            "print([m for m in ('torch', 'transformers', 'llama_cpp', 'openai', 'google.genai') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.model
def test_ask_builtin_json():
    out = medchat("ask", "What is a normal resting heart rate?", "--json", "--max-tokens", "16",
                  "--temperature", "0")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["model"] == "builtin/smollm2"
    assert data["text"].strip()
    assert data["usage"]["completion_tokens"] <= 16 and data["usage"]["estimated"] is False
    assert data["timing"]["ttft_s"] > 0 and data["timing"]["tokens_per_s"] > 0
    assert data["cost_usd"] == 0.0


@pytest.mark.model
def test_ask_streams_text_then_stats_on_stderr():
    out = medchat("ask", "Name one fruit.", "--max-tokens", "8", "--temperature", "0")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip()
    assert "builtin/smollm2" in out.stderr and "tok/s" in out.stderr and "TTFT" in out.stderr


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("nope/x", "unknown provider 'nope'"),
        ("gpt-4o", "not a model name"),
        ("openai/gpt-4o-mini", "OPENAI_API_KEY is not set"),
        ("gemini/gemini-2.5-flash", "GEMINI_API_KEY"),
        ("gguf/missing.gguf", "no GGUF file"),
    ],
)
def test_bad_models_give_one_line_and_exit_1(model, expected):
    out = medchat("ask", "hi", "-m", model)
    assert out.returncode == 1
    assert expected in out.stderr
    assert "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_bad_option_value_is_rejected_by_the_parser():
    out = medchat("ask", "hi", "--temperature", "9")
    assert out.returncode == 2 and "Traceback" not in out.stderr


def test_ask_against_an_openai_compatible_server_through_an_alias(fake_server, tmp_path):
    Path(tmp_path, "medchat.toml").write_text(f"""
[models.local-vllm]
model = "vllm/test-model"
base_url = "{fake_server.url}/v1"
""")
    event = {"id": "1", "object": "chat.completion.chunk", "created": 1, "model": "test-model"}
    fake_server.queue(Reply(content_type="text/event-stream", stream=sse(
        {**event, "choices": [{"index": 0, "delta": {"content": "Drink "}, "finish_reason": None}]},
        {**event, "choices": [{"index": 0, "delta": {"content": "water."}, "finish_reason": "stop"}]},
        {**event, "choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 2, "total_tokens": 11}},
    )))
    out = medchat("ask", "-", "-m", "local-vllm", "--system", "Be brief.", stdin="How do I treat dehydration?",
                  env={"MEDCHAT_CONFIG": str(tmp_path / "medchat.toml")})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "Drink water."
    assert "9+2 tokens" in out.stderr
    body = fake_server.requests[0].json
    assert body["model"] == "test-model"
    assert body["messages"] == [{"role": "system", "content": "Be brief."},
                                {"role": "user", "content": "How do I treat dehydration?"}]


def test_models_lists_providers_and_key_status():
    out = medchat("models", "--json", env={"OPENAI_API_KEY": "sk-x"})
    assert out.returncode == 0
    data = json.loads(out.stdout)
    by_name = {p["provider"]: p for p in data["providers"]}
    assert by_name["openai"]["keys"] == {"OPENAI_API_KEY": True} and by_name["openai"]["ready"]
    assert not by_name["gemini"]["ready"]
    assert by_name["builtin"]["local"] and "builtin/smollm2" in data["builtin"]
    assert data["default_model"] == "builtin/smollm2"


def test_ask_no_stream_makes_one_non_streaming_call(fake_server):
    fake_server.queue(Reply(json={
        "id": "1", "object": "chat.completion", "created": 1, "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Rest and fluids."},
                     "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8},
    }))
    # The alias's base_url sends the subprocess to the fake server (the working directory's medchat.toml).
    Path("medchat.toml").write_text(f'[models.o]\nmodel = "ollama/llama3.2"\nbase_url = "{fake_server.url}/v1"\n')
    out = medchat("ask", "How do I treat a cold?", "-m", "o", "--no-stream", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["text"] == "Rest and fluids."
    assert data["timing"]["ttft_s"] == data["timing"]["total_s"]
    assert "stream" not in fake_server.requests[0].json


def test_openai_base_url_variable_sends_openai_models_to_that_server(fake_server):
    """OPENAI_BASE_URL, as the official SDK reads it: `openai/x` goes to the named server, not api.openai.com."""
    fake_server.queue(Reply(json={
        "id": "1", "object": "chat.completion", "created": 1, "model": "x",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Sip water slowly."},
                     "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 4, "total_tokens": 9},
    }))
    out = medchat("ask", "How do I rehydrate?", "-m", "openai/x", "--no-stream", "--json",
                  env={"OPENAI_BASE_URL": f"{fake_server.url}/v1"})
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["text"] == "Sip water slowly."
    assert fake_server.requests[0].path == "/v1/chat/completions"
    assert fake_server.requests[0].json["model"] == "x"


def test_models_shows_a_base_url_taken_from_the_environment():
    out = medchat("models", "--json", env={"OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "OLLAMA_HOST": "0.0.0.0:11500"})
    assert out.returncode == 0, out.stderr
    by_name = {p["provider"]: p for p in json.loads(out.stdout)["providers"]}
    assert by_name["openai"]["base_url_env"] == {"url": "http://127.0.0.1:9/v1", "variable": "OPENAI_BASE_URL"}
    assert by_name["ollama"]["base_url_env"]["url"] == "http://127.0.0.1:11500/v1"
    assert by_name["gemini"]["base_url_env"] is None


def test_misspelt_medchat_variable_is_named_with_the_closest_setting():
    out = medchat("models", "--json", env={"MEDCHAT_RETRY__MAX_ATTEMPT": "2"})
    assert out.returncode == 0, out.stderr
    assert "MEDCHAT_RETRY__MAX_ATTEMPT is not a medchat setting" in out.stderr
    assert "did you mean MEDCHAT_RETRY__MAX_ATTEMPTS?" in out.stderr


def test_bad_medchat_variable_is_named_as_the_source_of_the_error(tmp_path):
    Path(tmp_path, "medchat.toml").write_text('default_model = "builtin/smollm2"\n')
    out = medchat("models", env={"MEDCHAT_RETRY__MAX_ATTEMPTS": "0", "MEDCHAT_CONFIG": str(tmp_path / "medchat.toml")})
    assert out.returncode == 1
    assert "environment variable MEDCHAT_RETRY__MAX_ATTEMPTS" in out.stderr
    assert "medchat.toml" not in out.stderr
    assert "Traceback" not in out.stderr
