"""API keys of ``medchat serve``: created once, stored as a hash, checked in constant time, revoked by name.

A key is ``mc-`` followed by 43 URL-safe characters (32 bytes from ``secrets``). The database keeps
its ``prefix`` (``mc-`` and the next 8 characters: public, shown in listings and logs) and the SHA-256 of
the whole key — never the key itself, which ``KeyStore.create`` returns once.

Why SHA-256 and not bcrypt/scrypt/argon2: slow, salted hashes protect *passwords*, which people choose
from a small space an attacker can enumerate. A key here is 256 random bits; no one can enumerate that
space at any hashing speed, so a slow hash would add nothing but its cost (tens of milliseconds on every
request, against a proxy budget of ~2 ms), and a salt would add nothing either (no two keys are alike, and
no precomputed table covers 2^256 inputs).

How ``verify`` stays constant-time: it looks the key up by its public prefix (which leaks nothing not
already in the logs) and compares the stored hash with ``hmac.compare_digest``, so no comparison that
depends on the secret part stops early, in Python or in the database's index.

Each method opens its own session, so one ``KeyStore`` can be shared by threads and processes (workers)
on the same database.
"""

from __future__ import annotations

import builtins
import hashlib
import hmac
import re
import secrets
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from typing import Any, Literal

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from medchat.errors import ConfigError
from medchat.storage.db import Database, NotFoundError
from medchat.storage.schema import ApiKeyRow

KEY_PREFIX = "mc-"
TOKEN_BYTES = 32
PREFIX_CHARS = len(KEY_PREFIX) + 8  # "mc-ab12cd34": 48 of the 256 bits, public
MAX_KEY_CHARS = 200  # longer is not a medchat key; refused before any hashing or lookup
NAME_MAX = 100
_NAME = re.compile(r"^[^\x00-\x1f\x7f]+$")

KeyStatus = Literal["active", "revoked", "expired"]


def hash_key(raw_key: str) -> str:
    """The SHA-256 of a key, hex (what the database stores; see the module docstring for why SHA-256)."""
    return hashlib.sha256(raw_key.encode("utf-8")).hexdigest()


def new_key() -> str:
    """A fresh raw key: ``mc-`` and a URL-safe token of 32 random bytes."""
    return KEY_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


def looks_like_key(raw_key: object) -> bool:
    """Whether ``raw_key`` has a medchat key's shape; ``KeyStore.verify`` answers anything else with ``None``
    without hashing it or asking the database."""
    return (isinstance(raw_key, str) and raw_key.startswith(KEY_PREFIX)
            and PREFIX_CHARS < len(raw_key) <= MAX_KEY_CHARS)


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ApiKey:
    """A stored key as callers see it: everything but the hash (and never the key itself).

    ``rpm``/``tpm``/``concurrency`` of ``None`` are unlimited; ``models`` are glob patterns
    (``fnmatch``, case-sensitive; ``*`` also matches ``/``), empty meaning every model.
    """

    id: str
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    rpm: int | None
    tpm: int | None
    concurrency: int | None
    models: tuple[str, ...]
    last_used_at: datetime | None = None

    def allows(self, model: str) -> bool:
        """Whether this key may use ``model`` (any of its patterns matches; no patterns: every model)."""
        return not self.models or any(fnmatchcase(model, pattern) for pattern in self.models)

    def status(self, now: datetime | None = None) -> KeyStatus:
        """``revoked``, ``expired`` (at ``now``, default the current time) or ``active``."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= (now or _utcnow()):
            return "expired"
        return "active"

    @property
    def active(self) -> bool:
        """Not revoked and not expired, now."""
        return self.status() == "active"

    def to_dict(self, now: datetime | None = None) -> dict[str, Any]:
        """Plain JSON values (ISO 8601 datetimes, ``models`` as a list), with ``status`` at ``now``."""
        data = asdict(self)
        for field, value in data.items():
            if isinstance(value, datetime):
                data[field] = value.isoformat()
        data["models"] = list(self.models)
        data["status"] = self.status(now)
        return data


def _record(row: ApiKeyRow) -> ApiKey:
    return ApiKey(id=row.id, name=row.name, prefix=row.prefix, created_at=row.created_at,
                  expires_at=row.expires_at, revoked_at=row.revoked_at, rpm=row.rpm, tpm=row.tpm,
                  concurrency=row.concurrency, models=tuple(row.models or ()), last_used_at=row.last_used_at)


def _limit(name: str, value: int | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{name} must be a whole number of at least 1, not {value!r}",
                          hint=f"leave {name} out for no limit")
    return value


def _patterns(models: Iterable[str] | str) -> tuple[str, ...]:
    items = models.split(",") if isinstance(models, str) else [p for item in models for p in item.split(",")]
    return tuple(dict.fromkeys(p.strip() for p in items if p.strip()))


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > NAME_MAX or not _NAME.match(name):
        raise ConfigError(f"invalid key name {name!r}",
                          hint=f"give 1 to {NAME_MAX} printable characters, e.g. --name ci-bot")
    if name.startswith(KEY_PREFIX):
        raise ConfigError(f"a key name cannot start with {KEY_PREFIX!r} (that is how key prefixes start)",
                          hint="choose another name")
    return name


class KeyStore:
    """API keys in a ``Database`` (migrated; see ``open_database``).

    ``clock`` gives the timestamps (timezone-aware; UTC by default). ``touch`` writes ``last_used_at``
    at most once per ``touch_interval_s`` per key and process, so calling it on every request costs a
    write a minute, not one per request.
    """

    def __init__(self, database: Database, *, clock: Callable[[], datetime] | None = None,
                 touch_interval_s: float = 60.0) -> None:
        self.database = database
        self._clock = clock or _utcnow
        self.touch_interval_s = touch_interval_s
        self._touched: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def _now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None:
            raise ValueError(f"the clock gave a naive datetime {now!r}: storage needs timezone-aware ones")
        return now

    def create(self, name: str, *, rpm: int | None = None, tpm: int | None = None, concurrency: int | None = None,
               models: Iterable[str] | str = (), expires_at: datetime | None = None) -> tuple[ApiKey, str]:
        """A new key; returns its record and the raw key, which is shown this once and stored nowhere.

        ``name`` must be unique among the keys not revoked; ``models`` are glob patterns (a string is
        split on commas); ``expires_at`` must be timezone-aware and in the future.
        """
        name = _check_name(name)
        limits = {"rpm": _limit("rpm", rpm), "tpm": _limit("tpm", tpm),
                  "concurrency": _limit("concurrency", concurrency)}
        patterns = _patterns(models)
        now = self._now()
        if expires_at is not None:
            if expires_at.tzinfo is None:
                raise ConfigError(f"expiry {expires_at.isoformat()} has no timezone",
                                  hint="give it in UTC, e.g. 2027-01-31T00:00:00+00:00")
            if expires_at <= now:
                raise ConfigError(f"expiry {expires_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC is in the past",
                                  hint="give a future date or a duration such as 30d")
        raw = new_key()
        row = ApiKeyRow(id=uuid.uuid4().hex, name=name, prefix=raw[:PREFIX_CHARS], hash=hash_key(raw),
                        created_at=now, expires_at=expires_at, models=list(patterns) or None, **limits)
        try:
            with self.database.transaction() as session:
                taken = session.scalar(select(ApiKeyRow).where(ApiKeyRow.name == name,
                                                               ApiKeyRow.revoked_at.is_(None)))
                if taken is not None:
                    raise _name_taken(name, _record(taken).status(now))
                session.add(row)
        except IntegrityError:  # another process took the name between the check and the insert
            raise _name_taken(name, "active") from None
        return _record(row), raw

    def verify(self, raw_key: str) -> ApiKey | None:
        """The key's record when ``raw_key`` is a known key, not revoked and not expired; else ``None``.

        Looks up by the public prefix, then compares hashes with ``hmac.compare_digest``. Does not touch
        ``last_used_at`` (call ``touch`` once the request is allowed).
        """
        if not looks_like_key(raw_key):
            return None
        digest = hash_key(raw_key)
        with self.database.session() as session:
            rows = session.scalars(select(ApiKeyRow).where(ApiKeyRow.prefix == raw_key[:PREFIX_CHARS])).all()
        found = None
        for row in rows:  # all of them, so the time taken does not say which one matched
            if hmac.compare_digest(row.hash, digest):
                found = row
        if found is None:
            return None
        key = _record(found)
        return key if key.status(self._now()) == "active" else None

    def any_keys(self) -> bool:
        """Whether any key not revoked exists (expired ones count: the door stays shut until they are revoked).

        One indexed ``SELECT ... LIMIT 1``. The server needs it only for requests *without* a valid key
        (a valid key is let in either way). A caller that caches it may keep a ``True`` as long as it
        likes (that fails closed), but may keep a ``False`` only briefly: the server keeps one for a second
        (``ServerState.no_keys_recheck_s``), so ``medchat keys create`` in another process closes the door
        within that second.
        """
        with self.database.session() as session:
            return session.scalar(select(ApiKeyRow.id).where(ApiKeyRow.revoked_at.is_(None)).limit(1)) is not None

    def list(self, *, include_revoked: bool = False) -> builtins.list[ApiKey]:
        """Keys oldest first (expired ones included); revoked ones too with ``include_revoked``."""
        query = select(ApiKeyRow).order_by(ApiKeyRow.created_at, ApiKeyRow.name, ApiKeyRow.id)
        if not include_revoked:
            query = query.where(ApiKeyRow.revoked_at.is_(None))
        with self.database.session() as session:
            return [_record(row) for row in session.scalars(query)]

    def revoke(self, name_or_prefix: str) -> ApiKey:
        """Revoke the key named so, or whose prefix starts so (``mc-ab12...``; a whole key works too).

        ``NotFoundError`` when nothing matches; ``ConfigError`` when several keys match or the key is
        already revoked. Returns the revoked record.
        """
        wanted = name_or_prefix.strip()
        with self.database.transaction() as session:
            if wanted.startswith(KEY_PREFIX) and len(wanted) > PREFIX_CHARS:  # a whole key: match its hash
                query = select(ApiKeyRow).where(ApiKeyRow.prefix == wanted[:PREFIX_CHARS],
                                                ApiKeyRow.hash == hash_key(wanted))
            elif wanted.startswith(KEY_PREFIX):
                query = select(ApiKeyRow).where(ApiKeyRow.prefix.startswith(wanted, autoescape=True))
            else:
                query = select(ApiKeyRow).where(ApiKeyRow.name == wanted)
            rows = session.scalars(query.order_by(ApiKeyRow.created_at)).all()
            live = [row for row in rows if row.revoked_at is None]
            if not live:
                if rows:
                    raise ConfigError(f"key {wanted!r} is already revoked",
                                      hint="medchat keys list --all shows revoked keys")
                raise NotFoundError(f"no key named or prefixed {wanted!r}", hint="medchat keys list shows the keys")
            if len(live) > 1:
                prefixes = ", ".join(f"{row.prefix} ({row.name})" for row in live)
                raise ConfigError(f"{wanted!r} matches {len(live)} keys: {prefixes}",
                                  hint="give more of the prefix, or the name")
            row = live[0]
            row.revoked_at = self._now()
            return _record(row)

    def touch(self, key_id: str) -> None:
        """Record that the key was used now (``last_used_at``), at most once per ``touch_interval_s``
        per key in this process; an unknown id is ignored."""
        now = self._now()
        with self._lock:
            last = self._touched.get(key_id)
            if last is not None and (now - last).total_seconds() < self.touch_interval_s:
                return
            self._touched[key_id] = now
        with self.database.transaction() as session:
            session.execute(update(ApiKeyRow).where(ApiKeyRow.id == key_id).values(last_used_at=now))


def _name_taken(name: str, status: str) -> ConfigError:
    what = "an expired key" if status == "expired" else "a key"
    return ConfigError(f"{what} named {name!r} already exists",
                       hint=f"revoke it first (medchat keys revoke {name}) or choose another name")
