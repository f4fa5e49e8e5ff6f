"""Gradient/hessian histograms of tree nodes, built in parallel and bit-reproducibly.

Each node owns a contiguous segment of the row ``order`` array. A node's rows are cut into
fixed chunks of ``CHUNK`` rows; each chunk is summed sequentially by one thread, and chunk
partials are added in chunk order. The chunking never depends on the thread count, so the
float sums (and the whole model) are bit-identical for 1 or 16 threads.

A row's gradient and hessian travel together as one complex128 (real: gradient, imaginary:
hessian), and histograms hold complex128 bins: one 16-byte load, add and store per
(row, feature) instead of two of each.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .prefetch import prefetch

CHUNK = 16384
N_BINS = 256  # 255 value bins + the missing bin
# Rows prefetched ahead: deep nodes own rows scattered over the whole data set, and each
# row's bins and gradients are a cache miss that must be in flight well before use.
PREFETCH_ROWS = 8


@njit(cache=True, inline="always")
def _prefetch_ahead(bins, order, gh, i, hi):  # pragma: no cover - numba
    """Ask for the bins and gradients of the row ``PREFETCH_ROWS`` positions ahead."""
    if i + PREFETCH_ROWS < hi:
        ahead = order[i + PREFETCH_ROWS]
        n_features = bins.shape[1]
        prefetch(gh, ahead)
        prefetch(bins, ahead * n_features)
        prefetch(bins, ahead * n_features + n_features - 1)  # a row may cross a line


@njit(cache=True, inline="always")
def _rows_all_features(bins, order, lo, hi, gh, target):  # pragma: no cover - numba
    n_features = bins.shape[1]
    for i in range(lo, hi):
        _prefetch_ahead(bins, order, gh, i, hi)
        r = np.uint64(order[i])  # unsigned indices: no negative-index wraparound code
        v = gh[r]
        row = bins[r]
        for j in range(n_features):
            target[np.uint64(j), row[j]] += v


@njit(cache=True, inline="always")
def _rows_some_features(bins, order, lo, hi, gh, features, target):  # pragma: no cover
    for i in range(lo, hi):
        _prefetch_ahead(bins, order, gh, i, hi)
        r = order[i]
        v = gh[r]
        for j in range(features.shape[0]):
            target[j, bins[r, features[j]]] += v


@njit(cache=True, nogil=True)
def plan_chunks(starts, ends):  # pragma: no cover - numba
    """One task per chunk of every node, so big and small nodes share the threads.

    Returns (task_node, task_start, task_partial, first_partial, n_partials): a node of one
    chunk is summed straight into its histogram (``task_partial`` -1); the chunks of a
    bigger node go to partials ``first_partial[k] ...`` that ``reduce_chunks`` adds up.
    """
    n_nodes = starts.shape[0]
    task_count = 0
    for k in range(n_nodes):
        task_count += max(1, (ends[k] - starts[k] + CHUNK - 1) // CHUNK)
    task_node = np.empty(task_count, np.int64)
    task_start = np.empty(task_count, np.int64)
    task_partial = np.empty(task_count, np.int64)
    first_partial = np.full(n_nodes, -1, np.int64)
    t = 0
    n_partials = 0
    for k in range(n_nodes):
        chunks = max(1, (ends[k] - starts[k] + CHUNK - 1) // CHUNK)
        for c in range(chunks):
            task_node[t] = k
            task_start[t] = starts[k] + c * CHUNK
            if chunks == 1:
                task_partial[t] = -1
            else:
                if c == 0:
                    first_partial[k] = n_partials
                task_partial[t] = n_partials
                n_partials += 1
            t += 1
    return task_node, task_start, task_partial, first_partial, n_partials


@njit(cache=True, inline="always")
def sum_chunk(bins, order, gh, features, ends, task_node, task_start, task_partial, out, slots,
              partials, t):  # pragma: no cover - numba
    """Task ``t`` of ``plan_chunks``: its rows into the node's histogram or its partial."""
    k = task_node[t]
    lo = task_start[t]
    hi = min(lo + CHUNK, ends[k])
    if task_partial[t] < 0:
        target = out[slots[k]]
    else:
        target = partials[task_partial[t]]
    target[:] = 0.0
    if features.shape[0] == bins.shape[1]:  # every feature: read the row's bins contiguously
        _rows_all_features(bins, order, lo, hi, gh, target)
    else:
        _rows_some_features(bins, order, lo, hi, gh, features, target)


@njit(cache=True, inline="always")
def reduce_chunks(starts, ends, first_partial, partials, k, j, dst):  # pragma: no cover
    """Feature ``j`` of node ``k``'s histogram from its chunk partials, added in chunk order
    (nothing to do for a node of one chunk, summed in place)."""
    chunks = (ends[k] - starts[k] + CHUNK - 1) // CHUNK
    if chunks <= 1:
        return
    first = first_partial[k]
    dst[:] = 0.0
    for c in range(chunks):
        src = partials[first + c, j]
        for b in range(N_BINS):
            dst[b] += src[b]


@njit(parallel=True, cache=True, nogil=True)
def build_histograms(bins, order, starts, ends, gh, features, out,
                     slots):  # pragma: no cover - numba
    """``out[slots[k], j, b]`` = sum of ``gh`` over rows of node ``k`` whose feature
    ``features[j]`` falls in bin ``b``. ``out`` is (n_slots, n_features_used, 256) complex128."""
    n_used = features.shape[0]
    task_node, task_start, task_partial, first_partial, n_partials = plan_chunks(starts, ends)
    partials = np.empty((n_partials, n_used, N_BINS), np.complex128)
    for t in prange(task_node.shape[0]):
        sum_chunk(bins, order, gh, features, ends, task_node, task_start, task_partial, out,
                  slots, partials, t)
    if n_partials == 0:
        return
    for q in prange(starts.shape[0] * n_used):
        k = q // n_used
        j = q % n_used
        reduce_chunks(starts, ends, first_partial, partials, k, j, out[slots[k], j])
