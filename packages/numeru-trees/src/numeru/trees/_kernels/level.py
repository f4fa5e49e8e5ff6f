"""One level of depth-wise growth in two parallel regions.

After a split, the smaller child of each pair is summed from its rows (first region); then
each (pair, feature) task adds up the smaller child's chunk partials, takes the larger
child's histogram as the parent's minus the smaller one's (the subtraction trick), and
searches both children's best split on that feature (second region). Every parallel region
ends in a barrier, and on a busy machine a barrier waits for a descheduled thread: three
steps in one region cost one wait instead of three.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .histogram import N_BINS, plan_chunks, reduce_chunks, sum_chunk
from .split import split_feature


@njit(parallel=True, cache=True, nogil=True)
def grow_level(bins, order, gh, features, small_starts, small_ends, parents, parent_slots,
               store, small_slots, large_slots, node_G, node_H, node_lower, node_upper, n_bins,
               is_cat, mono, lam, alpha, mcw, cat_smooth, max_cat_to_onehot, out_gain, out_bin,
               out_default_left, out_left_G, out_left_H, out_cat_left):  # pragma: no cover
    """Histograms of the children of pair ``i`` (slots ``2i`` and ``2i + 1`` of ``store``;
    the smaller one has rows ``order[small_starts[i]:small_ends[i]]``, the parent's histogram
    is ``parents[parent_slots[i]]``) and their best splits per used feature, written as
    ``find_splits`` writes them (node index = slot)."""
    n_used = features.shape[0]
    task_node, task_start, task_partial, first_partial, n_partials = plan_chunks(
        small_starts, small_ends)
    partials = np.empty((n_partials, n_used, N_BINS), np.complex128)
    for t in prange(task_node.shape[0]):
        sum_chunk(bins, order, gh, features, small_ends, task_node, task_start, task_partial,
                  store, small_slots, partials, t)
    for q in prange(small_starts.shape[0] * n_used):
        i = q // n_used
        j = q % n_used
        small = store[small_slots[i], j]
        reduce_chunks(small_starts, small_ends, first_partial, partials, i, j, small)
        parent = parents[parent_slots[i], j]
        large = store[large_slots[i], j]
        for b in range(N_BINS):
            large[b] = parent[b] - small[b]
        for c in range(2 * i, 2 * i + 2):
            split_feature(store[c, j], c, j, features[j], node_G, node_H, node_lower,
                          node_upper, n_bins, is_cat, mono, lam, alpha, mcw, cat_smooth,
                          max_cat_to_onehot, out_gain, out_bin, out_default_left, out_left_G,
                          out_left_H, out_cat_left)
