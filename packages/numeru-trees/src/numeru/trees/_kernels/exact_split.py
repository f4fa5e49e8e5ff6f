"""Split search of the exact decision tree: the "best" splitter (every threshold between
sorted neighbours, missing values tried on each side) and the "random" splitter of
extra-trees (one uniform threshold per feature, missing values sent to a random side), as
scikit-learn does it.

Features are visited in a random order (Fisher-Yates on the tree's stream) until
``max_features`` were drawn, constant ones included, and at least one was not constant
(scikit-learn's rule); the first best proxy wins ties.

The best splitter gathers a feature's values with their sample ids (NaNs to the back, the
range on the way, so a constant feature costs no sort), sorts the pairs in place
(``pair_sort``: radix sort, no argsort and no indirect gathers), then scans them with a loop
specialised for class counts, for weighted sums, or for absolute error. All buffers come from
one ``workspace`` per tree: nothing is allocated per node or per feature.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .criteria import (
    ABSOLUTE,
    ENTROPY,
    EPSILON,
    FRIEDMAN,
    GINI,
    POISSON,
    class_impurity,
    deviation_prefixes,
)
from .pair_sort import sort_pairs
from .rng import rand_int, rand_uniform

FEATURE_THRESHOLD = 1e-7
NEG_INF = -np.inf


@njit(cache=True)
def _proxy_class(left, total, wl, wn, criterion, n_classes, right):  # pragma: no cover
    for k in range(n_classes):
        right[k] = total[k] - left[k]
    wr = wn - wl
    return -(wl * class_impurity(left, wl, criterion) + wr * class_impurity(right, wr, criterion))


@njit(cache=True)
def _proxy_reg(sum_l, wl, sum_t, wn, criterion):  # pragma: no cover - numba
    sum_r = sum_t - sum_l
    wr = wn - wl
    if criterion == FRIEDMAN:
        diff = wr * sum_l - wl * sum_r
        return diff * diff / (wl * wr)
    if criterion == POISSON:
        if sum_l <= EPSILON or sum_r <= EPSILON:
            return NEG_INF
        return sum_l * np.log(sum_l / wl) + sum_r * np.log(sum_r / wr)
    return sum_l * sum_l / wl + sum_r * sum_r / wr


@njit(cache=True)
def workspace(n, n_features, n_classes, criterion, samples):  # pragma: no cover - numba
    """Scratch buffers of one tree's split search, allocated once and reused by every node:
    values and sample ids being sorted, radix sort buffers, absolute-error tables (only
    allocated for that criterion), the feature permutation and per-class weight rows."""
    n_abs = n if criterion == ABSOLUTE else 1
    return (np.empty(n, np.float32), np.empty_like(samples), np.empty(n, np.uint32),
            np.empty(n, np.uint32), np.empty_like(samples), np.zeros((4, 2048), np.int64),
            np.empty(n_abs), np.empty(n_abs), np.empty((4, n_abs)), np.empty((4, n_abs + 1)),
            np.empty(n_features, np.int64), np.zeros((4, max(n_classes, 1))))


@njit(cache=True)
def find_split(Xt, y_cls, y_reg, w, samples, start, end, criterion, n_classes, random_splitter,
               max_features, min_samples_leaf, min_weight_leaf, rng,
               work):  # pragma: no cover - numba
    """Find the best split of ``samples[start:end]`` and partition it in place.

    Returns (found, feature, threshold, pos, missing_left, has_missing) where rows
    ``samples[start:pos]`` go left; ``work`` comes from ``workspace``.
    """
    xs, idx, keys, keys_tmp, idx_tmp, hist, sy, sw, heap, dev, feats, counts = work
    n_features = Xt.shape[0]
    nn = end - start
    is_class = criterion <= ENTROPY
    total = counts[0]
    wn = 0.0
    sum_t = 0.0
    total[:] = 0.0
    for i in range(start, end):
        s = samples[i]
        wn += w[s]
        if is_class:
            total[y_cls[s]] += w[s]
        else:
            sum_t += w[s] * y_reg[s]
    best = NEG_INF
    best_f = -1
    best_thr = 0.0
    best_ml = False
    best_has_missing = False
    for j in range(n_features):
        feats[j] = j
    f_j = n_features
    # scikit-learn's budget: every drawn feature counts, constant ones included, but the
    # search goes on until at least one non-constant feature was evaluated
    visited = 0
    n_constant = 0
    while f_j > 0 and (visited < max_features or visited <= n_constant):
        visited += 1
        r = rand_int(rng, f_j)
        f_j -= 1
        feats[r], feats[f_j] = feats[f_j], feats[r]
        f = feats[f_j]
        if random_splitter:
            for i in range(nn):
                xs[i] = Xt[f, samples[start + i]]
            result = _random_feature(xs, y_cls, y_reg, w, samples, start, nn, criterion,
                                     n_classes, is_class, min_samples_leaf, min_weight_leaf,
                                     total, counts[1], counts[2], counts[3], wn, sum_t, rng,
                                     sy, sw, heap, dev)
        else:
            result = _best_feature(Xt, f, y_cls, y_reg, w, samples, start, nn, criterion,
                                   n_classes, min_samples_leaf, min_weight_leaf, counts, wn,
                                   sum_t, work)
        constant, proxy, thr, ml, has_missing = result
        if constant:
            n_constant += 1
            continue
        if proxy > best:
            best, best_f, best_thr, best_ml, best_has_missing = proxy, f, thr, ml, has_missing
    if best_f < 0:
        return False, -1, 0.0, start, False, False
    # partition: left rows first, the order inside each side kept
    p = start
    q = 0
    for i in range(start, end):
        s = samples[i]
        x = Xt[best_f, s]
        go_left = best_ml if np.isnan(x) else x <= best_thr
        if go_left:
            samples[p] = s
            p += 1
        else:
            idx_tmp[q] = s
            q += 1
    for i in range(q):
        samples[p + i] = idx_tmp[i]
    return True, best_f, best_thr, p, best_ml, best_has_missing


@njit(cache=True)
def _best_feature(Xt, f, y_cls, y_reg, w, samples, start, nn, criterion, n_classes, msl, mwl,
                  counts, wn, sum_t, work):  # pragma: no cover - numba
    """Every threshold of feature ``f`` between distinct sorted values, NaNs sent each way.

    Returns (constant, proxy, threshold, missing_left, has_missing)."""
    xs, idx, keys, keys_tmp, idx_tmp, hist, sy, sw, heap, dev, feats, _ = work
    # gather values and sample ids, NaNs to the back; the range tells constant features
    # apart before paying for a sort
    m = 0
    back = nn
    lo = np.inf
    hi = -np.inf
    for i in range(nn):
        s = samples[start + i]
        x = Xt[f, s]
        if np.isnan(x):
            back -= 1
            idx[back] = s
        else:
            xs[m] = x
            idx[m] = s
            m += 1
            lo = min(lo, x)
            hi = max(hi, x)
    n_missing = nn - m
    if m == 0 or (n_missing == 0 and np.float64(hi) <= np.float64(lo) + FEATURE_THRESHOLD):
        return True, NEG_INF, 0.0, False, False
    sort_pairs(xs, idx, 0, m, keys, keys_tmp, idx_tmp, hist)
    if criterion <= ENTROPY:
        best, p, ml = _scan_class(xs, idx, m, nn, y_cls, w, criterion, n_classes, msl, mwl,
                                  counts, wn)
    elif criterion == ABSOLUTE:
        for i in range(nn):
            sy[i] = y_reg[idx[i]]
            sw[i] = w[idx[i]]
        best, p, ml = _scan_absolute(xs, sy, sw, m, nn, msl, mwl, wn, heap, dev)
    else:
        best, p, ml = _scan_reg(xs, idx, m, nn, y_reg, w, criterion, msl, mwl, wn, sum_t)
    thr = 0.0
    if p < 0:
        pass
    elif p < m:
        lo_x = np.float64(xs[p - 1])
        hi_x = np.float64(xs[p])
        thr = lo_x / 2.0 + hi_x / 2.0
        if thr == hi_x or np.isinf(thr):
            thr = lo_x
    else:
        thr = np.inf  # non-missing left, missing right
    return False, best, thr, ml, n_missing > 0


@njit(cache=True, inline="always")
def _is_candidate(xs, p, m, ml, n_missing):  # pragma: no cover - numba
    """Whether a split before sorted position ``p`` exists: between distinct values, or
    (p == m) all values left and the missing ones right."""
    if p < m:
        return np.float64(xs[p]) > np.float64(xs[p - 1]) + FEATURE_THRESHOLD
    return not ml and n_missing > 0


@njit(cache=True)
def _scan_class(xs, idx, m, nn, y_cls, w, criterion, n_classes, msl, mwl, counts,
                wn):  # pragma: no cover - numba
    total, left, miss, right = counts[0], counts[1], counts[2], counts[3]
    n_missing = nn - m
    w_miss = 0.0
    miss[:] = 0.0
    for i in range(m, nn):
        s = idx[i]
        w_miss += w[s]
        miss[y_cls[s]] += w[s]
    best = NEG_INF
    best_p = -1
    best_ml = False
    for variant in range(2 if n_missing > 0 else 1):
        ml = variant == 1
        wl = w_miss if ml else 0.0
        for k in range(n_classes):
            left[k] = miss[k] if ml else 0.0
        for i in range(m):
            s = idx[i]
            ws = w[s]
            wl += ws
            left[y_cls[s]] += ws
            p = i + 1
            if not _is_candidate(xs, p, m, ml, n_missing):
                continue
            nl = p + (n_missing if ml else 0)
            if nl < msl or nn - nl < msl or wl < mwl or wn - wl < mwl:
                continue
            wr = wn - wl
            if criterion == GINI:
                # class_impurity inlined, same operations in the same order
                sq_l = 0.0
                sq_r = 0.0
                for k in range(n_classes):
                    c = left[k]
                    sq_l += c * c
                    c = total[k] - c
                    sq_r += c * c
                proxy = -(wl * (1.0 - sq_l / (wl * wl)) + wr * (1.0 - sq_r / (wr * wr)))
            else:
                proxy = _proxy_class(left, total, wl, wn, criterion, n_classes, right)
            if proxy > best:
                best = proxy
                best_p = p
                best_ml = ml
    return best, best_p, best_ml


@njit(cache=True)
def _scan_reg(xs, idx, m, nn, y_reg, w, criterion, msl, mwl, wn, sum_t):  # pragma: no cover
    n_missing = nn - m
    w_miss = 0.0
    s_miss = 0.0
    for i in range(m, nn):
        s = idx[i]
        w_miss += w[s]
        s_miss += w[s] * y_reg[s]
    best = NEG_INF
    best_p = -1
    best_ml = False
    for variant in range(2 if n_missing > 0 else 1):
        ml = variant == 1
        wl = w_miss if ml else 0.0
        sum_l = s_miss if ml else 0.0
        for i in range(m):
            s = idx[i]
            wl += w[s]
            sum_l += w[s] * y_reg[s]
            p = i + 1
            if not _is_candidate(xs, p, m, ml, n_missing):
                continue
            nl = p + (n_missing if ml else 0)
            if nl < msl or nn - nl < msl or wl < mwl or wn - wl < mwl:
                continue
            proxy = _proxy_reg(sum_l, wl, sum_t, wn, criterion)
            if proxy > best:
                best = proxy
                best_p = p
                best_ml = ml
    return best, best_p, best_ml


@njit(cache=True)
def _scan_absolute(xs, sy, sw, m, nn, msl, mwl, wn, heap, dev):  # pragma: no cover - numba
    """Absolute error from deviation tables of every candidate left/right set."""
    n_missing = nn - m
    w_miss = 0.0
    for i in range(m, nn):
        w_miss += sw[i]
    _absolute_tables(sy, sw, m, nn, heap, dev)
    best = NEG_INF
    best_p = -1
    best_ml = False
    for variant in range(2 if n_missing > 0 else 1):
        ml = variant == 1
        wl = w_miss if ml else 0.0
        for i in range(m):
            wl += sw[i]
            p = i + 1
            if not _is_candidate(xs, p, m, ml, n_missing):
                continue
            nl = p + (n_missing if ml else 0)
            if nl < msl or nn - nl < msl or wl < mwl or wn - wl < mwl:
                continue
            if ml:
                proxy = -(dev[2, n_missing + p] + dev[3, m - p])
            else:
                proxy = -(dev[0, p] + dev[1, n_missing + m - p])
            if proxy > best:
                best = proxy
                best_p = p
                best_ml = ml
    return best, best_p, best_ml


@njit(cache=True)
def _absolute_tables(sy, sw, m, nn, heap, dev):  # pragma: no cover - numba
    """dev[0]: prefixes of sorted values; dev[1]: missing then sorted values backwards;
    dev[2]: missing then sorted values forwards; dev[3]: sorted values backwards."""
    n_missing = nn - m
    seq_y = np.empty(nn)
    seq_w = np.empty(nn)
    deviation_prefixes(sy, sw, m, dev[0], heap[0], heap[1], heap[2], heap[3])
    for i in range(n_missing):
        seq_y[i] = sy[m + i]
        seq_w[i] = sw[m + i]
    for i in range(m):
        seq_y[n_missing + i] = sy[m - 1 - i]
        seq_w[n_missing + i] = sw[m - 1 - i]
    deviation_prefixes(seq_y, seq_w, nn, dev[1], heap[0], heap[1], heap[2], heap[3])
    for i in range(m):
        seq_y[n_missing + i] = sy[i]
        seq_w[n_missing + i] = sw[i]
    deviation_prefixes(seq_y, seq_w, nn, dev[2], heap[0], heap[1], heap[2], heap[3])
    for i in range(m):
        seq_y[i] = sy[m - 1 - i]
        seq_w[i] = sw[m - 1 - i]
    deviation_prefixes(seq_y, seq_w, m, dev[3], heap[0], heap[1], heap[2], heap[3])


@njit(cache=True)
def _random_feature(xs, y_cls, y_reg, w, samples, start, nn, criterion, n_classes, is_class,
                    msl, mwl, total, left, miss, right, wn, sum_t, rng, sy, sw, heap,
                    dev):  # pragma: no cover - numba
    lo = np.inf
    hi = -np.inf
    n_missing = 0
    for i in range(nn):
        x = xs[i]
        if np.isnan(x):
            n_missing += 1
        else:
            lo = min(lo, x)
            hi = max(hi, x)
    if n_missing == nn or (hi <= lo + FEATURE_THRESHOLD and n_missing == 0):
        return True, NEG_INF, 0.0, False, False
    # scikit-learn's random splitter: a uniform threshold, and missing values sent to a
    # side drawn at random (not the better side: that would be a second, best search)
    thr = rand_uniform(rng, np.float64(lo), np.float64(hi))
    ml = n_missing > 0 and rand_int(rng, 2) == 1
    if thr == hi:
        thr = lo
    wl = 0.0
    sum_l = 0.0
    nl = 0
    if is_class:
        left[:] = 0.0
    nly = 0
    nry = 0
    for i in range(nn):
        x = xs[i]
        go_left = ml if np.isnan(x) else x <= thr
        s = samples[start + i]
        if go_left:
            nl += 1
            wl += w[s]
            if is_class:
                left[y_cls[s]] += w[s]
            else:
                sum_l += w[s] * y_reg[s]
        if criterion == ABSOLUTE:
            # left rows fill sy/sw from the front, right rows from the back
            if go_left:
                sy[nly] = y_reg[s]
                sw[nly] = w[s]
                nly += 1
            else:
                nry += 1
                sy[nn - nry] = y_reg[s]
                sw[nn - nry] = w[s]
    if nl < msl or nn - nl < msl or wl < mwl or wn - wl < mwl:
        return False, NEG_INF, thr, False, n_missing > 0
    if is_class:
        proxy = _proxy_class(left, total, wl, wn, criterion, n_classes, right)
    elif criterion == ABSOLUTE:
        deviation_prefixes(sy, sw, nly, dev[0], heap[0], heap[1], heap[2], heap[3])
        deviation_prefixes(sy[nly:], sw[nly:], nry, dev[1], heap[0], heap[1], heap[2],
                           heap[3])
        proxy = -(dev[0, nly] + dev[1, nry])
    else:
        proxy = _proxy_reg(sum_l, wl, sum_t, wn, criterion)
    return False, proxy, thr, ml, n_missing > 0
