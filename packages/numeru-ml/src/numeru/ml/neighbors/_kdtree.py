"""A KD-tree in Numba for low-dimensional Minkowski-family searches.

Layout as scikit-learn's: a complete binary tree stored in arrays (node ``i`` has children
``2i+1`` and ``2i+2``), each node owning a contiguous range of a permutation of the points,
split at the median of the dimension of largest spread, leaves of at most ``leaf_size``
points. Each node keeps its bounding box, the lower bound of the distance from a query to the
box prunes the search. Queries run in parallel over query points (``prange``); each query
visits the nearer child first and keeps its k best in a (distance, index) max-heap.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ._distances import CHEBYSHEV, rdist, rdist_of_axis_gap
from ._heap import heap_push, heap_sort


def n_nodes_for(n: int, leaf_size: int) -> int:
    n_levels = 1 + int(np.log2(max(1, (n - 1) // leaf_size)))
    return 2 ** n_levels - 1


@njit(cache=True)
def _partition(X, idx, start, end, mid, dim):
    """Quickselect: order idx[start:end] so that idx[mid] holds the median along ``dim``."""
    lo = start
    hi = end - 1
    while lo < hi:
        pivot = X[idx[(lo + hi) // 2], dim]
        i = lo
        j = hi
        while i <= j:
            while X[idx[i], dim] < pivot:
                i += 1
            while X[idx[j], dim] > pivot:
                j -= 1
            if i <= j:
                t = idx[i]
                idx[i] = idx[j]
                idx[j] = t
                i += 1
                j -= 1
        if mid <= j:
            hi = j
        elif mid >= i:
            lo = i
        else:
            break


@njit(cache=True)
def build(X, leaf_size, n_nodes):
    n, d = X.shape
    idx = np.arange(n)
    start = np.zeros(n_nodes, np.int64)
    end = np.zeros(n_nodes, np.int64)
    leaf = np.zeros(n_nodes, np.bool_)
    lower = np.empty((n_nodes, d))
    upper = np.empty((n_nodes, d))
    start[0] = 0
    end[0] = n
    for node in range(n_nodes):
        s = start[node]
        e = end[node]
        for f in range(d):
            lower[node, f] = np.inf
            upper[node, f] = -np.inf
        for t in range(s, e):
            for f in range(d):
                v = X[idx[t], f]
                if v < lower[node, f]:
                    lower[node, f] = v
                if v > upper[node, f]:
                    upper[node, f] = v
        left = 2 * node + 1
        if left >= n_nodes or e - s <= 1:
            leaf[node] = True
            if left < n_nodes:
                # Keep descendants empty but well formed.
                start[left] = e
                end[left] = e
                start[left + 1] = e
                end[left + 1] = e
            continue
        spread_dim = 0
        spread = -1.0
        for f in range(d):
            if upper[node, f] - lower[node, f] > spread:
                spread = upper[node, f] - lower[node, f]
                spread_dim = f
        mid = s + (e - s) // 2
        _partition(X, idx, s, e, mid, spread_dim)
        start[left] = s
        end[left] = mid
        start[left + 1] = mid
        end[left + 1] = e
    return idx, start, end, leaf, lower, upper


@njit(cache=True, inline="always")
def _min_rdist(code, p, Q, q, lower, upper, node):
    s = 0.0
    for f in range(Q.shape[1]):
        v = Q[q, f]
        gap = 0.0
        if v < lower[node, f]:
            gap = lower[node, f] - v
        elif v > upper[node, f]:
            gap = v - upper[node, f]
        if code == CHEBYSHEV:
            if gap > s:
                s = gap
        else:
            s += rdist_of_axis_gap(code, p, gap)
    return s


@njit(cache=True, parallel=True)
def query_knn(X, idx, start, end, leaf, lower, upper, Q, k, code, p):
    """k nearest (reduced distance, index) per query row, sorted ascending."""
    m = Q.shape[0]
    out_d = np.empty((m, k))
    out_i = np.empty((m, k), np.int64)
    for q in prange(m):
        dist = np.full(k, np.inf)
        ind = np.full(k, np.iinfo(np.int64).max)
        stack = np.empty(64, np.int64)
        bound = np.empty(64)
        stack[0] = 0
        bound[0] = _min_rdist(code, p, Q, q, lower, upper, 0)
        top = 1
        while top > 0:
            top -= 1
            node = stack[top]
            if bound[top] > dist[0] or end[node] <= start[node]:
                continue
            if leaf[node]:
                for t in range(start[node], end[node]):
                    j = idx[t]
                    heap_push(dist, ind, rdist(code, p, Q, q, X, j), j)
                continue
            left = 2 * node + 1
            right = left + 1
            bl = _min_rdist(code, p, Q, q, lower, upper, left)
            br = _min_rdist(code, p, Q, q, lower, upper, right)
            # Push the farther child first so that the nearer one is searched first.
            if bl <= br:
                stack[top] = right
                bound[top] = br
                stack[top + 1] = left
                bound[top + 1] = bl
            else:
                stack[top] = left
                bound[top] = bl
                stack[top + 1] = right
                bound[top + 1] = br
            top += 2
        heap_sort(dist, ind)
        out_d[q] = dist
        out_i[q] = ind
    return out_d, out_i


@njit(cache=True, parallel=True)
def query_radius_count(X, idx, start, end, leaf, lower, upper, Q, r, code, p):
    m = Q.shape[0]
    counts = np.zeros(m, np.int64)
    for q in prange(m):
        counts[q] = _radius_walk(X, idx, start, end, leaf, lower, upper, Q, q, r, code, p,
                                 np.empty(0, np.int64), np.empty(0), 0, False)
    return counts


@njit(cache=True, parallel=True)
def query_radius_fill(X, idx, start, end, leaf, lower, upper, Q, r, code, p, offsets, out_i,
                      out_d):
    m = Q.shape[0]
    for q in prange(m):
        _radius_walk(X, idx, start, end, leaf, lower, upper, Q, q, r, code, p, out_i, out_d,
                     offsets[q], True)


@njit(cache=True)
def _radius_walk(X, idx, start, end, leaf, lower, upper, Q, q, r, code, p, out_i, out_d, at,
                 fill):
    stack = np.empty(64, np.int64)
    stack[0] = 0
    top = 1
    found = 0
    while top > 0:
        top -= 1
        node = stack[top]
        if end[node] <= start[node] or _min_rdist(code, p, Q, q, lower, upper, node) > r:
            continue
        if leaf[node]:
            for t in range(start[node], end[node]):
                j = idx[t]
                dd = rdist(code, p, Q, q, X, j)
                if dd <= r:
                    if fill:
                        out_i[at + found] = j
                        out_d[at + found] = dd
                    found += 1
            continue
        stack[top] = 2 * node + 2
        stack[top + 1] = 2 * node + 1
        top += 2
    return found
