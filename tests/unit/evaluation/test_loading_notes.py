"""What loading a data file skipped or decided is kept with the run: the warnings before it starts, then its
stored config, the HTML report's overview and ``medchat runs show`` say the same lines, once, even after
``--resume`` rebuilds the plan and loads the file again."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import pytest

import medchat.gateway
from medchat.evaluation.evaluate import evaluate, open_run_store
from medchat.evaluation.plan import EvalPlan
from medchat.evaluation.runner import RunProgress
from tests.scripted import ScriptedModel


def medmcqa(path: Path, cops: list[int | None]) -> Path:
    """MedMCQA lines; a ``None`` cop leaves the field out (an invalid record)."""
    records = [{"question": f"Question {n}?", "opa": "w", "opb": "x", "opc": "y", "opd": "z",
                **({"cop": cop} if cop is not None else {})} for n, cop in enumerate(cops, start=1)]
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def scripted_models(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake_get_model(name: str, **_: Any) -> ScriptedModel:
        return ScriptedModel(name=name)

    monkeypatch.setattr(medchat.gateway, "get_model", fake_get_model)


async def test_skipped_records_and_loader_notes_travel_with_the_run(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    from medchat.cli.runs_cmd import show
    from medchat.evaluation.report import write_report

    path = medmcqa(tmp_path / "validation.json", [1, 2, 3, 2, None])
    expected = [f"{path}: 4 loaded, 1 skipped (line 5: missing field 'cop')",
                f"{path}: cop could be counted from 0 or 1 (no 0 and no 4 in the file); read as 1 (the published "
                "layout) — pass --format medmcqa-hf if it is a Hugging Face export"]
    notices: list[str] = []
    store = open_run_store()
    info = await evaluate(EvalPlan(sources=[str(path)], models=["test/a"], scorers=["choice"], limit=2),
                          store=store, progress=RunProgress(on_notice=notices.append))
    assert notices == expected  # the warnings before the run

    stored = store.get_run(info.id)
    assert stored.config["loading"] == {"validation": {
        "source": str(path), "loaded": 4, "skipped": 1, "reasons": ["line 5: missing field 'cop'"],
        "notes": [expected[1].removeprefix(f"{path}: ")]}}  # counted before --limit
    assert [line for summary in stored.loading().values() for line in summary.lines()] == expected

    page = write_report(stored, store.results(info.id), tmp_path / "r.html").read_text(encoding="utf-8")
    overview = page.split('id="overview"', 1)[1].split("</section>", 1)[0]
    assert "Loading the data:" in overview
    assert all(f"<li>{html.escape(line)}</li>" in overview for line in expected)

    capsys.readouterr()
    show(info.id)
    shown = capsys.readouterr().out
    assert all(f"warning: {line}\n" in shown for line in expected)  # one line each, unwrapped


async def test_a_resumed_run_keeps_its_loading_notes_once_and_updates_them_when_the_file_changed(
        tmp_path: Path) -> None:
    path = medmcqa(tmp_path / "validation.json", [1, 2, 3, 2, None])
    store = open_run_store()
    info = await evaluate(EvalPlan(sources=[str(path)], models=["test/a"], scorers=["choice"]), store=store)
    first = store.get_run(info.id).config
    assert set(first) == {"plan", "loading"}

    store.update_run(info.id, status="interrupted")
    notices: list[str] = []
    await evaluate(resume=info.id, store=store, progress=RunProgress(on_notice=notices.append))
    assert store.get_run(info.id).config == first  # the same notes, not lost and not added twice
    assert len(notices) == 2  # said again before the resumed run

    medmcqa(path, [1, 2, 3, 2, 3])  # the invalid record fixed before resuming again: it is asked now
    store.update_run(info.id, status="interrupted")
    resumed = await evaluate(resume=info.id, store=store)
    assert resumed.done == 5 and resumed.status == "completed"
    (summary,) = store.get_run(info.id).loading().values()
    assert (summary.loaded, summary.skipped, summary.reasons) == (5, 0, [])  # this load replaced the first one
    assert summary.lines() == [f"{path}: {first['loading']['validation']['notes'][0]}"]
    assert store.get_run(info.id).config["plan"] == first["plan"]


async def test_a_file_that_loads_cleanly_stores_no_loading_notes(tmp_path: Path) -> None:
    path = medmcqa(tmp_path / "dev.json", [1, 4, 2])
    store = open_run_store()
    info = await evaluate(EvalPlan(sources=[str(path)], models=["test/a"], scorers=["choice"]), store=store)
    assert "loading" not in store.get_run(info.id).config
    assert store.get_run(info.id).loading() == {}
