"""Brute-force neighbour search.

CPU (NumPy data), euclidean and cosine: the distance matrix is never formed. One parallel
Numba kernel computes the dot products tile by tile (single-threaded BLAS GEMM per tile, the
tiles stay in cache) and offers each reduced distance (``|x|^2 - 2 q.x``) to a per-query
(distance, index) heap; ``|q|^2`` is added at the end. Memory stays bounded, one kernel
launch per call (launch overhead matters on a busy machine), no row is ever sorted.
Manhattan / Chebyshev / Minkowski(p) use a fused Numba kernel (distances and heap together).

Other backends (GPU): the same blocked GEMM written against the array namespace ``xp``,
followed by a stable argsort per row (ties to the lower index, as on the CPU).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange
from threadpoolctl import threadpool_limits

from numeru.core.parallel import numba_threads

from ._distances import CHEBYSHEV, EUCLIDEAN, MANHATTAN, rdist
from ._heap import heap_push, heap_sort

# Elements of one block of the distance matrix (float64): 4 Mi elements = 32 MiB.
BLOCK_ELEMENTS = 1 << 22


@njit(cache=True, parallel=True)
def _gemm_knn(Q, X, sq_x, k, cosine, heap_d, heap_i):
    """Fused GEMM + top-k: each thread takes a chunk of queries and walks the points in
    tiles; a single-threaded BLAS GEMM per tile (the caller limits BLAS to one thread, so
    threads do not oversubscribe) gives q.x, and the reduced distances (|x|^2 - 2 q.x, or
    1 - q.x for cosine) go straight into per-query heaps while the tile is in cache. The
    distance matrix is never stored."""
    m = Q.shape[0]
    n = X.shape[0]
    n_chunks = (m + QUERY_CHUNK - 1) // QUERY_CHUNK
    for c in prange(n_chunks):
        q0 = c * QUERY_CHUNK
        q1 = min(m, q0 + QUERY_CHUNK)
        Qc = Q[q0:q1]
        for ps in range(0, n, POINT_TILE):
            pe = min(n, ps + POINT_TILE)
            G = np.dot(Qc, X[ps:pe].T)
            for r in range(q1 - q0):
                dist = heap_d[q0 + r]
                ind = heap_i[q0 + r]
                for j in range(pe - ps):
                    v = 1.0 - G[r, j] if cosine else sq_x[ps + j] - 2.0 * G[r, j]
                    if v < dist[0] or (v == dist[0] and ps + j < ind[0]):
                        heap_push(dist, ind, v, ps + j)
    for i in prange(m):
        heap_sort(heap_d[i], heap_i[i])


# Queries per parallel task and points per tile: a 256 x 256 tile of q.x is 512 KiB, read
# by the heap loop while it is still in cache (scikit-learn's pairwise reductions do the same).
QUERY_CHUNK = 256
POINT_TILE = 256


@njit(cache=True, parallel=True)
def _fused_knn(X, Q, k, code, p):
    m = Q.shape[0]
    out_d = np.empty((m, k))
    out_i = np.empty((m, k), np.int64)
    for q in prange(m):
        dist = np.full(k, np.inf)
        ind = np.full(k, np.iinfo(np.int64).max)
        for j in range(X.shape[0]):
            v = rdist(code, p, Q, q, X, j)
            if v < dist[0]:
                heap_push(dist, ind, v, j)
        heap_sort(dist, ind)
        out_d[q] = dist
        out_i[q] = ind
    return out_d, out_i


@njit(cache=True, parallel=True)
def _fused_radius_count(X, Q, r, code, p):
    counts = np.zeros(Q.shape[0], np.int64)
    for q in prange(Q.shape[0]):
        c = 0
        for j in range(X.shape[0]):
            if rdist(code, p, Q, q, X, j) <= r:
                c += 1
        counts[q] = c
    return counts


@njit(cache=True, parallel=True)
def _fused_radius_fill(X, Q, r, code, p, offsets, out_i, out_d):
    for q in prange(Q.shape[0]):
        at = offsets[q]
        for j in range(X.shape[0]):
            v = rdist(code, p, Q, q, X, j)
            if v <= r:
                out_i[at] = j
                out_d[at] = v
                at += 1


def minkowski_block(xp, Qb, X, code, p):
    """Reduced Minkowski-family distances by broadcasting (other backends, non-euclidean)."""
    diff = xp.abs(Qb[:, None, :] - X[None, :, :])
    if code == CHEBYSHEV:
        return xp.max(diff, axis=2)
    if code == MANHATTAN:
        return xp.sum(diff, axis=2)
    return xp.sum(diff ** p, axis=2)


def _reduced_block(xp, Qb, X, sq_x, code, p, cosine):
    if cosine or code == EUCLIDEAN:
        return gemm_block(xp, Qb, X, sq_x, cosine)
    return minkowski_block(xp, Qb, X, code, p)


def _block_rows(xp, n, d, code, cosine):
    per_row = n if (cosine or code == EUCLIDEAN) else n * d  # broadcasting holds n x d
    return max(1, BLOCK_ELEMENTS // max(per_row, 1))


def gemm_block(xp, Qb, X, sq_x, cosine):
    """Reduced distances of a query block to all points: squared euclidean or cosine distance."""
    dots = Qb @ X.T
    if cosine:
        return 1.0 - dots  # both sides already normalised
    sq_q = xp.sum(Qb * Qb, axis=1)
    D = sq_q[:, None] - 2.0 * dots + sq_x[None, :]
    return xp.maximum(D, 0.0) if xp is not np else np.maximum(D, 0.0, out=D)


def knn(xp, X, Q, k, code, p, cosine):
    """(reduced distances, indices) of the k nearest points, ascending, ties to lower index."""
    m, n = Q.shape[0], X.shape[0]
    if xp is np and not cosine and code != EUCLIDEAN:
        numba_threads()
        return _fused_knn(X, Q, k, code, float(p))
    sq_x = None if cosine else xp.sum(X * X, axis=1)
    if xp is np:
        numba_threads()
        heap_d = np.full((m, k), np.inf)
        heap_i = np.full((m, k), np.iinfo(np.int64).max, np.int64)
        sq = np.zeros(n) if cosine else sq_x
        with threadpool_limits(1):
            _gemm_knn(np.ascontiguousarray(Q), np.ascontiguousarray(X), sq, k, cosine, heap_d,
                      heap_i)
        if not cosine:
            # |q|^2 does not change the order; add it back for the distances.
            heap_d += np.einsum("ij,ij->i", Q, Q)[:, None]
            np.maximum(heap_d, 0.0, out=heap_d)
        return heap_d, heap_i
    parts_d, parts_i = [], []
    block = _block_rows(xp, n, X.shape[1], code, cosine)
    for s in range(0, m, block):
        D = _reduced_block(xp, Q[s:min(s + block, m), :], X, sq_x, code, p, cosine)
        order = xp.argsort(D, axis=1, stable=True)[:, :k]
        parts_i.append(order)
        parts_d.append(xp.take_along_axis(D, order, axis=1))
    return xp.concat(parts_d, axis=0), xp.concat(parts_i, axis=0)


def radius(xp, X, Q, r_reduced, code, p, cosine):
    """CSR (offsets, indices, reduced distances) of all points within the radius, by index."""
    m, n = Q.shape[0], X.shape[0]
    if xp is np and not cosine and code != EUCLIDEAN:
        numba_threads()
        counts = _fused_radius_count(X, Q, r_reduced, code, float(p))
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        out_i = np.empty(offsets[-1], np.int64)
        out_d = np.empty(offsets[-1])
        _fused_radius_fill(X, Q, r_reduced, code, float(p), offsets, out_i, out_d)
        return offsets, out_i, out_d
    sq_x = None if cosine or code != EUCLIDEAN else xp.sum(X * X, axis=1)
    block = _block_rows(xp, n, X.shape[1], code, cosine)
    counts, indices, dists = [], [], []
    for s in range(0, m, block):
        D = _reduced_block(xp, Q[s:min(s + block, m), :], X, sq_x, code, p, cosine)
        D = np.asarray(D) if xp is np else _host(D)
        rows, cols = np.nonzero(D <= r_reduced)
        counts.append(np.bincount(rows, minlength=D.shape[0]))
        indices.append(cols)
        dists.append(D[rows, cols])
    offsets = np.concatenate([[0], np.cumsum(np.concatenate(counts))]).astype(np.int64)
    return offsets, np.concatenate(indices).astype(np.int64), np.concatenate(dists)


def _host(a):
    from .._classic_utils import to_host

    return to_host(a)


@njit(cache=True, parallel=True)
def _pair_sq_distances(X, Q, rows, cols, out):
    for t in prange(rows.shape[0]):
        q = rows[t]
        j = cols[t]
        s = 0.0
        for f in range(X.shape[1]):
            d = Q[q, f] - X[j, f]
            s += d * d
        out[t] = s


def exact_sq_distances(xp, X, Q, ind):
    """Squared euclidean distances of the chosen neighbours (``ind``: (m, k)) recomputed from
    the coordinate differences. The GEMM form |q|^2 - 2 q.x + |x|^2 that picks them loses
    digits to cancellation: a duplicate of the query can come out at ~1e-8 instead of 0, and
    ``weights="distance"`` then fails to give zero-distance points all the weight (as
    scikit-learn does). The KD-tree computes distances this way already."""
    m, k = ind.shape
    if xp is np:
        numba_threads()
        out = np.empty(m * k)
        rows = np.repeat(np.arange(m, dtype=np.int64), k)
        _pair_sq_distances(X, Q, rows, np.ascontiguousarray(ind, np.int64).ravel(), out)
        return out.reshape(m, k)
    parts = []
    block = max(1, BLOCK_ELEMENTS // max(k * X.shape[1], 1))
    for s in range(0, m, block):
        e = min(m, s + block)
        near = xp.take(X, xp.reshape(ind[s:e, :], (-1,)), axis=0)
        diff = xp.reshape(near, (e - s, k, X.shape[1])) - Q[s:e, :][:, None, :]
        parts.append(xp.sum(diff * diff, axis=2))
    return xp.concat(parts, axis=0)


def refine_euclidean_knn(xp, X, Q, ind):
    """(exact squared distances, indices) of the k neighbours found by the GEMM kernel,
    each row re-sorted by (distance, index)."""
    sq = exact_sq_distances(xp, X, Q, ind)
    if xp is np:
        m, k = ind.shape
        row = np.repeat(np.arange(m), k)
        order = np.lexsort((ind.ravel(), sq.ravel(), row)).reshape(m, k) - \
            (np.arange(m) * k)[:, None]
        return np.take_along_axis(sq, order, axis=1), np.take_along_axis(ind, order, axis=1)
    order = xp.argsort(sq, axis=1, stable=True)  # rows came sorted by index among ties
    return xp.take_along_axis(sq, order, axis=1), xp.take_along_axis(ind, order, axis=1)


def refine_euclidean_radius(X, Q, offsets, ind, r_reduced):
    """Exact squared distances of the radius candidates (host arrays), and only those within
    the radius: (offsets, indices, squared distances)."""
    numba_threads()
    rows = np.repeat(np.arange(offsets.size - 1, dtype=np.int64), np.diff(offsets))
    sq = np.empty(ind.size)
    _pair_sq_distances(X, Q, rows, np.ascontiguousarray(ind, np.int64), sq)
    keep = sq <= r_reduced
    offsets = np.concatenate([[0], np.cumsum(np.bincount(rows[keep],
                                                         minlength=offsets.size - 1))])
    return offsets.astype(np.int64), ind[keep], sq[keep]
