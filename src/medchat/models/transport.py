"""Network failures below the SDKs, classified once for every HTTP provider.

The SDKs run on httpx, its fork httpx2 or aiohttp, and let some transport errors through unwrapped
(notably while a stream is read). We recognise them by class name so no HTTP library is imported here.
"""

from __future__ import annotations

import builtins

from medchat.errors import MedchatError, ModelUnavailableError, StreamInterruptedError, TimeoutError

TIMEOUTS = {"TimeoutException", "ServerTimeoutError"}
CONNECT_FAILURES = {"ConnectError", "ClientConnectorError"}
TRANSPORT_FAILURES = {"TransportError", "RemoteProtocolError", "ReadError", "NetworkError", "ClientPayloadError",
                      "ServerDisconnectedError", "ClientOSError", "ClientConnectionError"}


def class_names(exc: BaseException) -> set[str]:
    return {cls.__name__ for cls in type(exc).__mro__}


def is_transport_error(exc: BaseException | None) -> bool:
    return exc is not None and bool(class_names(exc) & (TRANSPORT_FAILURES | CONNECT_FAILURES | TIMEOUTS))


def transport_error(exc: BaseException, *, model: str, where: str, timeout_s: float | None = None,
                    streaming: bool = False) -> MedchatError | None:
    """Our error for a timeout, refused connection or cut stream; ``None`` if ``exc`` is none of those."""
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
            return StreamInterruptedError(f"the stream was cut: {exc}", model=model,
                                          hint="the server dropped the connection; try again")
        return ModelUnavailableError(f"connection to {where} failed: {exc}", model=model)
    return None
