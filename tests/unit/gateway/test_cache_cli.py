"""``medchat cache stats|clear`` on the database backend (entries another process stored)."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from typer.testing import CliRunner

from medchat.cli.app import app
from medchat.config import get_settings
from medchat.gateway.cache_store import forget_backends, open_backend


@pytest.fixture
def database_cache(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("MEDCHAT_CACHE__BACKEND", "database")
    monkeypatch.setenv("MEDCHAT_CACHE__MODE", "exact")
    get_settings.cache_clear()
    forget_backends()
    from medchat.storage.gateway_stores import gateway_stores

    backend = open_backend(get_settings(), gateway_stores())
    now = time.time()

    async def fill() -> None:
        await backend.put("k1", "", "openai/gpt-4o-mini", '{"text": "one"}', now, now + 3600)
        await backend.put("k2", "", "openai/gpt-4o-mini", '{"text": "two"}', now, now + 3600)
        await backend.put("k3", "", "builtin/smollm2", '{"text": "three"}', now, now + 3600)
        await backend.get("k1", now)

    asyncio.run(fill())
    yield
    forget_backends()
    from medchat.storage import close_databases

    close_databases()


def test_stats_and_clear(database_cache):
    runner = CliRunner()
    shown = runner.invoke(app, ["cache", "stats", "--json"])
    assert shown.exit_code == 0, shown.output
    stats = json.loads(shown.stdout)
    assert stats["backend"] == "database" and stats["mode"] == "exact"
    assert stats["entries"] == 3 and stats["hits"] == 1
    assert stats["by_model"] == {"openai/gpt-4o-mini": 2, "builtin/smollm2": 1}

    text = runner.invoke(app, ["cache", "stats"])
    assert "3 entries" in text.stdout and "openai/gpt-4o-mini\t2" in text.stdout

    cleared = runner.invoke(app, ["cache", "clear", "--model", "builtin/smollm2"])
    assert cleared.exit_code == 0 and "removed 1 cached answer of builtin/smollm2" in cleared.stdout
    assert "removed 2 cached answers" in runner.invoke(app, ["cache", "clear"]).stdout
    assert json.loads(runner.invoke(app, ["cache", "stats", "--json"]).stdout)["entries"] == 0
