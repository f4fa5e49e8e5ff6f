"""Compiled traversal of flattened tree ensembles on raw float features.

All trees of a model live in flat node arrays; ``tree_offsets[t]`` is the first node of tree
t and child indices are local to their tree (-1 marks a leaf). Routing at a node:
NaN follows ``default_left``; a categorical node sends category c left when
``cat_left[cat_start + c]`` is set (unseen, negative or too large categories go right);
a numeric node sends ``x <= threshold`` left. Each row sums its trees in tree order, so
predictions do not depend on the number of threads.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(cache=True, inline="always")
def _leaf_of(X, i, base, feature, threshold, left, right, default_left, is_cat, cat_start,
             cat_count, cat_left):  # pragma: no cover - numba
    node = 0
    while left[base + node] >= 0:
        p = base + node
        x = X[i, feature[p]]
        if np.isnan(x):
            go_left = default_left[p]
        elif is_cat[p]:
            go_left = False
            if x >= 0.0 and x < cat_count[p]:
                go_left = cat_left[cat_start[p] + int(x)]
        else:
            go_left = x <= threshold[p]
        node = left[p] if go_left else right[p]
    return node


@njit(cache=True, inline="always")
def _goes_left_special(x, p, packed, cat_start, cat_count, cat_left):  # pragma: no cover
    """Routing of a NaN (learned direction) or of a value at a categorical node (its set)."""
    if np.isnan(x):
        return (packed[p, 3] & DEFAULT_LEFT) != 0
    if x >= 0.0 and x < cat_count[p]:
        return cat_left[cat_start[p] + int(x)]
    return False  # an unseen or invalid category goes right


ROW_BLOCK = 128  # rows per parallel task; their features stay in the L1 cache
DEFAULT_LEFT = 1  # bits of the packed node flags
CATEGORICAL = 2


def pack_nodes(feature, left, right, default_left, is_cat):
    """(n_nodes, 4) int32 rows [feature, left, right, flags]: one cache line per node visit
    instead of five separate arrays."""
    flags = default_left.astype(np.int32) * DEFAULT_LEFT + is_cat.astype(np.int32) * CATEGORICAL
    return np.ascontiguousarray(np.column_stack([feature, left, right, flags]).astype(np.int32))


@njit(parallel=True, cache=True, nogil=True)
def predict_packed(X, tree_offsets, tree_group, packed, threshold, cat_start, cat_count,
                   cat_left, value, tree_begin, tree_end, out):  # pragma: no cover - numba
    """``out[i, tree_group[t]] += leaf value`` for trees ``tree_begin <= t < tree_end``;
    each row adds its trees in order.

    A block of rows walks one tree at a time: the tree stays in the L1 cache, and the rows'
    walks are independent chains of loads that the CPU overlaps (one row walking every tree
    in turn would wait on each load of its single chain).
    """
    n = X.shape[0]
    n_blocks = (n + ROW_BLOCK - 1) // ROW_BLOCK
    for blk in prange(n_blocks):
        lo = blk * ROW_BLOCK
        hi = min(lo + ROW_BLOCK, n)
        for t in range(tree_begin, tree_end):
            base = tree_offsets[t]
            group = tree_group[t]
            for i in range(lo, hi):
                p = base
                while packed[p, 1] >= 0:
                    x = X[i, packed[p, 0]]
                    go_right = not x <= threshold[p]
                    if (packed[p, 3] & CATEGORICAL) != 0 or np.isnan(x):  # rare
                        go_right = not _goes_left_special(x, p, packed, cat_start, cat_count,
                                                          cat_left)
                    # the child is picked by index, not by a branch: which way a row goes is
                    # unpredictable, and a mispredicted branch per level costs more than the walk
                    p = base + packed[p, 1 + go_right]
                out[i, group] += value[p]


@njit(parallel=True, cache=True, nogil=True)
def apply_trees(X, tree_offsets, feature, threshold, left, right, default_left, is_cat,
                cat_start, cat_count, cat_left, out):  # pragma: no cover - numba
    """``out[i, t]`` = index (local to tree t) of the leaf that row i reaches."""
    for i in prange(X.shape[0]):
        for t in range(tree_offsets.shape[0] - 1):
            out[i, t] = _leaf_of(X, i, tree_offsets[t], feature, threshold, left, right,
                                 default_left, is_cat, cat_start, cat_count, cat_left)
