"""Compiled traversal of exact (scikit-learn layout) trees and forests.

A tree is packed into one (n_nodes, 4) int32 array, a node per 16 bytes (four to a cache
line, where five separate arrays cost five lines per visit): left child, right child,
``2 * feature + missing_go_left``, and the threshold as float32 bits. Features are float32
(as in scikit-learn), and the fitted threshold (a float64 midpoint) is rounded down to the
float32 below it: for a float32 ``x``, ``x <= round_down(t)`` exactly when ``x <= t``, so the
decisions are the fitted tree's. NaN follows the learned direction. A leaf points to itself
(both children), so a walk can keep stepping once it arrived.

Walking one row at a time is bound by branch mispredictions (the direction at each node is
a coin flip to the predictor) and by the latency of the next node's load. Eight rows walk in
lockstep instead, each step choosing the child by index without a branch, until none moves:
1.8 ms instead of 2.4 ms for 20,000 rows on a 9,000-node tree (scikit-learn: 2.0 ms).

Forest outputs add the trees of each row in tree order, so they do not depend on the number
of threads.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

ROW_BLOCK = 256  # rows per parallel task; a block's rows walk one tree while it is cached
LANES = 8  # rows walking together
FOREST_ROWS = 2048  # rows that walk one tree together: 160 kB of X for 20 features


def pack_tree(left, right, feature, threshold, missing_left) -> np.ndarray:
    """The (n_nodes, 4) int32 node array described in the module docstring."""
    thr = threshold.astype(np.float32)
    above = thr.astype(np.float64) > threshold
    thr[above] = np.nextafter(thr[above], np.float32(-np.inf))
    leaf = left < 0
    own = np.arange(left.shape[0])
    packed = np.empty((left.shape[0], 4), np.int32)
    packed[:, 0] = np.where(leaf, own, left)
    packed[:, 1] = np.where(leaf, own, right)
    packed[:, 2] = np.where(leaf, 0, 2 * feature + missing_left.astype(np.int32))
    packed[:, 3] = thr.view(np.int32)
    return packed


def pack_forest(trees: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, nodes): packed trees concatenated, children made absolute."""
    offsets = np.zeros(len(trees) + 1, np.int64)
    offsets[1:] = np.cumsum([nodes.shape[0] for nodes in trees])
    if offsets[-1] >= 2**31:
        raise ValueError("a forest with more than 2**31 nodes cannot be packed")
    nodes = np.concatenate(trees)
    for t in range(len(trees)):
        nodes[offsets[t]:offsets[t + 1], :2] += np.int32(offsets[t])
    return offsets, nodes


@njit(cache=True, inline="always")
def _step(X, i, p, nodes, thr):  # pragma: no cover - numba
    """The node after ``p`` for row i (``p`` itself at a leaf), chosen without a branch."""
    code = nodes[p, 2]
    x = X[i, code >> 1]
    go_left = (x <= thr[p, 3]) | (np.isnan(x) & ((code & 1) != 0))
    return np.int64(nodes[p, np.int64(not go_left)])


@njit(cache=True, inline="always")
def _leaf(X, i, nodes, thr, root):  # pragma: no cover - numba
    p = root
    while True:
        q = _step(X, i, p, nodes, thr)
        if q == p:
            return p
        p = q


@njit(cache=True, inline="always")
def _leaves8(X, i, nodes, thr, root):  # pragma: no cover - numba
    """Leaves of rows i..i+7, walked in lockstep (independent loads overlap)."""
    p0 = p1 = p2 = p3 = p4 = p5 = p6 = p7 = root
    while True:
        q0 = _step(X, i, p0, nodes, thr)
        q1 = _step(X, i + 1, p1, nodes, thr)
        q2 = _step(X, i + 2, p2, nodes, thr)
        q3 = _step(X, i + 3, p3, nodes, thr)
        q4 = _step(X, i + 4, p4, nodes, thr)
        q5 = _step(X, i + 5, p5, nodes, thr)
        q6 = _step(X, i + 6, p6, nodes, thr)
        q7 = _step(X, i + 7, p7, nodes, thr)
        if ((q0 ^ p0) | (q1 ^ p1) | (q2 ^ p2) | (q3 ^ p3) | (q4 ^ p4) | (q5 ^ p5)
                | (q6 ^ p6) | (q7 ^ p7)) == 0:
            return p0, p1, p2, p3, p4, p5, p6, p7
        p0, p1, p2, p3, p4, p5, p6, p7 = q0, q1, q2, q3, q4, q5, q6, q7


@njit(cache=True, inline="always")
def _leaves_of_block(X, lo, hi, nodes, thr, root, out, row0):  # pragma: no cover - numba
    """``out[i - row0]`` = the leaf (index into ``nodes``) of row i, for rows lo..hi-1."""
    i = lo
    while i + LANES <= hi:
        leaves = _leaves8(X, i, nodes, thr, root)
        for k in range(LANES):
            out[i + k - row0] = leaves[k]
        i += LANES
    while i < hi:
        out[i - row0] = _leaf(X, i, nodes, thr, root)
        i += 1


@njit(parallel=True, cache=True, nogil=True)
def exact_tree_apply(X, nodes, thr, out):  # pragma: no cover - numba
    """``out[i]``: the leaf that row i of float32 ``X`` reaches (``thr``: ``nodes`` viewed
    as float32)."""
    n = X.shape[0]
    for blk in prange((n + ROW_BLOCK - 1) // ROW_BLOCK):
        _leaves_of_block(X, blk * ROW_BLOCK, min((blk + 1) * ROW_BLOCK, n), nodes, thr, 0,
                         out, 0)


@njit(parallel=True, cache=True, nogil=True)
def exact_tree_path(X, nodes, thr, out):  # pragma: no cover - numba
    """``out[i, node] = True`` for every node that row i passes through."""
    for i in prange(X.shape[0]):
        p = 0
        out[i, 0] = True
        while True:
            q = _step(X, i, p, nodes, thr)
            if q == p:
                break
            out[i, q] = True
            p = q


@njit(cache=True, nogil=True)
def exact_forest_sum(X, offsets, nodes, thr, values, out, lo, hi):  # pragma: no cover - numba
    """``out[i] = sum over trees t (in order) of values[leaf of row i in t]`` for rows lo..hi-1,
    nodes from ``pack_forest``. Serial and GIL-free: the caller spreads row chunks over the
    task pool. Within a chunk the loop is tree-major, ``FOREST_ROWS`` rows at a time, so a
    tree stays in cache while those rows walk it (all trees of a forest do not fit)."""
    width = values.shape[1]
    leaf = np.empty(FOREST_ROWS, np.int64)
    for i in range(lo, hi):
        for k in range(width):
            out[i, k] = 0.0
    for start in range(lo, hi, FOREST_ROWS):
        stop = min(start + FOREST_ROWS, hi)
        for t in range(offsets.shape[0] - 1):
            _leaves_of_block(X, start, stop, nodes, thr, offsets[t], leaf, start)
            for i in range(start, stop):
                p = leaf[i - start]
                for k in range(width):
                    out[i, k] += values[p, k]
