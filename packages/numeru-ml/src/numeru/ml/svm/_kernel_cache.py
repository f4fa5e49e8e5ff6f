"""Kernel functions and the size-limited kernel-column cache used by the SMO solver (Numba).

Kernel kinds: 0 linear, 1 poly, 2 rbf, 3 sigmoid, 4 precomputed. Formulas follow libsvm exactly
(rbf as ``exp(-gamma * (|x|^2 + |z|^2 - 2 x.z))``) so decision values agree with scikit-learn's
libsvm to rounding.

The cache holds whole kernel columns ``K[:, r]`` for training rows ``r`` in a fixed number of
slots (derived from ``cache_size`` in MB) and evicts the least recently used column. Columns
are stored as float32, like libsvm's ``Qfloat``: the same rounding gives the same iterates.
"""

from __future__ import annotations

import numpy as np
from numba import njit

LINEAR, POLY, RBF, SIGMOID, PRECOMPUTED = 0, 1, 2, 3, 4
KERNEL_CODES = {"linear": LINEAR, "poly": POLY, "rbf": RBF, "sigmoid": SIGMOID,
                "precomputed": PRECOMPUTED}


@njit(cache=True, inline="always")
def _dot(a, i, b, j):
    s = 0.0
    for f in range(a.shape[1]):
        s += a[i, f] * b[j, f]
    return s


@njit(cache=True, inline="always")
def _powi(base, times):
    # libsvm's powi: exact integer power by squaring.
    tmp = base
    ret = 1.0
    t = times
    while t > 0:
        if t % 2 == 1:
            ret *= tmp
        tmp = tmp * tmp
        t //= 2
    return ret


@njit(cache=True)
def kernel_value(kind, a, sq_a, i, b, sq_b, j, gamma, coef0, degree):
    """K(a[i], b[j]) for the non-precomputed kinds."""
    if kind == LINEAR:
        return _dot(a, i, b, j)
    if kind == POLY:
        return _powi(gamma * _dot(a, i, b, j) + coef0, degree)
    if kind == RBF:
        return np.exp(-gamma * (sq_a[i] + sq_b[j] - 2.0 * _dot(a, i, b, j)))
    return np.tanh(gamma * _dot(a, i, b, j) + coef0)


@njit(cache=True)
def kernel_column(kind, X, sq, r, gamma, coef0, degree, out):
    """out[j] = K(X[j], X[r]) for every training row j."""
    n = out.shape[0]
    if kind == PRECOMPUTED:
        for j in range(n):
            out[j] = X[j, r]
        return
    if X.shape[1] < 16:
        # libsvm's dot is BLAS ddot, which sums short vectors left to right: do the same so
        # that the kernel values (and the iterates) round exactly as libsvm's.
        for j in range(n):
            out[j] = kernel_value(kind, X, sq, j, X, sq, r, gamma, coef0, degree)
        return
    # One BLAS matrix-vector product for the dot products (much faster than a scalar loop).
    dots = np.dot(X, X[r])
    if kind == LINEAR:
        for j in range(n):
            out[j] = dots[j]
    elif kind == POLY:
        for j in range(n):
            out[j] = _powi(gamma * dots[j] + coef0, degree)
    elif kind == RBF:
        sr = sq[r]
        for j in range(n):
            out[j] = np.exp(-gamma * (sq[j] + sr - 2.0 * dots[j]))
    else:
        for j in range(n):
            out[j] = np.tanh(gamma * dots[j] + coef0)


@njit(cache=True)
def sequential_squared_norms(X):
    out = np.empty(X.shape[0])
    for i in range(X.shape[0]):
        out[i] = _dot(X, i, X, i)
    return out


@njit(cache=True)
def kernel_diagonal(kind, X, sq, gamma, coef0, degree):
    n = X.shape[0]
    d = np.empty(n)
    for j in range(n):
        if kind == PRECOMPUTED:
            d[j] = X[j, j]
        else:
            d[j] = kernel_value(kind, X, sq, j, X, sq, j, gamma, coef0, degree)
    return d


@njit(cache=True)
def cache_fetch(kind, X, sq, r, gamma, coef0, degree, slots, slot_of, owner, stamp, clock):
    """Index of the slot holding column r, computing it (and evicting the LRU slot) if needed.

    ``clock`` is a two-element int64 array: a monotone use counter for LRU, and the number of
    columns computed so far.
    """
    clock[0] += 1
    s = slot_of[r]
    if s >= 0:
        stamp[s] = clock[0]
        return s
    # Least recently used slot (free slots carry stamp -1 and owner -1).
    best = 0
    for k in range(1, owner.shape[0]):
        if stamp[k] < stamp[best]:
            best = k
    if owner[best] >= 0:
        slot_of[owner[best]] = -1
    owner[best] = r
    slot_of[r] = best
    stamp[best] = clock[0]
    clock[1] += 1  # columns computed, for diagnostics
    kernel_column(kind, X, sq, r, gamma, coef0, degree, slots[best])
    return best


def cache_slots(n_rows: int, cache_size_mb: float) -> int:
    """How many kernel columns of ``n_rows`` float64 fit in ``cache_size_mb`` (at least 2)."""
    per_column = 8 * max(n_rows, 1)
    return int(min(n_rows, max(2, (cache_size_mb * 1024 * 1024) // per_column)))
