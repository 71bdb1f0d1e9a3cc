"""Hugging Face Inference (``hf/<model-id>``) through ``huggingface_hub.AsyncInferenceClient``.

Without ``base_url`` requests go to HF's hosted router (``provider`` picks the inference provider;
none or "auto" lets HF choose), which always checks the token. With ``base_url`` they go to that
endpoint instead (a TGI server or an Inference Endpoint; the SDK appends ``/v1/chat/completions``),
and the token is optional. Both speak the OpenAI chat-completions protocol. The SDK does not retry,
which suits us: retrying is the gateway's job. ``huggingface_hub`` is imported only when a request is made.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, ClassVar

from medchat.errors import (
    ConfigError,
    MedchatError,
    ModelUnavailableError,
    ProviderError,
    StreamInterruptedError,
    error_for_status,
    parse_retry_after,
    rejected,
)
from medchat.models.base import ProviderModel, is_loopback, map_finish_reason
from medchat.models.openai_compat import read_chat_chunks, usage_from
from medchat.models.registry import ModelSpec
from medchat.models.transport import transport_error
from medchat.types import ChatRequest, Chunk, Completion, Usage

if TYPE_CHECKING:
    from huggingface_hub import AsyncInferenceClient

HF_ROUTER_URL = "https://router.huggingface.co"

def create(spec: ModelSpec) -> HFInferenceModel:
    base_url = spec.take("base_url")
    inference_provider = spec.take("provider")
    if base_url and inference_provider:
        raise ConfigError("set base_url or provider, not both", model=spec.name,
                          hint="huggingface_hub ignores provider when it is given an endpoint URL")
    # HF's hosted service always checks the token; a self-hosted endpoint may not.
    token = spec.api_key(required=not base_url)
    model = HFInferenceModel(
        spec.name,
        model_id=spec.model_id,
        base_url=base_url,
        inference_provider=inference_provider,
        token=token,
        key_env=(spec.provider.key_envs or ("HF_TOKEN",))[0],
        timeout_s=spec.take("timeout_s", spec.settings.timeout_s),
        stream_usage=spec.take("stream_usage", True),
        params=spec.params,
        price=spec.price,
    )
    spec.done()
    return model


class HFInferenceModel(ProviderModel):
    provider = "hf"
    #: The SDK keeps every stream's response on the client until the client is closed, so a long-running
    #: process retires its client after this many streams (in-flight requests finish on the old one).
    streams_per_client: ClassVar[int] = 500

    def __init__(self, name: str, *, model_id: str, base_url: str | None = None,
                 inference_provider: str | None = None, token: str | None = None, key_env: str | None = "HF_TOKEN",
                 timeout_s: float = 120.0, stream_usage: bool = True, **kwargs: Any) -> None:
        super().__init__(name, **kwargs)
        self.model_id = model_id
        self.base_url = base_url
        self.inference_provider = inference_provider
        self.key_env = key_env
        self.timeout_s = timeout_s
        self.stream_usage = stream_usage
        self.is_local = bool(base_url) and is_loopback(base_url)  # type: ignore[misc]
        self._token = token
        self._client: AsyncInferenceClient | None = None
        self._in_flight: dict[AsyncInferenceClient, int] = {}
        self._streams = 0

    @property
    def client(self) -> AsyncInferenceClient:
        if self._client is None:
            from huggingface_hub import AsyncInferenceClient

            # One float: the SDK applies it to connect, each read (so the gap between streamed tokens) and write.
            self._client = AsyncInferenceClient(base_url=self.base_url, provider=self.inference_provider,  # type: ignore[arg-type]
                                                token=self._token, timeout=self.timeout_s)
        return self._client

    async def aclose(self) -> None:
        clients = {*self._in_flight, *([self._client] if self._client is not None else [])}
        self._client, self._in_flight, self._streams = None, {}, 0
        for client in clients:
            await client.close()

    @asynccontextmanager
    async def _lease(self, *, stream: bool) -> AsyncIterator[AsyncInferenceClient]:
        """Borrow the client for one call; close a retired one once its last call is done."""
        client = self.client
        self._in_flight[client] = self._in_flight.get(client, 0) + 1
        try:
            yield client
        finally:
            left = self._in_flight.pop(client, 1) - 1
            if left:
                self._in_flight[client] = left
            if stream and client is self._client:
                self._streams += 1
                if self._streams >= self.streams_per_client:
                    self._client, self._streams = None, 0
            if not left and client is not self._client:
                await client.close()

    @property
    def _where(self) -> str:
        return self.base_url or HF_ROUTER_URL

    # -- request building --------------------------------------------------------------------------
    def _arguments(self, request: ChatRequest) -> dict[str, Any]:
        p = request.params
        args: dict[str, Any] = {
            "model": self.model_id,
            "messages": [{"role": m.role, "content": m.content} for m in request.messages],
        }
        for key in ("temperature", "top_p", "max_tokens", "seed", "frequency_penalty", "presence_penalty"):
            value = getattr(p, key)
            if value is not None:
                args[key] = value
        if p.stop:
            args["stop"] = list(p.stop)
        if p.json_schema is not None:
            args["response_format"] = {"type": "json_schema",
                                       "json_schema": {"name": "response", "schema": p.json_schema}}
        # Not in chat_completion's signature; extra_body merges them into the JSON body (TGI, vLLM and most
        # router providers accept them).
        extra = {key: getattr(p, key) for key in ("top_k", "repetition_penalty") if getattr(p, key) is not None}
        if extra:
            args["extra_body"] = extra
        return args

    # -- calls -------------------------------------------------------------------------------------
    async def _complete(self, request: ChatRequest) -> Completion:
        async with self._lease(stream=False) as client:
            try:
                response = await client.chat_completion(**self._arguments(request))
            except Exception as exc:
                raise self._error(exc) from exc
        if not response.choices:
            raise ProviderError(f"{self._where} returned no choices", model=self.name)
        choice = response.choices[0]
        text = (choice.message.content if choice.message else None) or ""
        return Completion(text=text, finish_reason=map_finish_reason(choice.finish_reason),
                          usage=usage_from(response.usage) or Usage(estimated=True), model=self.name)

    async def _stream(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        args = self._arguments(request)
        args["stream"] = True
        if self.stream_usage:
            args["stream_options"] = {"include_usage": True}
        async with self._lease(stream=True) as client:
            try:
                events = await client.chat_completion(**args)
                try:
                    async for chunk in read_chat_chunks(events, model=self.name):
                        yield chunk
                finally:
                    aclose = getattr(events, "aclose", None)
                    if aclose is not None:
                        await aclose()
            except MedchatError:
                raise
            except Exception as exc:
                raise self._error(exc, streaming=True) from exc

    def _error(self, exc: Exception, *, streaming: bool = False) -> MedchatError:
        from huggingface_hub import errors as hf_errors

        if isinstance(exc, hf_errors.OfflineModeIsEnabled):
            return ConfigError(f"HF_HUB_OFFLINE is set, and huggingface_hub then refuses every request, even to "
                               f"{self._where}", model=self.name,
                               hint="unset HF_HUB_OFFLINE, or reach a local TGI/vLLM server with "
                                    "openai/<model> and base_url=<url>/v1")
        if isinstance(exc, hf_errors.HfHubHTTPError):
            response = exc.response
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            return error_for_status(response.status_code, _detail(exc), model=self.name, retry_after=retry_after,
                                    key_env=self.key_env)
        if isinstance(exc, hf_errors.TextGenerationError):
            return self._generation_error(exc)
        mapped = transport_error(exc, model=self.name, where=self._where, timeout_s=self.timeout_s, streaming=streaming)
        if mapped is not None:
            return mapped
        if isinstance(exc, ValueError):
            # Raised by the SDK before sending: unknown provider, model not served by it, non-HF token for "auto".
            return ConfigError(f"huggingface_hub refused the request: {exc}", model=self.name,
                               hint="check the model id, provider and token")
        return ProviderError(f"unexpected error from {self._where}: {type(exc).__name__}: {exc}", model=self.name)

    def _generation_error(self, exc: Exception) -> MedchatError:
        """Errors a TGI server reports inside the event stream (``data: {"error": ..., "error_type": ...}``)."""
        kind = type(exc).__name__
        detail = f"{self._where} reported a {kind}: {exc}"
        if kind == "OverloadedError":
            return ModelUnavailableError(detail, model=self.name, hint="the server is overloaded; try later")
        if kind == "ValidationError":  # TGI's "`inputs` tokens + `max_new_tokens` must be <= ..." among others
            return rejected(detail, model=self.name)
        if kind == "IncompleteGenerationError":
            return StreamInterruptedError(detail, model=self.name)
        return ProviderError(detail, model=self.name)


def _detail(exc: Any) -> str:
    """The server's own message: OpenAI-style ``{"error": {"message": ...}}`` or TGI's ``{"error": "..."}``."""
    try:
        body = exc.response.json()
    except Exception:  # unread streamed body, not JSON...
        body = None
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict) and err.get("message"):
            return str(err["message"])
        if isinstance(err, str) and err:
            return err
    return getattr(exc, "server_message", None) or str(exc).split("\n")[0]

