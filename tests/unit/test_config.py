from pathlib import Path

import pytest

from medchat.config import config_path, get_settings, load_settings
from medchat.errors import ConfigError


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file():
    s = load_settings()
    assert config_path() is None
    assert s.default_model == "builtin/smollm2"
    assert s.retry.max_attempts >= 1


def test_file_in_working_directory_with_aliases_and_pricing():
    write(Path("medchat.toml"), """
default_model = "fast"
timeout_s = 30

[models.fast]
model = "openai/gpt-4o-mini"
base_url = "http://127.0.0.1:9/v1"
params = { temperature = 0.1 }

[pricing."openai/gpt-4o-mini"]
input = 1.0
output = 2.0
""")
    s = load_settings()
    assert s.default_model == "fast"
    assert s.timeout_s == 30
    alias = s.models["fast"]
    assert alias.model == "openai/gpt-4o-mini"
    assert alias.options == {"base_url": "http://127.0.0.1:9/v1"}
    assert alias.params.temperature == 0.1
    assert s.pricing["openai/gpt-4o-mini"].output == 2.0


def test_environment_overrides_file(monkeypatch):
    write(Path("medchat.toml"), "timeout_s = 30\n")
    monkeypatch.setenv("MEDCHAT_TIMEOUT_S", "5")
    monkeypatch.setenv("MEDCHAT_RETRY__MAX_ATTEMPTS", "9")
    s = load_settings()
    assert s.timeout_s == 5
    assert s.retry.max_attempts == 9


def test_medchat_config_variable(monkeypatch, tmp_path):
    path = write(tmp_path / "elsewhere.toml", 'default_model = "openai/gpt-4o"\n')
    monkeypatch.setenv("MEDCHAT_CONFIG", str(path))
    assert load_settings().default_model == "openai/gpt-4o"
    monkeypatch.setenv("MEDCHAT_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings()


def test_user_config_directory(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    (tmp_path / "medchat").mkdir()
    write(tmp_path / "medchat" / "medchat.toml", "max_concurrency = 3\n")
    assert load_settings().max_concurrency == 3


def test_bad_value_is_one_line_naming_the_field():
    write(Path("medchat.toml"), "timeout_s = -1\n")
    with pytest.raises(ConfigError) as info:
        load_settings()
    msg = str(info.value)
    assert "timeout_s" in msg and "medchat.toml" in msg and "\n" not in msg


def test_unknown_key_and_bad_syntax_are_config_errors():
    write(Path("medchat.toml"), "timout_s = 3\n")
    with pytest.raises(ConfigError, match="timout_s"):
        load_settings()
    write(Path("medchat.toml"), "timeout_s = = 3\n")
    with pytest.raises(ConfigError, match="TOML"):
        load_settings()


def test_get_settings_is_cached():
    assert get_settings() is get_settings()


def test_bad_environment_value_names_the_variable_not_the_file(monkeypatch):
    write(Path("medchat.toml"), "timeout_s = 30\n")
    monkeypatch.setenv("MEDCHAT_RETRY__MAX_ATTEMPTS", "0")
    with pytest.raises(ConfigError) as info:
        load_settings()
    msg = str(info.value)
    assert "MEDCHAT_RETRY__MAX_ATTEMPTS" in msg and "retry.max_attempts" in msg
    assert "medchat.toml" not in msg and "\n" not in msg


def test_unknown_medchat_variable_is_warned_with_the_closest_name(monkeypatch, caplog):
    monkeypatch.setenv("MEDCHAT_TIMEOUT", "5")
    monkeypatch.setenv("MEDCHAT_MODELS__FAST__MODEL", "openai/gpt-4o-mini")  # dict settings take any key
    monkeypatch.setenv("MEDCHAT_ASSISTANT__POLICIES__DOSING", "replace")
    with caplog.at_level("WARNING", logger="medchat.config"):
        settings = load_settings()
    assert settings.models["fast"].model == "openai/gpt-4o-mini"
    warnings = [r.getMessage() for r in caplog.records]
    assert warnings == ["MEDCHAT_TIMEOUT is not a medchat setting and is ignored; did you mean MEDCHAT_TIMEOUT_S?"]


def test_every_setting_has_a_known_variable_name():
    from medchat.config import known_env_names

    names, open_prefixes = known_env_names()
    assert {"MEDCHAT_CONFIG", "MEDCHAT_DATABASE_URL", "MEDCHAT_RETRY__MAX_ATTEMPTS",
            "MEDCHAT_ASSISTANT__LOCALE"} <= names
    assert "MEDCHAT_MODELS__" in open_prefixes and "MEDCHAT_ASSISTANT__POLICIES__" in open_prefixes


def test_server_settings_from_file_and_environment(monkeypatch, tmp_path):
    (tmp_path / "medchat.toml").write_text('[server]\nport = 9000\nrequire_key = true\ncors_origins = ["https://a.example"]\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MEDCHAT_SERVER__WORKERS", "3")
    server = load_settings().server
    assert (server.host, server.port, server.workers, server.require_key) == ("127.0.0.1", 9000, 3, True)
    assert server.cors_origins == ["https://a.example"]
    assert (server.max_body_bytes, server.max_message_chars) == (1_000_000, 100_000)
    monkeypatch.setenv("MEDCHAT_SERVER__WORKERS", "0")
    with pytest.raises(ConfigError, match="MEDCHAT_SERVER__WORKERS"):
        load_settings()
