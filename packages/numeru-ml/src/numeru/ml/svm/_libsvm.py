"""libsvm's training drivers on NumPy arrays: C-SVC one-vs-one and epsilon-SVR.

The estimators in ``_classes.py`` validate input and hold parameters; this module does the
work. Layouts (``dual_coef`` rows, support-vector order, ``rho`` per class pair) are libsvm's,
which scikit-learn also exposes, so fitted attributes compare one to one.
"""

from __future__ import annotations

import numpy as np

from . import _platt
from ._kernel_cache import PRECOMPUTED, sequential_squared_norms
from ._smo import solve


def squared_norms(kind: int, X: np.ndarray) -> np.ndarray:
    if kind == PRECOMPUTED:
        return np.zeros(X.shape[0])
    return sequential_squared_norms(X)


def kernel_matrix(kind: int, A: np.ndarray, B: np.ndarray, gamma: float, coef0: float,
                  degree: int) -> np.ndarray:
    """K(A, B) as one GEMM plus an elementwise map (``A`` is the kernel itself if precomputed)."""
    if kind == PRECOMPUTED:
        return A
    dots = A @ B.T
    if kind == 0:
        return dots
    if kind == 1:
        return (gamma * dots + coef0) ** degree
    if kind == 2:
        sa = np.einsum("ij,ij->i", A, A)
        sb = np.einsum("ij,ij->i", B, B)
        dots *= -2.0
        dots += sa[:, None]
        dots += sb[None, :]
        dots *= -gamma
        return np.exp(dots, out=dots)
    return np.tanh(gamma * dots + coef0)


def _rows(kind: int, X: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Training rows ``idx``; for a precomputed kernel the sub-matrix K[idx, idx]."""
    if kind == PRECOMPUTED:
        return np.ascontiguousarray(X[np.ix_(idx, idx)])
    return np.ascontiguousarray(X[idx])


def solve_binary(kind, X, y_pm, C_per_row, params):
    """One C-SVC problem on rows of X with labels +-1: returns (alpha * y, rho, n_iter)."""
    n = X.shape[0]
    alpha, rho, n_iter, reached = solve(
        kind, X, squared_norms(kind, X), params["gamma"], params["coef0"], params["degree"],
        np.arange(n), y_pm, -np.ones(n), C_per_row, tol=params["tol"],
        shrinking=params["shrinking"], max_iter=params["max_iter"],
        cache_size=params["cache_size"])
    return alpha * y_pm, rho, n_iter, reached


def fit_svc(kind, X, y_enc, n_classes, C_row, params, probability, rng):
    """One-vs-one C-SVC over classes 0..n_classes-1 (libsvm's ``svm_train``).

    ``X`` rows must already be grouped by class (class 0 first), as libsvm groups them.
    Returns a dict with support (positions in X), n_support, dual_coef (n_classes-1, n_SV),
    intercept (-rho per pair), n_iter per pair, prob_a/prob_b when ``probability``.
    """
    counts = np.bincount(y_enc, minlength=n_classes)
    start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    n_pairs = n_classes * (n_classes - 1) // 2
    coefs = []
    rhos = np.empty(n_pairs)
    n_iter = np.empty(n_pairs, np.int64)
    prob_a = np.empty(n_pairs)
    prob_b = np.empty(n_pairs)
    nonzero = np.zeros(X.shape[0], bool)
    reached_any = False
    p = 0
    for i in range(n_classes):
        for j in range(i + 1, n_classes):
            idx = np.concatenate([np.arange(start[i], start[i] + counts[i]),
                                  np.arange(start[j], start[j] + counts[j])])
            y_pm = np.where(np.arange(idx.size) < counts[i], 1.0, -1.0)
            Xs = _rows(kind, X, idx)
            if probability:
                prob_a[p], prob_b[p] = _platt.binary_probability(
                    lambda Xt, yt, Ct: solve_binary(kind, Xt, yt, Ct, params)[:2],
                    lambda Xtr, Xte, tr, te, idx=idx: _cross_kernel(kind, X, idx, tr, te,
                                                                    params),
                    kind, Xs, y_pm, C_row[idx], rng)
            coef, rhos[p], n_iter[p], reached = solve_binary(kind, Xs, y_pm, C_row[idx], params)
            reached_any |= reached
            nonzero[idx[coef != 0.0]] = True
            coefs.append((idx, coef))
            p += 1
    support = np.flatnonzero(nonzero)
    position = -np.ones(X.shape[0], np.int64)
    position[support] = np.arange(support.size)
    dual = np.zeros((max(n_classes - 1, 1), support.size))
    p = 0
    for i in range(n_classes):
        for j in range(i + 1, n_classes):
            idx, coef = coefs[p]
            in_i = np.arange(idx.size) < counts[i]
            keep = coef != 0.0
            # SVs of class i go to row j-1, SVs of class j to row i (libsvm's layout).
            dual[j - 1, position[idx[in_i & keep]]] = coef[in_i & keep]
            dual[i, position[idx[~in_i & keep]]] = coef[~in_i & keep]
            p += 1
    n_support = np.array([np.count_nonzero(nonzero[start[c]:start[c] + counts[c]])
                          for c in range(n_classes)], np.int32)
    out = {"support": support, "n_support": n_support, "dual_coef": dual, "intercept": -rhos,
           "n_iter": n_iter, "reached_max_iter": reached_any}
    if probability:
        out["prob_a"] = prob_a
        out["prob_b"] = prob_b
    return out


def _cross_kernel(kind, X, idx, train, test, params):
    """Kernel rows for Platt's internal cross-validation (test rows x train rows)."""
    if kind == PRECOMPUTED:
        return X[np.ix_(idx[test], idx[train])]
    return kernel_matrix(kind, X[idx[test]], X[idx[train]], params["gamma"], params["coef0"],
                         params["degree"])


def ovo_decision(K, n_support, dual_coef, intercept):
    """libsvm's pairwise decision values (n_samples, n_pairs); positive votes for class i."""
    n_classes = n_support.size
    start = np.concatenate([[0], np.cumsum(n_support)[:-1]])
    n_pairs = n_classes * (n_classes - 1) // 2
    out = np.empty((K.shape[0], n_pairs))
    p = 0
    for i in range(n_classes):
        si = slice(start[i], start[i] + n_support[i])
        for j in range(i + 1, n_classes):
            sj = slice(start[j], start[j] + n_support[j])
            out[:, p] = K[:, si] @ dual_coef[j - 1, si] + K[:, sj] @ dual_coef[i, sj] \
                + intercept[p]
            p += 1
    return out


def ovo_vote(dec, n_classes):
    """libsvm's prediction: one vote per pair, ties to the lower class index."""
    votes = np.zeros((dec.shape[0], n_classes), np.int64)
    p = 0
    for i in range(n_classes):
        for j in range(i + 1, n_classes):
            positive = dec[:, p] > 0
            votes[positive, i] += 1
            votes[~positive, j] += 1
            p += 1
    return np.argmax(votes, axis=1)


def ovr_from_ovo(dec, n_classes):
    """scikit-learn's ``decision_function_shape='ovr'``: votes plus bounded confidences."""
    votes = np.zeros((dec.shape[0], n_classes))
    confidence = np.zeros((dec.shape[0], n_classes))
    p = 0
    for i in range(n_classes):
        for j in range(i + 1, n_classes):
            confidence[:, i] += dec[:, p]
            confidence[:, j] -= dec[:, p]
            votes[dec[:, p] >= 0, i] += 1
            votes[dec[:, p] < 0, j] += 1
            p += 1
    return votes + confidence / (3.0 * (np.abs(confidence) + 1.0))


def fit_svr(kind, X, z, C_row, epsilon, params):
    """epsilon-SVR (libsvm's ``solve_epsilon_svr``): returns support, dual_coef, intercept."""
    n = X.shape[0]
    real = np.concatenate([np.arange(n), np.arange(n)])
    y = np.concatenate([np.ones(n), -np.ones(n)])
    p = np.concatenate([epsilon - z, epsilon + z])
    alpha, rho, n_iter, reached = solve(
        kind, X, squared_norms(kind, X), params["gamma"], params["coef0"], params["degree"],
        real, y, p, np.concatenate([C_row, C_row]), tol=params["tol"],
        shrinking=params["shrinking"], max_iter=params["max_iter"],
        cache_size=params["cache_size"])
    coef = alpha[:n] - alpha[n:]
    support = np.flatnonzero(coef != 0.0)
    return {"support": support, "dual_coef": coef[support][None, :],
            "intercept": np.array([-rho]), "n_iter": np.array([n_iter]),
            "reached_max_iter": reached}
