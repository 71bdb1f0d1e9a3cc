"""The gateway opens no database or Redis store itself: its callers lend them (``get_model(..., stores=...)``,
``storage.gateway_stores``), as they lend the semantic cache's embedder. Without them, both the response cache and
the adaptive limits stay in this process (said once in the log); with them, the configured backend is used, one per
configuration, shared by every model built."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

import pytest

import medchat.gateway
from medchat.config import Settings
from medchat.gateway import get_model
from medchat.gateway.adaptive import default_store, forget_stores, open_store
from medchat.gateway.cache_store import MemoryBackend, forget_backends, open_backend


class Lent:
    """Stand-ins for storage's stores, recording what the gateway asked for."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def cache_backend(self, settings: Settings) -> MemoryBackend:
        self.asked.append(f"cache:{settings.cache.backend}")
        backend = MemoryBackend()
        backend.name = settings.cache.backend  # type: ignore[misc]
        return backend

    def limit_store(self, url: str, fallback: object) -> object:
        self.asked.append(f"limits:{url}")
        assert fallback is default_store()
        return {"shared": url}


@pytest.fixture(autouse=True)
def fresh():
    forget_backends()
    forget_stores()
    yield
    forget_backends()
    forget_stores()


def test_the_gateway_imports_no_storage():
    for path in Path(medchat.gateway.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        names += [alias.name for n in ast.walk(tree) if isinstance(n, ast.Import) for alias in n.names]
        assert not [n for n in names if n.startswith("medchat.storage")], path.name
        assert "medchat.storage" not in path.read_text(encoding="utf-8").replace("``", ""), path.name  # nor by path


def test_a_lent_cache_backend_is_used_once_per_configuration():
    lent, settings = Lent(), Settings(cache={"mode": "exact", "backend": "database"})
    first = get_model("replay/samples", settings=settings, stores=lent)
    second = get_model("replay/samples", settings=settings, stores=lent)
    assert first.backend is second.backend and first.backend.name == "database"
    assert lent.asked == ["cache:database"]


def test_without_lent_stores_the_cache_and_the_limits_stay_in_this_process(caplog: pytest.LogCaptureFixture):
    settings = Settings(cache={"mode": "exact", "backend": "redis"}, redis_url="redis://127.0.0.1:1/0")
    with caplog.at_level(logging.WARNING, logger="medchat.gateway"):
        assert open_backend(settings).name == "memory"
        assert open_store(settings) is default_store()
    assert any("stays in this process's memory" in r.getMessage() for r in caplog.records)

    lent = Lent()
    assert open_store(settings, lent) == {"shared": "redis://127.0.0.1:1/0"}
    assert open_store(settings, lent) is open_store(settings, lent)  # one per process and URL
    assert open_backend(settings, lent).name == "redis"
    assert lent.asked == ["limits:redis://127.0.0.1:1/0", "cache:redis"]
