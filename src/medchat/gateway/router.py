"""Several deployments of one model (endpoints, keys, regions) behind one name.

Each request goes to the deployment the strategy puts first, and on an availability error (its own retries
spent) to the next, so one bad endpoint costs a request time, not its answer:

- ``least-busy``: the fewest requests in flight (ties: the one picked least often, so idle traffic alternates);
- ``latency``: the lowest moving average (EWMA) of recent latency, unmeasured ones first; a share ``explore`` of
  requests goes to another one, so a deployment that was slow once is measured again;
- ``weighted``: at random in proportion to ``weight`` (a seeded ``random.Random`` in tests).

Latency is the whole call for ``complete`` and the time to the first chunk for ``stream``, as the caller lives it
(retries and queueing included: a deployment that keeps a request waiting is a slow one). A deployment that
fails ``cooldown_failures`` requests within ``cooldown_window_s`` is skipped for ``cooldown_s``, then tried again;
while every deployment is cooling down a request fails at once with ``ModelUnavailableError`` (a fallback's cue).
The health kept here is this process's.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field

from medchat.config import Strategy
from medchat.errors import MedchatError, ModelUnavailableError
from medchat.gateway.wrapper import ModelWrapper
from medchat.models.base import ChatModel
from medchat.types import ChatRequest, Chunk, Completion

log = logging.getLogger("medchat.gateway")


@dataclass(eq=False)
class Deployment:
    """One deployment and what the router knows of it."""

    model: ChatModel
    weight: float = 1.0
    in_flight: int = 0
    picked: int = 0
    latency_s: float | None = None  # EWMA
    failures: deque[float] = field(default_factory=deque)
    cool_until: float = -math.inf


class Router(ModelWrapper):
    """One name, several deployments: picks one per request by ``strategy``, fails over, cools down failing ones."""

    def __init__(
        self,
        deployments: Sequence[ChatModel],
        *,
        weights: Sequence[float] | None = None,
        strategy: Strategy = "least-busy",
        cooldown_failures: int = 3,
        cooldown_window_s: float = 60.0,
        cooldown_s: float = 30.0,
        latency_alpha: float = 0.3,
        explore: float = 0.1,
        name: str | None = None,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not deployments:
            raise ValueError("a router needs at least one deployment")
        super().__init__(deployments[0])
        self.name = name or deployments[0].name
        weights = list(weights) if weights is not None else [1.0] * len(deployments)
        self.deployments = [Deployment(model, weight) for model, weight in zip(deployments, weights, strict=True)]
        self.strategy = strategy
        self.cooldown_failures = cooldown_failures
        self.cooldown_window_s = cooldown_window_s
        self.cooldown_s = cooldown_s
        self.latency_alpha = latency_alpha
        self.explore = explore
        self._rng = rng or random.Random()
        self._clock = clock

    # -- choosing ------------------------------------------------------------------------------------------
    def candidates(self) -> list[Deployment]:
        """The deployments not cooling down, in the order this request tries them."""
        now = self._clock()
        ready = [d for d in self.deployments if d.cool_until <= now]
        if len(ready) < 2:
            return ready
        if self.strategy == "least-busy":
            return sorted(ready, key=lambda d: (d.in_flight, d.picked))
        if self.strategy == "weighted":
            order: list[Deployment] = []
            while ready:
                pick = self._rng.choices(ready, weights=[d.weight for d in ready])[0]
                order.append(pick)
                ready.remove(pick)
            return order
        order = sorted(ready, key=lambda d: -1.0 if d.latency_s is None else d.latency_s)
        if self._rng.random() < self.explore:
            order.insert(0, order.pop(self._rng.randrange(1, len(order))))
        return order

    def _all_cooling(self) -> ModelUnavailableError:
        back = min(d.cool_until for d in self.deployments) - self._clock()
        return ModelUnavailableError(
            f"every deployment ({len(self.deployments)}) is cooling down after repeated failures; the first is "
            f"tried again in {max(back, 0):.0f}s", model=self.name, hint="wait, or list fallbacks for this model")

    # -- what happened -------------------------------------------------------------------------------------
    def _failed(self, deployment: Deployment, error: MedchatError) -> None:
        now = self._clock()
        failures = deployment.failures
        failures.append(now)
        while failures and failures[0] <= now - self.cooldown_window_s:
            failures.popleft()
        if len(failures) >= self.cooldown_failures:
            failures.clear()
            deployment.cool_until = now + self.cooldown_s
            log.warning("%s: deployment %d (%s) cooling down for %gs after %d failures; last: %s", self.name,
                        self.deployments.index(deployment), deployment.model.name, self.cooldown_s,
                        self.cooldown_failures, error.message)

    def _answered(self, deployment: Deployment, seconds: float) -> None:
        old = deployment.latency_s
        deployment.latency_s = seconds if old is None else self.latency_alpha * seconds + (1 - self.latency_alpha) * old

    # -- calls ---------------------------------------------------------------------------------------------
    async def complete(self, request: ChatRequest) -> Completion:
        candidates = self.candidates()
        if not candidates:
            raise self._all_cooling()
        error: MedchatError | None = None
        for deployment in candidates:
            deployment.in_flight += 1
            deployment.picked += 1
            start = self._clock()
            try:
                completion = await deployment.model.complete(request)
            except MedchatError as failure:
                if not failure.retryable:
                    raise  # the request's fault, not the deployment's
                self._failed(deployment, failure)
                error = failure
                continue
            finally:
                deployment.in_flight -= 1
            self._answered(deployment, self._clock() - start)
            return completion
        assert error is not None
        raise error

    async def stream(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        candidates = self.candidates()
        if not candidates:
            raise self._all_cooling()
        error: MedchatError | None = None
        for deployment in candidates:
            deployment.in_flight += 1
            deployment.picked += 1
            start = self._clock()
            started = False
            try:
                async with aclosing(deployment.model.stream(request)) as chunks:  # type: ignore[type-var]
                    async for chunk in chunks:
                        if not started:
                            started = True
                            self._answered(deployment, self._clock() - start)
                        yield chunk
                return
            except MedchatError as failure:
                if not failure.retryable:
                    raise
                self._failed(deployment, failure)
                if started:
                    raise  # text reached the caller: another deployment's answer would not continue it
                error = failure
            finally:
                deployment.in_flight -= 1
        assert error is not None
        raise error

    async def aclose(self) -> None:
        for deployment in self.deployments:
            await deployment.model.aclose()

    def __repr__(self) -> str:
        inner = ", ".join(repr(d.model) for d in self.deployments)
        return f"Router({self.strategy}: {inner})"
