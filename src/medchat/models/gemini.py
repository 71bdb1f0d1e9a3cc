"""Google Gemini through the official ``google-genai`` SDK (the Gemini Developer API, not Vertex AI).

The SDK's own HTTP retries are switched off (retrying is the gateway's job) and Vertex AI mode is
pinned off, so ``GOOGLE_GENAI_USE_VERTEXAI`` in the environment cannot send a medchat request to a
different service. ``google.genai`` is imported only when a request is made, since it is heavy.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from medchat.errors import (
    AuthenticationError,
    BadRequestError,
    IncompleteResponseError,
    MedchatError,
    ProviderError,
    StreamInterruptedError,
    error_for_status,
    parse_retry_after,
)
from medchat.models.base import ProviderModel, map_finish_reason
from medchat.models.registry import ModelSpec
from medchat.models.transport import transport_error
from medchat.types import ChatRequest, Chunk, Completion, FinishReason, Usage

if TYPE_CHECKING:
    from google.genai import Client
    from google.genai import types as genai_types

log = logging.getLogger("medchat.models")

GEMINI_BASE_URL = "https://generativelanguage.googleapis.com"


def create(spec: ModelSpec) -> GeminiModel:
    model = GeminiModel(
        spec.name,
        model_id=spec.model_id,
        api_key=str(spec.api_key()),
        key_env=(spec.provider.key_envs or ("GEMINI_API_KEY",))[0],
        base_url=spec.take("base_url"),
        api_version=spec.take("api_version"),
        timeout_s=spec.take("timeout_s", spec.settings.timeout_s),
        params=spec.params,
        price=spec.price,
    )
    spec.done()
    return model


class GeminiModel(ProviderModel):
    provider = "gemini"

    def __init__(self, name: str, *, model_id: str, api_key: str, key_env: str = "GEMINI_API_KEY",
                 base_url: str | None = None, api_version: str | None = None, timeout_s: float = 120.0,
                 **kwargs: Any) -> None:
        super().__init__(name, **kwargs)
        self.model_id = model_id
        self.key_env = key_env
        self.base_url = base_url
        self.api_version = api_version
        self.timeout_s = float(timeout_s)
        self._api_key = api_key
        self._client: Client | None = None

    @property
    def client(self) -> Client:
        if self._client is None:
            from google import genai
            from google.genai import types

            options: dict[str, Any] = {
                # Milliseconds; applies to connecting and to each read, so a stalled stream times out too.
                "timeout": max(round(self.timeout_s * 1000), 1),
                "base_url": self.base_url,
                "api_version": self.api_version,
            }
            if hasattr(types, "HttpRetryOptions"):  # older SDKs never retried
                options["retry_options"] = types.HttpRetryOptions(attempts=1)
            self._client = genai.Client(api_key=self._api_key, vertexai=False,
                                        http_options=types.HttpOptions(**options))
        return self._client

    async def aclose(self) -> None:
        """The SDK keeps separate sync and async HTTP clients: close both."""
        if self._client is not None:
            client, self._client = self._client, None
            await client.aio.aclose()
            client.close()

    @property
    def _where(self) -> str:
        return self.base_url or GEMINI_BASE_URL

    # -- request building --------------------------------------------------------------------------
    def _arguments(self, request: ChatRequest) -> dict[str, Any]:
        from google.genai import types

        turns = request.turns
        if not turns:
            raise BadRequestError("Gemini needs at least one user or assistant message, not only system ones",
                                  model=self.name)
        contents = [types.Content(role="model" if m.role == "assistant" else "user",
                                  parts=[types.Part(text=m.content)]) for m in turns]
        p = request.params
        config: dict[str, Any] = {
            "system_instruction": request.system_prompt,
            "temperature": p.temperature,
            "top_p": p.top_p,
            "top_k": p.top_k,
            "max_output_tokens": p.max_tokens,
            "stop_sequences": p.stop or None,
            "seed": p.seed,
            "presence_penalty": p.presence_penalty,
            "frequency_penalty": p.frequency_penalty,
            # We never pass tools; this also skips the SDK's function-calling loop and its log lines.
            "automatic_function_calling": types.AutomaticFunctionCallingConfig(disable=True),
        }
        if p.json_schema is not None:
            config.update(response_mime_type="application/json", response_json_schema=p.json_schema)
        if p.repetition_penalty is not None:
            log.warning("%s: Gemini has no repetition_penalty parameter; it is not sent "
                        "(presence_penalty and frequency_penalty are the nearest)", self.name)
        config = {k: v for k, v in config.items() if v is not None}
        return {"model": self.model_id, "contents": contents,
                "config": types.GenerateContentConfig(**config)}

    # -- calls -------------------------------------------------------------------------------------
    async def _complete(self, request: ChatRequest) -> Completion:
        args = self._arguments(request)
        try:
            response = await self.client.aio.models.generate_content(**args)
        except Exception as exc:
            raise self._error(exc) from exc
        finish: FinishReason
        if response.candidates:
            candidate = response.candidates[0]
            text = _text(candidate)
            finish = map_finish_reason(_enum_value(candidate.finish_reason))
        elif self._blocked(response):
            text, finish = "", "content_filter"
        else:
            raise ProviderError("Gemini returned no candidates and no reason", model=self.name)
        return Completion(text=text, finish_reason=finish, usage=_usage(response.usage_metadata), model=self.name)

    async def _stream(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        args = self._arguments(request)
        finish: str | None = None
        blocked = False
        usage: Usage | None = None
        try:
            stream = await self.client.aio.models.generate_content_stream(**args)
            try:
                async for event in stream:
                    if event.usage_metadata is not None:
                        usage = _usage(event.usage_metadata)  # running totals: the last one wins
                    blocked = blocked or self._blocked(event)
                    for candidate in (event.candidates or [])[:1]:
                        if text := _text(candidate):
                            yield Chunk(text=text)
                        if reason := _enum_value(candidate.finish_reason):
                            finish = reason
            finally:
                await stream.aclose()  # type: ignore[attr-defined]
        except MedchatError:
            raise
        except Exception as exc:
            raise self._error(exc, streaming=True) from exc
        if finish is None and blocked:
            finish = "content_filter"
        if finish is None:
            raise StreamInterruptedError("the stream closed before the model finished (no finish_reason)",
                                         model=self.name, hint="the server dropped the connection; try again")
        yield Chunk(final=True, finish_reason=map_finish_reason(finish), usage=usage)

    def _blocked(self, response: genai_types.GenerateContentResponse) -> bool:
        """A prompt Gemini refused to answer: reported as ``finish_reason="content_filter"``, empty text."""
        feedback = response.prompt_feedback
        if feedback is None or feedback.block_reason is None:
            return False
        log.warning("%s: Gemini blocked the prompt (%s)%s", self.name, _enum_value(feedback.block_reason),
                    f": {feedback.block_reason_message}" if feedback.block_reason_message else "")
        return True

    # -- errors ------------------------------------------------------------------------------------
    def _error(self, exc: Exception, *, streaming: bool = False) -> MedchatError:
        from google.genai import errors as genai_errors

        if isinstance(exc, genai_errors.APIError):
            return self._api_error(exc)
        mapped = transport_error(exc, model=self.name, where=self._where, timeout_s=self.timeout_s, streaming=streaming)
        if mapped is not None:
            return mapped
        if isinstance(exc, genai_errors.UnknownApiResponseError):  # JSON that does not parse: cut or garbled
            unreadable = StreamInterruptedError if streaming else IncompleteResponseError
            return unreadable(f"unreadable answer from {self._where}: {' '.join(str(exc).split())[:200]}",
                              model=self.name, hint="the server sent a cut or malformed body; try again")
        return ProviderError(f"unexpected error from {self._where}: {type(exc).__name__}: {exc}", model=self.name)

    def _api_error(self, exc: Any) -> ProviderError:
        """``APIError`` (and its ``ClientError``/``ServerError``) carries the status and the raw response."""
        status: int | None = exc.code if isinstance(exc.code, int) else None
        detail = " ".join(str(x) for x in (exc.status, exc.message) if x) or str(exc)
        details = exc.details if isinstance(exc.details, dict) else {}
        if status == 400 and "API_KEY_INVALID" in _reasons(details):
            # Gemini answers a wrong key with 400 INVALID_ARGUMENT, not 401.
            return AuthenticationError(f"authentication failed ({status}): {detail}", hint=f"check {self.key_env}",
                                       model=self.name, status=status)
        retry_after = parse_retry_after(_header(exc.response, "retry-after"))
        if retry_after is None:
            retry_after = _retry_delay(details)
        return error_for_status(status, detail, model=self.name, retry_after=retry_after, key_env=self.key_env)


# -- response reading ------------------------------------------------------------------------------
def _text(candidate: Any) -> str:
    """The answer's text parts; "thought" parts (the model's reasoning summary) are not the answer."""
    content = candidate.content
    if content is None or not content.parts:
        return ""
    return "".join(part.text for part in content.parts if part.text and not part.thought)


def _enum_value(value: Any) -> str | None:
    if value is None:
        return None
    return str(getattr(value, "value", value))


def _usage(raw: Any) -> Usage | None:
    if raw is None:
        return None
    # Thinking tokens are billed as output, so they count as completion tokens.
    output = (raw.candidates_token_count or 0) + (raw.thoughts_token_count or 0)
    return Usage(prompt_tokens=raw.prompt_token_count or 0, completion_tokens=output)


def _header(response: Any, name: str) -> str | None:
    """A header from whichever response object the SDK attached (httpx, aiohttp, or its own dict)."""
    headers = getattr(response, "headers", None)
    if not headers:
        return None
    value = headers.get(name)
    if value is None and isinstance(headers, dict):
        value = next((v for k, v in headers.items() if k.lower() == name), None)
    return None if value is None else str(value)


def _error_details(details: dict[str, Any]) -> list[dict[str, Any]]:
    error = details.get("error", details)
    items = error.get("details") if isinstance(error, dict) else None
    return [d for d in items if isinstance(d, dict)] if isinstance(items, list) else []


def _reasons(details: dict[str, Any]) -> set[str]:
    """``google.rpc.ErrorInfo`` reasons, e.g. ``API_KEY_INVALID``."""
    return {str(d["reason"]) for d in _error_details(details) if d.get("reason")}


def _retry_delay(details: dict[str, Any]) -> float | None:
    """Gemini's 429s say when to come back in a ``google.rpc.RetryInfo`` detail ("37s"), not a header."""
    for d in _error_details(details):
        delay = d.get("retryDelay")
        if isinstance(delay, str) and (m := re.fullmatch(r"\s*(\d+(?:\.\d+)?)s\s*", delay)):
            return float(m.group(1))
    return None
