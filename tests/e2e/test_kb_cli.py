"""``medchat kb`` as a user runs it: a subprocess, its exit code, stdout and stderr.

The subprocess inherits XDG_DATA_HOME from the test fixture, so knowledge bases land in a temp dir.
"""

import json
import os
from pathlib import Path

from tests.e2e.test_cli import medchat


def test_search_the_bundled_knowledge_base_as_json():
    out = medchat("kb", "search", "什么是哮喘", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["knowledge_base"] == "medchat" and data["mode"] == "hybrid"
    assert len(data["results"]) == 5
    first = data["results"][0]
    assert first["rank"] == 1 and first["passage"]["doc_id"] == "bundled/zh/asthma"
    assert first["passage"]["language"] == "zh" and first["passage"]["url"].startswith("https://")


def test_search_prints_titles_and_urls():
    out = medchat("kb", "search", "asthma inhaler", "-k", "2")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("[1] Asthma (en, score ")
    assert "[2] " in out.stdout and "[3] " not in out.stdout
    assert "https://www.nhs.uk/conditions/asthma/" in out.stdout
    assert "medchat · hybrid · 2 results" in out.stderr


def test_ingest_search_list_and_remove_your_own_documents(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "hands.md").write_text("# Hand washing\n\nWash your hands with soap and water for twenty seconds.\n",
                                   encoding="utf-8")
    (docs / "water.md").write_text("# 喝水\n\n每天应该喝足够的水，口渴时要及时补充水分。\n", encoding="utf-8")
    (docs / "empty.md").write_text("", encoding="utf-8")

    out = medchat("kb", "ingest", str(docs), "--name", "mine")
    assert out.returncode == 0, out.stderr
    assert "mine: 2 added, 0 updated, 0 unchanged, 0 removed, 1 skipped" in out.stderr
    assert f"skipped {(docs / 'empty.md').resolve()}: the file is empty" in out.stderr
    assert "Traceback" not in out.stderr
    data_dir = Path(os.environ["XDG_DATA_HOME"]) / "medchat" / "kb" / "mine"
    assert (data_dir / "manifest.json").is_file()  # in the test's data dir, not the user's

    out = medchat("kb", "ingest", str(docs), "--name", "mine")
    assert out.returncode == 0, out.stderr
    assert "0 added, 0 updated, 2 unchanged" in out.stderr and "(0 embedded)" in out.stderr

    out = medchat("kb", "list", "--json")
    assert out.returncode == 0, out.stderr
    rows = {row["name"]: row for row in json.loads(out.stdout)}
    assert set(rows) == {"medchat", "mine"}
    assert rows["medchat"]["bundled"] and rows["medchat"]["languages"] == ["en", "zh"]
    assert rows["mine"]["documents"] == 2 and rows["mine"]["languages"] == ["en", "zh"]
    assert rows["mine"]["roots"] == [str(docs.resolve())] and not rows["mine"]["bundled"]

    out = medchat("kb", "search", "soap", "--name", "mine", "--mode", "bm25", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["knowledge_base"] == "mine"
    assert [r["passage"]["doc_id"] for r in data["results"]] == [str((docs / "hands.md").resolve())]
    out = medchat("kb", "search", "口渴喝水", "--name", "mine", "--json")
    assert json.loads(out.stdout)["results"][0]["passage"]["title"] == "喝水"

    out = medchat("kb", "remove", str(docs / "water.md"), "--name", "mine")
    assert out.returncode == 0 and "mine: removed 1 document(s)" in out.stdout

    out = medchat("kb", "remove", "--name", "mine", "--yes")
    assert out.returncode == 0, out.stderr
    assert "deleted mine" in out.stdout and not data_dir.exists()
    out = medchat("kb", "list", "--json")
    assert [row["name"] for row in json.loads(out.stdout)] == ["medchat"]


def test_ingest_with_nothing_usable_fails(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    out = medchat("kb", "ingest", str(tmp_path / "empty.txt"), str(tmp_path / "missing.md"), "--name", "x")
    assert out.returncode == 1
    assert "0 added" in out.stderr and "2 skipped" in out.stderr and "no such file or folder" in out.stderr
    assert "was not created" in out.stderr
    listed = json.loads(medchat("kb", "list", "--json").stdout)
    assert [kb["name"] for kb in listed] == ["medchat"]  # no empty "x" left behind


def test_ingest_of_a_missing_path_leaves_no_default_knowledge_base(tmp_path):
    out = medchat("kb", "ingest", str(tmp_path / "nonexistent"))
    assert out.returncode == 1 and "no such file or folder" in out.stderr and "Traceback" not in out.stderr
    assert [kb["name"] for kb in json.loads(medchat("kb", "list", "--json").stdout)] == ["medchat"]
    out = medchat("kb", "search", "asthma", "--name", "default")
    assert out.returncode == 1 and "no knowledge base named 'default'" in out.stderr


def test_an_empty_search_is_rejected_like_an_empty_question():
    for query in ("", "   "):
        out = medchat("kb", "search", query)
        assert out.returncode == 2
        assert "the query is empty" in out.stderr and "Traceback" not in out.stderr


def test_a_bad_mode_is_a_usage_error():
    out = medchat("kb", "search", "asthma", "--mode", "semantic")
    assert out.returncode == 2
    assert "use bm25, dense or hybrid" in out.stderr and "Traceback" not in out.stderr


def test_an_unknown_knowledge_base_is_one_line_and_exit_1():
    out = medchat("kb", "search", "asthma", "--name", "nope")
    assert out.returncode == 1
    assert out.stderr.startswith("error: no knowledge base named 'nope'")
    assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr
    out = medchat("kb", "remove", "--name", "nope", "--yes")
    assert out.returncode == 1 and "no knowledge base named 'nope'" in out.stderr


def test_the_bundled_knowledge_base_cannot_be_changed(tmp_path):
    (tmp_path / "a.md").write_text("Some text.")
    out = medchat("kb", "ingest", str(tmp_path), "--name", "medchat")
    assert out.returncode == 1 and "bundled knowledge base" in out.stderr and "Traceback" not in out.stderr


def test_ask_the_extractive_model():
    out = medchat("ask", "-m", "builtin/extractive", "What are the signs of a stroke?")
    assert out.returncode == 0, out.stderr
    assert "[1]" in out.stdout and "Sources:" in out.stdout
    assert "[1] Stroke — https://www.nhs.uk/conditions/stroke/" in out.stdout
    assert "builtin/extractive" in out.stderr
