"""Split search of the exact decision tree: the "best" splitter (every threshold between
sorted neighbours) and the "random" splitter of extra-trees (one uniform threshold per
feature), both with learned missing-value direction, as scikit-learn does it.

Features are visited in a random order (Fisher-Yates on the tree's stream) until
``max_features`` non-constant ones were tried; the first best proxy wins ties.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .criteria import (
    ABSOLUTE,
    ENTROPY,
    EPSILON,
    FRIEDMAN,
    POISSON,
    class_impurity,
    deviation_prefixes,
)
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
def find_split(Xt, y_cls, y_reg, w, samples, start, end, criterion, n_classes, random_splitter,
               max_features, min_samples_leaf, min_weight_leaf, rng, scratch_f, scratch_y,
               scratch_w, scratch_c, heap, dev, feats, counts):  # pragma: no cover - numba
    """Find the best split of ``samples[start:end]`` and partition it in place.

    Returns (found, feature, threshold, pos, missing_left, has_missing) where rows
    ``samples[start:pos]`` go left.
    """
    n_features = Xt.shape[0]
    nn = end - start
    is_class = criterion <= ENTROPY
    total = counts[0]
    left = counts[1]
    miss = counts[2]
    right = counts[3]
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
    visited = 0
    while f_j > 0 and visited < max_features:
        r = rand_int(rng, f_j)
        f_j -= 1
        feats[r], feats[f_j] = feats[f_j], feats[r]
        f = feats[f_j]
        xs = scratch_f[:nn]
        for i in range(nn):
            xs[i] = Xt[f, samples[start + i]]
        if random_splitter:
            result = _random_feature(xs, y_cls, y_reg, w, samples, start, nn, criterion,
                                     n_classes, is_class, min_samples_leaf, min_weight_leaf,
                                     total, left, miss, right, wn, sum_t, rng, scratch_y,
                                     scratch_w, heap, dev)
        else:
            result = _best_feature(xs, y_cls, y_reg, w, samples, start, nn, criterion,
                                   n_classes, is_class, min_samples_leaf, min_weight_leaf,
                                   total, left, miss, right, wn, sum_t, scratch_y, scratch_w,
                                   scratch_c, heap, dev)
        constant, proxy, thr, ml, has_missing = result
        if constant:
            continue
        visited += 1
        if proxy > best:
            best, best_f, best_thr, best_ml, best_has_missing = proxy, f, thr, ml, has_missing
    if best_f < 0:
        return False, -1, 0.0, start, False, False
    # partition: left rows first (order inside each side kept)
    tmp = scratch_c[:nn]
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
            tmp[q] = s
            q += 1
    for i in range(q):
        samples[p + i] = tmp[i]
    return True, best_f, best_thr, p, best_ml, best_has_missing


@njit(cache=True)
def _best_feature(xs, y_cls, y_reg, w, samples, start, nn, criterion, n_classes, is_class,
                  msl, mwl, total, left, miss, right, wn, sum_t, sy, sw, sc, heap,
                  dev):  # pragma: no cover - numba
    order = np.argsort(xs, kind="quicksort")
    m = nn
    for i in range(nn):
        if np.isnan(xs[order[i]]):
            m = i
            break
    n_missing = nn - m
    if m == 0 or (n_missing == 0 and np.float64(xs[order[m - 1]])
                  <= np.float64(xs[order[0]]) + FEATURE_THRESHOLD):
        return True, NEG_INF, 0.0, False, False
    sx = np.empty(nn, xs.dtype)
    for i in range(nn):
        s = samples[start + order[i]]
        sx[i] = xs[order[i]]
        sw[i] = w[s]
        if is_class:
            sc[i] = y_cls[s]
        else:
            sy[i] = y_reg[s]
    w_miss = 0.0
    s_miss = 0.0
    if is_class:
        miss[:] = 0.0
    for i in range(m, nn):
        w_miss += sw[i]
        if is_class:
            miss[sc[i]] += sw[i]
        else:
            s_miss += sw[i] * sy[i]
    if criterion == ABSOLUTE:
        # deviation sums of every candidate left/right set, for both missing directions
        _absolute_tables(sy, sw, m, nn, heap, dev)
    best = NEG_INF
    best_thr = 0.0
    best_ml = False
    for variant in range(2 if n_missing > 0 else 1):
        ml = variant == 1
        wl = w_miss if ml else 0.0
        sum_l = s_miss if ml else 0.0
        if is_class:
            for k in range(n_classes):
                left[k] = miss[k] if ml else 0.0
        for i in range(m):
            wl += sw[i]
            if is_class:
                left[sc[i]] += sw[i]
            else:
                sum_l += sw[i] * sy[i]
            p = i + 1
            if p < m:
                if np.float64(sx[p]) <= np.float64(sx[p - 1]) + FEATURE_THRESHOLD:
                    continue
            elif ml or n_missing == 0:
                continue
            nl = p + (n_missing if ml else 0)
            if nl < msl or nn - nl < msl or wl < mwl or wn - wl < mwl:
                continue
            if is_class:
                proxy = _proxy_class(left, total, wl, wn, criterion, n_classes, right)
            elif criterion == ABSOLUTE:
                if ml:
                    proxy = -(dev[2, n_missing + p] + dev[3, m - p])
                else:
                    proxy = -(dev[0, p] + dev[1, n_missing + m - p])
            else:
                proxy = _proxy_reg(sum_l, wl, sum_t, wn, criterion)
            if proxy > best:
                best = proxy
                best_ml = ml
                if p < m:
                    lo_x = np.float64(sx[p - 1])
                    hi_x = np.float64(sx[p])
                    thr = lo_x / 2.0 + hi_x / 2.0
                    if thr == hi_x or np.isinf(thr):
                        thr = lo_x
                else:
                    thr = np.inf
                best_thr = thr
    return False, best, best_thr, best_ml, n_missing > 0


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
    if n_missing == nn:
        return True, NEG_INF, 0.0, False, False
    if hi <= lo + FEATURE_THRESHOLD:
        if n_missing == 0:
            return True, NEG_INF, 0.0, False, False
        thr = np.inf  # constant values: the only split separates the missing ones
    else:
        thr = rand_uniform(rng, lo, hi)
        if thr == hi:
            thr = lo
    best = NEG_INF
    best_ml = False
    for variant in range(2 if n_missing > 0 else 1):
        ml = variant == 1
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
            continue
        if is_class:
            proxy = _proxy_class(left, total, wl, wn, criterion, n_classes, right)
        elif criterion == ABSOLUTE:
            deviation_prefixes(sy, sw, nly, dev[0], heap[0], heap[1], heap[2], heap[3])
            deviation_prefixes(sy[nly:], sw[nly:], nry, dev[1], heap[0], heap[1], heap[2],
                               heap[3])
            proxy = -(dev[0, nly] + dev[1, nry])
        else:
            proxy = _proxy_reg(sum_l, wl, sum_t, wn, criterion)
        if proxy > best:
            best = proxy
            best_ml = ml
    if best == NEG_INF:
        return False, NEG_INF, thr, False, n_missing > 0
    return False, best, thr, best_ml, n_missing > 0
