"""Growth of an exact decision tree: depth-first, or best-first when ``max_leaf_nodes`` is set.

Mirrors scikit-learn's DepthFirstTreeBuilder and BestFirstTreeBuilder (node numbering, stopping
rules, ``min_impurity_decrease`` on the weighted impurity decrease) so that, with the same
data and no ties, the trees are identical. The whole loop is compiled and releases the GIL, so
forest trees grow in parallel on the shared task pool.

Numba's on-disk cache of ``build_tree`` is keyed on this file alone: after an edit of
``exact_split.py`` or ``criteria.py``, edit this file too (or clear ``__pycache__``), or the
old split search keeps running.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .criteria import ABSOLUTE, ENTROPY, EPSILON, FRIEDMAN, node_stats
from .exact_split import find_split, workspace


@njit(cache=True)
def _improvement(criterion, wn, w_total, imp, wl, imp_l, wr, imp_r, sum_l, sum_r):
    if criterion == FRIEDMAN:
        diff = wr * sum_l - wl * sum_r
        return diff * diff / (wl * wr * w_total)
    return (wn / w_total) * (imp - (wr / wn) * imp_r - (wl / wn) * imp_l)


@njit(cache=True, nogil=True)
def build_tree(Xt, y_cls, y_reg, w, samples, n_classes, criterion, random_splitter, max_depth,
               min_samples_split, min_samples_leaf, min_weight_leaf, max_features,
               max_leaf_nodes, min_impurity_decrease, seed):  # pragma: no cover - numba
    """Returns (n_nodes, left, right, feature, threshold, impurity, n_node_samples,
    weighted_n_node_samples, value, missing_go_left, depth)."""
    n = samples.shape[0]
    cap = 2 * n + 1
    n_out = n_classes if criterion <= ENTROPY else 1
    left = np.full(cap, -1, np.int64)
    right = np.full(cap, -1, np.int64)
    feature = np.full(cap, -2, np.int64)
    threshold = np.full(cap, -2.0)
    impurity = np.zeros(cap)
    n_node = np.zeros(cap, np.int64)
    wn_node = np.zeros(cap)
    value = np.zeros((cap, n_out))
    missing_left = np.zeros(cap, np.bool_)
    depth_of = np.zeros(cap, np.int64)
    rng = np.array([np.uint64(seed)], np.uint64)
    work = workspace(n, Xt.shape[0], n_classes, criterion, samples)
    scratch_y = np.empty(n if criterion == ABSOLUTE else 1)  # node medians only
    scratch_w = np.empty(n if criterion == ABSOLUTE else 1)
    tmp_value = np.zeros((2, n_out))
    w_total = 0.0
    for i in range(n):
        w_total += w[samples[i]]
    # per-pending-node records: start, end, depth, parent, is_left
    st_start = np.empty(cap, np.int64)
    st_end = np.empty(cap, np.int64)
    st_depth = np.empty(cap, np.int64)
    st_parent = np.empty(cap, np.int64)
    st_is_left = np.empty(cap, np.bool_)
    # split found for a node: pos, improvement, is_leaf (best-first keeps them until expanded)
    sp_pos = np.zeros(cap, np.int64)
    sp_improvement = np.zeros(cap)
    sp_leaf = np.zeros(cap, np.bool_)
    node_start = np.zeros(cap, np.int64)
    node_end = np.zeros(cap, np.int64)
    count = 0

    # -- one node: stats, then split search (partitions its samples) --------------------------
    def add_node(start, end, depth, parent, is_left, count):
        node = count
        if parent >= 0:
            if is_left:
                left[parent] = node
            else:
                right[parent] = node
        wn, imp = node_stats(y_cls, y_reg, w, samples, start, end, criterion, value[node],
                             scratch_y, scratch_w)
        impurity[node] = imp
        n_node[node] = end - start
        wn_node[node] = wn
        depth_of[node] = depth
        node_start[node] = start
        node_end[node] = end
        nsamp = end - start
        is_leaf = ((max_depth >= 0 and depth >= max_depth) or nsamp < min_samples_split
                   or nsamp < 2 * min_samples_leaf or wn < 2.0 * min_weight_leaf
                   or imp <= EPSILON)
        improvement = 0.0
        pos = end
        if not is_leaf:
            found, f, thr, pos, ml, has_missing = find_split(
                Xt, y_cls, y_reg, w, samples, start, end, criterion, n_classes,
                random_splitter, max_features, min_samples_leaf, min_weight_leaf, rng, work)
            if not found or pos <= start or pos >= end:
                is_leaf = True
            else:
                wl, imp_l = node_stats(y_cls, y_reg, w, samples, start, pos, criterion,
                                       tmp_value[0], scratch_y, scratch_w)
                wr, imp_r = node_stats(y_cls, y_reg, w, samples, pos, end, criterion,
                                       tmp_value[1], scratch_y, scratch_w)
                improvement = _improvement(criterion, wn, w_total, imp, wl, imp_l, wr, imp_r,
                                           tmp_value[0, 0] * wl, tmp_value[1, 0] * wr)
                if improvement + EPSILON < min_impurity_decrease:
                    is_leaf = True
                else:
                    feature[node] = f
                    threshold[node] = thr
                    if has_missing:
                        missing_left[node] = ml
                    else:
                        # no missing value reached this node: future ones follow the majority
                        missing_left[node] = (pos - start) > (end - pos)
        sp_pos[node] = pos
        sp_improvement[node] = improvement
        sp_leaf[node] = is_leaf
        if is_leaf:
            feature[node] = -2
            threshold[node] = -2.0
        return count + 1

    if max_leaf_nodes < 0:
        top = 0
        st_start[0] = 0
        st_end[0] = n
        st_depth[0] = 0
        st_parent[0] = -1
        st_is_left[0] = False
        top = 1
        while top > 0:
            top -= 1
            start = st_start[top]
            end = st_end[top]
            depth = st_depth[top]
            node = count
            count = add_node(start, end, depth, st_parent[top], st_is_left[top], count)
            if not sp_leaf[node]:
                pos = sp_pos[node]
                for side in range(2):  # right first, so the left child pops first
                    st_start[top] = pos if side == 0 else start
                    st_end[top] = end if side == 0 else pos
                    st_depth[top] = depth + 1
                    st_parent[top] = node
                    st_is_left[top] = side == 1
                    top += 1
    else:
        frontier = np.empty(cap, np.int64)
        n_front = 0
        count = add_node(0, n, 0, -1, False, count)
        frontier[0] = 0
        n_front = 1
        max_split_nodes = max_leaf_nodes - 1
        while n_front > 0:
            best_i = 0
            for i in range(1, n_front):
                if sp_improvement[frontier[i]] > sp_improvement[frontier[best_i]]:
                    best_i = i
            node = frontier[best_i]
            frontier[best_i] = frontier[n_front - 1]
            n_front -= 1
            if sp_leaf[node] or max_split_nodes <= 0:
                feature[node] = -2
                threshold[node] = -2.0
                continue
            max_split_nodes -= 1
            start = node_start[node]
            end = node_end[node]
            pos = sp_pos[node]
            li = count
            count = add_node(start, pos, depth_of[node] + 1, node, True, count)
            ri = count
            count = add_node(pos, end, depth_of[node] + 1, node, False, count)
            frontier[n_front] = li
            frontier[n_front + 1] = ri
            n_front += 2
    for node in range(count):
        if left[node] < 0:
            feature[node] = -2
            threshold[node] = -2.0
            missing_left[node] = False
    return (count, left[:count].copy(), right[:count].copy(), feature[:count].copy(),
            threshold[:count].copy(), impurity[:count].copy(), n_node[:count].copy(),
            wn_node[:count].copy(), value[:count].copy(), missing_left[:count].copy(),
            depth_of[:count].copy())
