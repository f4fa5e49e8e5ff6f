"""Minkowski-family "reduced" distances in Numba, shared by the brute-force and KD-tree paths.

Metric codes: 0 euclidean (p=2), 1 manhattan (p=1), 2 chebyshev (p=inf), 3 general
minkowski(p). The reduced distance is the one that orders points the same way without the
final root (squared euclidean, sum of |d|^p), so inner loops avoid sqrt and pow.
"""

from __future__ import annotations

import numpy as np
from numba import njit

EUCLIDEAN, MANHATTAN, CHEBYSHEV, MINKOWSKI = 0, 1, 2, 3


def metric_code(metric: str, p: float) -> int:
    if metric == "euclidean" or (metric == "minkowski" and p == 2):
        return EUCLIDEAN
    if metric in ("manhattan", "cityblock", "l1") or (metric == "minkowski" and p == 1):
        return MANHATTAN
    if metric in ("chebyshev", "infinity") or (metric == "minkowski" and np.isinf(p)):
        return CHEBYSHEV
    return MINKOWSKI


@njit(cache=True, fastmath=False, inline="always")
def rdist(code, p, a, i, b, j):
    s = 0.0
    if code == EUCLIDEAN:
        for f in range(a.shape[1]):
            t = a[i, f] - b[j, f]
            s += t * t
    elif code == MANHATTAN:
        for f in range(a.shape[1]):
            s += abs(a[i, f] - b[j, f])
    elif code == CHEBYSHEV:
        for f in range(a.shape[1]):
            t = abs(a[i, f] - b[j, f])
            if t > s:
                s = t
    else:
        for f in range(a.shape[1]):
            s += abs(a[i, f] - b[j, f]) ** p
    return s


@njit(cache=True, inline="always")
def rdist_of_axis_gap(code, p, gap):
    """Reduced-distance contribution of a gap along one axis (for box lower bounds)."""
    if code == EUCLIDEAN:
        return gap * gap
    if code == MANHATTAN or code == CHEBYSHEV:
        return gap
    return gap ** p


def reduced_to_distance(code: int, p: float, r: np.ndarray) -> np.ndarray:
    if code == EUCLIDEAN:
        return np.sqrt(np.maximum(r, 0.0))
    if code == MINKOWSKI:
        return r ** (1.0 / p)
    return r


def distance_to_reduced(code: int, p: float, d: float) -> float:
    if code == EUCLIDEAN:
        return d * d
    if code == MINKOWSKI:
        return d ** p
    return d
