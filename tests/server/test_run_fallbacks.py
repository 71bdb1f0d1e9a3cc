"""``GET /api/runs/{id}`` counts, per model and reason, the answers that fallback models gave (only models some
fallback answered for), as ``medchat runs show`` does; the run's report pages are written by the same functions."""

from __future__ import annotations

import httpx

from medchat.evaluation.evaluate import open_run_store
from medchat.evaluation.output import Output
from medchat.evaluation.results import SampleResult


def test_the_run_detail_counts_fallback_answers(serve):
    running = serve()
    store = open_run_store()
    run = store.create_run(tasks=["qa"], models=["test/asked", "test/plain"], config={"plan": {"sources": ["qa"]}},
                           planned=4)
    mark = {"from": "test/asked", "to": "test/backup", "reason": "rate_limited"}
    for model, sample, fallback in [("test/asked", "a", mark), ("test/asked", "b", mark), ("test/asked", "c", None),
                                    ("test/plain", "a", None)]:
        store.add_result(SampleResult(run_id=run.id, task="qa", model=model, sample_id=sample,
                                      output=Output(text="Rest.", model=model, fallback=fallback)))
    store.update_run(run.id, status="completed")
    with httpx.Client(base_url=running.url, timeout=60) as http:
        detail = http.get(f"/api/runs/{run.id}").json()
        assert detail["fallbacks"] == {"test/asked": {"rate_limited": 2}}
        page = http.get(f"/api/runs/{run.id}/report").text
        assert "by a fallback" in page and "2 (rate_limited 2)" in page
        csv_text = http.get(f"/api/runs/{run.id}/report", params={"format": "csv"}).text
        assert csv_text.count("test/backup (rate_limited)") == 2
