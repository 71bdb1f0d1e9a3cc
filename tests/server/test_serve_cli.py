"""``medchat serve`` as a process: prints its URL, answers, and exits cleanly on SIGTERM."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys

import httpx


def test_serve_starts_answers_and_stops_on_sigterm():
    process = subprocess.Popen([sys.executable, "-m", "medchat.cli", "serve", "--port", "0"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        url = re.search(r"http://\S+/v1", line)
        assert url, line + process.stderr.read()
        with httpx.Client(base_url=url.group(0).removesuffix("/v1"), timeout=60) as http:
            assert http.get("/healthz").json() == {"status": "ok"}
            assert http.get("/readyz").status_code == 200
        process.send_signal(signal.SIGTERM)
        # uvicorn shuts down gracefully (lifespan shutdown included), then re-raises the signal it caught.
        assert process.wait(timeout=60) in (0, -signal.SIGTERM)
        stderr = process.stderr.read()
        assert "Traceback" not in stderr
        access = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]  # one per request
        assert [(a["route"], a["status"]) for a in access] == [("/healthz", 200), ("/readyz", 200)]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
