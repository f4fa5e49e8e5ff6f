"""Best split of each histogram node: XGBoost's second-order gain, learned missing direction,
native categorical partitions and monotonic constraints.

Gain follows XGBoost's implementation: ``gain(G, H, w) = -(2 G w + (H + lambda) w^2 + 2 alpha |w|)``
with the leaf weight ``w = -T_alpha(G) / (H + lambda)`` clipped to the node's monotone bounds
(``G^2 / (H + lambda)`` where neither L1 nor bounds apply, XGBoost's fast path); a split's
gain is ``gain(left) + gain(right) - gain(parent)``; the grower keeps it when it is above
XGBoost's 1e-6 and at least ``gamma`` (``min_split_loss``). Ties go to the lowest feature,
then the lowest bin, then "missing goes right", so the result never depends on thread
scheduling.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .binning import MISSING_BIN

NEG_INF = -np.inf


@njit(cache=True, inline="always")
def leaf_weight(G, H, lam, alpha, lower, upper):  # pragma: no cover - numba
    if G > alpha:
        g = G - alpha
    elif G < -alpha:
        g = G + alpha
    else:
        g = 0.0
    w = -g / (H + lam)
    if w < lower:
        w = lower
    if w > upper:
        w = upper
    return w


@njit(cache=True, inline="always")
def gain_given_weight(G, H, w, lam, alpha):  # pragma: no cover - numba
    return -(2.0 * G * w + (H + lam) * w * w + 2.0 * alpha * abs(w))


@njit(cache=True, inline="always")
def node_gain(G, H, lam, alpha, lower, upper):  # pragma: no cover - numba
    """Loss reduction of a node with its optimal weight. Without L1 and weight bounds it is
    ``G^2 / (H + lambda)``, as XGBoost computes it on that fast path."""
    if alpha == 0.0 and lower == NEG_INF and upper == np.inf:
        return G * G / (H + lam)
    return gain_given_weight(G, H, leaf_weight(G, H, lam, alpha, lower, upper), lam, alpha)


@njit(cache=True, inline="always")
def _split_gain(gl, hl, gr, hr, lam, alpha, mcw, lower, upper, mono, parent_gain):
    if hl < mcw or hr < mcw or hl <= 0.0 or hr <= 0.0:
        return NEG_INF
    if mono == 0:
        return (node_gain(gl, hl, lam, alpha, lower, upper)
                + node_gain(gr, hr, lam, alpha, lower, upper) - parent_gain)
    wl = leaf_weight(gl, hl, lam, alpha, lower, upper)
    wr = leaf_weight(gr, hr, lam, alpha, lower, upper)
    if mono > 0 and wl > wr:
        return NEG_INF
    if mono < 0 and wl < wr:
        return NEG_INF
    return (gain_given_weight(gl, hl, wl, lam, alpha) + gain_given_weight(gr, hr, wr, lam, alpha)
            - parent_gain)


@njit(parallel=True, cache=True, nogil=True)
def find_splits(hists, features, node_G, node_H, node_lower, node_upper, n_bins, is_cat, mono,
                lam, alpha, mcw, cat_smooth, max_cat_to_onehot,
                out_gain, out_bin, out_default_left, out_left_G, out_left_H,
                out_cat_left):  # pragma: no cover - numba
    """Best split per (node k, used feature j) of the complex128 histograms ``hists``
    (n_nodes, n_used, 256); categorical left sets go to ``out_cat_left``."""
    n_nodes, n_used = out_gain.shape
    for q in prange(n_nodes * n_used):
        k = q // n_used
        j = q % n_used
        split_feature(hists[k, j], k, j, features[j], node_G, node_H, node_lower, node_upper,
                      n_bins, is_cat, mono, lam, alpha, mcw, cat_smooth, max_cat_to_onehot,
                      out_gain, out_bin, out_default_left, out_left_G, out_left_H,
                      out_cat_left)


@njit(cache=True, nogil=True)
def split_feature(hist, k, j, f, node_G, node_H, node_lower, node_upper, n_bins, is_cat, mono,
                  lam, alpha, mcw, cat_smooth, max_cat_to_onehot, out_gain, out_bin,
                  out_default_left, out_left_G, out_left_H,
                  out_cat_left):  # pragma: no cover - numba
    """Best split of node ``k`` on feature ``f`` (used position ``j``) from its complex128
    histogram ``hist`` (real: gradient sums, imaginary: hessian sums), into ``out_*[k, j]``."""
    G = node_G[k]
    H = node_H[k]
    lower = node_lower[k]
    upper = node_upper[k]
    parent_gain = node_gain(G, H, lam, alpha, lower, upper)
    Gm = hist[MISSING_BIN].real
    Hm = hist[MISSING_BIN].imag
    has_missing = Hm > 0.0
    nb = n_bins[f]
    best = NEG_INF
    best_bin = -1
    best_left = False
    best_gl = 0.0
    best_hl = 0.0
    out_cat_left[k, j, :] = False
    if not is_cat[f]:
        m = mono[f]
        GL = 0.0
        HL = 0.0
        for b in range(nb - 1):
            GL += hist[b].real
            HL += hist[b].imag
            gain = _split_gain(GL, HL, G - GL, H - HL, lam, alpha, mcw, lower, upper, m,
                               parent_gain)
            if gain > best:
                best, best_bin, best_left, best_gl, best_hl = gain, b, False, GL, HL
            if has_missing:
                gl = GL + Gm
                hl = HL + Hm
                gain = _split_gain(gl, hl, G - gl, H - hl, lam, alpha, mcw, lower, upper, m,
                                   parent_gain)
                if gain > best:
                    best, best_bin, best_left, best_gl, best_hl = gain, b, True, gl, hl
        if has_missing:  # every value left, missing right
            gl = G - Gm
            hl = H - Hm
            gain = _split_gain(gl, hl, Gm, Hm, lam, alpha, mcw, lower, upper, m, parent_gain)
            if gain > best:
                best, best_bin, best_left, best_gl, best_hl = gain, nb - 1, False, gl, hl
    else:
        # Categories present in the node, ordered by their gradient ratio (LightGBM's
        # many-vs-many search); few categories: one-vs-rest only.
        present = np.empty(nb, np.int64)
        count = 0
        for c in range(nb):
            if hist[c].imag > 0.0:
                present[count] = c
                count += 1
        present = present[:count]
        if count >= 2:
            if count <= max_cat_to_onehot:
                for t in range(count):
                    c = present[t]
                    for miss_left in (False, True):
                        if miss_left and not has_missing:
                            continue
                        gl = hist[c].real + (Gm if miss_left else 0.0)
                        hl = hist[c].imag + (Hm if miss_left else 0.0)
                        gain = _split_gain(gl, hl, G - gl, H - hl, lam, alpha, mcw, lower,
                                           upper, 0, parent_gain)
                        if gain > best:
                            best, best_bin, best_left, best_gl, best_hl = (
                                gain, t, miss_left, gl, hl)
                if best_bin >= 0:
                    out_cat_left[k, j, present[best_bin]] = True
            else:
                ratio = np.empty(count)
                for t in range(count):
                    c = present[t]
                    ratio[t] = hist[c].real / (hist[c].imag + cat_smooth)
                ranked = present[np.argsort(ratio, kind="mergesort")]
                GL = 0.0
                HL = 0.0
                for t in range(count - 1):
                    c = ranked[t]
                    GL += hist[c].real
                    HL += hist[c].imag
                    for miss_left in (False, True):
                        if miss_left and not has_missing:
                            continue
                        gl = GL + (Gm if miss_left else 0.0)
                        hl = HL + (Hm if miss_left else 0.0)
                        gain = _split_gain(gl, hl, G - gl, H - hl, lam, alpha, mcw, lower,
                                           upper, 0, parent_gain)
                        if gain > best:
                            best, best_bin, best_left, best_gl, best_hl = (
                                gain, t, miss_left, gl, hl)
                if best_bin >= 0:
                    for t in range(best_bin + 1):
                        out_cat_left[k, j, ranked[t]] = True
    if best_bin >= 0 and not has_missing:
        # No missing values seen here: send future ones to the heavier child.
        best_left = best_hl >= H - best_hl
    out_gain[k, j] = best
    out_bin[k, j] = best_bin
    out_default_left[k, j] = best_left
    out_left_G[k, j] = best_gl
    out_left_H[k, j] = best_hl


@njit(cache=True)
def pick_best_feature(out_gain):  # pragma: no cover - numba
    """Index of the best feature per node (lowest index on ties), -1 where none is valid."""
    n_nodes, n_used = out_gain.shape
    best = np.full(n_nodes, -1, np.int64)
    for k in range(n_nodes):
        value = NEG_INF
        for j in range(n_used):
            if out_gain[k, j] > value:
                value = out_gain[k, j]
                best[k] = j
    return best
