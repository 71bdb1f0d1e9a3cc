"""OpenAI chat completions, and every server that speaks the same protocol.

One adapter serves ``openai/``, ``openrouter/``, ``hf-router/``, ``vllm/``, ``ollama/`` and
``llama-server/`` (the registry only presets ``base_url`` and key variables). Built on the official
``openai`` SDK with its own retries switched off: retrying is the gateway's job.

Calls go out through the SDK's HTTP client with the SDK's headers, and fail with the SDK's exceptions, but the
body is plain JSON in and out: the SDK's typed request and response objects cost more than the rest of a
pass-through in ``medchat serve`` (docs/benchmarks.md, gateway overhead).
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
        self._http: Any = None  # the SDK's HTTP client (httpx2.AsyncClient), made with ``client``
        self._plain_headers: dict[str, str] = {}
        self._url = f"{self.base_url.rstrip('/')}/chat/completions"

    @property
    def client(self) -> AsyncOpenAI:
        if self._client is None:
            import openai

            timeout = openai.Timeout(self._timeout[0], connect=self._timeout[1])
            # Our own reference to the SDK's HTTP client (with the SDK's defaults): plain calls use it directly.
            self._http = openai.DefaultAsyncHttpxClient(timeout=timeout)
            self._client = openai.AsyncOpenAI(api_key=self._api_key, base_url=self.base_url, timeout=timeout,
                                              max_retries=0, default_headers=self._headers, http_client=self._http)
            headers = {**self._client.default_headers, **self._client.auth_headers}
            self._plain_headers = {name: value for name, value in headers.items() if isinstance(value, str)}
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.close()  # closes self._http too
            self._client = self._http = None

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
    def _body(self, request: ChatRequest, **more: Any) -> dict[str, Any]:
        """The JSON body the SDK would send for ``_arguments`` (``extra_body`` merged over the rest)."""
        args = self._arguments(request)
        extra = args.pop("extra_body", {})
        return {**args, **more, **extra}

    async def _post(self, body: dict[str, Any], *, stream: bool) -> Any:
        """POST ``body`` to ``/chat/completions`` through the SDK's own HTTP client with the SDK's headers, but
        without its typed request and response objects (most of what a pass-through spent in ``medchat serve``).
        An error status raises the SDK's own exception for it, so ``_error`` maps both paths alike."""
        client = self.client
        http = self._http
        response = await http.send(http.build_request("POST", self._url, headers=self._plain_headers,
                                                      content=json.dumps(body, ensure_ascii=False).encode()),
                                   stream=stream)
        if not response.is_success:
            try:
                await response.aread()
            finally:
                await response.aclose()
            raise client._make_status_error_from_response(response)
        return response

    async def _complete(self, request: ChatRequest) -> Completion:
        try:
            data = _json_of(await self._post(self._body(request), stream=False))
        except Exception as exc:
            raise self._error(exc) from exc
        choices = data.get("choices") if isinstance(data, dict) else None
        if not isinstance(choices, list):
            raise self._not_a_completion(data)
        if not choices:
            raise ProviderError("the server returned no choices", model=self.name)
        choice = choices[0] if isinstance(choices[0], dict) else {}
        message = choice.get("message") if isinstance(choice.get("message"), dict) else {}
        return Completion(text=message.get("content") or "", model=self.name,
                          finish_reason=map_finish_reason(choice.get("finish_reason")),
                          usage=usage_from(data.get("usage")) or Usage(estimated=True))

    async def _stream(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        more: dict[str, Any] = {"stream": True}
        if self.stream_usage:
            more["stream_options"] = {"include_usage": True}
        try:
            response = await self._post(self._body(request, **more), stream=True)
        except Exception as exc:
            # Nothing was streamed yet: a refused connection is "unavailable", not a cut stream.
            raise self._error(exc) from exc
        try:
            if _media_type(response.headers.get("content-type")) == "text/html":  # a web page, not events
                try:
                    page = (await response.aread()).decode("utf-8", "replace")
                except Exception:
                    page = ""
                raise self._not_a_completion(page, what="an HTML page")
            try:
                async for chunk in read_chat_chunks(_events(response), model=self.name):
                    yield chunk
            except MedchatError:
                raise
            except Exception as exc:
                raise self._error(exc, streaming=True) from exc
        finally:
            await response.aclose()

    def _not_a_completion(self, body: Any, *, what: str | None = None) -> ProviderError:
        """A 200 whose body arrived whole but is no chat completion: the base_url points at something else (a
        web page, another API), which no retry mends. (A body cut short or JSON that does not parse raises in
        the SDK instead, and is retried.)"""
        if isinstance(body, str):  # what the SDK hands back for a body that is not JSON and not labelled JSON
            what = what or ("an HTML page" if body.lstrip().startswith("<") else "text that is not JSON")
        else:
            what = what or "JSON that is not a chat completion"
            body = (body.to_json(indent=None) if hasattr(body, "to_json")
                    else json.dumps(body, default=str, ensure_ascii=False, separators=(",", ":")))
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
            return self._unreachable(cause or exc)
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
        if is_connect_error(exc):  # a plain call's, not wrapped by the SDK
            return self._unreachable(exc)
        mapped = transport_error(exc, model=self.name, where=self.base_url, streaming=streaming)
        if mapped is not None:
            return mapped
        return ProviderError(f"unexpected error from {self.base_url}: {type(exc).__name__}: {exc}",
                             model=self.name)

    def _unreachable(self, cause: BaseException) -> ModelUnavailableError:
        return ModelUnavailableError(f"cannot reach {self.base_url}: {cause}", model=self.name,
                                     hint="is the server running and the base_url right?")



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
    """``Usage`` from an OpenAI-style usage object (any SDK's, or its JSON), or ``None``."""
    if raw is None:
        return None
    if isinstance(raw, dict):
        return Usage(prompt_tokens=raw.get("prompt_tokens") or 0, completion_tokens=raw.get("completion_tokens") or 0)
    return Usage(prompt_tokens=raw.prompt_tokens or 0, completion_tokens=raw.completion_tokens or 0)


def _json_of(response: Any) -> Any:
    """A plain answer's body as the SDK reads it: JSON where it parses; where it does not, an error if it was
    labelled JSON (a body cut short: retryable), else its text (``_not_a_completion`` names it)."""
    try:
        return json.loads(response.content)
    except ValueError:
        if _media_type(response.headers.get("content-type")).endswith("json"):
            raise
        return response.text


def _field(item: Any, name: str) -> Any:
    return item.get(name) if isinstance(item, dict) else getattr(item, name, None)


async def _events(response: Any) -> AsyncIterator[Any]:
    """The JSON of each server-sent event of a chat stream, up to ``data: [DONE]``, read as the SDK reads them:
    an event whose data does not parse raises (a cut or broken stream), an ``{"error": ...}`` event raises the
    SDK's ``APIError`` with the server's message. The rest of the body after ``[DONE]`` is read, so the
    connection can be reused."""
    import openai

    data: list[str] = []
    pending = done = False
    async for line in response.aiter_lines():
        if done:
            continue
        if line:
            if line.startswith(":"):  # a comment (keep-alive)
                continue
            name, _, value = line.partition(":")
            if name == "data":
                data.append(value[1:] if value.startswith(" ") else value)
                pending = True
            elif name == "event":
                pending = True
            continue
        if not pending:
            continue
        text, data, pending = "\n".join(data), [], False
        if text.startswith("[DONE]"):
            done = True
            continue
        event = json.loads(text)
        if isinstance(event, dict) and event.get("error"):
            error = event["error"]
            message = error.get("message") if isinstance(error, dict) else None
            raise openai.APIError(message if message and isinstance(message, str)
                                  else "An error occurred during streaming", response.request, body=error)
        yield event


async def read_chat_chunks(events: AsyncIterator[Any], *, model: str) -> AsyncIterator[Chunk]:
    """Turn OpenAI-style ``chat.completion.chunk`` objects (from any SDK, or their JSON) into medchat chunks.

    Usage may arrive in a last chunk without choices (``include_usage``) or on the finishing chunk (TGI);
    a stream that ends without any ``finish_reason`` was cut, whatever the transport said.
    """
    finish: str | None = None
    usage: Usage | None = None
    async for event in events:
        raw_usage = _field(event, "usage")
        if raw_usage:
            usage = usage_from(raw_usage)
        for choice in (_field(event, "choices") or [])[:1]:
            delta = _field(choice, "delta")
            content = _field(delta, "content") if delta else None
            if content:
                yield Chunk(text=content)
            finish_reason = _field(choice, "finish_reason")
            if finish_reason:
                finish = finish_reason
    if finish is None:
        raise StreamInterruptedError("the stream closed before the model finished (no finish_reason)",
                                     model=model, hint="the server dropped the connection; try again")
    yield Chunk(final=True, finish_reason=map_finish_reason(finish), usage=usage)
