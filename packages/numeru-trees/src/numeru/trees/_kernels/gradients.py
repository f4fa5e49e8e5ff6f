"""The gradients and hessians of a boosting round, packed for the histogram kernels."""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(parallel=True, cache=True, nogil=True)
def pack_pairs(grad, hess, gh):  # pragma: no cover - numba
    """``gh[i] = grad[i] + 1j * hess[i]`` (the histograms' pair layout); returns whether every
    value is finite."""
    bad = 0
    for i in prange(grad.shape[0]):
        g = grad[i]
        h = hess[i]
        gh[i] = complex(g, h)
        if not (np.isfinite(g) and np.isfinite(h)):
            bad += 1
    return bad == 0
