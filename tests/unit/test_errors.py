from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from medchat import errors
from medchat.errors import error_for_status, parse_retry_after


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (401, errors.AuthenticationError),
        (403, errors.AuthenticationError),
        (404, errors.ModelNotFoundError),
        (429, errors.RateLimitError),
        (400, errors.BadRequestError),
        (422, errors.BadRequestError),
        (408, errors.TimeoutError),
        (500, errors.ModelUnavailableError),
        (503, errors.ModelUnavailableError),
        (None, errors.ProviderError),
    ],
)
def test_status_mapping(status, cls):
    err = error_for_status(status, "boom", model="openai/x")
    assert type(err) is cls
    assert err.status == status


def test_only_transient_errors_are_retryable():
    assert error_for_status(429, "x").retryable
    assert error_for_status(503, "x").retryable
    assert not error_for_status(401, "x").retryable
    assert not error_for_status(400, "x").retryable


def test_message_is_one_line_with_model_and_hint():
    err = error_for_status(401, "Incorrect API key\nprovided", model="openai/gpt-4o-mini", key_env="OPENAI_API_KEY")
    text = str(err)
    assert "\n" not in text
    assert text.startswith("openai/gpt-4o-mini: ")
    assert "Incorrect API key provided" in text
    assert "OPENAI_API_KEY" in text


def test_rate_limit_keeps_retry_after():
    err = error_for_status(429, "slow", retry_after=3.0)
    assert isinstance(err, errors.RateLimitError) and err.retry_after == 3.0


def test_timeout_error_is_also_the_builtin_timeout():
    assert issubclass(errors.TimeoutError, TimeoutError)


def test_parse_retry_after_seconds_and_dates():
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("0.5") == 0.5
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    future = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 <= parse_retry_after(future) <= 30
    past = format_datetime(datetime.now(UTC) - timedelta(seconds=30), usegmt=True)
    assert parse_retry_after(past) == 0.0
