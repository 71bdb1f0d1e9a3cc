import os
import subprocess
import sys
from pathlib import Path

import pytest

from medchat.config import Price, load_settings
from medchat.errors import AuthenticationError, ConfigError, UnknownProviderError
from medchat.gateway import ModelWrapper, Retry, get_model
from medchat.models.pricing import price_for
from medchat.models.registry import create_model, providers, register_provider, resolve
from tests.scripted import ScriptedModel


def test_resolve_splits_provider_and_keeps_slashes_in_the_model_id():
    spec = resolve("openrouter/meta-llama/llama-3.1-8b-instruct")
    assert spec.provider.prefix == "openrouter"
    assert spec.model_id == "meta-llama/llama-3.1-8b-instruct"
    assert spec.options["base_url"].endswith("/api/v1")  # preset by the provider entry


def test_alias_options_params_and_explicit_options_win():
    Path("medchat.toml").write_text("""
[models.fast]
model = "mid"
base_url = "http://a"
params = { temperature = 0.3, max_tokens = 50 }

[models.mid]
model = "vllm/qwen"
timeout_s = 9
params = { temperature = 0.9, top_k = 5 }
""")
    spec = resolve("fast", load_settings(), base_url="http://b")
    assert spec.name == "vllm/qwen"
    assert spec.options["base_url"] == "http://b"
    assert spec.options["timeout_s"] == 9
    # The alias the user named is the most specific: its params win over the alias it points to.
    assert spec.params.temperature == 0.3
    assert spec.params.top_k == 5
    assert spec.params.max_tokens == 50


def test_alias_loop_is_reported():
    Path("medchat.toml").write_text('[models.a]\nmodel = "b"\n[models.b]\nmodel = "a"\n')
    with pytest.raises(ConfigError, match="alias loop"):
        resolve("a", load_settings())


@pytest.mark.parametrize("bad", ["gpt-4o", "openai/", "/x", ""])
def test_malformed_names(bad):
    with pytest.raises(ConfigError, match="not a model name"):
        resolve(bad)


def test_unknown_provider_lists_known_ones():
    with pytest.raises(UnknownProviderError) as info:
        resolve("nope/model")
    assert "openai" in str(info.value) and "gemini" in str(info.value)


def test_unknown_option_is_rejected():
    with pytest.raises(ConfigError, match="temprature"):
        create_model("ollama/llama3.2", temprature=0.1)


def test_missing_key_names_the_variable_before_any_request():
    with pytest.raises(AuthenticationError, match="OPENAI_API_KEY"):
        create_model("openai/gpt-4o-mini")
    with pytest.raises(AuthenticationError, match="GEMINI_API_KEY or GOOGLE_API_KEY"):
        create_model("gemini/gemini-2.5-flash")


def test_api_key_env_option(monkeypatch):
    monkeypatch.setenv("MY_KEY", "secret")
    model = create_model("openai/gpt-4o-mini", api_key_env="MY_KEY")
    assert model._api_key == "secret"


def test_register_provider_decorator_and_default_stack():
    @register_provider("scripted-test", description="for tests")
    def make(spec):
        spec.done()
        return ScriptedModel("hello", name=spec.name)

    assert any(p.prefix == "scripted-test" for p in providers())
    model = get_model("scripted-test/x")
    assert isinstance(model, Retry) and isinstance(model, ModelWrapper)
    assert model.name == "scripted-test/x"
    assert model.provider == "scripted"  # attributes reach through the wrappers
    assert isinstance(get_model("scripted-test/x", reliable=False), ScriptedModel)


def test_every_builtin_provider_imports_lazily():
    for info in providers():
        if isinstance(info.target, str) and info.prefix not in {"gemini", "hf", "local"}:
            assert callable(info.factory())


def test_pricing_lookup_order():
    settings = load_settings(pricing={"openai/gpt-4o-mini": Price(input=9, output=9)})
    assert price_for("openai/gpt-4o-mini", settings).input == 9  # the user's table wins
    assert price_for("openai/gpt-4o", settings).output == 10.0  # list price
    assert price_for("openrouter/openai/gpt-4o-mini", load_settings()).input == 0.15  # vendor-qualified id
    assert price_for("openai/my-finetune", settings) is None  # unknown, never guessed


@pytest.mark.parametrize(("prefix", "env", "value", "expected"), [
    ("openai", "OPENAI_BASE_URL", "http://127.0.0.1:9/v1", "http://127.0.0.1:9/v1"),
    ("openai", "OPENAI_API_BASE", "http://127.0.0.1:9/v1", "http://127.0.0.1:9/v1"),
    ("openrouter", "OPENROUTER_BASE_URL", "http://127.0.0.1:9/api/v1", "http://127.0.0.1:9/api/v1"),
    ("openrouter", "OPENROUTER_API_BASE", "http://127.0.0.1:9/api/v1", "http://127.0.0.1:9/api/v1"),
    ("gemini", "GOOGLE_GEMINI_BASE_URL", "http://127.0.0.1:9", "http://127.0.0.1:9"),
    ("ollama", "OLLAMA_HOST", "0.0.0.0", "http://127.0.0.1:11434/v1"),
    ("ollama", "OLLAMA_HOST", "gpu-box:11500", "http://gpu-box:11500/v1"),
    ("ollama", "OLLAMA_HOST", "https://ollama.example.org", "https://ollama.example.org:443/v1"),
])
def test_base_url_follows_the_sdk_variable(monkeypatch, prefix, env, value, expected):
    monkeypatch.setenv(env, value)
    assert resolve(f"{prefix}/some-model").options["base_url"] == expected


def test_openai_base_url_wins_over_the_legacy_name(monkeypatch):
    monkeypatch.setenv("OPENAI_API_BASE", "http://127.0.0.1:8/v1")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    assert resolve("openai/x").options["base_url"] == "http://127.0.0.1:9/v1"


def test_an_alias_base_url_wins_over_the_environment(monkeypatch):
    Path("medchat.toml").write_text('[models.box]\nmodel = "openai/x"\nbase_url = "http://127.0.0.1:7/v1"\n')
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    assert resolve("box").options["base_url"] == "http://127.0.0.1:7/v1"
    assert resolve("openai/x", base_url="http://127.0.0.1:6/v1").options["base_url"] == "http://127.0.0.1:6/v1"


def test_openai_base_url_on_loopback_needs_no_key_and_is_local(monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    model = create_model("openai/x")
    assert model.base_url == "http://127.0.0.1:9/v1" and model.is_local and not model.official


def test_hf_token_saved_under_hf_home_is_found(tmp_path):
    """As huggingface_hub does: no HF_TOKEN, but `hf auth login` saved one under HF_HOME (read at import,
    so a fresh process)."""
    home = tmp_path / "hf-home"
    home.mkdir()
    (home / "token").write_text("hf_saved_token_123\n")
    code = ("from medchat.models.registry import resolve; print(resolve('hf-router/m').api_key(), "
            "resolve('hf/m').api_key(), resolve('openai/m').api_key(required=False))")
    env = {k: v for k, v in os.environ.items() if k not in ("HF_TOKEN_PATH", "HF_TOKEN")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**env, "HF_HOME": str(home)})
    assert out.stdout.split() == ["hf_saved_token_123", "hf_saved_token_123", "None"]
