"""Stable in-place partition of node segments of the row ``order`` array after a split."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .binning import MISSING_BIN


@njit(cache=True, inline="always")
def _goes_left(bins_t, r, f, threshold, default_left, is_cat, cat_left, k):  # pragma: no cover
    b = bins_t[f, r]
    if b == MISSING_BIN:
        return default_left
    if is_cat:
        return cat_left[k, b]
    return b <= threshold


@njit(parallel=True, cache=True, nogil=True)
def partition_rows(bins_t, order, scratch, starts, ends, features, split_bins, default_left,
                   is_cat, cat_left):  # pragma: no cover - numba
    """Move the rows of node ``k`` going left to the front of its segment (order kept).

    ``bins_t`` is the feature-major (n_features, n_rows) copy of the bins: a split reads one
    byte per row from one column instead of a cache line of the row-major matrix.

    Returns the number of left rows of each node. Nodes run in parallel (segments are
    disjoint), each sequentially: one parallel region per call, because on a busy machine
    every region's barrier costs more than a sequential pass over the rows.
    """
    n_nodes = starts.shape[0]
    n_left = np.zeros(n_nodes, np.int64)
    for k in prange(n_nodes):
        s = starts[k]
        f = features[k]
        left_pos = s
        right_count = 0
        for i in range(s, ends[k]):
            r = order[i]
            if _goes_left(bins_t, r, f, split_bins[k], default_left[k], is_cat[k], cat_left, k):
                order[left_pos] = r
                left_pos += 1
            else:
                scratch[s + right_count] = r
                right_count += 1
        for i in range(right_count):
            order[left_pos + i] = scratch[s + i]
        n_left[k] = left_pos - s
    return n_left


@njit(parallel=True, cache=True, nogil=True)
def add_leaf_values(order, starts, ends, values, raw, column):  # pragma: no cover - numba
    """``raw[r, column] += values[k]`` for every row r in leaf segment k."""
    for k in prange(starts.shape[0]):
        v = values[k]
        for i in range(starts[k], ends[k]):
            raw[order[i], column] += v
