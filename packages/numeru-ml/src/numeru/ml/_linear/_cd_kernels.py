"""Coordinate descent for the elastic net, in Numba (scikit-learn's algorithm).

Both kernels minimise ``0.5 ||y - X w||^2 + l1 ||w||_1 + 0.5 l2 ||w||^2`` and stop with the
duality-gap rule: after a sweep whose largest coefficient change is below ``tol`` relative to
the largest coefficient, compute the gap of the dual problem and stop when it is below
``tol * ||y||^2``. ``cd_dense`` keeps the residual ``R = y - X w`` (O(n) per coordinate);
``cd_gram`` works on ``Q = X'X`` and ``q = X'y`` (O(p) per coordinate), the better choice
when samples far outnumber features. ``selection_seed >= 0`` visits coordinates at random.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _soft(value, threshold):  # pragma: no cover - compiled
    if value > threshold:
        return value - threshold
    if value < -threshold:
        return value + threshold
    return 0.0


@njit(cache=True)
def _gap(XtA, w, alpha, beta, positive, R_norm2, Ry):  # pragma: no cover - compiled
    """The duality gap, with ``XtA = X'R - beta w`` (scikit-learn's ``gap_enet``).

    alpha > 0: the scaled dual point (formulation A); alpha = 0 < beta (ridge): formulation
    B, ``||R||^2 + beta/2 ||w||^2 - R'y + ||X'R||^2 / (2 beta)``, since formulation A is
    the primal there and never falls below tol; alpha = beta = 0: ``||X'R||^2``.
    """
    p = w.shape[0]
    w_norm2 = 0.0
    for j in range(p):
        w_norm2 += w[j] * w[j]
    if alpha == 0.0:
        grad_norm2 = 0.0
        for j in range(p):
            g = XtA[j] + beta * w[j]
            grad_norm2 += g * g
        if beta == 0.0:
            return grad_norm2
        return R_norm2 + 0.5 * beta * w_norm2 - Ry + grad_norm2 / (2.0 * beta)
    dual_norm = 0.0
    for j in range(p):
        v = XtA[j] if positive else abs(XtA[j])
        dual_norm = max(dual_norm, v)
    const = alpha / dual_norm if dual_norm > alpha else 1.0
    l1 = 0.0
    for j in range(p):
        l1 += abs(w[j])
    return (0.5 * (R_norm2 + R_norm2 * const * const) + alpha * l1
            + 0.5 * beta * (1.0 + const * const) * w_norm2 - const * Ry)


@njit(cache=True)
def cd_dense(w, alpha, beta, X, y, max_iter, tol, positive, selection_seed):  # pragma: no cover
    n, p = X.shape
    # X is Fortran-ordered: columns are contiguous and the reductions go to BLAS (np.dot),
    # as scikit-learn's kernel does
    norm_cols = np.zeros(p)
    for j in range(p):
        norm_cols[j] = np.dot(X[:, j], X[:, j])
    R = y.copy()
    for j in range(p):
        if w[j] != 0.0:
            for i in range(n):
                R[i] -= w[j] * X[i, j]
    y_norm2 = np.dot(y, y)
    scaled_tol = tol * y_norm2
    if selection_seed >= 0:
        np.random.seed(selection_seed)  # noqa: NPY002 - Numba's own per-thread state, not NumPy's
    gap = scaled_tol + 1.0
    n_iter = 0
    XtA = np.zeros(p)
    for it in range(max_iter):
        n_iter = it + 1
        w_max = 0.0
        d_w_max = 0.0
        for f in range(p):
            j = np.random.randint(0, p) if selection_seed >= 0 else f  # noqa: NPY002
            if norm_cols[j] == 0.0:
                continue
            w_j = w[j]
            if w_j != 0.0:
                for i in range(n):
                    R[i] += w_j * X[i, j]
            tmp = np.dot(X[:, j], R)
            if positive and tmp < 0.0:
                w[j] = 0.0
            else:
                w[j] = _soft(tmp, alpha) / (norm_cols[j] + beta)
            if w[j] != 0.0:
                for i in range(n):
                    R[i] -= w[j] * X[i, j]
            d_w_max = max(d_w_max, abs(w[j] - w_j))
            w_max = max(w_max, abs(w[j]))
        if w_max == 0.0 or d_w_max / w_max < tol or it == max_iter - 1:
            R_norm2 = np.dot(R, R)
            Ry = np.dot(R, y)
            for j in range(p):
                XtA[j] = np.dot(X[:, j], R) - beta * w[j]
            gap = _gap(XtA, w, alpha, beta, positive, R_norm2, Ry)
            if gap < scaled_tol:
                break
    return gap, scaled_tol, n_iter


@njit(cache=True)
def cd_gram(w, alpha, beta, Q, q, y_norm2, max_iter, tol, positive,
            selection_seed):  # pragma: no cover - compiled
    p = Q.shape[0]
    H = np.zeros(p)  # H = Q w
    for j in range(p):
        if w[j] != 0.0:
            for k in range(p):
                H[k] += w[j] * Q[j, k]
    scaled_tol = tol * y_norm2
    if selection_seed >= 0:
        np.random.seed(selection_seed)  # noqa: NPY002 - Numba's own per-thread state, not NumPy's
    gap = scaled_tol + 1.0
    n_iter = 0
    XtA = np.zeros(p)
    for it in range(max_iter):
        n_iter = it + 1
        w_max = 0.0
        d_w_max = 0.0
        for f in range(p):
            j = np.random.randint(0, p) if selection_seed >= 0 else f  # noqa: NPY002
            if Q[j, j] == 0.0:
                continue
            w_j = w[j]
            if w_j != 0.0:
                for k in range(p):
                    H[k] -= w_j * Q[j, k]
            tmp = q[j] - H[j]
            if positive and tmp < 0.0:
                w[j] = 0.0
            else:
                w[j] = _soft(tmp, alpha) / (Q[j, j] + beta)
            if w[j] != 0.0:
                for k in range(p):
                    H[k] += w[j] * Q[j, k]
            d_w_max = max(d_w_max, abs(w[j] - w_j))
            w_max = max(w_max, abs(w[j]))
        if w_max == 0.0 or d_w_max / w_max < tol or it == max_iter - 1:
            wq = 0.0
            wH = 0.0
            for j in range(p):
                wq += w[j] * q[j]
                wH += w[j] * H[j]
                XtA[j] = q[j] - H[j] - beta * w[j]
            R_norm2 = max(y_norm2 + wH - 2.0 * wq, 0.0)
            gap = _gap(XtA, w, alpha, beta, positive, R_norm2, y_norm2 - wq)
            if gap < scaled_tol:
                break
    return gap, scaled_tol, n_iter
