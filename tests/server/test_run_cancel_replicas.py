"""Two replicas on one database (SQLite and PostgreSQL): a run started through one (``POST /api/runs``) is
cancelled through the other, which cannot signal its process (another host, as far as it can tell). The cancel is
recorded on the run; the run's process reads it between samples and stops as for a local cancel — ``interrupted``,
with the sample in hand stored and no further one asked."""

from __future__ import annotations

import threading

import httpx
import pytest

from tests.server.test_runs_api import WAIT_S, events
from tests.wire.fake_server import FakeServer, Recorded, Reply
from tests.wire.faults import completion


def test_a_run_started_on_one_replica_is_cancelled_through_another(serve, fake_server: FakeServer,
                                                                   monkeypatch: pytest.MonkeyPatch):
    asked: list[Recorded] = []
    arrived, release = threading.Event(), threading.Event()

    def handler(request: Recorded) -> Reply:
        asked.append(request)
        if len(asked) == 1:  # the first sample is in hand until the cancel has been recorded
            arrived.set()
            release.wait(WAIT_S)
        return Reply(json=completion("A fever is a high temperature."))

    fake_server.handler = handler
    monkeypatch.setenv("OPENAI_BASE_URL", f"{fake_server.url}/v1")  # the run's child process inherits these
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    first, second = serve(), serve()
    with httpx.Client(base_url=first.url, timeout=WAIT_S) as one, \
            httpx.Client(base_url=second.url, timeout=WAIT_S) as other:
        assert other.get("/api/runs").status_code == 200  # the second replica has started
        # ...on another machine, as it sees it: it cannot signal the first one's child, only ask through the database
        other_jobs = second.app.state.run_jobs
        other_jobs.store.host = "replica-2.example/pidns:4026531836"

        started = one.post("/api/runs", json={"sources": ["medical-qa"], "models": ["openai/slow"],
                                              "scorers": ["f1"], "limit": 3, "concurrency": 1})
        assert started.status_code == 202, started.text
        run_id = started.json()["id"]
        assert arrived.wait(WAIT_S), "the run never asked its model"

        cancelled = other.post(f"/api/runs/{run_id}/cancel")
        assert cancelled.status_code == 202, cancelled.text  # asked; it stops after the sample in hand
        assert cancelled.json()["status"] == "running" and cancelled.json()["cancel_requested_at"]
        assert other.post(f"/api/runs/{run_id}/cancel").status_code == 202  # asking again is harmless
        release.set()

        final = events(other, run_id)[-1]
        assert (final["status"], final["done"]) == ("interrupted", 1)
        assert len(asked) == 1  # no sample was started after the cancel
        assert one.get(f"/api/runs/{run_id}").json()["status"] == "interrupted"
        again = other.post(f"/api/runs/{run_id}/cancel")
        assert again.status_code == 409 and again.json()["error"]["code"] == "run_not_running"
