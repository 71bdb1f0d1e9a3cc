from datetime import UTC, datetime

import pytest

from medchat.cli.keys_cmd import parse_expires
from medchat.errors import ConfigError

NOW = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30d", datetime(2027, 1, 5, 10, 0, tzinfo=UTC)),
        ("12h", datetime(2026, 12, 6, 22, 0, tzinfo=UTC)),
        ("2W", datetime(2026, 12, 20, 10, 0, tzinfo=UTC)),
        ("2027-01-31", datetime(2027, 1, 31, tzinfo=UTC)),  # the start of that day, UTC
        ("2027-01-31T18:00Z", datetime(2027, 1, 31, 18, 0, tzinfo=UTC)),
        ("2027-01-31T18:00", datetime(2027, 1, 31, 18, 0, tzinfo=UTC)),  # no offset: UTC
        ("2027-01-31T18:00+02:00", datetime(2027, 1, 31, 16, 0, tzinfo=UTC)),
        ("2027-01-31 18:00", datetime(2027, 1, 31, 18, 0, tzinfo=UTC)),
    ],
)
def test_expires_accepts_durations_dates_and_datetimes(text: str, expected: datetime):
    assert parse_expires(text, NOW) == expected


@pytest.mark.parametrize(("text", "message"), [("2026-12-06", "in the past"), ("0d", "in the past"),
                                               ("2020-01-01T00:00Z", "in the past"), ("tomorrow", "not a date"),
                                               ("30 days", "not a date"), ("2027-13-01", "not a date")])
def test_expires_refuses_the_past_and_nonsense(text: str, message: str):
    with pytest.raises(ConfigError, match=message) as caught:
        parse_expires(text, NOW)
    assert "\n" not in str(caught.value)
