"""Network failures below the SDKs, classified once for every HTTP provider.

The SDKs run on httpx, its fork httpx2 or aiohttp, and let some transport errors through unwrapped
(notably while a stream is read). We recognise them by class name so no HTTP library is imported here.

Every failure before a complete response is worth another try, like a 5xx: a timeout, a refused or reset
connection, a body cut short (fewer bytes than announced, an incomplete chunked read) and a body that
does not parse (a cut JSON document looks exactly like invalid JSON).
"""

from __future__ import annotations

import builtins

from medchat.errors import (
    IncompleteResponseError,
    MedchatError,
    ModelUnavailableError,
    StreamInterruptedError,
    TimeoutError,
)

TIMEOUTS = {"TimeoutException", "ServerTimeoutError"}
CONNECT_FAILURES = {"ConnectError", "ClientConnectorError", "ConnectionRefusedError"}
TRANSPORT_FAILURES = {"TransportError", "RemoteProtocolError", "ReadError", "NetworkError", "ClientPayloadError",
                      "ServerDisconnectedError", "ClientOSError", "ClientConnectionError",
                      "ConnectionError"}  # the builtin one: ConnectionResetError, BrokenPipeError...
# The body arrived but cannot be read: cut mid-document, an incomplete read, a broken content encoding.
UNREADABLE = {"JSONDecodeError", "IncompleteRead", "IncompleteReadError", "DecodingError"}


def class_names(exc: BaseException) -> set[str]:
    return {cls.__name__ for cls in type(exc).__mro__}


def is_transport_error(exc: BaseException | None) -> bool:
    return exc is not None and bool(class_names(exc) & (TRANSPORT_FAILURES | CONNECT_FAILURES | TIMEOUTS
                                                         | UNREADABLE))


def is_connect_error(exc: BaseException | None) -> bool:
    """The connection could not even be opened (nothing was sent)."""
    return exc is not None and bool(class_names(exc) & CONNECT_FAILURES)


def transport_error(exc: BaseException, *, model: str, where: str, timeout_s: float | None = None,
                    streaming: bool = False) -> MedchatError | None:
    """Our (retryable) error for a timeout, a refused or reset connection, a cut stream or an unreadable body;
    ``None`` if ``exc`` is none of those."""
    names = class_names(exc)
    if names & TIMEOUTS or isinstance(exc, builtins.TimeoutError):
        what = "no next token" if streaming and "ReadTimeout" in names else "no answer"
        within = f" within {timeout_s:g}s" if timeout_s is not None else " in time"
        return TimeoutError(f"{what} from {where}{within}", model=model, hint="raise timeout_s or check the server")
    if names & CONNECT_FAILURES:
        return ModelUnavailableError(f"cannot reach {where}: {exc}", model=model,
                                     hint="is the server running, and the base_url (or proxy) right?")
    if names & TRANSPORT_FAILURES:
        if streaming:
            return StreamInterruptedError(f"the stream was cut: {_describe(exc)}", model=model,
                                          hint="the server dropped the connection; try again")
        return ModelUnavailableError(f"connection to {where} failed: {_describe(exc)}", model=model,
                                     hint="the server dropped the connection; try again")
    if names & UNREADABLE:
        if streaming:
            return StreamInterruptedError(f"the stream became unreadable: {_describe(exc)}", model=model,
                                          hint="the server sent a cut or malformed event; try again")
        return IncompleteResponseError(f"the answer from {where} was cut or unreadable: {_describe(exc)}",
                                       model=model, hint="the server sent an incomplete body; try again")
    return None


def _describe(exc: BaseException) -> str:
    """``ReadError: ...``; some transport errors have an empty message, their class name still says what happened."""
    text = " ".join(str(exc).split())[:200]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
