"""One error hierarchy for every provider, so callers handle failures once.

Each error carries a message saying what went wrong and, where we know it, ``hint``: what the user
can do about it. ``str(error)`` joins both into one line, which is what the CLI prints.
``retryable`` tells the gateway whether trying again can help.
"""

from __future__ import annotations

import builtins


class MedchatError(Exception):
    """Base class: every error medchat raises on purpose."""

    retryable: bool = False

    def __init__(self, message: str, *, hint: str | None = None, model: str | None = None) -> None:
        self.message = message
        self.hint = hint
        self.model = model
        super().__init__(message)

    def __str__(self) -> str:
        prefix = f"{self.model}: " if self.model else ""
        return f"{prefix}{self.message}" + (f" — {self.hint}" if self.hint else "")


class ConfigError(MedchatError):
    """Settings, aliases or options that cannot work (bad value, unknown option)."""


class UnknownProviderError(ConfigError):
    """A model string whose provider prefix nobody registered."""


class MissingDependencyError(ConfigError):
    """An optional package (llama-cpp-python, transformers, bitsandbytes...) is not installed."""


class ProviderError(MedchatError):
    """The provider answered with an error we have no finer class for."""

    def __init__(
        self, message: str, *, hint: str | None = None, model: str | None = None, status: int | None = None
    ) -> None:
        super().__init__(message, hint=hint, model=model)
        self.status = status


class AuthenticationError(ProviderError):
    """Missing, wrong or unauthorised API key."""


class BadRequestError(ProviderError):
    """The provider rejected the request itself (bad parameter, prompt too long...)."""


class ContextWindowExceededError(BadRequestError):
    """The prompt (with ``max_tokens``) does not fit the model's context window: a model with a longer one can
    answer it (``context_window_fallbacks``), retrying the same one cannot."""


#: How providers word a prompt too long for the context window (lower case): OpenAI and vLLM, llama.cpp's server
#: and llama-cpp-python, Gemini, TGI, Anthropic-style proxies.
CONTEXT_WINDOW_PHRASES = (
    "context_length_exceeded", "maximum context length", "context window", "context size", "context length",
    "exceeds the maximum number of tokens", "prompt is too long", "input is too long", "`max_new_tokens` must be",
)


def rejected(detail: str, *, model: str | None = None, status: int | None = None,
             hint: str | None = None) -> BadRequestError:
    """A rejected request: a ``ContextWindowExceededError`` when the provider says the prompt is too long."""
    if any(phrase in detail.lower() for phrase in CONTEXT_WINDOW_PHRASES):
        return ContextWindowExceededError(detail, model=model, status=status,
                                          hint=hint or "shorten the conversation or set context_window_fallbacks")
    return BadRequestError(detail, model=model, status=status, hint=hint)


class ModelNotFoundError(ProviderError):
    """The named model, or model file, does not exist."""


class RateLimitError(ProviderError):
    """Too many requests; ``retry_after`` (seconds) comes from the provider when it says."""

    retryable = True

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        model: str | None = None,
        status: int | None = 429,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, hint=hint, model=model, status=status)
        self.retry_after = retry_after


class ModelUnavailableError(ProviderError):
    """Server errors (5xx), refused connections: the provider may recover."""

    retryable = True


class TimeoutError(ProviderError, builtins.TimeoutError):
    """No answer (or no next token) within the configured time."""

    retryable = True


class StreamInterruptedError(ProviderError):
    """A stream ended before the model finished (connection cut, missing end marker)."""

    retryable = True


class IncompleteResponseError(ProviderError):
    """A whole (non-streamed) answer that arrived cut or unreadable: a body shorter than announced, an
    incomplete chunked read, JSON that does not parse. Nothing usable came back, so, like a 5xx, trying
    again can help."""

    retryable = True


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    from datetime import UTC, datetime
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def error_for_status(
    status: int | None,
    detail: str,
    *,
    model: str | None = None,
    retry_after: float | None = None,
    key_env: str | None = None,
) -> ProviderError:
    """Map an HTTP status from any provider to our hierarchy, with an actionable hint."""
    detail = " ".join(detail.split())[:300] or "no detail"
    if status in (401, 403):
        hint = f"check {key_env}" if key_env else "check the API key"
        return AuthenticationError(f"authentication failed ({status}): {detail}", hint=hint, model=model,
                                   status=status)
    if status == 404:
        return ModelNotFoundError(f"model or endpoint not found (404): {detail}",
                                  hint="check the model name and base_url", model=model, status=status)
    if status == 429:
        return RateLimitError(f"rate limited (429): {detail}", hint="lower --concurrency or wait",
                              model=model, retry_after=retry_after)
    if status in (408, 504):
        return TimeoutError(f"provider timed out ({status}): {detail}", model=model, status=status)
    if status is not None and 400 <= status < 500:
        return rejected(f"request rejected ({status}): {detail}", model=model, status=status)
    if status is not None and status >= 500:
        return ModelUnavailableError(f"provider error ({status}): {detail}", model=model, status=status)
    return ProviderError(f"provider error: {detail}", model=model, status=status)
