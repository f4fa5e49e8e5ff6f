"""Stable in-place partition of node segments of the row ``order`` array after a split."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .binning import MISSING_BIN
from .prefetch import prefetch

BLOCK = 8192  # rows per parallel task: big nodes are split across the threads too
PREFETCH_ROWS = 16  # a deep node's rows are scattered: keep their bin reads in flight


@njit(cache=True, nogil=True)
def _split_block(column, order, lo, hi, threshold, missing_left, categorical, cat_left,
                 left_rows, right_rows):  # pragma: no cover - numba
    """Rows ``order[lo:hi]`` going left to ``left_rows[lo:]``, the others to
    ``right_rows[lo:]``, both in order; returns the left count. A function of its own (not
    inlined into the parallel loop) so that LLVM optimises it as an ordinary loop."""
    n_l = 0
    n_r = 0
    # Rows spread far apart miss the cache one by one: prefetch them. Dense runs (shallow
    # nodes) are streamed by the hardware prefetcher, and the hint would only cost time.
    sparse = hi - lo > 0 and order[hi - 1] - order[lo] > 8 * (hi - lo)
    for i in range(lo, hi):
        if sparse and i + PREFETCH_ROWS < hi:
            prefetch(column, order[i + PREFETCH_ROWS])
        r = order[i]
        b = column[np.uint64(r)]  # unsigned index: no negative-index wraparound code
        if categorical:
            go = cat_left[b]
        else:
            go = b <= threshold
        go = missing_left if b == MISSING_BIN else go
        # both stores, then advance one side: no branch on the (unpredictable) side
        left_rows[lo + n_l] = r
        right_rows[lo + n_r] = r
        n_l += go
        n_r += 1 - go
    return n_l


@njit(parallel=True, cache=True, nogil=True)
def partition_rows(bins_t, order, scratch, starts, ends, features, split_bins, default_left,
                   is_cat, cat_left):  # pragma: no cover - numba
    """Move the rows of node ``k`` going left to the front of its segment (order kept).

    ``bins_t`` is the feature-major (n_features, n_rows) copy of the bins: a split reads one
    byte per row from one column instead of a cache line of the row-major matrix.
    ``scratch`` is (2, n_rows) int64.

    Every node's segment is cut into fixed blocks. Each block first sorts its rows into its
    own left and right runs in ``scratch`` (in parallel); once every block's counts are
    known, the runs are copied to their final places (in parallel again). Order is kept
    within each side, so the result does not depend on the number of threads.
    Returns the number of left rows of each node.
    """
    n_nodes = starts.shape[0]
    n_blocks = np.empty(n_nodes, np.int64)
    total = 0
    for k in range(n_nodes):
        n_blocks[k] = (ends[k] - starts[k] + BLOCK - 1) // BLOCK
        total += n_blocks[k]
    block_node = np.empty(total, np.int64)
    block_start = np.empty(total, np.int64)
    t = 0
    for k in range(n_nodes):
        for c in range(n_blocks[k]):
            block_node[t] = k
            block_start[t] = starts[k] + c * BLOCK
            t += 1
    block_left = np.empty(total, np.int64)
    left_rows = scratch[0]
    right_rows = scratch[1]
    for t in prange(total):
        k = block_node[t]
        lo = block_start[t]
        hi = min(lo + BLOCK, ends[k])
        block_left[t] = _split_block(bins_t[features[k]], order, lo, hi, split_bins[k],
                                     default_left[k], is_cat[k], cat_left[k], left_rows,
                                     right_rows)
    # where each block's runs go: lefts from the segment start, rights after all lefts
    left_at = np.empty(total, np.int64)
    right_at = np.empty(total, np.int64)
    n_left = np.zeros(n_nodes, np.int64)
    t = 0
    for k in range(n_nodes):
        for c in range(n_blocks[k]):
            n_left[k] += block_left[t + c]
        at_l = starts[k]
        at_r = starts[k] + n_left[k]
        for c in range(n_blocks[k]):
            lo = block_start[t + c]
            left_at[t + c] = at_l
            right_at[t + c] = at_r
            at_l += block_left[t + c]
            at_r += min(lo + BLOCK, ends[k]) - lo - block_left[t + c]
        t += n_blocks[k]
    for t in prange(total):
        k = block_node[t]
        lo = block_start[t]
        n_l = block_left[t]
        n_r = min(lo + BLOCK, ends[k]) - lo - n_l
        for i in range(n_l):
            order[left_at[t] + i] = left_rows[lo + i]
        for i in range(n_r):
            order[right_at[t] + i] = right_rows[lo + i]
    return n_left


@njit(parallel=True, cache=True, nogil=True)
def add_leaf_values(order, starts, ends, values, raw, column):  # pragma: no cover - numba
    """``raw[r, column] += values[k]`` for every row r in leaf segment k."""
    for k in prange(starts.shape[0]):
        v = values[k]
        for i in range(starts[k], ends[k]):
            raw[order[i], column] += v
