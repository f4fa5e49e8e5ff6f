"""Lasso and ElasticNet by coordinate descent, and their regularisation paths.

Objective (scikit-learn's): ``1/(2 n) ||y - X w||^2 + alpha l1_ratio ||w||_1
+ 0.5 alpha (1 - l1_ratio) ||w||^2``; with sample weights the squared error is weighted and
n becomes the sum of the weights normalised to n. The Numba kernels in ``_cd_kernels`` run on
host memory: a GPU input is copied to the host once and the result moved back.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from numeru.core.errors import ConvergenceWarning, ShapeError, expected
from numeru.core.estimator import BaseEstimator, RegressorMixin
from numeru.core.validation import check_array, to_numpy

from ._base import (
    LinearPredictMixin,
    check_bool,
    check_count,
    check_number,
    like_backend,
    prepare_regression,
    set_coefficients,
)
from ._cd_kernels import cd_dense, cd_gram
from ._rng import seed_from
from ._solvers import gram as _gram


def _strategy(precompute: Any, n: int, p: int) -> str:
    """'dense', 'gram' or 'auto' (dense sweeps first, the Gram matrix once they drag on)."""
    if precompute == "auto":
        return "auto" if n > p else "dense"
    if isinstance(precompute, (bool, np.bool_)):
        return "gram" if precompute else "dense"
    raise expected("precompute", "'auto', True or False", precompute)


def _solve_targets(X: np.ndarray | None, Y: np.ndarray, W: np.ndarray, l1: float, l2: float,
                   max_iter: int, tol: float, positive: bool, strategy: str, seed: int,
                   gram: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run coordinate descent for every column of Y from the starts in W (updated in place);
    returns (W, duality gaps, sweeps) with one gap and one sweep count per column.

    A dense sweep costs O(n p) and the Gram matrix O(n p^2) once, after which a sweep costs
    O(p^2): with ``strategy='auto'`` the first ``max(5, p // 4)`` sweeps run dense (most
    well-posed problems converge there) and only a problem still running switches to Gram.
    """
    gaps = np.zeros(Y.shape[1])
    sweeps = np.zeros(Y.shape[1], np.int64)
    if gram is not None:  # (X'X, X'Y, ||y_k||^2) given: X itself is not needed
        strategy = "gram"
    Xf = np.asfortranarray(X) if strategy != "gram" else None
    dense_sweeps = max_iter if strategy == "dense" else \
        (min(max_iter, max(5, W.shape[0] // 4)) if strategy == "auto" else 0)
    for k in range(Y.shape[1]):
        w = W[:, k].copy()
        y = np.ascontiguousarray(Y[:, k])
        done = 0
        gap = scaled_tol = np.inf
        if dense_sweeps:
            gap, scaled_tol, done = cd_dense(w, l1, l2, Xf, y, dense_sweeps, tol, positive,
                                             seed)
        if done < max_iter and not (done and (done < dense_sweeps or gap < scaled_tol)):
            if gram is None:
                assert X is not None
                gram = (_gram(X), X.T @ Y, np.einsum("ij,ij->j", Y, Y))
            Q, q_all, y_norm2 = gram
            gap, scaled_tol, more = cd_gram(w, l1, l2, Q, np.ascontiguousarray(q_all[:, k]),
                                            float(y_norm2[k]), max_iter - done, tol, positive,
                                            seed)
            done += more
        W[:, k] = w
        gaps[k] = gap
        sweeps[k] = done
        if gap >= scaled_tol and done >= max_iter:
            warnings.warn(f"coordinate descent did not converge: duality gap {gap:.3e} > tol "
                          f"{scaled_tol:.3e} after max_iter={max_iter} iterations; increase "
                          "max_iter, raise tol or scale the features", ConvergenceWarning,
                          stacklevel=4)
    return W, gaps, sweeps


# Up to this many features, the Gram matrix of C-ordered data (one BLAS syrk, no copy of X)
# is cheaper than the Fortran-ordered copy the column sweeps need.
_GRAM_DIRECT = 256


def _centred_gram(X: np.ndarray, Y: np.ndarray, fit_intercept: bool) -> tuple[Any, ...]:
    """((X_c'X_c, X_c'Y_c, ||Y_c||^2), x_offset, y_offset, Y_c) without forming X_c.

    X_c'X_c = X'X - n m m' loses digits when a column's mean dwarfs its spread; then
    (None, ...) tells the caller to centre a copy instead.
    """
    n, p = X.shape
    Q = _gram(X)
    if fit_intercept:
        x_off = X.mean(axis=0)
        y_off = Y.mean(axis=0)
        second = np.diag(Q) / n
        # keep at least ~12 of 16 digits in every centred diagonal entry
        if np.any(x_off * x_off > (1.0 - 1e-4) * second):
            return None, None, None, None
        Q = Q - n * np.outer(x_off, x_off)
        Yc = Y - y_off
    else:
        x_off, y_off, Yc = np.zeros(p), np.zeros(Y.shape[1]), Y
    # X_c'Y_c = X'Y_c because the columns of Y_c sum to zero
    return (Q, X.T @ Yc, np.einsum("ij,ij->j", Yc, Yc)), x_off, y_off, Yc


class ElasticNet(LinearPredictMixin, RegressorMixin, BaseEstimator):
    """Linear regression with combined L1 and L2 penalties (scikit-learn's ``ElasticNet``).

    ``precompute='auto'`` (default): when samples outnumber features, the Gram matrix of
    C-ordered data for up to 256 unweighted features, otherwise a few dense sweeps first and
    the Gram matrix if the problem needs many more (each sweep O(p^2) instead of O(n p)); the
    solution is the same either way. True/False force Gram / dense.
    """

    _l1_ratio_fixed: float | None = None

    def __init__(self, alpha: float = 1.0, *, l1_ratio: float = 0.5, fit_intercept: bool = True,
                 precompute: Any = "auto", max_iter: int = 1000, copy_X: bool = True,
                 tol: float = 1e-4, warm_start: bool = False, positive: bool = False,
                 random_state: Any = None, selection: str = "cyclic") -> None:
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.copy_X = copy_X
        self.tol = tol
        self.warm_start = warm_start
        self.positive = positive
        self.random_state = random_state
        self.selection = selection

    def _ratio(self) -> float:
        return check_number("l1_ratio", self.l1_ratio, high=1.0)

    def fit(self, X: Any, y: Any, sample_weight: Any = None, check_input: bool = True) -> Any:
        alpha = check_number("alpha", self.alpha)
        l1_ratio = self._ratio()
        fit_intercept = check_bool("fit_intercept", self.fit_intercept)
        positive = check_bool("positive", self.positive)
        max_iter = check_count("max_iter", self.max_iter)
        tol = check_number("tol", self.tol)
        if self.selection not in ("cyclic", "random"):
            raise expected("selection", "'cyclic' or 'random'", self.selection)
        Xb, yb, sw = prepare_regression(self, X, y, sample_weight)
        Xh = np.asarray(to_numpy(Xb), dtype=np.float64)
        yh = np.asarray(to_numpy(yb), dtype=np.float64)
        n, p = Xh.shape
        Y = yh[:, None] if yh.ndim == 1 else yh
        if sw is not None:
            swh = np.asarray(to_numpy(sw), dtype=np.float64)
            swh = swh * (n / swh.sum())  # weights normalised to sum to n, as scikit-learn
        else:
            swh = None
        strategy = _strategy(self.precompute, n, p)
        gram = None
        if swh is None and strategy != "dense" and (strategy == "gram" or p <= _GRAM_DIRECT):
            gram, x_off, y_off, Yc = _centred_gram(Xh, Y, fit_intercept)
        if gram is None:
            # one Fortran-ordered working copy, centred and weighted in place: coordinate
            # descent walks columns, and a Gram matrix comes from it without another copy
            Xc = np.array(Xh, dtype=np.float64, order="F", copy=True)
            if fit_intercept:
                x_off = np.average(Xh, axis=0, weights=swh)
                y_off = np.average(Y, axis=0, weights=swh)
                Xc -= x_off
                Yc = Y - y_off
            else:
                x_off, y_off = np.zeros(p), np.zeros(Y.shape[1])
                Yc = Y.copy()
            if swh is not None:
                root = np.sqrt(swh)
                Xc *= root[:, None]
                Yc *= root[:, None]
        else:
            Xc = None
        W = np.zeros((p, Y.shape[1]))
        if check_bool("warm_start", self.warm_start) and hasattr(self, "coef_"):
            previous = np.asarray(to_numpy(self.coef_), dtype=np.float64).reshape(-1, p).T
            if previous.shape == W.shape:
                W[:] = previous
        seed = seed_from(self.random_state) if self.selection == "random" else -1
        W, gaps, n_iter = _solve_targets(Xc, Yc, W, alpha * l1_ratio * n,
                                         alpha * (1.0 - l1_ratio) * n, max_iter, tol, positive,
                                         strategy, seed, gram)
        intercept = y_off - x_off @ W
        xp_coef = like_backend(Xb, W.T if yh.ndim == 2 else W[:, 0])
        xp_int = like_backend(Xb, intercept if yh.ndim == 2 else intercept[0])
        set_coefficients(self, xp_coef, xp_int, X, yh.ndim)
        # scikit-learn: one count for a 1-D y, a list with one per target otherwise
        self.n_iter_ = int(n_iter[0]) if yh.ndim == 1 else [int(v) for v in n_iter]
        self.dual_gap_ = float(gaps[0] / n) if yh.ndim == 1 else gaps / n
        return self

    @property
    def sparse_coef_(self) -> Any:
        from scipy import sparse

        return sparse.csr_matrix(np.atleast_2d(to_numpy(self.coef_)))


class Lasso(ElasticNet):
    """Linear regression with an L1 penalty (scikit-learn's ``Lasso``): ElasticNet with
    ``l1_ratio=1``."""

    def __init__(self, alpha: float = 1.0, *, fit_intercept: bool = True,
                 precompute: Any = "auto", copy_X: bool = True, max_iter: int = 1000,
                 tol: float = 1e-4, warm_start: bool = False, positive: bool = False,
                 random_state: Any = None, selection: str = "cyclic") -> None:
        super().__init__(alpha=alpha, l1_ratio=1.0, fit_intercept=fit_intercept,
                         precompute=precompute, max_iter=max_iter, copy_X=copy_X, tol=tol,
                         warm_start=warm_start, positive=positive, random_state=random_state,
                         selection=selection)

    def _ratio(self) -> float:
        return 1.0


def enet_path(X: Any, y: Any, *, l1_ratio: float = 0.5, eps: float = 1e-3,
              n_alphas: int = 100, alphas: Any = None, precompute: Any = "auto",
              coef_init: Any = None, positive: bool = False, max_iter: int = 1000,
              tol: float = 1e-4, return_n_iter: bool = False) -> tuple[Any, ...]:
    """Elastic-net solutions along a decreasing grid of alphas (warm-started), as
    scikit-learn's ``enet_path``: X and y are used as given (no centring).

    Returns ``(alphas, coefs, dual_gaps)`` (+ ``n_iters``); ``coefs`` has shape
    (n_features, n_alphas), or (n_targets, n_features, n_alphas) for a 2-D y.
    """
    l1_ratio = check_number("l1_ratio", l1_ratio, high=1.0)
    Xb = check_array(X, "X", dtype="float")
    Xh = np.asarray(to_numpy(Xb), dtype=np.float64)
    yh = np.asarray(to_numpy(y), dtype=np.float64)
    if yh.shape[0] != Xh.shape[0]:
        raise expected("y", f"{Xh.shape[0]} samples (as X)", f"{yh.shape[0]}",
                       error=ShapeError)
    n, p = Xh.shape
    Y = yh[:, None] if yh.ndim == 1 else yh
    if alphas is None:
        if l1_ratio == 0:
            raise expected("l1_ratio", "a value > 0 when alphas is not given (the grid starts "
                           "at the smallest alpha that zeroes every coefficient)", l1_ratio)
        eps = check_number("eps", eps, allow_low=False)
        n_alphas = check_count("n_alphas", n_alphas)
        alpha_max = np.sqrt(np.sum((Xh.T @ Y) ** 2, axis=1)).max() / (n * l1_ratio)
        if alpha_max <= np.finfo(float).resolution:
            grid = np.full(n_alphas, np.finfo(float).resolution)
        else:
            grid = np.geomspace(alpha_max, alpha_max * eps, num=n_alphas)
    else:
        grid = np.sort(np.asarray(alphas, dtype=np.float64).ravel())[::-1]
    W = np.zeros((p, Y.shape[1]))
    if coef_init is not None:
        W[:] = np.asarray(to_numpy(coef_init), dtype=np.float64).reshape(-1, p).T
    strategy = _strategy(precompute, n, p)
    coefs = np.empty((Y.shape[1], p, grid.size))
    gaps = np.empty(grid.size)
    iters = []
    for i, a in enumerate(grid):
        W, g, n_iter = _solve_targets(Xh, Y, W, a * l1_ratio * n, a * (1.0 - l1_ratio) * n,
                                      check_count("max_iter", max_iter), float(tol),
                                      bool(positive), strategy, -1)
        coefs[:, :, i] = W.T
        gaps[i] = g.sum() / n
        iters.append(int(n_iter.max()))
    out_coefs = coefs[0] if yh.ndim == 1 else coefs
    result = tuple(_output(r, X) for r in (grid, out_coefs, gaps))
    return result + (iters,) if return_n_iter else result


def _output(host: np.ndarray, X_user: Any) -> Any:
    """A path result as the user's input kind (a Tensor on X's device, else NumPy)."""
    from numeru.core.tensor import Tensor

    if isinstance(X_user, Tensor):
        return Tensor(host, "cpu").to(X_user.device)
    return host


def lasso_path(X: Any, y: Any, *, eps: float = 1e-3, n_alphas: int = 100, alphas: Any = None,
               precompute: Any = "auto", coef_init: Any = None, positive: bool = False,
               max_iter: int = 1000, tol: float = 1e-4,
               return_n_iter: bool = False) -> tuple[Any, ...]:
    """``enet_path`` with ``l1_ratio=1``."""
    return enet_path(X, y, l1_ratio=1.0, eps=eps, n_alphas=n_alphas, alphas=alphas,
                     precompute=precompute, coef_init=coef_init, positive=positive,
                     max_iter=max_iter, tol=tol, return_n_iter=return_n_iter)
