"""A real ``medchat serve`` app under uvicorn on a free loopback port, in a background thread.

The listening socket is bound before the server starts, so a client may connect at once: its connection
waits in the backlog until uvicorn (after the app's startup) accepts it. No polling, no sleeps.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import openai
import pytest
import uvicorn

from medchat.config import Settings, get_settings
from medchat.server.app import create_app


@dataclass
class Running:
    url: str  # http://127.0.0.1:PORT
    settings: Settings
    app: Any

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    def client(self, api_key: str = "none") -> openai.OpenAI:
        return openai.OpenAI(base_url=self.base_url, api_key=api_key, max_retries=0)

    def async_client(self, api_key: str = "none") -> openai.AsyncOpenAI:
        return openai.AsyncOpenAI(base_url=self.base_url, api_key=api_key, max_retries=0)

    def create_key(self, name: str = "test", **options: Any) -> str:
        from medchat.storage import open_database
        from medchat.storage.keys import KeyStore

        return KeyStore(open_database(self.settings)).create(name, **options)[1]


@pytest.fixture
def serve(database_url: str) -> Iterator[Callable[..., Running]]:
    """``serve(**server_settings)`` starts a server with those ``[server]`` settings; stopped after the test.
    Its database is ``database_url``'s: tests here run on SQLite and on PostgreSQL (``tests/postgres.py``)."""
    started: list[tuple[uvicorn.Server, threading.Thread, socket.socket]] = []

    def start(**server: Any) -> Running:
        base = get_settings()
        settings = base.model_copy(update={"server": base.server.model_copy(update=server)})
        app = create_app(settings)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        config = uvicorn.Config(app, log_level="warning", lifespan="on")
        server_ = uvicorn.Server(config)
        thread = threading.Thread(target=server_.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        started.append((server_, thread, sock))
        return Running(f"http://127.0.0.1:{sock.getsockname()[1]}", settings, app)

    yield start
    for server_, thread, sock in started:
        server_.should_exit = True
        thread.join(timeout=30)
        sock.close()
        assert not thread.is_alive(), "the server did not shut down"
