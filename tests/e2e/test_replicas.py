"""Two ``medchat serve`` processes on one PostgreSQL and one Redis, as replicas behind a load balancer run: they
migrate a new database together; a key limited to N requests a minute gets N through the pair, not 2N; a key
revoked (``medchat keys revoke``, against the shared database) is refused by both within a second; an answer
one replica cached (``[cache] backend = "redis"``) is served by the other.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from medchat.storage import Database
from medchat.storage.keys import KeyStore
from tests.conftest import KEY_VARS, SDK_VARS
from tests.postgres import Postgres
from tests.redis_server import RedisServer

START_S = 120.0  # upper bounds for waits that end on an event, never timing assertions


class Replicas:
    def __init__(self, database_url: str, urls: list[str]) -> None:
        self.database_url = database_url
        self.urls = urls
        self.database = Database(database_url)  # the operator's view of the shared database
        self.keys = KeyStore(self.database)


@pytest.fixture(scope="module")
def replicas(postgres: Postgres, redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory
             ) -> Iterator[Replicas]:
    home = tmp_path_factory.mktemp("replicas")
    name = postgres.new_database(migrated=False)  # the replicas migrate it, both at once
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("MEDCHAT_") and k not in KEY_VARS
           and k not in SDK_VARS}
    env |= {"MEDCHAT_DATABASE_URL": postgres.url(name), "MEDCHAT_REDIS_URL": redis_server.url,
            "MEDCHAT_CACHE__MODE": "exact", "MEDCHAT_CACHE__BACKEND": "redis",
            "XDG_CONFIG_HOME": str(home / "config"), "XDG_DATA_HOME": str(home / "data"),
            "XDG_CACHE_HOME": str(home / "cache"), "HF_HOME": str(home / "hf"), "HF_HUB_OFFLINE": "1"}
    processes = []
    try:
        for i in range(2):
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "medchat.cli", "serve", "--port", "0", "--log-level", "warning"],
                stdout=subprocess.PIPE, stderr=(home / f"replica{i}.log").open("w"), text=True, env=env, cwd=home))
        urls = [_url(process, home / f"replica{i}.log") for i, process in enumerate(processes)]
        for url in urls:  # the URL is printed once the socket listens; /healthz once the app has started
            assert httpx.get(f"{url}/healthz", timeout=START_S).status_code == 200
        pair = Replicas(postgres.url(name), urls)
        try:
            yield pair
        finally:
            pair.database.close()
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        postgres.drop(name)


def _url(process: subprocess.Popen[str], log: Path) -> str:
    assert process.stdout is not None
    line = process.stdout.readline()
    found = re.search(r"http://\S+/v1", line)
    assert found, line + log.read_text()
    return found.group(0).removesuffix("/v1")


def test_a_key_gets_its_rpm_through_the_pair_not_twice_it(replicas: Replicas):
    _, key = replicas.keys.create("limited", rpm=3)
    headers = {"authorization": f"Bearer {key}"}
    with httpx.Client(headers=headers, timeout=60) as http:
        answers = [http.get(f"{replicas.urls[i % 2]}/v1/models") for i in range(3)]  # a, b, a
        assert [r.status_code for r in answers] == [200, 200, 200]
        assert [r.headers["x-ratelimit-remaining-requests"] for r in answers] == ["2", "1", "0"]
        for url in replicas.urls:
            refused = http.get(f"{url}/v1/models")
            assert refused.status_code == 429, refused.text
            assert refused.json()["error"]["code"] == "rate_limit_exceeded"
            assert 1 <= int(refused.headers["retry-after"]) <= 60


def test_a_revoked_key_is_refused_by_both_replicas_within_a_second(replicas: Replicas):
    _, key = replicas.keys.create("short-lived")
    replicas.keys.create("stays")  # so the servers stay locked once the other is revoked
    headers = {"authorization": f"Bearer {key}"}
    with httpx.Client(headers=headers, timeout=60) as http:
        assert [http.get(f"{url}/v1/models").status_code for url in replicas.urls] == [200, 200]
        revoke = subprocess.run([sys.executable, "-m", "medchat.cli", "keys", "revoke", "short-lived"],
                                env={**os.environ, "MEDCHAT_DATABASE_URL": replicas.database_url},
                                capture_output=True, text=True, timeout=120)
        assert revoke.returncode == 0, revoke.stderr
        revoked_at = time.monotonic()
        for url in replicas.urls:
            while (status := http.get(f"{url}/v1/models").status_code) != 401:
                assert status == 200
                assert time.monotonic() - revoked_at < 1.0, f"{url} still accepts a revoked key"
            assert time.monotonic() - revoked_at < 1.0


def test_an_answer_one_replica_cached_is_served_by_the_other(replicas: Replicas):
    _, key = replicas.keys.create("cached")
    body = {"model": "builtin/extractive", "temperature": 0,
            "messages": [{"role": "user", "content": "What are the warning signs of dehydration?"}]}
    with httpx.Client(headers={"authorization": f"Bearer {key}"}, timeout=120) as http:
        first = http.post(f"{replicas.urls[0]}/v1/chat/completions", json=body)
        second = http.post(f"{replicas.urls[1]}/v1/chat/completions", json=body)
    assert first.status_code == second.status_code == 200, (first.text, second.text)
    assert first.headers["x-medchat-cache"] == "miss" and second.headers["x-medchat-cache"] == "hit"
    assert second.json()["choices"][0]["message"]["content"] == first.json()["choices"][0]["message"]["content"]
