"""Stochastic average gradient (Schmidt, Le Roux and Bach) for ridge regression, in Numba.

Minimises 0.5 ||X w - y||^2 + 0.5 alpha ||w||^2 (X, y already centred) with step 1/L,
L = max_i ||x_i||^2 + alpha / n. Stops when an epoch moves the weights by less than
``tol`` relative to their largest magnitude (scikit-learn's criterion).
"""

from __future__ import annotations

import warnings

import numpy as np
from numba import njit

from numeru.core.errors import ConvergenceWarning

from ._rng import seed_from


@njit(cache=True)
def _sag_epochs(X, y, alpha, tol, max_iter, seed):  # pragma: no cover - compiled
    n, p = X.shape
    np.random.seed(seed)  # noqa: NPY002 - Numba's own per-thread state, not NumPy's
    w = np.zeros(p)
    grad_sum = np.zeros(p)
    memory = np.zeros(n)
    seen = np.zeros(n, dtype=np.bool_)
    n_seen = 0
    max_sq = 0.0
    for i in range(n):
        s = 0.0
        for j in range(p):
            s += X[i, j] * X[i, j]
        max_sq = max(max_sq, s)
    reg = alpha / n
    step = 1.0 / (max_sq + reg)
    prev = np.zeros(p)
    for epoch in range(max_iter):
        for j in range(p):
            prev[j] = w[j]
        for _ in range(n):
            i = np.random.randint(0, n)  # noqa: NPY002
            pred = 0.0
            for j in range(p):
                pred += X[i, j] * w[j]
            g = pred - y[i]
            if not seen[i]:
                seen[i] = True
                n_seen += 1
            delta = g - memory[i]
            memory[i] = g
            for j in range(p):
                grad_sum[j] += delta * X[i, j]
            for j in range(p):
                w[j] -= step * (grad_sum[j] / n_seen + reg * w[j])
        max_w = 0.0
        max_change = 0.0
        for j in range(p):
            max_w = max(max_w, abs(w[j]))
            max_change = max(max_change, abs(w[j] - prev[j]))
        if max_w == 0.0 or max_change / max_w <= tol:
            return w, epoch + 1
    return w, max_iter


def ridge_sag(X: np.ndarray, y: np.ndarray, alphas: np.ndarray, tol: float, max_iter: int,
              random_state: object) -> tuple[np.ndarray, int]:
    """Coefficients (n_features,) or (n_features, n_targets) and the largest epoch count."""
    X = np.ascontiguousarray(X, dtype=np.float64)
    Y = y[:, None] if y.ndim == 1 else y
    seed = seed_from(random_state)
    coefs, worst = [], 0
    for j in range(Y.shape[1]):
        alpha = float(alphas[j] if alphas.shape[0] > 1 else alphas[0])
        w, n_iter = _sag_epochs(X, np.ascontiguousarray(Y[:, j], dtype=np.float64), alpha,
                                tol, max_iter, seed)
        worst = max(worst, n_iter)
        if n_iter == max_iter:
            warnings.warn(f"Ridge(solver='sag'): max_iter={max_iter} epochs reached before "
                          f"the weights settled to tol={tol}; increase max_iter",
                          ConvergenceWarning, stacklevel=3)
        coefs.append(w)
    coef = np.stack(coefs, axis=1)
    return (coef[:, 0] if y.ndim == 1 else coef), worst
