"""``DatasetError``: a data file that cannot become a ``Dataset``, said in one line that points at the spot.

The message starts with where the problem is (``data.jsonl line 7``, ``pubmedqa.json record '123'``,
``doc.xml QAPair 2``) so a user can open the file and go straight there; ``file``, ``location`` and
``field`` keep the same facts for code that wants them; ``reason`` is the message without the file and
the hint, for a list of skipped records (``line 455: field 'answer' is ...``).
"""

from __future__ import annotations

from medchat.errors import MedchatError


class DatasetError(MedchatError):
    """A dataset file that is missing, malformed or inconsistent."""

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        file: str | None = None,
        location: str | None = None,
        field: str | None = None,
    ) -> None:
        self.file = file
        self.location = location
        self.field = field
        self.reason = f"{location}: {message}" if location else message
        where = " ".join(part for part in (file, location) if part)
        super().__init__(f"{where}: {message}" if where else message, hint=hint)
