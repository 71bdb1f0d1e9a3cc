"""The page at ``/``: the chat, the eval dashboard and the feedback tab (``server/web/``, built from ``web/src``
by ``cd web && npm ci && npm run build`` and committed, so the package never needs Node).

The shell and its two assets are the only routes besides ``/healthz`` that need no key: they hold no data, and
the page asks for a key (kept in the tab's session storage) when the API answers 401. Every response carries a
strict Content-Security-Policy: scripts only from this server (plus the eval report's own inline script, by
hash, for the report shown in a sandboxed frame), no plugins, no framing of the page, nothing fetched from
elsewhere.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response

from medchat.server.errors import ApiError

router = APIRouter(include_in_schema=False)

WEB = Path(__file__).resolve().parents[1] / "web"
ASSETS = {"app.js": "text/javascript; charset=utf-8", "app.css": "text/css; charset=utf-8"}


@functools.cache
def _file(name: str) -> tuple[bytes, str]:
    """The file's bytes and a strong ETag (its content hash), read once."""
    data = (WEB / name).read_bytes()
    return data, '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


@functools.cache
def content_security_policy() -> str:
    from medchat.evaluation.report.assets import JS

    report_script = base64.b64encode(hashlib.sha256(JS.encode()).digest()).decode()
    return "; ".join([
        "default-src 'none'",
        f"script-src 'self' 'sha256-{report_script}'",
        "style-src 'self' 'unsafe-inline'",  # the report's inline styles; no script can run from a style
        "img-src 'self' data:",
        "connect-src 'self'",
        "frame-src blob:",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def security_headers() -> dict[str, str]:
    return {
        "content-security-policy": content_security_policy(),
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
        "x-frame-options": "DENY",
        "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
        "cross-origin-opener-policy": "same-origin",
    }


def _serve(request: Request, name: str, media_type: str) -> Response:
    try:
        data, etag = _file(name)
    except FileNotFoundError:
        raise ApiError(503, "the web page is not built: run `cd web && npm ci && npm run build`",
                       type="server_error", code="page_not_built") from None
    headers = {**security_headers(), "etag": etag, "cache-control": "no-cache"}  # revalidate: 304 when unchanged
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(data, media_type=media_type, headers=headers)


@router.get("/")
def page(request: Request) -> Response:
    return _serve(request, "index.html", "text/html; charset=utf-8")


@router.get("/assets/{name}")
def asset(name: str, request: Request) -> Response:
    if name not in ASSETS:
        raise ApiError(404, f"no asset {name!r}", code="not_found")
    return _serve(request, name, ASSETS[name])
