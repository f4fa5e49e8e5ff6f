"""Gradient/hessian histograms of tree nodes, built in parallel and bit-reproducibly.

Each node owns a contiguous segment of the row ``order`` array. A node's rows are cut into
fixed chunks of ``CHUNK`` rows; each chunk is summed sequentially by one thread, and chunk
partials are added in chunk order. The chunking never depends on the thread count, so the
float sums (and the whole model) are bit-identical for 1 or 16 threads.

A row's gradient and hessian travel together as one complex128 (real: gradient, imaginary:
hessian), and histograms hold complex128 bins: one 16-byte load, add and store per
(row, feature) instead of two of each. ``as_pairs`` views a histogram as (..., 256, 2) floats
for the split search, without a copy.
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


def as_pairs(hist: np.ndarray) -> np.ndarray:
    """(..., 256) complex128 histogram as (..., 256, 2) float64 (gradient, hessian)."""
    return hist.view(np.float64).reshape(*hist.shape, 2)


@njit(cache=True, inline="always")
def _rows_all_features(bins, order, lo, hi, gh, target):  # pragma: no cover - numba
    n_features = bins.shape[1]
    for i in range(lo, hi):
        if i + PREFETCH_ROWS < hi:
            ahead = order[i + PREFETCH_ROWS]
            prefetch(gh, ahead)
            prefetch(bins, ahead * n_features)
            prefetch(bins, ahead * n_features + n_features - 1)  # a row may cross a line
        r = np.uint64(order[i])  # unsigned indices: no negative-index wraparound code
        v = gh[r]
        row = bins[r]
        for j in range(n_features):
            target[np.uint64(j), row[j]] += v


@njit(cache=True, inline="always")
def _rows_some_features(bins, order, lo, hi, gh, features, target):  # pragma: no cover
    n_features = bins.shape[1]
    for i in range(lo, hi):
        if i + PREFETCH_ROWS < hi:
            ahead = order[i + PREFETCH_ROWS]
            prefetch(gh, ahead)
            prefetch(bins, ahead * n_features)
            prefetch(bins, ahead * n_features + n_features - 1)
        r = order[i]
        v = gh[r]
        for j in range(features.shape[0]):
            target[j, bins[r, features[j]]] += v


@njit(parallel=True, cache=True, nogil=True)
def build_histograms(bins, order, starts, ends, gh, features, out,
                     slots):  # pragma: no cover - numba
    """``out[slots[k], j, b]`` = sum of ``gh`` over rows of node ``k`` whose feature
    ``features[j]`` falls in bin ``b``. ``out`` is (n_slots, n_features_used, 256) complex128."""
    n_nodes = starts.shape[0]
    n_used = features.shape[0]
    # One task per chunk of every node, so big and small nodes share the threads.
    task_count = 0
    for k in range(n_nodes):
        task_count += max(1, (ends[k] - starts[k] + CHUNK - 1) // CHUNK)
    task_node = np.empty(task_count, np.int64)
    task_start = np.empty(task_count, np.int64)
    task_slot = np.empty(task_count, np.int64)  # -1: write straight into out
    first_slot = np.full(n_nodes, -1, np.int64)
    t = 0
    n_partials = 0
    for k in range(n_nodes):
        chunks = max(1, (ends[k] - starts[k] + CHUNK - 1) // CHUNK)
        for c in range(chunks):
            task_node[t] = k
            task_start[t] = starts[k] + c * CHUNK
            if chunks == 1:
                task_slot[t] = -1
            else:
                if c == 0:
                    first_slot[k] = n_partials
                task_slot[t] = n_partials
                n_partials += 1
            t += 1
    partials = np.zeros((n_partials, n_used, N_BINS), np.complex128)
    all_features = n_used == bins.shape[1]
    # Two parallel regions per call (chunk sums, then their reduction): on a busy machine
    # each region's barrier is the main cost for small nodes.
    for t in prange(task_count):
        k = task_node[t]
        lo = task_start[t]
        hi = min(lo + CHUNK, ends[k])
        slot = task_slot[t]
        if slot < 0:
            target = out[slots[k]]
            target[:] = 0.0
        else:
            target = partials[slot]
        if all_features:  # every feature: read the row's bins contiguously
            _rows_all_features(bins, order, lo, hi, gh, target)
        else:
            _rows_some_features(bins, order, lo, hi, gh, features, target)
    if n_partials == 0:
        return
    # Fixed-order reduction of chunk partials, parallel over nodes and features.
    for q in prange(n_nodes * n_used):
        k = q // n_used
        j = q % n_used
        chunks = (ends[k] - starts[k] + CHUNK - 1) // CHUNK
        if chunks <= 1:
            continue
        first = first_slot[k]
        dst = out[slots[k], j]
        dst[:] = 0.0
        for c in range(chunks):
            src = partials[first + c, j]
            for b in range(N_BINS):
                dst[b] += src[b]


@njit(parallel=True, cache=True, nogil=True)
def subtract_histograms(parents, parent_index, out, small_slots, large_slots):  # pragma: no cover
    """``out[large] = parents[parent] - out[small]``: a sibling's histogram without a pass
    over its rows (the subtraction trick)."""
    n_pairs = parent_index.shape[0]
    n_used = out.shape[1]
    for q in prange(n_pairs * n_used):
        k = q // n_used
        j = q % n_used
        src = parents[parent_index[k], j]
        small = out[small_slots[k], j]
        dst = out[large_slots[k], j]
        for b in range(src.shape[0]):
            dst[b] = src[b] - small[b]
