"""The page shell at ``/``: served without a key, with strict security headers, small, and built from the
sources in ``web/src`` (an edit without ``npm run build`` fails here)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
BUILT = ROOT / "src/medchat/server/web"


def test_the_built_page_matches_its_sources():
    digest = hashlib.sha256()
    for path in sorted((ROOT / "web/src").iterdir(), key=lambda p: p.name):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    for name in ("app.js", "app.css"):
        banner = (BUILT / name).read_text(encoding="utf-8").splitlines()[0]
        found = re.search(r"sha256 ([0-9a-f]{64})", banner)
        assert found and found[1] == digest.hexdigest(), (
            f"{name} was built from other sources: run `cd web && npm ci && npm run build`")
    assert (BUILT / "index.html").read_bytes() == (ROOT / "web/src/index.html").read_bytes()


def test_page_is_open_small_and_locked_down(serve):
    running = serve()
    running.create_key()  # keys exist: the API is closed, the shell is not
    with httpx.Client(base_url=running.url) as http:
        page = http.get("/")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        csp = page.headers["content-security-policy"]
        for directive in ("default-src 'none'", "script-src 'self'", "frame-ancestors 'none'", "base-uri 'none'"):
            assert directive in csp
        assert "unsafe-eval" not in csp and "script-src 'self' 'unsafe-inline'" not in csp
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["referrer-policy"] == "no-referrer"
        total = len(page.content)
        for asset, kind in (("app.js", "text/javascript"), ("app.css", "text/css")):
            response = http.get(f"/assets/{asset}")
            assert response.status_code == 200 and response.headers["content-type"].startswith(kind)
            total += len(response.content)
            again = http.get(f"/assets/{asset}", headers={"if-none-match": response.headers["etag"]})
            assert again.status_code == 304 and again.content == b""
        assert total < 300_000  # the chat view's first load, uncompressed
        assert http.get("/assets/secrets.txt").status_code == 404
        assert http.get("/assets/..%2Fapp.py").status_code == 404
        assert http.get("/api/conversations").status_code == 401
        assert http.get("/v1/models").status_code == 401
