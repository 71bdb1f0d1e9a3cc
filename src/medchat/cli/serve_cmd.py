"""``medchat serve``: the OpenAI-compatible API (``medchat.server``) under uvicorn."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import typer

from medchat.cli.errors import friendly

# Seconds past server.shutdown_grace_s after which uvicorn cancels what still runs (a route the grace period
# does not bound), so a stop always ends.
SHUTDOWN_BACKSTOP_S = 5.0


@friendly
def serve(
    host: Annotated[str | None, typer.Option("--host", help="Address to listen on (default: server.host).")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port (default: server.port; 0: any free one).", min=0,
                                             max=65535)] = None,
    workers: Annotated[int | None, typer.Option("--workers", help="Processes, each with its own models "
                                                "(default: server.workers).", min=1)] = None,
    log_level: Annotated[Literal["debug", "info", "warning", "error"], typer.Option(
        "--log-level", help="medchat's log level on stderr; `info` includes one JSON line per request.")] = "info",
) -> None:
    import signal
    import socket

    import uvicorn

    from medchat.config import get_settings
    from medchat.errors import ConfigError
    from medchat.storage import close_databases, open_database

    settings = get_settings()
    server = settings.server
    host = host or server.host
    port = server.port if port is None else port
    workers = workers or server.workers
    # Migrate once here, so N workers starting together do not race to migrate the same database.
    open_database(settings)
    close_databases()  # not shared with the workers across fork
    # Bound and listening before the URL is printed, so it answers at once (a connection waits in the backlog
    # while the app starts); with port 0 the URL shows the port really given. The workers share the socket.
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        sock = socket.create_server((host, port), family=family, backlog=2048)
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                          hint="choose another --port (0: any free one) or --host") from None
    sock.set_inheritable(True)
    # uvicorn takes a passed socket for a Unix one and so never sets TCP_NODELAY on its connections: each
    # response's second write then waited ~40 ms for the client's delayed ACK (docs/benchmarks.md, gateway
    # overhead). Linux copies the option from the listening socket to every accepted one.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"medchat serving on http://{shown}:{port}/v1 ({workers} worker{'s' if workers > 1 else ''}; "
               "Ctrl-C or SIGTERM stops it)")
    # The factory runs in every worker; uvicorn handles SIGINT/SIGTERM with a graceful shutdown: answers in
    # progress get server.shutdown_grace_s (server/draining.py), and uvicorn cancels whatever is left a little
    # after that. It then raises the signal again for the handler it found: this one, so a stop that was asked
    # for exits 0 (the default handler would end the process "killed by SIGTERM").
    # log_config is applied in every worker process (a spawned worker does not inherit this one's logging).
    signal.signal(signal.SIGTERM, _stopped)
    uvicorn.run("medchat.server.app:create_app", factory=True, workers=workers, log_config=log_config(log_level),
                log_level="error" if log_level == "error" else "warning", access_log=False, proxy_headers=False,
                server_header=False, fd=sock.fileno(),
                timeout_graceful_shutdown=server.shutdown_grace_s + SHUTDOWN_BACKSTOP_S)


def _stopped(signum: int, frame: Any) -> None:
    raise SystemExit(0)


def log_config(level: str) -> dict[str, Any]:
    """uvicorn's own logging, plus medchat's on stderr: ``medchat.server.access`` as bare JSON lines."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["medchat"] = {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    config["formatters"]["json_line"] = {"format": "%(message)s"}
    config["handlers"]["medchat"] = {"class": "logging.StreamHandler", "formatter": "medchat",
                                     "stream": "ext://sys.stderr"}
    config["handlers"]["medchat_access"] = {"class": "logging.StreamHandler", "formatter": "json_line",
                                            "stream": "ext://sys.stderr"}
    config["loggers"]["medchat"] = {"handlers": ["medchat"], "level": level.upper(), "propagate": False}
    config["loggers"]["medchat.server.access"] = {"handlers": ["medchat_access"], "level": level.upper(),
                                                  "propagate": False}
    return config
