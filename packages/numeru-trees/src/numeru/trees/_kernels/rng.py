"""A tiny counter-based stream for Numba kernels (SplitMix64), seeded from numeru's generator.

Each tree gets its own 63-bit seed drawn by the model's generator, so a kernel's draws depend
only on that seed: never on threads, never on NumPy's global state.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, inline="always")
def next_u64(state):  # pragma: no cover - numba
    state[0] += np.uint64(0x9E3779B97F4A7C15)
    z = state[0]
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@njit(cache=True, inline="always")
def rand_int(state, n):  # pragma: no cover - numba
    """Uniform integer in [0, n)."""
    return np.int64(next_u64(state) % np.uint64(n))


@njit(cache=True, inline="always")
def rand_uniform(state, low, high):  # pragma: no cover - numba
    """Uniform float in [low, high)."""
    u = (next_u64(state) >> np.uint64(11)) * (1.0 / 9007199254740992.0)
    return low + (high - low) * u


@njit(cache=True, nogil=True)
def bootstrap_counts(seed, n, n_draws):  # pragma: no cover - numba
    """How many times each of ``n`` rows is drawn in ``n_draws`` draws with replacement."""
    state = np.array([np.uint64(seed)], np.uint64)
    counts = np.zeros(n, np.float64)
    for _ in range(n_draws):
        counts[rand_int(state, n)] += 1.0
    return counts


@njit(cache=True, nogil=True)
def weighted_bootstrap_counts(seed, cumulative, n_draws):  # pragma: no cover - numba
    """Draw counts of ``n_draws`` draws with replacement, row ``i`` drawn with probability
    proportional to its weight (``cumulative`` holds the running sums of the weights):
    scikit-learn's bootstrap with ``sample_weight``. Rows of weight 0 are never drawn."""
    state = np.array([np.uint64(seed)], np.uint64)
    n = cumulative.shape[0]
    total = cumulative[n - 1]
    last = n - 1
    while last > 0 and cumulative[last - 1] == total:
        last -= 1  # trailing rows of weight 0
    counts = np.zeros(n, np.float64)
    for _ in range(n_draws):
        u = rand_uniform(state, 0.0, total)
        lo = 0
        hi = n
        while lo < hi:  # first row whose running sum exceeds u
            mid = (lo + hi) >> 1
            if cumulative[mid] <= u:
                lo = mid + 1
            else:
                hi = mid
        counts[min(lo, last)] += 1.0
    return counts
