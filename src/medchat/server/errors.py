"""Errors in OpenAI's shape, ``{"error": {"message", "type", "param", "code"}}``, with the right status.

Routes raise ``ApiError`` (or let a ``MedchatError`` through); ``install`` registers the handlers that turn
those, FastAPI's validation errors and Starlette's HTTP errors into that shape. An unexpected exception
becomes a 500 with a one-line body in ``middleware.py``, never a traceback.
"""

from __future__ import annotations

import json
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from medchat import errors as medchat_errors

INVALID = "invalid_request_error"


class ApiError(Exception):
    """An error answered to the client as is: status, one-line message, OpenAI type/code/param."""

    def __init__(self, status: int, message: str, *, type: str = INVALID, code: str | None = None,
                 param: str | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.code = code
        self.param = param
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status, headers=self.headers)

    def sse_event(self) -> bytes:
        """The same error as one server-sent event, for a stream that has already started."""
        return b"data: " + json.dumps(self.body(), ensure_ascii=False, separators=(",", ":")).encode() + b"\n\n"


def model_not_found(model: str, detail: str | None = None) -> ApiError:
    message = detail or f"the model {model!r} does not exist here"
    return ApiError(404, f"{message} — see GET /v1/models", code="model_not_found", param="model")


def from_medchat(exc: medchat_errors.MedchatError) -> ApiError:
    """Map medchat's hierarchy to HTTP. Provider errors are about the upstream model, not the client's request
    to us, so an upstream authentication failure is a 502 (the server's configuration), never a 401 the
    client would take for its own key."""
    e = medchat_errors
    message = str(exc)
    if isinstance(exc, e.ModelNotFoundError | e.UnknownProviderError):
        return ApiError(404, message, code="model_not_found", param="model")
    if isinstance(exc, e.MissingDependencyError):
        return ApiError(503, message, type="server_error", code="model_unavailable")
    if isinstance(exc, e.ConfigError):
        return ApiError(400, message)
    if isinstance(exc, LookupError):  # a stored record that does not exist (storage.NotFoundError)
        return ApiError(404, message, code="not_found")
    if isinstance(exc, e.RateLimitError):
        headers = {} if exc.retry_after is None else {"retry-after": str(max(math.ceil(exc.retry_after), 0))}
        return ApiError(429, message, type="rate_limit_error", code="upstream_rate_limited", headers=headers)
    if isinstance(exc, e.TimeoutError):
        return ApiError(504, message, type="server_error", code="upstream_timeout")
    if isinstance(exc, e.AuthenticationError):
        return ApiError(502, message, type="server_error", code="upstream_authentication_failed")
    if isinstance(exc, e.BadRequestError):
        return ApiError(400, message, code="upstream_rejected")
    if isinstance(exc, e.ModelUnavailableError):
        return ApiError(503, message, type="server_error", code="upstream_unavailable")
    return ApiError(502, message, type="server_error", code="upstream_error")


def validation_message(errors: list[Any]) -> tuple[str, str | None]:
    """One readable line from pydantic's error list, naming the field; and the field as ``param``."""
    if not errors:
        return "invalid request", None
    first = errors[0]
    loc = [str(part) for part in first.get("loc", ()) if part != "body"]
    if first.get("type") == "json_invalid":
        return "the request body is not valid JSON", None
    if first.get("type") == "missing" and not loc:
        return "the request needs a JSON body", None
    param = ".".join(loc) or None
    message = f"{param}: {first.get('msg', 'invalid value')}" if param else str(first.get("msg", "invalid request"))
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return message, param


def install(app: FastAPI) -> None:
    async def api_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        return exc.response()

    async def medchat_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, medchat_errors.MedchatError)
        return from_medchat(exc).response()

    async def validation_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        message, param = validation_message(list(exc.errors()))
        return ApiError(422, message, param=param).response()

    async def http_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code)
        message = str(exc.detail) if exc.status_code != 404 else "no such route — the API is under /v1 and /api"
        return ApiError(exc.status_code, message, code=code, headers=dict(exc.headers or {})).response()

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(medchat_errors.MedchatError, medchat_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
