"""``medchat keys`` as a user runs it: a subprocess, its exit code, stdout and stderr.

The subprocess inherits XDG_DATA_HOME from the test fixture, so the database lands in a temp dir.
"""

import json
import os
import sqlite3
from pathlib import Path

import pytest

from tests.e2e.test_cli import medchat


def database_files() -> list[Path]:
    folder = Path(os.environ["XDG_DATA_HOME"]) / "medchat"
    return [path for path in folder.iterdir() if path.name.startswith("medchat.db")]


def test_create_prints_the_key_once_and_list_never_shows_it():
    out = medchat("keys", "create", "--name", "ci", "--rpm", "60", "--models", "assistant/*,builtin/*",
                  "--expires", "30d")
    assert out.returncode == 0, out.stderr
    key = out.stdout.strip()
    assert key.startswith("mc-") and len(out.stdout.splitlines()) == 1  # the key alone, for $(...)
    assert "only time the key is shown" in out.stderr and key not in out.stderr
    assert "'ci'" in out.stderr and key[:11] in out.stderr

    listed = medchat("keys", "list")
    assert listed.returncode == 0, listed.stderr
    (line,) = listed.stdout.splitlines()  # piped: tab-separated
    fields = line.split("\t")
    assert fields[0] == "ci" and fields[1] == key[:11] and fields[-1] == "active"
    assert "rpm 60" in fields and "assistant/*,builtin/*" in fields
    assert key not in listed.stdout and key[11:] not in listed.stdout

    data = json.loads(medchat("keys", "list", "--json").stdout)
    assert [(k["name"], k["prefix"], k["rpm"], k["models"]) for k in data] == [
        ("ci", key[:11], 60, ["assistant/*", "builtin/*"])]
    assert key not in json.dumps(data)

    for path in database_files():  # stored hashed: the secret part is in no database file
        assert key[11:].encode() not in path.read_bytes()


def test_create_json_then_revoke_by_prefix():
    out = medchat("keys", "create", "--name", "bot", "--json")
    assert out.returncode == 0, out.stderr
    created = json.loads(out.stdout)
    assert created["key"].startswith(created["prefix"]) and created["status"] == "active"
    assert created["expires_at"] is None and created["models"] == []

    revoked = medchat("keys", "revoke", created["prefix"])
    assert revoked.returncode == 0, revoked.stderr
    assert "revoked 'bot'" in revoked.stdout
    assert medchat("keys", "list").stdout.startswith("no keys yet")
    (line,) = medchat("keys", "list", "--all").stdout.splitlines()
    assert line.startswith("bot\t") and line.endswith("\trevoked")

    again = medchat("keys", "revoke", "bot")
    assert again.returncode == 1 and "already revoked" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1


def test_a_revoked_name_can_be_reused_and_a_live_one_cannot():
    assert medchat("keys", "create", "--name", "ci").returncode == 0
    taken = medchat("keys", "create", "--name", "ci")
    assert taken.returncode == 1 and "already exists" in taken.stderr and taken.stdout == ""
    assert medchat("keys", "revoke", "ci").returncode == 0
    assert medchat("keys", "create", "--name", "ci").returncode == 0


@pytest.mark.parametrize(("expires", "message"), [("2020-01-01", "is in the past"),
                                                  ("tomorrow", "is not a date or a duration")])
def test_bad_expiry_is_one_line_and_creates_nothing(expires: str, message: str):
    out = medchat("keys", "create", "--name", "late", "--expires", expires)
    assert out.returncode == 1 and out.stdout == ""
    assert message in out.stderr and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    assert json.loads(medchat("keys", "list", "--json", "--all").stdout) == []


def test_unknown_key_and_bad_limit():
    out = medchat("keys", "revoke", "ghost")
    assert out.returncode == 1 and "no key named or prefixed 'ghost'" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    out = medchat("keys", "create", "--name", "x", "--rpm", "0")
    assert out.returncode == 2 and "Traceback" not in out.stderr


def test_keys_use_the_configured_database(tmp_path: Path):
    path = tmp_path / "elsewhere.db"
    out = medchat("keys", "create", "--name", "ci", env={"MEDCHAT_DATABASE_URL": f"sqlite:///{path}"})
    assert out.returncode == 0, out.stderr
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT name, prefix FROM api_keys").fetchall() == [("ci", out.stdout[:11])]
