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
