"""Random numbers for the tree models, drawn from numeru's generator.

Models take ``random_state`` (None or a non-negative int). Everything random a model does
(row subsampling, feature subsets, per-tree seeds of a forest) comes from one generator made
here, never from NumPy's global state. Numba kernels get integer seeds from it and run their
own small counter-based stream (``_kernels.rng``), so kernels stay reproducible too.
"""

from __future__ import annotations

import numpy as np

from numeru.core.errors import expected


class TreeRandom:
    """The few draws the tree models need, on top of ``numeru.core.random.Generator``."""

    def __init__(self, random_state):
        if random_state is not None and (not isinstance(random_state, (int, np.integer))
                                         or isinstance(random_state, bool)
                                         or random_state < 0):
            raise expected("random_state", "None or a non-negative int", random_state)
        from numeru.core.random import Generator

        self._gen = Generator(None if random_state is None else int(random_state))

    def uniform(self, n: int) -> np.ndarray:
        """``n`` float64 numbers in [0, 1)."""
        return np.asarray(self._gen.uniform(size=(n,)).numpy(), dtype=np.float64)

    def seeds(self, n: int) -> np.ndarray:
        """``n`` independent 63-bit seeds (for per-tree streams)."""
        u = self.uniform(2 * n).reshape(n, 2)
        hi = (u[:, 0] * 2.0**31).astype(np.int64)
        lo = (u[:, 1] * 2.0**32).astype(np.int64)
        return (hi << 32) | lo

    def choice(self, n: int, k: int) -> np.ndarray:
        """``k`` distinct sorted integers from ``range(n)``."""
        keys = self.uniform(n)
        return np.sort(np.argsort(keys, kind="mergesort")[:k])

    def bernoulli_rows(self, n: int, p: float) -> np.ndarray:
        """Sorted indices of rows kept with probability ``p`` each (at least one)."""
        kept = np.flatnonzero(self.uniform(n) < p)
        return kept if kept.size else np.array([0], np.int64)
