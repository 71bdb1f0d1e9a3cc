"""``medchat feedback export``: stored feedback becomes a file ``medchat eval`` runs as it is."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from medchat.cli.app import app
from medchat.config import get_settings
from medchat.storage import close_databases, open_database
from medchat.storage.feedback import FeedbackStore


def test_export_writes_samples_that_medchat_eval_runs(tmp_path):
    store = FeedbackStore(open_database(get_settings()))
    store.add("down", reason="not_factually_correct", question="What is a fever?", answer="A cold.",
              correction="A fever is a high temperature, 38C or more.")
    store.add("up", question="What helps a sore throat?", answer="Rest and fluids.")
    runner = CliRunner()
    path = tmp_path / "feedback.jsonl"
    try:
        exported = runner.invoke(app, ["feedback", "export", "-o", str(path), "--corrected"])
        assert exported.exit_code == 0, exported.output
        lines = [json.loads(line) for line in path.read_text().splitlines()]
        assert [line["target"] for line in lines] == [["A fever is a high temperature, 38C or more."]]

        listed = runner.invoke(app, ["feedback", "list", "--rating", "up"])
        assert listed.exit_code == 0 and "What helps a sore throat?" in listed.output
        bad = runner.invoke(app, ["feedback", "list", "--reason", "meh"])
        assert bad.exit_code == 2 and "unknown reason" in bad.output

        evaluated = runner.invoke(app, ["eval", str(path), "-m", "builtin/extractive"])
        assert evaluated.exit_code == 0, evaluated.output
        assert "f1" in evaluated.output
    finally:
        close_databases()
