"""Battles in the database as ``Battle``s: stored runs, imported battle files, and the chat page's preferences.

``storage.battles`` keeps records in the public format's words and imports nothing from evaluation; this module is
the bridge. An imported file becomes an arena run whose id comes from its contents (``import-<sha256[:12]>``), so
importing the same file again stores nothing twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from pydantic import BaseModel

from medchat.evaluation.arena.battles import Battle, BattleError, from_preference, read_battles
from medchat.storage.battles import BattleStore, StoredBattle
from medchat.storage.db import Database

HUMAN = "human"


def to_battle(stored: StoredBattle) -> Battle:
    return Battle.model_validate(stored.public())


def stored_battles(store: BattleStore, run_ids: Iterable[str] | None = None) -> Iterator[Battle]:
    """The battles of some arena runs (every stored one by default)."""
    return (to_battle(b) for b in store.iterate(run_ids))


def human_battles(database: Database) -> Iterator[Battle]:
    """The chat page's compare-mode verdicts as battles (``judge="human"``), oldest first."""
    from medchat.storage.preferences import PreferenceStore

    preferences = PreferenceStore(database).list(limit=None)
    return (from_preference(p) for p in reversed(preferences))


class Imported(BaseModel):
    run_id: str
    file: str
    added: int
    already: int


def import_file(store: BattleStore, path: str | Path) -> Imported:
    """Store a battle file's battles as an arena run of their own. The file is read twice, streaming: once to check
    every line (a bad line stores nothing), once to store. A battle without ``question_id`` is keyed by its line, so a
    re-import adds nothing."""
    path = Path(path)
    digest = _digest(path)
    run_id = f"import-{digest[:12]}"
    models: set[str] = set()
    count = 0
    for battle in read_battles(path):
        count += 1
        models.update((battle.model_a, battle.model_b))
    if store.find_run(run_id) is None:
        store.create_run(kind="import", models=sorted(models), source=path.name, run_id=run_id, planned=count,
                         config={"file": str(path), "sha256": digest})
    records = (_record(run_id, battle, number) for number, battle in enumerate(read_battles(path), start=1))
    added, already = store.add_many(records)
    store.update_run(run_id, status="completed")
    return Imported(run_id=run_id, file=str(path), added=added, already=already)


def _record(run_id: str, battle: Battle, number: int) -> StoredBattle:
    judge = battle.judge or ""
    metadata = dict(battle.metadata)
    prompt = str(metadata.pop("prompt", "") or "")
    consistent = metadata.pop("consistent", None)
    ab, ba = metadata.pop("verdict_ab", None), metadata.pop("verdict_ba", None)
    metadata.pop("run_id", None)
    sample = str(battle.question_id) if battle.question_id is not None else f"line {number}"
    return StoredBattle(run_id=run_id, sample_id=sample[:300], turn=battle.turn or 1, model_a=battle.model_a,
                        model_b=battle.model_b, winner=battle.winner, judge=judge, prompt=prompt,
                        consistent=consistent if isinstance(consistent, bool) and judge != HUMAN else None,
                        verdict_ab=ab if isinstance(ab, str) else None, verdict_ba=ba if isinstance(ba, str) else None,
                        length_a=battle.length_a, length_b=battle.length_b, metadata=metadata)


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                sha.update(block)
    except FileNotFoundError:
        raise BattleError("no such file", file=str(path), hint="check the path") from None
    except OSError as exc:
        raise BattleError(f"cannot read it ({exc.strerror or exc})", file=str(path), hint=None) from None
    return sha.hexdigest()
