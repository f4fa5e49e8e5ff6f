"""The logistic loss and its derivatives, written against the array namespace ``xp``.

Parameters are packed as ``theta`` of shape (K, p + 1) (last column: intercepts), K = 1 for
two classes (labels 0/1, the sigmoid model) and K = n_classes otherwise (the symmetric
softmax model). The objective is scikit-learn's:
``(1/S) sum_i s_i loss_i + (l2 / 2) ||W||^2`` with S the sum of the sample weights ``s``;
intercepts are not penalised.
"""

from __future__ import annotations

from typing import Any


def scores(xp: Any, X: Any, theta: Any, fit_intercept: bool) -> Any:
    # a contiguous copy of the (small) weights keeps the product a plain BLAS gemv/gemm
    W = xp.asarray(theta[:, :-1], copy=True)
    Z = (X @ W[0])[:, None] if W.shape[0] == 1 else X @ W.T
    return Z + theta[:, -1] if fit_intercept else Z


def probabilities(xp: Any, Z: Any) -> Any:
    """Sigmoid of the single column (binary) or softmax over the columns."""
    if Z.shape[1] == 1:
        return 1.0 / (1.0 + xp.exp(-Z))
    shifted = Z - xp.max(Z, axis=1, keepdims=True)
    e = xp.exp(shifted)
    return e / xp.sum(e, axis=1, keepdims=True)


def loss_grad(xp: Any, theta: Any, X: Any, Y: Any, sw: Any, l2: float,
              fit_intercept: bool) -> tuple[float, Any, Any]:
    """(objective, gradient like theta, probabilities). ``Y``: (n, K) 0/1 indicators."""
    S = float(xp.sum(sw))
    Z = scores(xp, X, theta, fit_intercept)
    if Z.shape[1] == 1:
        z = Z[:, 0]
        y = Y[:, 0]
        # log(1 + e^z) - y z, computed without overflow
        per = xp.maximum(z, 0.0) + xp.log1p(xp.exp(-xp.abs(z))) - y * z
        P = probabilities(xp, Z)
    else:
        zmax = xp.max(Z, axis=1, keepdims=True)
        lse = xp.log(xp.sum(xp.exp(Z - zmax), axis=1)) + zmax[:, 0]
        per = lse - xp.sum(Y * Z, axis=1)
        P = probabilities(xp, Z)
    W = theta[:, :-1]
    value = float(xp.sum(sw * per)) / S + 0.5 * l2 * float(xp.sum(W * W))
    R = (P - Y) * (sw / S)[:, None]  # (n, K)
    grad = xp.zeros_like(theta)
    if R.shape[1] == 1:
        grad[0, :-1] = R[:, 0] @ X + l2 * W[0]
    else:
        grad[:, :-1] = R.T @ X + l2 * W
    if fit_intercept:
        grad[:, -1] = xp.sum(R, axis=0)
    return value, grad, P


def hessian(xp: Any, X: Any, P: Any, sw: Any, l2: float, fit_intercept: bool) -> Any:
    """The Hessian of the objective over vec(theta) (row-major: class, then feature)."""
    n, p = X.shape
    K = P.shape[1]
    S = float(xp.sum(sw))
    cols = p + 1
    Xa = xp.concat([X, xp.ones((n, 1), dtype=X.dtype)], axis=1)
    H = xp.zeros((K * cols, K * cols), dtype=X.dtype)
    for k in range(K):
        for m in range(k, K):
            if K == 1:
                d = P[:, 0] * (1.0 - P[:, 0])
            elif k == m:
                d = P[:, k] * (1.0 - P[:, k])
            else:
                d = -P[:, k] * P[:, m]
            block = (Xa * (d * sw / S)[:, None]).T @ Xa
            H[k * cols:(k + 1) * cols, m * cols:(m + 1) * cols] = block
            if m != k:
                H[m * cols:(m + 1) * cols, k * cols:(k + 1) * cols] = block.T
    for k in range(K):
        for j in range(p):
            H[k * cols + j, k * cols + j] += l2
        if not fit_intercept:
            H[k * cols + p, :] = 0.0
            H[:, k * cols + p] = 0.0
            H[k * cols + p, k * cols + p] = 1.0
    return H
