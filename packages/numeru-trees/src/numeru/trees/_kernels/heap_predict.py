"""Prediction of shallow numeric trees laid out as complete binary trees (heap order).

A tree of depth D becomes arrays of 2^D - 1 split nodes (node h has children 2h+1 and
2h+2) and 2^D leaf values. A leaf above depth D is pushed down: the nodes below it send
every row left (threshold +inf, missing values left), and its value sits in the leftmost
leaf slot under it. Every row then takes exactly D steps, and each step picks the child by
arithmetic: no branch depends on the data, so the walks of a block of rows overlap in the
CPU instead of stalling on a mispredicted branch per level (XGBoost lays out the top of
its trees the same way). Used for models without categorical splits whose trees are at
most ``MAX_DEPTH`` deep; others take the general node walk in ``predict.py``.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

MAX_DEPTH = 10  # 1,023 split slots per tree; deeper trees would waste memory on padding
ROW_BLOCK = 64  # rows walking one tree together; their features stay in the L1 cache


@njit(cache=True)
def tree_depths(tree_offsets, left, right):  # pragma: no cover - numba
    """Depth (number of splits on the longest path) of every tree."""
    n_trees = tree_offsets.shape[0] - 1
    depths = np.zeros(n_trees, np.int64)
    for t in range(n_trees):
        base = tree_offsets[t]
        size = tree_offsets[t + 1] - base
        depth = np.zeros(size, np.int64)
        for p in range(size):  # parents come before their children
            if left[base + p] >= 0:
                depth[left[base + p]] = depth[p] + 1
                depth[right[base + p]] = depth[p] + 1
                depths[t] = max(depths[t], depth[p] + 1)
    return depths


@njit(cache=True)
def heap_layout(tree_offsets, depths, feature, threshold, left, right, default_left,
                value):  # pragma: no cover - numba
    """(split_offsets, leaf_offsets, heap_feature, heap_threshold, heap_missing_left,
    heap_value) for the trees given as node arrays with tree-local child indices."""
    n_trees = depths.shape[0]
    split_offsets = np.zeros(n_trees + 1, np.int64)
    leaf_offsets = np.zeros(n_trees + 1, np.int64)
    for t in range(n_trees):
        split_offsets[t + 1] = split_offsets[t] + (1 << depths[t]) - 1
        leaf_offsets[t + 1] = leaf_offsets[t] + (1 << depths[t])
    h_feature = np.zeros(split_offsets[n_trees], np.int32)
    h_threshold = np.full(split_offsets[n_trees], np.inf)
    h_missing_left = np.ones(split_offsets[n_trees], np.uint8)
    h_value = np.zeros(leaf_offsets[n_trees])
    for t in range(n_trees):
        base = tree_offsets[t]
        n_splits = (1 << depths[t]) - 1
        slot_of = np.full(tree_offsets[t + 1] - base, -1, np.int64)
        slot_of[0] = 0
        for p in range(tree_offsets[t + 1] - base):  # parents come before their children
            h = slot_of[p]
            q = base + p
            if left[q] >= 0:
                at = split_offsets[t] + h
                h_feature[at] = feature[q]
                h_threshold[at] = threshold[q]
                h_missing_left[at] = default_left[q]
                slot_of[left[q]] = 2 * h + 1
                slot_of[right[q]] = 2 * h + 2
            else:
                while h < n_splits:  # a shallow leaf: its rows keep going left
                    h = 2 * h + 1
                h_value[leaf_offsets[t] + h - n_splits] = value[q]
    return split_offsets, leaf_offsets, h_feature, h_threshold, h_missing_left, h_value


@njit(parallel=True, cache=True, nogil=True)
def predict_heap(X, depths, split_offsets, leaf_offsets, h_feature, h_threshold,
                 h_missing_left, h_value, tree_group, tree_begin, tree_end,
                 out):  # pragma: no cover - numba
    """``out[i, tree_group[t]] += leaf value`` for trees ``tree_begin <= t < tree_end``;
    each row adds its trees in order (the same sums as the node walk)."""
    n = X.shape[0]
    for blk in prange((n + ROW_BLOCK - 1) // ROW_BLOCK):
        lo = blk * ROW_BLOCK
        hi = min(lo + ROW_BLOCK, n)
        slot = np.empty(hi - lo, np.int64)
        for t in range(tree_begin, tree_end):
            s = split_offsets[t]
            depth = depths[t]
            slot[:] = 0
            # level by level over the block: the rows' steps are independent of each other
            for _ in range(depth):
                for i in range(hi - lo):
                    h = slot[i]
                    node = np.uint64(s + h)  # unsigned: no negative-index wraparound code
                    x = X[np.uint64(lo + i), np.uint64(h_feature[node])]
                    # NaN fails the comparison (goes right) unless its learned way is left
                    right = np.int64(not x <= h_threshold[node])
                    right ^= np.int64(x != x) & np.int64(h_missing_left[node])
                    slot[i] = 2 * h + 1 + right
            first_leaf = leaf_offsets[t] - ((1 << depth) - 1)
            group = tree_group[t]
            for i in range(hi - lo):
                out[lo + i, group] += h_value[first_leaf + slot[i]]
