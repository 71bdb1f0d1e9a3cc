"""``/api/runs``: list, detail, reports, runs started in a child process, followed by server-sent events,
cancelled and deleted; sources confined to the bundled suites and the datasets folder; models to the key's.

A run that must still be running when the test acts on it asks a model on the fake server that never answers
(``Reply(hang=True)``); the test acts once the fake server has the request, so nothing depends on timing.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from medchat.evaluation.evaluate import open_run_store
from medchat.storage.schema import EvalRunRow
from tests.wire.fake_server import FakeServer, Recorded, Reply
from tests.wire.faults import completion

SMALL_RUN = {"sources": ["medical-qa"], "models": ["builtin/extractive"], "limit": 2, "seed": 1}
WAIT_S = 120.0  # an upper bound for waits that end on an event, never a timing assertion


def events(http: httpx.Client, run_id: str) -> list[dict[str, Any]]:
    """Every event of the run's stream, read until the final one (the stream ends there)."""
    seen: list[dict[str, Any]] = []
    with http.stream("GET", f"/api/runs/{run_id}/events", timeout=WAIT_S) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("data: "):
                seen.append(json.loads(line.removeprefix("data: ")))
                if seen[-1].get("final"):
                    break
    return seen


@pytest.fixture
def hanging(fake_server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """``openai/hang`` reaches the fake server, which never answers; the event is set once it has the request.
    The child process inherits these variables."""
    arrived = threading.Event()

    def handler(_: Recorded) -> Reply:
        arrived.set()
        return Reply(hang=True)

    fake_server.handler = handler
    monkeypatch.setenv("OPENAI_BASE_URL", f"{fake_server.url}/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    return arrived


HANGING_RUN = {"sources": ["medical-qa"], "models": ["openai/hang"], "scorers": ["f1"], "limit": 1, "concurrency": 1}


def test_list_detail_and_unknown_runs(serve):
    running = serve()
    with httpx.Client(base_url=running.url) as http:
        assert http.get("/api/runs").json() == {"object": "list", "data": []}
        for path in ("/api/runs/nope", "/api/runs/latest", "/api/runs/nope/report", "/api/runs/nope/events"):
            response = http.get(path)
            assert response.status_code == 404, path
            assert response.json()["error"]["code"] == "run_not_found"
        assert http.post("/api/runs/nope/cancel").status_code == 404
        assert http.delete("/api/runs/nope").status_code == 404
        assert http.get("/api/runs", params={"limit": 0}).status_code == 422


def test_a_run_on_a_bundled_suite_is_followed_to_its_end_and_reported(serve):
    running = serve()
    with httpx.Client(base_url=running.url, timeout=WAIT_S) as http:
        started = http.post("/api/runs", json=SMALL_RUN)
        assert started.status_code == 202, started.text
        run = started.json()
        assert run["status"] == "running" and run["planned"] == 2 and run["done"] == 0
        assert started.headers["location"] == run["links"]["self"] == f"/api/runs/{run['id']}"

        seen = events(http, run["id"])
        assert seen[-1] == {**seen[-1], "final": True, "status": "completed", "done": 2, "planned": 2, "errors": 0}
        assert [e["done"] for e in seen] == sorted(e["done"] for e in seen)
        assert all(not e["final"] for e in seen[:-1])
        assert events(http, run["id"]) == [seen[-1]]  # a finished run: one final event

        listed = http.get("/api/runs").json()["data"]
        assert [r["id"] for r in listed] == [run["id"]]
        assert listed[0]["tasks"] == ["medical-qa"] and listed[0]["models"] == ["builtin/extractive"]
        detail = http.get(f"/api/runs/{run['id'][:10]}").json()  # a unique prefix
        assert detail["id"] == run["id"] and detail["status"] == "completed"
        assert detail["plan"]["sources"] == ["medical-qa"] and detail["plan"]["limit"] == 2
        [metrics] = detail["results"]
        assert (metrics["task"], metrics["model"]) == ("medical-qa", "builtin/extractive")
        assert metrics["metrics"]["f1"]["n"] == 2 and 0 <= metrics["metrics"]["f1"]["mean"] <= 1
        assert http.get("/api/runs/latest").json()["id"] == run["id"]

        html = http.get(f"/api/runs/{run['id']}/report")
        assert html.headers["content-type"].startswith("text/html")
        assert f'filename="medchat-{run["id"]}.html"' in html.headers["content-disposition"]
        assert html.text.lstrip().lower().startswith("<!doctype html") and run["id"] in html.text
        exported = http.get(f"/api/runs/{run['id']}/report", params={"format": "json"})
        assert exported.headers["content-type"] == "application/json"
        assert f'filename="medchat-{run["id"]}.json"' in exported.headers["content-disposition"]
        body = exported.json()
        assert body["format"] == "medchat-eval-report" and len(body["samples"]) == 2
        table = http.get(f"/api/runs/{run['id']}/report", params={"format": "csv"})
        assert table.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(table.text)))
        assert len(rows) == 2 and {r["run_id"] for r in rows} == {run["id"]} and "f1" in rows[0]
        assert http.get(f"/api/runs/{run['id']}/report", params={"format": "pdf"}).status_code == 422

        refused = http.post(f"/api/runs/{run['id']}/cancel")
        assert refused.status_code == 409 and refused.json()["error"]["code"] == "run_not_running"
        assert "completed" in refused.json()["error"]["message"]
        deleted = http.delete(f"/api/runs/{run['id']}")
        assert deleted.json() == {"id": run["id"], "object": "eval.run", "deleted": True}
        assert http.get(f"/api/runs/{run['id']}").status_code == 404


def test_a_running_run_is_cancelled_and_can_be_resumed(serve, hanging, fake_server):
    from medchat.evaluation.evaluate import evaluate

    running = serve()
    with httpx.Client(base_url=running.url, timeout=WAIT_S) as http:
        started = http.post("/api/runs", json=HANGING_RUN)
        assert started.status_code == 202, started.text
        run_id = started.json()["id"]
        assert hanging.wait(WAIT_S), "the run never asked its model"
        assert http.get(f"/api/runs/{run_id}").json()["status"] == "running"
        refused = http.delete(f"/api/runs/{run_id}")
        assert refused.status_code == 409 and refused.json()["error"]["code"] == "run_running"

        cancelled = http.post(f"/api/runs/{run_id}/cancel")
        assert cancelled.status_code == 200, cancelled.text
        assert cancelled.json()["status"] == "interrupted"
        assert events(http, run_id)[-1]["status"] == "interrupted"
        again = http.post(f"/api/runs/{run_id}/cancel")
        assert again.status_code == 409 and "interrupted" in again.json()["error"]["message"]

        # what `medchat eval --resume RUN` does, now that the model answers
        fake_server.handler = lambda _: Reply(json=completion("A fever is a high temperature."))
        resumed = asyncio.run(evaluate(resume=run_id))
        assert (resumed.status, resumed.done, resumed.planned, resumed.errors) == ("completed", 1, 1, 0)
        assert http.get(f"/api/runs/{run_id}").json()["status"] == "completed"
        assert http.delete(f"/api/runs/{run_id}").status_code == 200


def test_shutting_down_interrupts_running_runs(hanging):
    """The app's lifespan exit stops the runs it started: each ends ``interrupted``, with its plan stored."""
    from medchat.config import get_settings
    from medchat.server.app import create_app

    app = create_app(get_settings())

    async def scenario() -> str:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test", timeout=WAIT_S) as http:
                started = await http.post("/api/runs", json=HANGING_RUN)
                assert started.status_code == 202, started.text
                assert await asyncio.to_thread(hanging.wait, WAIT_S)
        return str(started.json()["id"])

    run_id = asyncio.run(scenario())
    store = open_run_store()
    info = store.get_run(run_id)
    assert info.status == "interrupted"
    with store.database.session() as session:  # stored so by the child itself, not only read so (its pid gone)
        assert session.get(EvalRunRow, run_id).status == "interrupted"
    assert info.config["plan"]["models"] == ["openai/hang"] and info.config["origin"]["via"] == "medchat serve"


@pytest.mark.parametrize("source", ["../medchat.db", "/etc/passwd", "~/x.jsonl", "sub/../../x.jsonl",
                                    "..\\x.jsonl", "C:/x.jsonl", "missing.jsonl", "outside", ""])
def test_sources_outside_the_datasets_folder_are_refused(serve, source, tmp_path):
    running = serve()
    datasets = running.settings.data_dir / "datasets"
    datasets.mkdir(parents=True, exist_ok=True)
    (tmp_path / "secret.jsonl").write_text("{}\n")
    (datasets / "outside").symlink_to(tmp_path / "secret.jsonl")  # a link leading out of the folder
    with httpx.Client(base_url=running.url) as http:
        response = http.post("/api/runs", json={**SMALL_RUN, "sources": [source]})
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_source" and error["param"] == "sources"
    assert str(running.settings.data_dir) not in error["message"]  # the server's folders are its own business


def test_a_file_in_the_datasets_folder_is_run(serve):
    running = serve()
    datasets = running.settings.data_dir / "datasets"
    datasets.mkdir(parents=True, exist_ok=True)
    (datasets / "logged.jsonl").write_text(json.dumps({"id": "x", "input": "What is a fever?", "target": [
        "a high temperature"], "output": "A high temperature."}) + "\n", encoding="utf-8")
    with httpx.Client(base_url=running.url, timeout=WAIT_S) as http:
        started = http.post("/api/runs", json={"sources": ["logged.jsonl"], "models": ["replay/samples"],
                                               "scorers": ["f1"]})
        assert started.status_code == 202, started.text
        assert events(http, started.json()["id"])[-1]["status"] == "completed"
        detail = http.get(f"/api/runs/{started.json()['id']}").json()
    assert detail["plan"]["sources"] == [str((datasets / "logged.jsonl").resolve())]
    assert detail["results"][0]["metrics"]["f1"]["mean"] == pytest.approx(1.0)


def test_a_key_may_start_runs_only_with_its_models(serve):
    running = serve()
    key = running.create_key("narrow", models="builtin/extractive")
    auth = {"authorization": f"Bearer {key}"}
    with httpx.Client(base_url=running.url, headers=auth) as http:
        for body in ({**SMALL_RUN, "models": ["builtin/smollm2"]},
                     {**SMALL_RUN, "models": ["builtin/extractive", "builtin/smollm2"]},
                     {**SMALL_RUN, "judge": "builtin/smollm2"}):
            response = http.post("/api/runs", json=body)
            assert response.status_code == 403, response.text
            assert response.json()["error"]["code"] == "model_not_allowed"
        assert http.get("/api/runs").status_code == 200
        # scorers that need no judge: the default judge is neither built nor checked
        started = http.post("/api/runs", json={**SMALL_RUN, "scorers": ["f1"]})
        assert started.status_code == 202, started.text
        assert events(http, started.json()["id"])[-1]["status"] == "completed"
        assert http.get(f"/api/runs/{started.json()['id']}").json()["plan"]["judge"] is None
    with httpx.Client(base_url=running.url) as anonymous:
        assert anonymous.get("/api/runs").status_code == 401


def test_bad_plans_are_refused_before_or_by_the_child(serve):
    running = serve()
    with httpx.Client(base_url=running.url, timeout=WAIT_S) as http:
        response = http.post("/api/runs", json={**SMALL_RUN, "models": ["replay//etc/passwd"]})
        assert response.status_code == 400 and response.json()["error"]["code"] == "model_not_allowed"
        response = http.post("/api/runs", json={**SMALL_RUN, "concurrency": 10_000})
        assert response.status_code == 422
        response = http.post("/api/runs", json={**SMALL_RUN, "unknown": 1})
        assert response.status_code == 422
        response = http.post("/api/runs", json={"sources": ["conversations"], "models": ["builtin/extractive"]})
        assert response.status_code == 400 and "judge" in response.json()["error"]["message"]
        response = http.post("/api/runs", json={**SMALL_RUN, "models": ["nosuchprovider/model"]})
        assert response.status_code == 404, response.text
        assert response.json()["error"]["code"] == "model_not_found"
        assert http.get("/api/runs").json()["data"] == []  # nothing was stored


def test_run_files_are_confined(tmp_path: Path):
    from medchat.server.errors import ApiError
    from medchat.server.jobs import place_sources

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "b.jsonl").write_text("{}\n")
    assert place_sources(["mcq", "a/b.jsonl"], tmp_path) == ["mcq", str((tmp_path / "a" / "b.jsonl").resolve())]
    with pytest.raises(ApiError):
        place_sources(["a/../../b.jsonl"], tmp_path)


def test_sigterm_stops_runs_while_a_client_follows_them(hanging):
    """``medchat serve`` as a process: SIGTERM stops its runs at once, so a client following one gets the final
    ``interrupted`` event and the server exits (uvicorn waits for open responses before the lifespan's exit)."""
    process = subprocess.Popen([sys.executable, "-m", "medchat.cli", "serve", "--port", "0", "--log-level",
                                "warning"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        url = re.search(r"http://\S+/v1", line)
        assert url, line + process.stderr.read()
        with httpx.Client(base_url=url.group(0).removesuffix("/v1"), timeout=WAIT_S) as http:
            started = http.post("/api/runs", json=HANGING_RUN)
            assert started.status_code == 202, started.text
            run_id = started.json()["id"]
            assert hanging.wait(WAIT_S), "the run never asked its model"
            seen = []
            with http.stream("GET", f"/api/runs/{run_id}/events") as response:
                for line in response.iter_lines():
                    if line.startswith("data: "):
                        seen.append(json.loads(line.removeprefix("data: ")))
                        if len(seen) == 1:
                            process.send_signal(signal.SIGTERM)
            assert seen[0]["status"] == "running" and seen[-1]["final"] and seen[-1]["status"] == "interrupted"
        assert process.wait(timeout=WAIT_S) in (0, -signal.SIGTERM)
        assert "Traceback" not in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    with open_run_store().database.session() as session:
        assert session.get(EvalRunRow, run_id).status == "interrupted"


def test_events_follow_the_database_and_runs_of_other_processes_are_not_cancelled_here(serve):
    """A run this server did not start (here: stored by the test's own process, as `medchat eval` would) is
    followed from the database like any other — one event per change, the last one final — but cancelling it
    is refused: the server stops only runs a server started."""
    from medchat.evaluation.results import SampleResult

    running = serve()
    store = open_run_store()
    run = store.create_run(tasks=["qa"], models=["test/model"], config={"plan": {"sources": ["qa"]}}, planned=2)
    with httpx.Client(base_url=running.url, timeout=WAIT_S) as http:
        refused = http.post(f"/api/runs/{run.id}/cancel")
        assert refused.status_code == 409 and refused.json()["error"]["code"] == "run_not_cancellable"
        assert f"medchat eval --resume {run.id}" in refused.json()["error"]["message"]
        seen = []
        with http.stream("GET", f"/api/runs/{run.id}/events") as response:
            for line in response.iter_lines():
                if not line.startswith("data: "):
                    continue
                seen.append(json.loads(line.removeprefix("data: ")))
                if len(seen) == 1:  # each change below is made once the previous state was sent
                    store.add_result(SampleResult(run_id=run.id, task="qa", model="test/model", sample_id="a"))
                elif len(seen) == 2:
                    store.add_result(SampleResult(run_id=run.id, task="qa", model="test/model", sample_id="b",
                                                  error="boom"))
                elif len(seen) == 3:
                    store.update_run(run.id, status="completed")
    assert [(e["status"], e["done"], e["errors"], e["final"]) for e in seen] == [
        ("running", 0, 0, False), ("running", 1, 0, False), ("running", 2, 1, False), ("completed", 2, 1, True)]


def test_runs_at_once_are_bounded_per_server_process(serve, hanging, monkeypatch):
    from medchat.server import jobs

    monkeypatch.setattr(jobs, "MAX_RUNNING", 1)
    running = serve()
    with httpx.Client(base_url=running.url, timeout=WAIT_S) as http:
        first = http.post("/api/runs", json=HANGING_RUN)
        assert first.status_code == 202, first.text
        assert hanging.wait(WAIT_S)
        refused = http.post("/api/runs", json=SMALL_RUN)
        assert refused.status_code == 429 and refused.json()["error"]["code"] == "too_many_runs"
        assert http.post(f"/api/runs/{first.json()['id']}/cancel").json()["status"] == "interrupted"
        second = http.post("/api/runs", json=SMALL_RUN)
        assert second.status_code == 202, second.text
        assert events(http, second.json()["id"])[-1]["status"] == "completed"


def test_two_runs_are_compared(serve):
    running = serve()
    with httpx.Client(base_url=running.url, timeout=WAIT_S) as http:
        ids = []
        for model in ("builtin/extractive", "assistant/builtin/extractive"):
            run = http.post("/api/runs", json={**SMALL_RUN, "models": [model]}).json()
            assert events(http, run["id"])[-1]["status"] == "completed"
            ids.append(run["id"])
        page = http.get("/api/runs/compare", params={"a": ids[0], "b": ids[1]})
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert f'filename="medchat-{ids[0]}-vs-{ids[1]}.html"' in page.headers["content-disposition"]
        assert ids[0] in page.text and ids[1] in page.text and "assistant/builtin/extractive" in page.text
        missing = http.get("/api/runs/compare", params={"a": ids[0], "b": "nope"})
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "run_not_found"
        assert http.get("/api/runs/compare", params={"a": ids[0]}).status_code == 422
