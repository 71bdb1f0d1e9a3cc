"""OpenAI chat completions, and every server that speaks the same protocol.

One adapter serves ``openai/``, ``openrouter/``, ``hf-router/``, ``vllm/``, ``ollama/`` and
``llama-server/`` (the registry only presets ``base_url`` and key variables). Built on the official
``openai`` SDK with its own retries switched off: retrying is the gateway's job.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from medchat.errors import (
    MedchatError,
    ModelUnavailableError,
    ProviderError,
    StreamInterruptedError,
    TimeoutError,
    error_for_status,
    parse_retry_after,
)
from medchat.models.base import ProviderModel, is_loopback, map_finish_reason
from medchat.models.registry import ModelSpec
from medchat.models.transport import is_connect_error, is_transport_error, transport_error
from medchat.types import ChatRequest, Chunk, Completion, Usage

if TYPE_CHECKING:
    from openai import AsyncOpenAI

log = logging.getLogger("medchat.models")

OPENAI_BASE_URL = "https://api.openai.com/v1"



def create(spec: ModelSpec) -> OpenAICompatModel:
    base_url = spec.take("base_url")
    official = spec.provider.prefix == "openai" and base_url in (None, OPENAI_BASE_URL)
    # Self-hosted servers rarely check keys; the official services always do.
    needs_key = official or spec.provider.prefix in ("openrouter", "hf-router")
    api_key = spec.api_key(required=needs_key) or "not-needed"
    model = OpenAICompatModel(
        spec.name,
        model_id=spec.model_id,
        base_url=base_url,
        api_key=api_key,
        official=official,
        key_env=(spec.provider.key_envs or (None,))[0],
        timeout_s=spec.take("timeout_s", spec.settings.timeout_s),
        connect_timeout_s=spec.take("connect_timeout_s", spec.settings.connect_timeout_s),
        stream_usage=spec.take("stream_usage", True),
        headers=spec.take("headers", None),
        extra_body=spec.take("extra_body", None),
        params=spec.params,
        price=spec.price,
    )
    spec.done()
    return model


class OpenAICompatModel(ProviderModel):
    provider = "openai"

    def __init__(self, name: str, *, model_id: str, base_url: str | None, api_key: str, official: bool,
                 key_env: str | None, timeout_s: float, connect_timeout_s: float, stream_usage: bool = True,
                 headers: dict[str, str] | None = None, extra_body: dict[str, Any] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(name, **kwargs)
        self.model_id = model_id
        self.base_url = base_url or OPENAI_BASE_URL
        self.official = official
        self.key_env = key_env
        self.stream_usage = stream_usage
        self.extra_body = extra_body or {}
        self.is_local = is_loopback(self.base_url)  # type: ignore[misc]
        self._api_key = api_key
        self._timeout = (timeout_s, connect_timeout_s)
        self._headers = headers or {}
        self._client: AsyncOpenAI | None = None

    @property
    def client(self) -> AsyncOpenAI:
        if self._client is None:
            import openai

            timeout = openai.Timeout(self._timeout[0], connect=self._timeout[1])
            self._client = openai.AsyncOpenAI(api_key=self._api_key, base_url=self.base_url, timeout=timeout,
                                              max_retries=0, default_headers=self._headers)
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    # -- request building --------------------------------------------------------------------------
    def _arguments(self, request: ChatRequest) -> dict[str, Any]:
        p = request.params
        args: dict[str, Any] = {
            "model": self.model_id,
            "messages": [{"role": m.role, "content": m.content} for m in request.messages],
        }
        extra = dict(self.extra_body)
        for key in ("temperature", "top_p", "seed", "frequency_penalty", "presence_penalty"):
            value = getattr(p, key)
            if value is not None:
                args[key] = value
        if p.max_tokens is not None:
            # OpenAI's reasoning models accept only the newer name; compatible servers the older one.
            args["max_completion_tokens" if self.official else "max_tokens"] = p.max_tokens
        if p.stop:
            args["stop"] = p.stop
        if p.json_schema is not None:
            args["response_format"] = {"type": "json_schema",
                                       "json_schema": {"name": "response", "schema": p.json_schema}}
        for key in ("top_k", "repetition_penalty"):
            value = getattr(p, key)
            if value is None:
                continue
            if self.official:
                log.warning("%s: OpenAI has no %s parameter; it is not sent", self.name, key)
            else:
                extra[key] = value  # vLLM, llama.cpp server, Ollama and OpenRouter accept these
        if extra:
            args["extra_body"] = extra
        return args

    # -- calls -------------------------------------------------------------------------------------
    async def _complete(self, request: ChatRequest) -> Completion:
        try:
            response = await self.client.chat.completions.create(**self._arguments(request))
        except Exception as exc:
            raise self._error(exc) from exc
        if not isinstance(getattr(response, "choices", None), list):
            raise self._not_a_completion(response)
        if not response.choices:
            raise ProviderError("the server returned no choices", model=self.name)
        choice = response.choices[0]
        return Completion(text=choice.message.content or "", finish_reason=map_finish_reason(choice.finish_reason),
                          usage=usage_from(response.usage) or Usage(estimated=True), model=self.name)

    async def _stream(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        args = self._arguments(request)
        args["stream"] = True
        if self.stream_usage:
            args["stream_options"] = {"include_usage": True}
        try:
            stream = await self.client.chat.completions.create(**args)
        except Exception as exc:
            # Nothing was streamed yet: a refused connection is "unavailable", not a cut stream.
            raise self._error(exc) from exc
        if _media_type(stream.response.headers.get("content-type")) == "text/html":  # a web page, not events
            try:
                page = (await stream.response.aread()).decode("utf-8", "replace")
            except Exception:
                page = ""
            finally:
                await stream.close()
            raise self._not_a_completion(page, what="an HTML page")
        try:
            try:
                async for chunk in read_chat_chunks(stream, model=self.name):
                    yield chunk
            finally:
                await stream.close()
        except MedchatError:
            raise
        except Exception as exc:
            raise self._error(exc, streaming=True) from exc

    def _not_a_completion(self, body: Any, *, what: str | None = None) -> ProviderError:
        """A 200 whose body arrived whole but is no chat completion: the base_url points at something else (a
        web page, another API), which no retry mends. (A body cut short or JSON that does not parse raises in
        the SDK instead, and is retried.)"""
        if isinstance(body, str):  # what the SDK hands back for a body that is not JSON and not labelled JSON
            what = what or ("an HTML page" if body.lstrip().startswith("<") else "text that is not JSON")
        else:
            what = what or "JSON that is not a chat completion"
            body = body.to_json(indent=None) if hasattr(body, "to_json") else json.dumps(body, default=str)
        shown = " ".join(str(body).split())[:120]
        return ProviderError(f"{self.base_url}/chat/completions answered with {what}: {shown!r}", model=self.name,
                             status=200, hint="check the base_url; an OpenAI-compatible API's usually ends in /v1")

    def _error(self, exc: Exception, *, streaming: bool = False) -> MedchatError:
        import openai

        if isinstance(exc, openai.APITimeoutError):
            return TimeoutError(f"no answer from {self.base_url} in time", model=self.name,
                                hint="raise timeout_s or check the server")
        if isinstance(exc, openai.APIConnectionError):
            # The SDK wraps every transport failure alike; its cause tells a refused connection from a reset one
            # or a body cut short, each retryable.
            cause = exc.__cause__
            if cause is not None and is_transport_error(cause) and not is_connect_error(cause):
                mapped = transport_error(cause, model=self.name, where=self.base_url, streaming=streaming)
                if mapped is not None:
                    return mapped
            return ModelUnavailableError(f"cannot reach {self.base_url}: {cause or exc}",
                                         model=self.name, hint="is the server running and the base_url right?")
        if isinstance(exc, openai.APIStatusError):
            retry_after = parse_retry_after(exc.response.headers.get("retry-after"))
            return error_for_status(exc.status_code, _detail(exc), model=self.name, retry_after=retry_after,
                                    key_env=self.key_env)
        if isinstance(exc, openai.APIError) and streaming:
            # An error event inside an SSE stream (vLLM, OpenRouter): map its code like an HTTP status.
            code = _status_code(exc)
            if code is not None:
                return error_for_status(code, _detail(exc), model=self.name, key_env=self.key_env)
            return ProviderError(f"the server reported an error mid-stream: {_detail(exc)}", model=self.name)
        mapped = transport_error(exc, model=self.name, where=self.base_url, streaming=streaming)
        if mapped is not None:
            return mapped
        return ProviderError(f"unexpected error from {self.base_url}: {type(exc).__name__}: {exc}",
                             model=self.name)



def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def _status_code(exc: Any) -> int | None:
    """A numeric ``code`` from an error event's body, if the server gave one."""
    body = getattr(exc, "body", None)
    err = body.get("error", body) if isinstance(body, dict) else None
    code = err.get("code") if isinstance(err, dict) else getattr(exc, "code", None)
    try:
        return int(code) if code is not None else None
    except (TypeError, ValueError):
        return None


def _detail(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict) and err.get("message"):
            return str(err["message"])
        if isinstance(err, str):
            return err
    return str(getattr(exc, "message", exc))


def usage_from(raw: Any) -> Usage | None:
    """``Usage`` from an OpenAI-style usage object (any SDK's), or ``None``."""
    if raw is None:
        return None
    return Usage(prompt_tokens=raw.prompt_tokens or 0, completion_tokens=raw.completion_tokens or 0)


async def read_chat_chunks(events: AsyncIterator[Any], *, model: str) -> AsyncIterator[Chunk]:
    """Turn OpenAI-style ``chat.completion.chunk`` objects (from any SDK) into medchat chunks.

    Usage may arrive in a last chunk without choices (``include_usage``) or on the finishing chunk (TGI);
    a stream that ends without any ``finish_reason`` was cut, whatever the transport said.
    """
    finish: str | None = None
    usage: Usage | None = None
    async for event in events:
        if event.usage:
            usage = usage_from(event.usage)
        for choice in (event.choices or [])[:1]:
            if choice.delta and choice.delta.content:
                yield Chunk(text=choice.delta.content)
            if choice.finish_reason:
                finish = choice.finish_reason
    if finish is None:
        raise StreamInterruptedError("the stream closed before the model finished (no finish_reason)",
                                     model=model, hint="the server dropped the connection; try again")
    yield Chunk(final=True, finish_reason=map_finish_reason(finish), usage=usage)
