"""medchat's errors and FastAPI's validation errors in OpenAI's shape and status."""

from __future__ import annotations

import pytest

from medchat import errors as e
from medchat.server.errors import from_medchat, validation_message


@pytest.mark.parametrize(("error", "status", "code"), [
    (e.ModelNotFoundError("no such model"), 404, "model_not_found"),
    (e.UnknownProviderError("unknown provider"), 404, "model_not_found"),
    (e.MissingDependencyError("needs llama-cpp-python"), 503, "model_unavailable"),
    (e.ConfigError("bad option"), 400, None),
    (e.RateLimitError("slow down", retry_after=1.2), 429, "upstream_rate_limited"),
    (e.TimeoutError("no answer"), 504, "upstream_timeout"),
    (e.AuthenticationError("upstream key wrong", status=401), 502, "upstream_authentication_failed"),
    (e.BadRequestError("prompt too long", status=400), 400, "upstream_rejected"),
    (e.ModelUnavailableError("upstream 500", status=500), 503, "upstream_unavailable"),
    (e.StreamInterruptedError("cut"), 502, "upstream_error"),
    (e.ProviderError("odd"), 502, "upstream_error"),
])
def test_medchat_errors_map_to_http(error, status, code):
    api = from_medchat(error)
    assert (api.status, api.code) == (status, code)
    assert set(api.body()["error"]) == {"message", "type", "param", "code"}
    assert api.message == str(error)


def test_rate_limit_keeps_retry_after():
    assert from_medchat(e.RateLimitError("slow down", retry_after=1.2)).headers == {"retry-after": "2"}


def test_validation_message_is_one_line_naming_the_field():
    errors = [{"loc": ("body", "messages", 0, "role"), "msg": "Input should be 'user'", "type": "literal_error"},
              {"loc": ("body", "temperature"), "msg": "too big", "type": "less_than_equal"}]
    assert validation_message(errors) == ("messages.0.role: Input should be 'user' (and 1 more problem)",
                                          "messages.0.role")
    assert validation_message([{"loc": ("body", 12), "msg": "x", "type": "json_invalid"}])[0] == \
        "the request body is not valid JSON"
