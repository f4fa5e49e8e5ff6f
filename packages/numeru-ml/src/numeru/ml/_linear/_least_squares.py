"""LinearRegression (QR / minimum-norm least squares, or non-negative) and Ridge."""

from __future__ import annotations

from typing import Any

import numpy as np

from numeru.core.errors import ShapeError, expected
from numeru.core.estimator import BaseEstimator, RegressorMixin, get_namespace

from ._base import (
    LinearPredictMixin,
    check_bool,
    check_count,
    check_number,
    like_backend,
    prepare_regression,
    preprocess,
    rescale,
    set_coefficients,
)
from ._solvers import lstsq, ridge_cholesky, ridge_svd


def _host(array: Any) -> np.ndarray:
    from numeru.core.validation import to_numpy

    return np.asarray(to_numpy(array), dtype=np.float64)


class LinearRegression(LinearPredictMixin, RegressorMixin, BaseEstimator):
    """Ordinary least squares (scikit-learn's ``LinearRegression``).

    Tall well-conditioned designs are solved by Cholesky with one refinement step (corrected
    semi-normal equations), others by Householder QR, rank-deficient ones by an SVD-based
    minimum-norm solve (as scikit-learn's gelsd). ``positive=True`` solves the
    non-negative problem with Lawson-Hanson NNLS (SciPy, on the host) as scikit-learn does.
    """

    def __init__(self, *, fit_intercept: bool = True, copy_X: bool = True,
                 positive: bool = False) -> None:
        self.fit_intercept = fit_intercept
        self.copy_X = copy_X
        self.positive = positive

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> LinearRegression:
        fit_intercept = check_bool("fit_intercept", self.fit_intercept)
        positive = check_bool("positive", self.positive)
        Xb, yb, sw = prepare_regression(self, X, y, sample_weight)
        Xc, yc, x_off, y_off, sw = preprocess(Xb, yb, fit_intercept, sw)
        if sw is not None:
            Xc, yc = rescale(Xc, yc, sw)
        if positive:
            from scipy.optimize import nnls

            A, B = _host(Xc), _host(yc)
            cols = [nnls(A, B[:, j] if B.ndim == 2 else B)[0]
                    for j in range(B.shape[1] if B.ndim == 2 else 1)]
            coef_host = np.stack(cols, axis=1) if B.ndim == 2 else cols[0]
            coef = like_backend(Xb, coef_host)
        else:
            coef = lstsq(Xc, yc)
        coef_t = coef.T if coef.ndim == 2 else coef  # (n_targets, n_features)
        intercept = y_off - (x_off @ coef if coef.ndim == 1 else x_off @ coef)
        set_coefficients(self, coef_t, intercept, X, yb.ndim)
        return self


_RIDGE_SOLVERS = ("auto", "cholesky", "svd", "sag", "lbfgs")


def _ridge_lbfgs(X: np.ndarray, Y: np.ndarray, alphas: np.ndarray, positive: bool, tol: float,
                 max_iter: int | None) -> tuple[np.ndarray, int]:
    """Ridge by L-BFGS-B (with w >= 0 bounds when ``positive``), as scikit-learn's 'lbfgs'
    solver; each evaluation uses the Gram matrix, O(p^2) instead of O(n p)."""
    import warnings

    from scipy.optimize import minimize

    from numeru.core.errors import ConvergenceWarning

    from ._solvers import gram

    Q = gram(X)
    Ys = Y[:, None] if Y.ndim == 1 else Y
    q_all = X.T @ Ys
    coefs, worst = [], 0
    for j in range(Ys.shape[1]):
        alpha = float(alphas[j] if alphas.shape[0] > 1 else alphas[0])
        q = q_all[:, j]
        y_norm2 = float(Ys[:, j] @ Ys[:, j])

        def fun(w: np.ndarray, q: np.ndarray = q, alpha: float = alpha,
                y_norm2: float = y_norm2) -> tuple[float, np.ndarray]:
            Qw = Q @ w
            value = 0.5 * (w @ Qw) - w @ q + 0.5 * y_norm2 + 0.5 * alpha * (w @ w)
            return value, Qw - q + alpha * w

        options = {} if max_iter is None else {"maxiter": max_iter}
        result = minimize(fun, np.zeros(X.shape[1]), method="L-BFGS-B", jac=True, tol=tol,
                          bounds=[(0, np.inf)] * X.shape[1] if positive else None,
                          options=options)
        if not result.success:
            warnings.warn(f"Ridge(solver='lbfgs') did not converge: {result.message}",
                          ConvergenceWarning, stacklevel=4)
        coefs.append(result.x)
        worst = max(worst, int(result.nit))
    coef = np.stack(coefs, axis=1)
    return (coef[:, 0] if Y.ndim == 1 else coef), worst


class Ridge(LinearPredictMixin, RegressorMixin, BaseEstimator):
    """Least squares with an L2 penalty ``alpha * ||w||^2`` (scikit-learn's ``Ridge``).

    ``alpha`` may be an array with one value per target. Solvers: ``cholesky`` (normal
    equations, or the kernel form when features outnumber samples), ``svd`` (filter factors,
    one factorization for every alpha), ``sag`` (stochastic average gradient, Numba; for very
    many samples), ``lbfgs`` (L-BFGS-B; the solver for ``positive=True``). ``auto`` picks
    cholesky, or lbfgs when ``positive``.
    """

    def __init__(self, alpha: Any = 1.0, *, fit_intercept: bool = True, copy_X: bool = True,
                 max_iter: int | None = None, tol: float = 1e-4, solver: str = "auto",
                 positive: bool = False, random_state: Any = None) -> None:
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.copy_X = copy_X
        self.max_iter = max_iter
        self.tol = tol
        self.solver = solver
        self.positive = positive
        self.random_state = random_state

    def _alphas(self, n_targets: int) -> np.ndarray:
        alpha = np.atleast_1d(np.asarray(self.alpha, dtype=np.float64))
        if alpha.ndim != 1 or not np.all(np.isfinite(alpha)) or np.any(alpha < 0):
            raise expected("alpha", "a non-negative number or one per target", self.alpha)
        if alpha.shape[0] not in (1, n_targets):
            raise expected("alpha", f"1 or {n_targets} values (one per target)",
                           f"{alpha.shape[0]} values", error=ShapeError)
        return alpha

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> Ridge:
        fit_intercept = check_bool("fit_intercept", self.fit_intercept)
        if self.solver not in _RIDGE_SOLVERS:
            raise expected("solver", "one of " + ", ".join(map(repr, _RIDGE_SOLVERS)),
                           self.solver)
        positive = check_bool("positive", self.positive)
        if positive and self.solver not in ("auto", "lbfgs"):
            raise expected("solver", "'lbfgs' or 'auto' with positive=True (the only solver "
                           "that handles the bounds)", self.solver)
        tol = check_number("tol", self.tol)
        Xb, yb, sw = prepare_regression(self, X, y, sample_weight)
        n_targets = 1 if yb.ndim == 1 else yb.shape[1]
        alphas = self._alphas(n_targets)
        Xc, yc, x_off, y_off, sw = preprocess(Xb, yb, fit_intercept, sw)
        if sw is not None:
            Xc, yc = rescale(Xc, yc, sw)
        xp = get_namespace(Xb)
        self.n_iter_ = None
        solver = "lbfgs" if positive else ("cholesky" if self.solver == "auto" else self.solver)
        if solver == "lbfgs":
            coef_host, n_iter = _ridge_lbfgs(_host(Xc), _host(yc), alphas, positive, tol,
                                             self.max_iter)
            coef = like_backend(Xb, coef_host)
            self.n_iter_ = n_iter
        elif solver == "svd":
            coef = ridge_svd(Xc, yc, xp.asarray(alphas, dtype=Xb.dtype))
        elif solver == "sag":
            from ._sag import ridge_sag

            max_iter = 1000 if self.max_iter is None else check_count("max_iter", self.max_iter)
            coef_host, n_iter = ridge_sag(_host(Xc), _host(yc), alphas, tol, max_iter,
                                          self.random_state)
            coef = like_backend(Xb, coef_host)
            self.n_iter_ = n_iter
        else:
            coef = ridge_cholesky(Xc, yc, xp.asarray(alphas, dtype=Xb.dtype))
        intercept = y_off - x_off @ coef
        set_coefficients(self, coef.T if coef.ndim == 2 else coef, intercept, X, yb.ndim)
        self.solver_ = solver
        return self
