"""Dense least-squares solvers on backend arrays, through numeru.linalg (any device).

``lstsq``: for tall, well-conditioned designs the corrected semi-normal equations (Cholesky
factor R of X'X, then one refinement step with the true residual; Björck 1987): one BLAS-3
pass over X, and the accuracy of a QR solve when cond(X)^2 eps is small. Otherwise Householder
QR, with a minimum-norm SVD fallback when X is rank deficient (scikit-learn's
LinearRegression uses LAPACK gelsd, minimum norm too).
``ridge_cholesky``: (X'X + alpha I) w = X'y; ``ridge_svd``: the filter-factor form, which also
handles one alpha per target with one factorization.
"""

from __future__ import annotations

from typing import Any

import numeru.linalg as la
from numeru.core.errors import LinAlgError
from numeru.core.estimator import get_namespace
from numeru.core.tensor import Tensor


def _t(array: Any, like: Any) -> Tensor:
    """Wrap a backend array as a Tensor on the device of ``like`` (no copy)."""
    if isinstance(array, Tensor):
        return array
    from numeru.core.validation import _device_of_backend

    return Tensor(array, _device_of_backend(like))


def gram(X: Any) -> Any:
    """X'X. NumPy (and CuPy) recognise ``X.T @ X`` and call BLAS syrk themselves: half the
    flops of a general product, with the BLAS's own threading (SciPy's syrk wrapper, used
    here before, was 1.3x slower on 100,000 x 100 on two threads, NumPy 2.4)."""
    return X.T @ X


def lstsq(X: Any, Y: Any) -> Any:
    """Least-squares solution of X w = Y (minimum norm when rank deficient)."""
    xp = get_namespace(X)
    n, p = X.shape
    if n >= 4 * p:
        try:
            r = la.cholesky(_t(gram(X), X), upper=True)
        except LinAlgError:
            r = None
        if r is not None:
            diag = xp.abs(xp.linalg.diagonal(r.data)) if hasattr(xp, "linalg") else None
            # diag(R) brackets the singular values; demand cond^2 * eps well below 1
            if diag is not None and float(xp.min(diag)) > 0 and \
                    (float(xp.max(diag)) / float(xp.min(diag))) ** 2 < 1e-3 / \
                    float(xp.finfo(X.dtype).eps):
                w = _semi_normal(r, X, X.T @ Y)
                return w + _semi_normal(r, X, X.T @ (Y - X @ w))
    return lstsq_qr(X, Y)


def _semi_normal(r: Tensor, X: Any, rhs: Any) -> Any:
    """Solve R'R w = rhs with the upper-triangular R."""
    z = la.solve_triangular(r, _t(rhs, X), trans=1)
    return la.solve_triangular(r, z).data


def lstsq_qr(X: Any, Y: Any) -> Any:
    """Minimum-norm least-squares solution of X w = Y (Y 1-D or 2-D)."""
    xp = get_namespace(X)
    n, p = X.shape
    if n >= p:
        q, r = la.qr(_t(X, X))
        diag = xp.abs(xp.linalg.diagonal(r.data)) if hasattr(xp, "linalg") else None
        if diag is not None and float(xp.min(diag)) > float(xp.max(diag)) * max(n, p) * \
                xp.finfo(X.dtype).eps:
            rhs = q.data.T @ Y
            return la.solve_triangular(r, _t(rhs, X)).data
    return la.lstsq(_t(X, X), _t(Y, X)).solution.data


def ridge_cholesky(X: Any, Y: Any, alpha: Any) -> Any:
    """Solve (X'X + alpha I) W = X'Y; ``alpha`` a scalar or one per column of Y."""
    xp = get_namespace(X)
    n, p = X.shape
    alphas = xp.reshape(xp.asarray(alpha, dtype=X.dtype), (-1,))
    if n >= p or alphas.shape[0] > 1:
        xtx = gram(X)
        rhs = X.T @ Y
        eye = xp.eye(p, dtype=X.dtype)
        if alphas.shape[0] == 1:
            factor = la.cho_factor(_t(xtx + alphas[0] * eye, X))
            return la.cho_solve(factor, _t(rhs, X)).data
        columns = []
        for j in range(alphas.shape[0]):
            factor = la.cho_factor(_t(xtx + alphas[j] * eye, X))
            columns.append(la.cho_solve(factor, _t(rhs[:, j], X)).data)
        return xp.stack(columns, axis=1)
    # more features than samples: the kernel form (X X' + alpha I) c = Y, W = X' c
    kernel = X @ X.T + alphas[0] * xp.eye(n, dtype=X.dtype)
    factor = la.cho_factor(_t(kernel, X))
    return X.T @ la.cho_solve(factor, _t(Y, X)).data


def ridge_svd(X: Any, Y: Any, alpha: Any) -> Any:
    """W = V diag(s / (s^2 + alpha)) U' Y, with one alpha per target when given."""
    xp = get_namespace(X)
    u, s, vt = la.svd(_t(X, X), full_matrices=False)
    u, s, vt = u.data, s.data, vt.data
    alphas = xp.reshape(xp.asarray(alpha, dtype=X.dtype), (-1,))
    keep = s > 1e-15  # scikit-learn drops numerically zero singular values the same way
    s_kept = xp.where(keep, s, xp.ones_like(s))
    uty = u.T @ Y
    if Y.ndim == 1:
        d = xp.where(keep, s_kept / (s_kept ** 2 + alphas[0]), xp.zeros_like(s))
        return vt.T @ (d * uty)
    d = xp.where(keep[:, None], s_kept[:, None] / (s_kept[:, None] ** 2 + alphas[None, :]),
                 xp.zeros((s.shape[0], alphas.shape[0]), dtype=X.dtype))
    return vt.T @ (d * uty)
