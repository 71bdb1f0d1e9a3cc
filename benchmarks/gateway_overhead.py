"""What ``medchat serve`` adds to a request, against LiteLLM's proxy and the upstream direct, in one run.

Three targets answer the same OpenAI-compatible ``POST /v1/chat/completions``:

- ``direct``: a minimal upstream (a raw asyncio HTTP/1.1 server in its own process, started from this
  file with ``--upstream``) that answers at once with a fixed short completion and its usage, streamed as
  SSE when asked. It parses just enough HTTP for keep-alive clients and does no other work.
- ``medchat``: ``medchat serve`` (one worker, default settings, no keys, temporary config and data
  directories) with a ``medchat.toml`` alias ``bench-upstream`` = ``openai/bench-model`` at the upstream's
  ``base_url``: the raw pass-through path (no assistant pipeline).
- ``litellm``: ``litellm --config cfg.yaml --port N --num_workers 1`` from a virtualenv this script makes
  (``benchmarks/.venv-litellm``, ``pip install 'litellm[proxy]'``; LiteLLM is never a medchat dependency),
  with the model ``bench-upstream`` routed to ``openai/bench-model`` at the same upstream. Skipped with a
  message if the install fails. ``LITELLM_LOCAL_MODEL_COST_MAP=True`` keeps it from fetching its price list.

The load is one asyncio process (httpx, HTTP/1.1 keep-alive, one client and connection per concurrent worker)
sending a fixed number of requests per concurrency level (1, 16, 64 by default) after a warm-up of each
target. Per-request latency is from sending the request to having read the whole body. Reported per target
and level: p50/p95/p99 ms, requests/s (completed requests / wall time of the level), errors, the added
latency of each proxy = proxy - direct at the same level and percentile, and each proxy's CPU time per request
(user + system time of its process group, from /proc, over the timed requests): unlike the others, a number
that the load of the rest of the machine hardly moves.

    python benchmarks/gateway_overhead.py [--requests 1000] [--concurrency 1 16 64] [--stream] [--medchat-tcp]

``--medchat-tcp`` adds a fourth target, ``medchat-tcp``: the same app, settings and logging, but with uvicorn
binding the port itself rather than being handed the socket ``medchat serve`` opened (see ``_MEDCHAT_TCP``).

Everything runs on this machine's cores: the load generator, the proxy and the upstream compete for them
(on 2 cores the client and the upstream each take a share that a real deployment would not), so the
``direct`` row is the floor this client can measure, not the upstream's own capacity. The load average
before and after is recorded with the results. Writes ``benchmarks/results/gateway_overhead-<time>.json``
and a plot ``...svg`` (p50 and p99 latency, requests/s per concurrency per target). Each level stops after
``--level-timeout`` seconds even if requests remain; all servers are stopped on exit, Ctrl-C included.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
LITELLM_VENV = HERE / ".venv-litellm"
MODEL = "bench-upstream"  # the name every client sends, on each target
UPSTREAM_MODEL = "bench-model"  # the name the proxies send upstream
PROMPT = [{"role": "user", "content": "Say hello."}]
TARGETS = ("direct", "medchat", "medchat-tcp", "litellm")
# --medchat-tcp: the same app, settings and logging as `medchat serve`, but uvicorn binds host:port itself
# instead of being handed the listening socket's fd (which uvicorn wraps as AF_UNIX, so asyncio never sets
# TCP_NODELAY on accepted connections). A diagnosis row, not something medchat ships.
_MEDCHAT_TCP = (
    "import sys, uvicorn; from medchat.cli.serve_cmd import log_config; "
    "uvicorn.run('medchat.server.app:create_app', factory=True, host='127.0.0.1', port=int(sys.argv[1]), "
    "log_config=log_config('info'), log_level='warning', access_log=False, proxy_headers=False, "
    "server_header=False)")


# --------------------------------------------------------------------------------------------------
# The upstream: a raw asyncio HTTP/1.1 server (runs in its own process via --upstream PORT)

_COMPLETION = {
    "id": "chatcmpl-bench", "object": "chat.completion", "created": 1700000000, "model": UPSTREAM_MODEL,
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello! How can I help you today?"},
                 "finish_reason": "stop", "logprobs": None}],
    "usage": {"prompt_tokens": 10, "completion_tokens": 9, "total_tokens": 19},
}
_WORDS = ["Hello!", " How", " can", " I", " help", " you", " today", "?"]


def _chunk(delta: dict[str, Any], finish: str | None = None, usage: dict[str, int] | None = None,
           choices: bool = True) -> bytes:
    body = {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1700000000,
            "model": UPSTREAM_MODEL,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}] if choices else [],
            "usage": usage}
    data = b"data: " + json.dumps(body, separators=(",", ":")).encode() + b"\n\n"
    return b"%x\r\n%s\r\n" % (len(data), data)


_JSON_BODY = json.dumps(_COMPLETION, separators=(",", ":")).encode()
_JSON_RESPONSE = (b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n"
                  % len(_JSON_BODY)) + _JSON_BODY
_STREAM_HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
_STREAM_BODY = b"".join(
    [_chunk({"role": "assistant", "content": ""})]
    + [_chunk({"content": w}) for w in _WORDS]
    + [_chunk({}, finish="stop")])
_STREAM_USAGE = _chunk({}, usage=_COMPLETION["usage"], choices=False)
_DONE = b"data: [DONE]\n\n"
_STREAM_END = b"%x\r\n%s\r\n0\r\n\r\n" % (len(_DONE), _DONE)
_MODELS_BODY = json.dumps({"object": "list", "data": [
    {"id": UPSTREAM_MODEL, "object": "model", "created": 0, "owned_by": "bench"}]}).encode()
_MODELS_RESPONSE = (b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n"
                    % len(_MODELS_BODY)) + _MODELS_BODY


class _Upstream(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: asyncio.Transport = transport  # type: ignore[assignment]
        self.buf = b""

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buf[:end].decode("latin-1")
            length = 0
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            if len(self.buf) < end + 4 + length:
                return
            body = self.buf[end + 4:end + 4 + length]
            self.buf = self.buf[end + 4 + length:]
            self._answer(head.split(" ", 2), body)

    def _answer(self, request_line: list[str], body: bytes) -> None:
        method, path = request_line[0], request_line[1] if len(request_line) > 1 else "/"
        if method == "GET" and path.rstrip("/").endswith("/models"):
            self.transport.write(_MODELS_RESPONSE)
            return
        if method != "POST" or not path.rstrip("/").endswith("/chat/completions"):
            self.transport.write(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n")
            return
        stream = b'"stream"' in body and json.loads(body or b"{}").get("stream") is True
        if not stream:
            self.transport.write(_JSON_RESPONSE)
            return
        opts = json.loads(body).get("stream_options") or {}
        usage = _STREAM_USAGE if opts.get("include_usage") else b""
        self.transport.write(_STREAM_HEAD + _STREAM_BODY + usage + _STREAM_END)


def run_upstream(port: int) -> None:
    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(_Upstream, "127.0.0.1", port, backlog=1024)
        async with server:
            await server.serve_forever()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        asyncio.run(main())


# --------------------------------------------------------------------------------------------------
# Processes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Procs:
    """Child processes, each in its own session, stopped (whole process group) on exit."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, cmd: list[str], *, env: dict[str, str], log: Path, cwd: Path) -> subprocess.Popen[bytes]:
        with log.open("wb") as out:
            proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
        self.procs.append(proc)
        return proc

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for proc in self.procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.procs.clear()


async def wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path, timeout_s: float) -> None:
    """Poll with a real chat request until a 200 (the proxies' own model lookup included)."""
    import httpx

    deadline = time.monotonic() + timeout_s
    last = ""
    async with httpx.AsyncClient(timeout=10) as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"{url} exited with {proc.returncode}; log: {log}\n{tail(log)}")
            try:
                r = await client.post(url, json={"model": MODEL, "messages": PROMPT})
                if r.status_code == 200:
                    return
                last = f"{r.status_code} {r.text[:300]}"
            except httpx.HTTPError as exc:
                last = repr(exc)
            await asyncio.sleep(0.25)
    raise RuntimeError(f"{url} not ready after {timeout_s:.0f} s ({last}); log: {log}\n{tail(log)}")


def cpu_seconds(pgid: int) -> float | None:
    """User + system CPU seconds of every live process in the process group ``pgid`` (each server is started in
    its own session), from /proc; None where there is no /proc."""
    total, tick, found = 0.0, os.sysconf("SC_CLK_TCK"), False
    try:
        entries = os.listdir("/proc")
    except OSError:
        return None
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid:  # pgrp
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
            found = True
    return total if found else None


def tail(path: Path, n: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return ""


def ensure_litellm(python: str) -> Path | None:
    """The ``litellm`` executable in benchmarks/.venv-litellm, made on first use; None if that fails."""
    exe = LITELLM_VENV / "bin" / "litellm"
    if exe.exists():
        return exe
    print(f"making {LITELLM_VENV} and installing litellm[proxy] (once; a few minutes)...", flush=True)
    try:
        if not (LITELLM_VENV / "bin" / "python").exists():
            subprocess.run([python, "-m", "venv", str(LITELLM_VENV)], check=True)
        subprocess.run([str(LITELLM_VENV / "bin" / "python"), "-m", "pip", "install", "-q", "litellm[proxy]"],
                       check=True, timeout=900)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        print(f"LiteLLM skipped: could not install litellm[proxy] into {LITELLM_VENV} ({exc})", flush=True)
        return None
    return exe if exe.exists() else None


def litellm_version() -> str:
    try:
        out = subprocess.run([str(LITELLM_VENV / "bin" / "python"), "-c",
                              "import importlib.metadata as m; print(m.version('litellm'))"],
                             capture_output=True, text=True, timeout=60)
        return out.stdout.strip() or "?"
    except (OSError, subprocess.TimeoutExpired):
        return "?"


def medchat_version() -> str:
    try:
        from importlib.metadata import version
        return version("medchat")
    except Exception:
        return "?"


# --------------------------------------------------------------------------------------------------
# Load


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of already-sorted values."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


async def load(url: str, *, concurrency: int, requests: int, stream: bool, timeout_s: float,
               warmup: int = 0, pgid: int | None = None) -> dict[str, Any]:
    """``warmup`` requests, then ``requests`` timed ones, at ``concurrency`` on one client (so the timed ones
    reuse the warm-up's open connections). With ``pgid``, also the CPU time that process group (the proxy)
    spent per timed request: what it costs whatever the other processes on the machine are doing."""
    import httpx

    body = {"model": MODEL, "messages": PROMPT, "max_tokens": 16}
    if stream:
        body |= {"stream": True, "stream_options": {"include_usage": True}}
    payload = json.dumps(body).encode()
    headers = {"content-type": "application/json", "authorization": "Bearer sk-bench"}
    latencies: list[float] = []
    errors: dict[str, int] = {}
    # One client with one keep-alive connection per worker: a single shared pool of 64 connections costs the
    # client more than the upstream takes to answer and turns into the bottleneck (measured: ~200 req/s with
    # a 1.4 s p99 against the bare upstream at 64).
    clients = [httpx.AsyncClient(limits=httpx.Limits(max_connections=1, max_keepalive_connections=1), timeout=60)
               for _ in range(concurrency)]

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal remaining
        while remaining > 0 and time.monotonic() < deadline:
            remaining -= 1
            t0 = time.perf_counter()
            try:
                r = await client.post(url, content=payload, headers=headers)
                ok = r.status_code == 200 and (not stream or r.content.rstrip().endswith(b"[DONE]"))
                key = "ok" if ok else f"status {r.status_code}"
            except httpx.HTTPError as exc:
                key = type(exc).__name__
            elapsed = time.perf_counter() - t0
            if key == "ok":
                latencies.append(elapsed)
            else:
                errors[key] = errors.get(key, 0) + 1

    try:
        remaining, deadline = warmup, time.monotonic() + timeout_s
        await asyncio.gather(*(worker(c) for c in clients))
        latencies.clear()
        errors.clear()
        remaining, deadline = requests, time.monotonic() + timeout_s
        cpu_start = cpu_seconds(pgid) if pgid is not None else None
        t_start = time.perf_counter()
        await asyncio.gather(*(worker(c) for c in clients))
        wall = time.perf_counter() - t_start
        cpu_end = cpu_seconds(pgid) if pgid is not None else None
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))

    ms = sorted(x * 1000 for x in latencies)
    return {
        "concurrency": concurrency, "requests": len(ms), "errors": errors, "wall_s": round(wall, 3),
        "timed_out": remaining > 0,
        "p50_ms": percentile(ms, 50), "p95_ms": percentile(ms, 95), "p99_ms": percentile(ms, 99),
        "mean_ms": sum(ms) / len(ms) if ms else float("nan"),
        "rps": len(ms) / wall if wall > 0 else float("nan"),
        "cpu_ms_per_request": ((cpu_end - cpu_start) * 1000 / (requests - remaining)
                               if cpu_start is not None and cpu_end is not None and requests > remaining
                               else float("nan")),
    }


# --------------------------------------------------------------------------------------------------
# Output


def fmt(x: float, digits: int = 2) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def table(results: dict[str, dict[int, dict[str, Any]]], levels: list[int]) -> str:
    rows = ["| concurrency | target | p50 ms | p95 ms | p99 ms | req/s | added p50 ms | added p99 ms | "
            "CPU ms/request | errors |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for c in levels:
        base = results.get("direct", {}).get(c)
        for target in TARGETS:
            r = results.get(target, {}).get(c)
            if r is None:
                continue
            if target == "direct" or base is None:
                added50 = added99 = "–"
            else:
                added50, added99 = fmt(r["p50_ms"] - base["p50_ms"]), fmt(r["p99_ms"] - base["p99_ms"])
            errs = sum(r["errors"].values())
            err = "0" if not errs else f"{errs} ({', '.join(f'{k}: {v}' for k, v in r['errors'].items())})"
            if r["timed_out"]:
                err += " (level timed out)"
            cpu = fmt(r.get("cpu_ms_per_request", float("nan")))
            rows.append(f"| {c} | {target} | {fmt(r['p50_ms'])} | {fmt(r['p95_ms'])} | {fmt(r['p99_ms'])} | "
                        f"{fmt(r['rps'], 0)} | {added50} | {added99} | {cpu} | {err} |")
    return "\n".join(rows)


COLOURS = {"direct": "#555555", "medchat": "#1f77b4", "medchat-tcp": "#17becf", "litellm": "#d62728"}


def svg_plot(results: dict[str, dict[int, dict[str, Any]]], levels: list[int], title: str) -> str:
    """Three panels (p50 ms, p99 ms on a log scale; req/s linear) over the concurrency levels, one line per
    target; hand-written SVG so no plotting library is needed."""
    panels = [("p50 latency (ms, log)", "p50_ms", True), ("p99 latency (ms, log)", "p99_ms", True),
              ("requests/s", "rps", False)]
    pw, ph, left, top, gap = 300, 220, 60, 50, 40
    width = left + len(panels) * (pw + gap)
    height = top + ph + 90
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="11">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{left}" y="20" font-size="14">{title}</text>']
    for i, (label, key, log) in enumerate(panels):
        x0 = left + i * (pw + gap)
        values = [r[key] for t in results.values() for r in t.values() if r[key] == r[key] and r[key] > 0]
        if not values:
            continue
        if log:
            lo = 10 ** math.floor(math.log10(min(values)))
            hi = 10 ** math.ceil(math.log10(max(values)))
            if hi <= lo:
                hi = lo * 10

            def ypos(v: float, lo: float = lo, hi: float = hi) -> float:
                return top + ph - (math.log10(v) - math.log10(lo)) / (math.log10(hi) - math.log10(lo)) * ph
            ticks = [lo * 10 ** k for k in range(round(math.log10(hi / lo)) + 1)]
        else:
            lo, hi = 0.0, max(values) * 1.1

            def ypos(v: float, lo: float = lo, hi: float = hi) -> float:
                return top + ph - (v - lo) / (hi - lo) * ph
            step = 10 ** math.floor(math.log10(hi / 2))
            ticks = [k * step for k in range(int(hi / step) + 1)]
        out.append(f'<rect x="{x0}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#999"/>')
        out.append(f'<text x="{x0 + pw / 2}" y="{top - 8}" text-anchor="middle">{label}</text>')
        for t in ticks:
            y = ypos(t)
            out.append(f'<line x1="{x0}" x2="{x0 + pw}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>')
            out.append(f'<text x="{x0 - 4}" y="{y + 4:.1f}" text-anchor="end">{t:g}</text>')

        def xpos(j: int, x0: int = x0) -> float:
            return x0 + (j + 0.5) * pw / len(levels)
        for j, c in enumerate(levels):
            out.append(f'<text x="{xpos(j):.1f}" y="{top + ph + 15}" text-anchor="middle">{c}</text>')
        out.append(f'<text x="{x0 + pw / 2}" y="{top + ph + 30}" text-anchor="middle">concurrent clients</text>')
        for target, per_level in results.items():
            pts = [(xpos(j), ypos(per_level[c][key])) for j, c in enumerate(levels)
                   if c in per_level and per_level[c][key] == per_level[c][key] and per_level[c][key] > 0]
            colour = COLOURS.get(target, "black")
            if len(pts) > 1:
                path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
                out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
            out.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>' for x, y in pts)
    for k, target in enumerate(results):
        x = left + k * 110
        y = top + ph + 60
        out.append(f'<rect x="{x}" y="{y - 9}" width="12" height="12" fill="{COLOURS.get(target, "black")}"/>')
        out.append(f'<text x="{x + 18}" y="{y + 1}">{target}</text>')
    out.append("</svg>")
    return "\n".join(out)


# --------------------------------------------------------------------------------------------------
# Main


async def bench(args: argparse.Namespace, procs: Procs, work: Path) -> dict[str, Any]:
    env_base = {k: v for k, v in os.environ.items() if not k.startswith(("MEDCHAT_", "OPENAI_", "LITELLM_"))}
    up_port = free_port()
    up_url = f"http://127.0.0.1:{up_port}/v1"
    up_log = work / "upstream.log"
    up = procs.start([sys.executable, str(HERE / Path(__file__).name), "--upstream", str(up_port)],
                     env=env_base, log=up_log, cwd=work)
    urls = {"direct": f"{up_url}/chat/completions"}
    pgids: dict[str, int] = {}  # each proxy's process group, for its CPU time
    await wait_ready(urls["direct"], up, up_log, 30)

    # medchat serve, its own config and data directories
    (work / "medchat.toml").write_text(
        f'[models.{MODEL}]\nmodel = "openai/{UPSTREAM_MODEL}"\nbase_url = "{up_url}"\n')
    mc_env = env_base | {
        "MEDCHAT_CONFIG": str(work / "medchat.toml"), "MEDCHAT_DATA_DIR": str(work / "medchat-data"),
        "XDG_CONFIG_HOME": str(work / "xdg-config"), "XDG_DATA_HOME": str(work / "xdg-data"),
        "XDG_CACHE_HOME": str(work / "xdg-cache")}
    mc_port = free_port()
    mc_exe = Path(sys.executable).with_name("medchat")
    mc_cmd = [str(mc_exe)] if mc_exe.exists() else [sys.executable, "-m", "medchat"]
    mc_log = work / "medchat.log"
    mc = procs.start([*mc_cmd, "serve", "--port", str(mc_port)], env=mc_env, log=mc_log, cwd=work)
    urls["medchat"] = f"http://127.0.0.1:{mc_port}/v1/chat/completions"
    pgids["medchat"] = mc.pid
    await wait_ready(urls["medchat"], mc, mc_log, 60)
    if args.medchat_tcp:
        tcp_port = free_port()
        tcp_log = work / "medchat-tcp.log"
        tcp = procs.start([sys.executable, "-c", _MEDCHAT_TCP, str(tcp_port)], env=mc_env, log=tcp_log, cwd=work)
        urls["medchat-tcp"] = f"http://127.0.0.1:{tcp_port}/v1/chat/completions"
        pgids["medchat-tcp"] = tcp.pid
        await wait_ready(urls["medchat-tcp"], tcp, tcp_log, 60)

    versions = {"medchat": medchat_version(), "python": platform.python_version()}
    if not args.no_litellm:
        exe = ensure_litellm(sys.executable)
        if exe is not None:
            (work / "litellm.yaml").write_text(
                "model_list:\n"
                f"  - model_name: {MODEL}\n"
                "    litellm_params:\n"
                f"      model: openai/{UPSTREAM_MODEL}\n"
                f"      api_base: {up_url}\n"
                "      api_key: sk-none\n"
                # no keys, as medchat runs here; without this LiteLLM >= 1.108 refuses to start keyless
                "general_settings:\n"
                "  dangerously_permit_weak_or_unset_master_key: true\n")
            ll_port = free_port()
            ll_log = work / "litellm.log"
            ll_env = env_base | {"LITELLM_LOCAL_MODEL_COST_MAP": "True", "HOME": str(work)}
            ll = procs.start([str(exe), "--config", str(work / "litellm.yaml"), "--port", str(ll_port),
                              "--num_workers", "1"], env=ll_env, log=ll_log, cwd=work)
            urls["litellm"] = f"http://127.0.0.1:{ll_port}/v1/chat/completions"
            pgids["litellm"] = ll.pid
            try:
                await wait_ready(urls["litellm"], ll, ll_log, 180)
                versions["litellm"] = litellm_version()
            except RuntimeError as exc:
                print(f"LiteLLM skipped: its proxy did not start ({exc})", flush=True)
                del urls["litellm"]

    targets = [t for t in TARGETS if t in urls]
    print(f"targets: {', '.join(targets)}; warming up...", flush=True)
    for t in targets:
        await load(urls[t], concurrency=8, requests=args.warmup, stream=args.stream, timeout_s=60)

    results: dict[str, dict[int, dict[str, Any]]] = {t: {} for t in targets}
    load_before = os.getloadavg()
    for c in args.concurrency:
        for t in targets:
            r = await load(urls[t], concurrency=c, requests=args.requests, stream=args.stream,
                           timeout_s=args.level_timeout, warmup=max(2 * c, args.requests // 10), pgid=pgids.get(t))
            results[t][c] = r
            print(f"  c={c:<3} {t:<8} p50 {fmt(r['p50_ms'])} ms  p99 {fmt(r['p99_ms'])} ms  "
                  f"{fmt(r['rps'], 0)} req/s  CPU {fmt(r['cpu_ms_per_request'])} ms/request  "
                  f"errors {sum(r['errors'].values())}", flush=True)
    load_after = os.getloadavg()
    return {"results": results, "versions": versions, "load_before": load_before, "load_after": load_after}


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--requests", type=int, default=1000, help="measured requests per target and level")
    p.add_argument("--concurrency", type=int, nargs="+", default=[1, 16, 64])
    p.add_argument("--warmup", type=int, default=200, help="requests per target before measuring")
    p.add_argument("--stream", action="store_true", help="streamed requests (SSE, usage included)")
    p.add_argument("--level-timeout", type=float, default=60.0, help="seconds per target and level, at most")
    p.add_argument("--no-litellm", action="store_true", help="leave LiteLLM out")
    p.add_argument("--medchat-tcp", action="store_true",
                   help="also the same medchat app with uvicorn binding host:port itself (a diagnosis row)")
    p.add_argument("--upstream", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.upstream is not None:
        run_upstream(args.upstream)
        return 0

    procs = Procs()
    signal.signal(signal.SIGTERM, _interrupt)
    started = time.strftime("%Y%m%d-%H%M%S")
    with tempfile.TemporaryDirectory(prefix="medchat-gateway-") as tmp:
        try:
            out = asyncio.run(bench(args, procs, Path(tmp)))
        except KeyboardInterrupt:
            print("interrupted; servers stopped", file=sys.stderr)
            return 130
        except RuntimeError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        finally:
            procs.stop_all()

    results = out["results"]
    mode = "streamed" if args.stream else "non-streamed"
    print()
    print(f"{mode}, {args.requests} requests per target and level; load average before "
          f"{out['load_before'][0]:.2f}, after {out['load_after'][0]:.2f}; versions {out['versions']}")
    print(table(results, args.concurrency))
    c16 = results.get("litellm", {}).get(16), results.get("medchat", {}).get(16)
    if all(c16):
        print(f"\nmedchat / LiteLLM requests/s at 16: {c16[1]['rps'] / c16[0]['rps']:.2f}x")

    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = RESULTS / f"gateway_overhead-{started}"
    record = {
        "command": " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]]), "mode": mode,
        "requests_per_level": args.requests, "warmup": args.warmup, "concurrency": args.concurrency,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "load_before": out["load_before"], "load_after": out["load_after"], "versions": out["versions"],
        "results": {t: {str(c): r for c, r in per.items()} for t, per in results.items()},
    }
    stem.with_suffix(".json").write_text(json.dumps(record, indent=2))
    stem.with_suffix(".svg").write_text(svg_plot(results, args.concurrency,
                                                 f"Gateway overhead ({mode}, {args.requests} requests per point)"))
    print(f"\nwrote {stem}.json and {stem}.svg")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
