"""Fusing ranked lists from the lexical and the dense retriever into one ranking.

Every function takes runs: lists of (paper pk, score), best first, one per retriever,
and returns one list of (paper pk, fused score), best first. Ties keep the order in
which papers were first seen (the first run wins), so results are deterministic.
"""

from collections.abc import Sequence
from statistics import fmean, pstdev

Run = Sequence[tuple[int, float]]

# The constant of Cormack et al. (2009): large enough that the first few ranks of
# one run don't drown out agreement between runs.
RRF_K = 60


def _weights(runs: Sequence[Run], weights: Sequence[float] | None) -> Sequence[float]:
    if weights is None:
        return [1.0] * len(runs)
    if len(weights) != len(runs):
        raise ValueError(f"{len(runs)} runs but {len(weights)} weights")
    return weights


def _ranked(scores: dict[int, float]) -> list[tuple[int, float]]:
    # sorted() is stable and dicts keep insertion order: ties stay in first-seen order.
    return sorted(scores.items(), key=lambda item: -item[1])


def reciprocal_rank_fusion(
    runs: Sequence[Run], k: float = RRF_K, weights: Sequence[float] | None = None
) -> list[tuple[int, float]]:
    """Weighted RRF: each run adds weight / (k + rank) for every paper it ranks (rank from 1).

    Scores are ignored, only ranks count, so runs on different scales need no calibration.
    """
    fused: dict[int, float] = {}
    for run, weight in zip(runs, _weights(runs, weights), strict=True):
        for rank, (pk, _score) in enumerate(run, start=1):
            fused[pk] = fused.get(pk, 0.0) + weight / (k + rank)
    return _ranked(fused)


def _minmax(run: Run) -> dict[int, float]:
    if not run:
        return {}
    scores = [score for _pk, score in run]
    low, high = min(scores), max(scores)
    if high == low:
        return {pk: 1.0 for pk, _score in run}
    return {pk: (score - low) / (high - low) for pk, score in run}


def _zscore(run: Run) -> dict[int, float]:
    if not run:
        return {}
    scores = [score for _pk, score in run]
    mean, spread = fmean(scores), pstdev(scores)
    if spread == 0:
        return {pk: 0.0 for pk, _score in run}
    return {pk: (score - mean) / spread for pk, score in run}


def normalized_score_fusion(
    runs: Sequence[Run], weights: Sequence[float] | None = None, normalization: str = "minmax"
) -> list[tuple[int, float]]:
    """A weighted sum of each run's scores after normalizing them per run.

    "minmax" maps each run onto [0, 1]; "zscore" onto standard deviations from its mean.
    A paper a run did not return counts as that run's worst score (0, or the lowest z),
    which is what it would have scored at best had the run gone deeper.
    """
    normalize = {"minmax": _minmax, "zscore": _zscore}.get(normalization)
    if normalize is None:
        raise ValueError(f"unknown normalization {normalization!r} (use minmax or zscore)")
    normalized = [normalize(run) for run in runs]
    # 0 for min-max even when a run's scores are all alike (all 1): not being returned
    # is worse than being a run's only answer.
    floors = [
        0.0 if normalization == "minmax" else min(scores.values(), default=0.0)
        for scores in normalized
    ]
    # Every paper starts at the sum of the floors; each run lifts the papers it returned
    # from its floor to its score. Papers are keyed in first-seen order, for ties.
    weights_ = _weights(runs, weights)
    base = sum(weight * floor for floor, weight in zip(floors, weights_, strict=True))
    fused: dict[int, float] = {}
    for run in runs:
        for pk, _score in run:
            fused.setdefault(pk, base)
    for scores, floor, weight in zip(normalized, floors, weights_, strict=True):
        for pk, score in scores.items():
            fused[pk] += weight * (score - floor)
    return _ranked(fused)


def fuse(runs: Sequence[Run], method: str = "rrf", **params: float) -> list[tuple[int, float]]:
    """Fuse by name, as the evaluation and the settings spell it: rrf, minmax or zscore.

    `alpha` (for minmax/zscore, and weighted rrf) is the weight of the first run; the
    second gets 1 - alpha. `k` is RRF's constant.
    """
    alpha = params.get("alpha")
    weights = None if alpha is None or len(runs) != 2 else [alpha, 1.0 - alpha]
    if method == "rrf":
        return reciprocal_rank_fusion(runs, k=params.get("k", RRF_K), weights=weights)
    return normalized_score_fusion(runs, weights=weights, normalization=method)
