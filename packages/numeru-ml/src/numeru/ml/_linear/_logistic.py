"""LogisticRegression: binary (sigmoid) and multinomial (softmax), L2 / L1 / elastic net.

Solvers:
- ``lbfgs`` (default, L2 or none): SciPy's L-BFGS-B with scikit-learn's options; the loss
  and gradient are evaluated on the data's device, only the parameter vector visits the host.
- ``newton-cholesky`` (L2 or none): Newton steps with the full Hessian factorised by Cholesky
  through numeru.linalg, Armijo backtracking; best for few features.
- ``saga`` (any penalty, required for L1 / elastic net): numeru runs a deterministic
  full-batch accelerated proximal gradient (FISTA with backtracking) under this name, so that
  scikit-learn code keeps working; it reaches the same optimum, not the same iterates.

The penalty follows scikit-learn 1.8+: ``l1_ratio`` in [0, 1] (0: L2, 1: L1), ``C=inf``: none.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

import numeru.linalg as la
from numeru.core.errors import ConvergenceWarning, LinAlgError, expected
from numeru.core.estimator import (
    BaseEstimator,
    ClassifierMixin,
    check_sample_weight,
    get_namespace,
    to_output,
    validate_data,
)
from numeru.core.validation import to_numpy

from .._classic_utils import class_weights
from ._base import backend, check_bool, check_count, check_number, labels_output, like_backend
from ._logistic_loss import hessian, loss_grad, probabilities
from ._solvers import _t

_SOLVERS = ("lbfgs", "newton-cholesky", "saga")


class LogisticRegression(ClassifierMixin, BaseEstimator):
    """Logistic regression classifier with scikit-learn's API and objective."""

    coef_: Any
    intercept_: Any

    def __init__(self, *, C: float = 1.0, l1_ratio: float = 0.0,
                 tol: float = 1e-4, fit_intercept: bool = True, class_weight: Any = None,
                 random_state: Any = None, solver: str = "lbfgs", max_iter: int = 100,
                 warm_start: bool = False) -> None:
        self.C = C
        self.l1_ratio = l1_ratio
        self.tol = tol
        self.fit_intercept = fit_intercept
        self.class_weight = class_weight
        self.random_state = random_state
        self.solver = solver
        self.max_iter = max_iter
        self.warm_start = warm_start

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> LogisticRegression:
        C = check_number("C", self.C, allow_low=False) if self.C != math.inf else math.inf
        l1_ratio = check_number("l1_ratio", self.l1_ratio, high=1.0)
        tol = check_number("tol", self.tol)
        max_iter = check_count("max_iter", self.max_iter)
        fit_intercept = check_bool("fit_intercept", self.fit_intercept)
        if self.solver not in _SOLVERS:
            raise expected("solver", "one of " + ", ".join(map(repr, _SOLVERS)), self.solver)
        if l1_ratio > 0 and C != math.inf and self.solver != "saga":
            raise expected("solver", f"'saga' for l1_ratio={l1_ratio} (an L1 term needs a "
                           "proximal solver)", self.solver)
        Xb, yb = validate_data(self, X, y, dtype="float")
        xp = get_namespace(Xb)
        labels = to_numpy(yb)
        classes, y_enc = np.unique(labels, return_inverse=True)
        y_enc = y_enc.reshape(-1)
        if classes.size < 2:
            raise expected("y", "at least 2 classes", f"only {classes.tolist()}")
        self.classes_ = classes
        K = 1 if classes.size == 2 else classes.size
        Y_host = (y_enc[:, None] == (np.arange(K) if K > 1 else np.array([1]))[None, :])
        Y = _to_backend(Xb, Y_host.astype(np.float64))
        sw = check_sample_weight(sample_weight, Xb.shape[0], like=Xb)
        cw = class_weights(self.class_weight, classes, y_enc, to_numpy(sw))
        if self.class_weight is not None:
            sw = sw * _to_backend(Xb, cw[y_enc].astype(np.float64))
        S = float(xp.sum(sw))
        l2 = 0.0 if C == math.inf else (1.0 - l1_ratio) / (C * S)
        l1 = 0.0 if C == math.inf else l1_ratio / (C * S)
        p = Xb.shape[1]
        theta0 = np.zeros((K, p + 1))
        if check_bool("warm_start", self.warm_start) and hasattr(self, "coef_"):
            previous = np.asarray(to_numpy(self.coef_))
            if previous.shape == (K, p):
                theta0[:, :-1] = previous
                theta0[:, -1] = np.asarray(to_numpy(self.intercept_))
        if self.solver == "lbfgs":
            theta, n_iter = _lbfgs(xp, Xb, Y, sw, l2, fit_intercept, theta0, tol, max_iter)
        elif self.solver == "newton-cholesky":
            theta, n_iter = _newton(xp, Xb, Y, sw, l2, fit_intercept, theta0, tol, max_iter)
        else:
            theta, n_iter = _fista(xp, Xb, Y, sw, l2, l1, fit_intercept, theta0, tol, max_iter)
        if K > 1 and fit_intercept:
            # the softmax model is unchanged by a common shift of the intercepts: report the
            # centred ones, as scikit-learn does
            theta[:, -1] -= theta[:, -1].mean()
        theta_b = _to_backend(Xb, theta)
        self.coef_ = to_output(self, theta_b[:, :-1], like=X)
        self.intercept_ = to_output(self, theta_b[:, -1] if fit_intercept
                                    else theta_b[:, -1] * 0, like=X)
        self.n_iter_ = np.asarray([n_iter], dtype=np.int32)
        return self

    # -- prediction -------------------------------------------------------------------------
    def decision_function(self, X: Any) -> Any:
        Xb, _ = validate_data(self, X, reset=False, dtype="float")
        W, b = backend(self.coef_), backend(self.intercept_)
        Z = Xb @ W.T + b
        return to_output(self, Z[:, 0] if Z.shape[1] == 1 else Z, like=X)

    def predict_proba(self, X: Any) -> Any:
        Xb, _ = validate_data(self, X, reset=False, dtype="float")
        xp = get_namespace(Xb)
        W, b = backend(self.coef_), backend(self.intercept_)
        P = probabilities(xp, Xb @ W.T + b)
        if P.shape[1] == 1:
            P = xp.concat([1.0 - P, P], axis=1)
        return to_output(self, P, like=X)

    def predict_log_proba(self, X: Any) -> Any:
        """log(predict_proba), computed stably (log-sigmoid / log-softmax of the scores)."""
        Xb, _ = validate_data(self, X, reset=False, dtype="float")
        xp = get_namespace(Xb)
        W, b = backend(self.coef_), backend(self.intercept_)
        Z = Xb @ W.T + b
        if Z.shape[1] == 1:  # columns: log(1 - sigmoid(z)), log(sigmoid(z))
            Z = xp.concat([xp.zeros_like(Z), Z], axis=1)
        top = xp.max(Z, axis=1, keepdims=True)
        log_total = xp.log(xp.sum(xp.exp(Z - top), axis=1, keepdims=True)) + top
        return to_output(self, Z - log_total, like=X)

    def predict(self, X: Any) -> Any:
        Xb, _ = validate_data(self, X, reset=False, dtype="float")
        W, b = backend(self.coef_), backend(self.intercept_)
        Z = to_numpy(Xb @ W.T + b)
        index = (Z[:, 0] > 0).astype(np.int64) if Z.shape[1] == 1 else np.argmax(Z, axis=1)
        return labels_output(self.classes_[index], X)


_to_backend = like_backend


def _warn(solver: str, max_iter: int) -> None:
    warnings.warn(f"LogisticRegression(solver='{solver}') did not converge in "
                  f"max_iter={max_iter} iterations; increase max_iter or scale the data",
                  ConvergenceWarning, stacklevel=4)


def _lbfgs(xp: Any, X: Any, Y: Any, sw: Any, l2: float, fit_intercept: bool,
           theta0: np.ndarray, tol: float, max_iter: int) -> tuple[np.ndarray, int]:
    from scipy.optimize import minimize

    shape = theta0.shape

    def fun(flat: np.ndarray) -> tuple[float, np.ndarray]:
        theta = _to_backend(X, flat.reshape(shape))
        value, grad, _ = loss_grad(xp, theta, X, Y, sw, l2, fit_intercept)
        if not fit_intercept:
            grad[:, -1] = 0.0
        return value, np.asarray(to_numpy(grad), dtype=np.float64).ravel()

    result = minimize(fun, theta0.ravel(), method="L-BFGS-B", jac=True,
                      options={"maxiter": max_iter, "maxls": 50, "gtol": tol,
                               "ftol": 64 * np.finfo(float).eps})
    if result.status != 0 and result.nit >= max_iter:
        _warn("lbfgs", max_iter)
    return result.x.reshape(shape), int(result.nit)


def _newton(xp: Any, X: Any, Y: Any, sw: Any, l2: float, fit_intercept: bool,
            theta0: np.ndarray, tol: float, max_iter: int) -> tuple[np.ndarray, int]:
    theta = _to_backend(X, theta0)
    value, grad, P = loss_grad(xp, theta, X, Y, sw, l2, fit_intercept)
    for it in range(1, max_iter + 1):
        if not fit_intercept:
            grad[:, -1] = 0.0
        if float(xp.max(xp.abs(grad))) <= tol:
            return np.asarray(to_numpy(theta)), it - 1
        H = hessian(xp, X, P, sw, l2, fit_intercept)
        # the softmax model is invariant to shifting every intercept: a tiny ridge keeps the
        # Hessian definite without moving the step off the gradient's (centred) subspace
        H = H + 1e-12 * xp.eye(H.shape[0], dtype=H.dtype)
        g = xp.reshape(grad, (-1,))
        try:
            factor = la.cho_factor(_t(H, X))
            step = -la.cho_solve(factor, _t(g, X)).data
        except LinAlgError:
            step = -la.lstsq(_t(H, X), _t(g, X)).solution.data
        step = xp.reshape(step, theta.shape)
        slope = float(xp.sum(grad * step))
        t = 1.0
        for _ in range(50):  # Armijo backtracking
            candidate = theta + t * step
            new_value, new_grad, new_P = loss_grad(xp, candidate, X, Y, sw, l2, fit_intercept)
            if new_value <= value + 1e-4 * t * slope:
                break
            t *= 0.5
        converged = abs(value - new_value) <= 1e-15 * max(1.0, abs(value))
        theta, value, grad, P = candidate, new_value, new_grad, new_P
        if converged:
            return np.asarray(to_numpy(theta)), it
    _warn("newton-cholesky", max_iter)
    return np.asarray(to_numpy(theta)), max_iter


def _fista(xp: Any, X: Any, Y: Any, sw: Any, l2: float, l1: float, fit_intercept: bool,
           theta0: np.ndarray, tol: float, max_iter: int) -> tuple[np.ndarray, int]:
    """Accelerated proximal gradient on the smooth part with the L1 prox on the weights."""
    theta = _to_backend(X, theta0)
    momentum_point = theta
    t_k = 1.0
    lipschitz = 1.0
    mask = xp.ones_like(theta)
    mask[:, -1] = 0.0  # intercepts: no L1

    def prox(point: Any, step: float) -> Any:
        shrunk = xp.sign(point) * xp.maximum(xp.abs(point) - step * l1, 0.0)
        out = point * (1 - mask) + shrunk * mask
        if not fit_intercept:
            out[:, -1] = 0.0
        return out

    # iterations are cheap (one gradient each), so allow more of them than Newton-type solvers
    budget = max_iter * 100
    for it in range(1, budget + 1):
        value, grad, _ = loss_grad(xp, momentum_point, X, Y, sw, l2, fit_intercept)
        while True:
            candidate = prox(momentum_point - grad / lipschitz, 1.0 / lipschitz)
            diff = candidate - momentum_point
            new_value, _, _ = loss_grad(xp, candidate, X, Y, sw, l2, fit_intercept)
            bound = value + float(xp.sum(grad * diff)) + 0.5 * lipschitz * float(xp.sum(diff
                                                                                     * diff))
            if new_value <= bound + 1e-15 * abs(value):
                break
            lipschitz *= 2.0
        change = float(xp.max(xp.abs(candidate - theta)))
        scale = max(1.0, float(xp.max(xp.abs(candidate))))
        t_next = (1.0 + math.sqrt(1.0 + 4.0 * t_k * t_k)) / 2.0
        momentum_point = candidate + ((t_k - 1.0) / t_next) * (candidate - theta)
        theta, t_k = candidate, t_next
        # gradient-mapping optimality: the prox step moves less than tol (times its scale)
        if float(xp.max(xp.abs(diff))) * lipschitz <= tol and change <= tol * scale:
            return np.asarray(to_numpy(theta)), it
        lipschitz *= 0.9  # let the step grow again
    _warn("saga", budget)
    return np.asarray(to_numpy(theta)), budget
