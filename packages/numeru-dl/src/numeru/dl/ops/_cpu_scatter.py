"""The CPU kernel of ``index_add``, the gradient of ``take``, ``repeat`` and embedding lookups.

The generic version calls NumPy's ``add.at``, which handles each index through a general
per-element path: several times slower than PyTorch's ``index_add_``. Here the selected slices
are added row by row in a compiled loop, in index order, so duplicates sum in the same order
(and to the same bits) as ``add.at``. Indices are checked before the loop: the kernel itself
does not bounds-check.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from numeru.core.errors import IndexOutOfRangeError

_DTYPES = (np.float32, np.float64, np.complex64, np.complex128)


@njit(cache=True)
def _add_rows(out, index, rows):  # pragma: no cover - compiled
    n, width = rows.shape
    for i in range(n):
        k = index[i]
        for j in range(width):
            out[k, j] += rows[i, j]


def index_add(g: Any, index: Any, axis: int, size: int) -> Any:
    """Zeros with ``size`` entries along ``axis``, plus ``g``'s slices added at ``index``."""
    index = np.asarray(index)
    moved = np.moveaxis(g, axis, 0)
    rest = moved.shape[index.ndim:]
    if g.dtype.type not in _DTYPES or index.dtype.kind not in "iu":
        out = np.zeros((size, *rest), dtype=g.dtype)
        np.add.at(out, index, moved)  # the generic path: other dtypes, boolean masks
        return np.moveaxis(out, 0, axis)
    flat = index.reshape(-1).astype(np.int64)
    if flat.size:
        low, high = int(flat.min()), int(flat.max())
        if low < -size or high >= size:
            bad = low if low < -size else high
            raise IndexOutOfRangeError(f"index_add: index: expected indices in [{-size}, "
                                       f"{size}), got {bad}")
        if low < 0:
            flat = np.where(flat < 0, flat + size, flat)
    width = int(np.prod(rest))
    rows = np.ascontiguousarray(moved).reshape(flat.size, width)
    out = np.zeros((size, width), dtype=g.dtype)
    _add_rows(out, flat, rows)
    return np.moveaxis(out.reshape((size, *rest)), 0, axis)
