"""Combining rankings: reciprocal rank fusion, and the hook for a re-ranker."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

RRF_K = 60  # the constant from Cormack et al. (2009); dampens the weight of the very top ranks


def reciprocal_rank_fusion(rankings: Sequence[Sequence[int]], k: int = RRF_K,
                           weights: Sequence[float] | None = None) -> dict[int, float]:
    """Fuse ranked lists of passage indices: score = Σ weight / (k + rank), rank starting at 1."""
    weights = weights or [1.0] * len(rankings)
    fused: dict[int, float] = {}
    for weight, ranking in zip(weights, rankings, strict=True):
        for rank, index in enumerate(ranking, start=1):
            fused[index] = fused.get(index, 0.0) + weight / (k + rank)
    return fused


class Reranker(Protocol):
    """Re-orders candidates, e.g. with a cross-encoder: returns (index, score) best first."""

    def rerank(self, query: str, candidates: list[tuple[int, str]]) -> list[tuple[int, float]]: ...
