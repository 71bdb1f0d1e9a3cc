"""Prometheus metrics of one app: its own ``CollectorRegistry`` (never the global one), so several apps in a
process (the tests) do not collide. With ``--workers N`` every process has its own registry and a scrape
reads the worker that answered it.

Labels are bounded: ``route`` is the route template, ``key`` the key's *name* (``-`` without one), ``model``
only a name that resolved (``-`` before that; past ``MAX_MODEL_LABELS`` distinct names, ``other``), safety
``check``/``action`` values come from medchat's own checks. Timing is the ``Timing`` the model (or the
assistant's reply) already carries: nothing is measured here but the HTTP duration. Fallbacks the gateway tries
are told to ``observe_fallback`` through ``gateway.events`` (the gateway does not know the server).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Histogram

from medchat.gateway.events import on_fallback

if TYPE_CHECKING:
    from medchat.server.observe import Exchange

MAX_MODEL_LABELS = 100

HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
TTFT_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0)
TPOT_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = registry = CollectorRegistry(auto_describe=True)
        self.http_requests = Counter("medchat_http_requests", "HTTP requests by route template, method and status",
                                     ["route", "method", "status"], registry=registry)
        self.http_duration = Histogram("medchat_http_request_duration_seconds",
                                       "HTTP request duration, a stream until its last byte", ["route", "method"],
                                       buckets=HTTP_BUCKETS, registry=registry)
        self.chat_requests = Counter("medchat_chat_requests", "chat completions by model, key name, stream, outcome "
                                     "(ok, error, cancelled)", ["model", "key", "stream", "outcome"],
                                     registry=registry)
        self.ttft = Histogram("medchat_ttft_seconds", "time to first token, as the model's Timing measured it",
                              ["model"], buckets=TTFT_BUCKETS, registry=registry)
        self.tpot = Histogram("medchat_time_per_output_token_seconds", "time per output token after the first",
                              ["model"], buckets=TPOT_BUCKETS, registry=registry)
        self.tokens = Counter("medchat_tokens", "tokens by direction (prompt, completion)",
                              ["model", "key", "direction"], registry=registry)
        self.cost = Counter("medchat_cost_usd", "cost in US dollars, where the model's price is known",
                            ["model", "key"], registry=registry)
        self.safety = Counter("medchat_safety_findings", "the guarded assistant's safety findings by check and "
                              "action (escalated, declined, redacted...)", ["check", "action"], registry=registry)
        self.cache_requests = Counter("medchat_cache_requests", "chat completions of models with a response cache, "
                                      "by whether the cache answered (hit) or the model did (miss)",
                                      ["model", "result"], registry=registry)
        self.feedback = Counter("medchat_feedback", "feedback given on replies by rating (up, down) and reason",
                                ["rating", "reason"], registry=registry)
        self.fallbacks = Counter("medchat_fallbacks", "fallback models tried by the gateway: the model asked, the "
                                 "fallback, why (rate_limited, timeout, unavailable, interrupted, context_window)",
                                 ["model", "fallback", "reason"], registry=registry)
        self._models: set[str] = set()
        self._children: dict[tuple[Any, ...], Any] = {}
        on_fallback(self.observe_fallback)  # held weakly: it goes with this object

    def model_label(self, name: str | None) -> str:
        if name is None:
            return "-"
        if name not in self._models:
            if len(self._models) >= MAX_MODEL_LABELS:
                return "other"
            self._models.add(name)
        return name

    def _child(self, metric: Any, *labels: str) -> Any:
        """``metric.labels(*labels)``, kept (no more of them than the registry keeps anyway): ``labels``
        (validation and a lock) costs more than the increment itself, several times per request."""
        key = (id(metric), *labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*labels)
        return child

    def observe_fallback(self, model: str, fallback: str, reason: str) -> None:
        """Every fallback the gateway tries in this process (the models come from medchat.toml: bounded)."""
        self._child(self.fallbacks, self.model_label(model), self.model_label(fallback), reason).inc()

    def observe_http(self, route: str, method: str, status: int, seconds: float) -> None:
        self._child(self.http_requests, route, method, str(status)).inc()
        self._child(self.http_duration, route, method).observe(seconds)

    def observe_chat(self, exchange: Exchange, key: str, outcome: str) -> None:
        model = self.model_label(exchange.model)
        self._child(self.chat_requests, model, key, "true" if exchange.stream else "false", outcome).inc()
        if exchange.cache is not None:
            self._child(self.cache_requests, model, exchange.cache).inc()
        ending = exchange.ending
        if ending is None:
            return
        self._child(self.tokens, model, key, "prompt").inc(ending.usage.prompt_tokens)
        self._child(self.tokens, model, key, "completion").inc(ending.usage.completion_tokens)
        if ending.cost_usd is not None:
            self._child(self.cost, model, key).inc(ending.cost_usd)
        if ending.timing is not None:
            if ending.timing.ttft_s is not None:
                self._child(self.ttft, model).observe(ending.timing.ttft_s)
            if ending.timing.tpot_s is not None:
                self._child(self.tpot, model).observe(ending.timing.tpot_s)
        if ending.safety is not None:
            for finding in ending.safety.findings:
                self.safety.labels(finding.check, finding.action or "none").inc()
