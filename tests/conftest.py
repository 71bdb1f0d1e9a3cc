"""Test isolation: no user config, no real API keys, no network beyond loopback."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from medchat.config import get_settings
from medchat.models.conventions import BASE_URL_ENVS
from tests.wire.fake_server import FakeServer

# database_url (SQLite, and PostgreSQL where tests run on both) and redis_url: throwaway servers, see each module.
pytest_plugins = ("tests.postgres", "tests.redis_server")

# Variables the SDKs read on their own (google-genai can be switched to Vertex AI or another API version).
SDK_VARS = ("GOOGLE_GENAI_API_VERSION", "GOOGLE_GENAI_USE_VERTEXAI", "GOOGLE_GENAI_USE_ENTERPRISE",
            "GOOGLE_GEMINI_BASE_URL", "GOOGLE_GENAI_CLIENT_MODE", "GOOGLE_GENAI_HTTP_CLIENT", "GOOGLE_CLOUD_PROJECT",
            "GOOGLE_CLOUD_LOCATION", "OPENAI_BASE_URL", "HF_ENDPOINT")
KEY_VARS = ("OPENAI_API_KEY", "OPENROUTER_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY", "HF_TOKEN",
            "HUGGING_FACE_HUB_TOKEN", "VLLM_API_KEY")


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    home = tmp_path_factory.mktemp("home")
    for var in (*KEY_VARS, *SDK_VARS, *(env for envs in BASE_URL_ENVS.values() for env in envs)):
        monkeypatch.delenv(var, raising=False)
    for var in [name for name in os.environ if name.upper().startswith("MEDCHAT_")]:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(home / "hf"))
    monkeypatch.chdir(home)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def fake_server() -> Iterator[FakeServer]:
    with FakeServer() as server:
        yield server
