"""Impurity criteria of the exact decision tree, as scikit-learn defines them.

Codes: 0 gini, 1 entropy / log_loss (log base 2), 2 squared_error, 3 friedman_mse,
4 absolute_error, 5 poisson (half Poisson deviance). Classification works on weighted class
counts, regression on weighted sums; absolute error needs weighted medians, computed for all
prefixes of a sequence at once with two heaps (``deviation_prefixes``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

GINI, ENTROPY, SQUARED, FRIEDMAN, ABSOLUTE, POISSON = 0, 1, 2, 3, 4, 5
CRITERIA = {"gini": GINI, "entropy": ENTROPY, "log_loss": ENTROPY, "squared_error": SQUARED,
            "friedman_mse": FRIEDMAN, "absolute_error": ABSOLUTE, "poisson": POISSON}
EPSILON = np.finfo(np.float64).eps
LOG2 = np.log(2.0)


@njit(cache=True)
def class_impurity(counts, wn, criterion):  # pragma: no cover - numba
    if wn <= 0.0:
        return 0.0
    total = 0.0
    if criterion == GINI:
        for c in counts:
            total += c * c
        return 1.0 - total / (wn * wn)
    for c in counts:
        if c > 0.0:
            p = c / wn
            total -= p * np.log(p) / LOG2
    return total


@njit(cache=True)
def weighted_median(ys, ws):  # pragma: no cover - numba
    """scikit-learn's weighted median: the average of two middle values when a half splits
    exactly between them."""
    order = np.argsort(ys, kind="mergesort")
    total = 0.0
    for i in range(ws.shape[0]):
        total += ws[i]
    half = total / 2.0
    cumulative = 0.0
    for t in range(order.shape[0]):
        cumulative += ws[order[t]]
        if cumulative >= half:
            if cumulative == half and t + 1 < order.shape[0]:
                return (ys[order[t]] + ys[order[t + 1]]) / 2.0
            return ys[order[t]]
    return ys[order[order.shape[0] - 1]]


@njit(cache=True)
def node_stats(y_cls, y_reg, w, samples, start, end, criterion, value_row, buf_y, buf_w):
    """Weighted size and impurity of a node; its prediction goes to ``value_row``
    (class weights for classification, mean or median for regression)."""  # pragma: no cover
    wn = 0.0
    if criterion <= ENTROPY:
        value_row[:] = 0.0
        for i in range(start, end):
            s = samples[i]
            value_row[y_cls[s]] += w[s]
            wn += w[s]
        return wn, class_impurity(value_row, wn, criterion)
    sw = 0.0
    swy = 0.0
    swyy = 0.0
    for i in range(start, end):
        s = samples[i]
        sw += w[s]
        swy += w[s] * y_reg[s]
        swyy += w[s] * y_reg[s] * y_reg[s]
    mean = swy / sw if sw > 0.0 else 0.0
    if criterion == ABSOLUTE:
        count = end - start
        for i in range(count):
            buf_y[i] = y_reg[samples[start + i]]
            buf_w[i] = w[samples[start + i]]
        median = weighted_median(buf_y[:count], buf_w[:count])
        dev = 0.0
        for i in range(count):
            dev += buf_w[i] * abs(buf_y[i] - median)
        value_row[0] = median
        return sw, dev / sw if sw > 0.0 else 0.0
    value_row[0] = mean
    if criterion == POISSON:
        if mean <= EPSILON:
            return sw, 0.0
        loss = 0.0
        for i in range(start, end):
            s = samples[i]
            if y_reg[s] > 0.0:
                loss += w[s] * y_reg[s] * np.log(y_reg[s] / mean)
        return sw, loss / sw
    return sw, max(swyy / sw - mean * mean, 0.0) if sw > 0.0 else 0.0


# -- weighted absolute deviations of all prefixes (two heaps) ---------------------------------
@njit(cache=True, inline="always")
def _push(hv, hw, size, v, wt):  # pragma: no cover - numba
    i = size
    hv[i] = v
    hw[i] = wt
    while i > 0:
        p = (i - 1) >> 1
        if hv[p] >= hv[i]:
            break
        hv[p], hv[i] = hv[i], hv[p]
        hw[p], hw[i] = hw[i], hw[p]
        i = p
    return size + 1


@njit(cache=True, inline="always")
def _pop(hv, hw, size):  # pragma: no cover - numba
    v = hv[0]
    wt = hw[0]
    size -= 1
    hv[0] = hv[size]
    hw[0] = hw[size]
    i = 0
    while True:
        a = 2 * i + 1
        b = a + 1
        m = i
        if a < size and hv[a] > hv[m]:
            m = a
        if b < size and hv[b] > hv[m]:
            m = b
        if m == i:
            break
        hv[m], hv[i] = hv[i], hv[m]
        hw[m], hw[i] = hw[i], hw[m]
        i = m
    return v, wt, size


@njit(cache=True)
def deviation_prefixes(ys, ws, count, out, lv, lw, uv, uw):  # pragma: no cover - numba
    """``out[j]`` = min over m of sum_{i<j} ws[i] |ys[i] - m| for j = 0..count.

    A max-heap holds the lower half (by weight) and a max-heap of negated values the upper half;
    the top of the lower heap is the weighted median.
    """
    ls = 0
    us = 0
    wl = 0.0
    sl = 0.0
    wu = 0.0
    su = 0.0
    out[0] = 0.0
    for j in range(count):
        y = ys[j]
        wt = ws[j]
        if ls == 0 or y <= lv[0]:
            ls = _push(lv, lw, ls, y, wt)
            wl += wt
            sl += wt * y
        else:
            us = _push(uv, uw, us, -y, wt)
            wu += wt
            su += wt * y
        half = (wl + wu) / 2.0
        while wl < half and us > 0:
            v, w2, us = _pop(uv, uw, us)
            ls = _push(lv, lw, ls, -v, w2)
            wl += w2
            wu -= w2
            sl -= w2 * v
            su += w2 * v
        while ls > 1 and wl - lw[0] >= half:
            v, w2, ls = _pop(lv, lw, ls)
            us = _push(uv, uw, us, -v, w2)
            wl -= w2
            wu += w2
            sl -= w2 * v
            su += w2 * v
        m = lv[0]
        out[j + 1] = max(m * wl - sl + su - m * wu, 0.0)
