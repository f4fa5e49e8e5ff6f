"""Linear support vector machines: ``LinearSVC`` and ``LinearSVR`` (liblinear's problems).

Solvers, for the L2 penalty: liblinear's dual coordinate descent (hinge / squared hinge for
classification, (squared) epsilon-insensitive for regression), and for the squared hinge a
primal Newton-CG solver (``_primal.py``) that ``dual="auto"`` selects when there are more
samples than features, as scikit-learn does. ``LinearSVR`` always uses the dual solver.
Multi-class classification is one-vs-rest; the binary problems run in parallel on numeru's
task pool (the kernels release the GIL) and do not depend on the thread count. The intercept
is liblinear's regularised bias feature scaled by ``intercept_scaling``.
"""

from __future__ import annotations

import warnings

import numpy as np

from numeru.core.errors import ConvergenceWarning, ValidationError, expected
from numeru.core.estimator import (
    BaseEstimator,
    ClassifierMixin,
    RegressorMixin,
    check_is_fitted,
    check_sample_weight,
    to_output,
    validate_data,
)
from numeru.core.parallel import parallel_map

from .._classic_utils import (
    check_choice,
    check_int,
    check_positive,
    class_weights,
    encode_labels,
    seed_of,
    to_host,
)
from ._liblinear import dual_cd_svc, dual_cd_svr
from ._primal import primal_newton_svc


def _check_dual(dual) -> None:
    if dual not in (True, False, "auto"):
        raise expected("dual", 'True, False or "auto"', dual)


def _linear_output(est, X):
    check_is_fitted(est)
    Xv, _ = validate_data(est, X, reset=False, dtype="float")
    xp = np if isinstance(Xv, np.ndarray) else None
    coef = est.coef_
    if xp is None:
        from numeru.core.estimator import get_namespace

        xp = get_namespace(Xv)
        coef = xp.asarray(coef)
    return Xv, Xv @ coef.T + (est.intercept_ if xp is np else xp.asarray(est.intercept_))


class LinearSVC(ClassifierMixin, BaseEstimator):
    """Linear SVM classifier (liblinear's dual coordinate descent or a primal Newton solver,
    one-vs-rest for several classes)."""

    def __init__(self, penalty="l2", loss="squared_hinge", *, dual="auto", tol=1e-4, C=1.0,
                 multi_class="ovr", fit_intercept=True, intercept_scaling=1.0,
                 class_weight=None, random_state=None, max_iter=1000):
        self.penalty = penalty
        self.loss = loss
        self.dual = dual
        self.tol = tol
        self.C = C
        self.multi_class = multi_class
        self.fit_intercept = fit_intercept
        self.intercept_scaling = intercept_scaling
        self.class_weight = class_weight
        self.random_state = random_state
        self.max_iter = max_iter

    def fit(self, X, y, sample_weight=None):
        check_choice("penalty", self.penalty, ("l2",))
        check_choice("loss", self.loss, ("hinge", "squared_hinge"))
        check_choice("multi_class", self.multi_class, ("ovr",))
        _check_dual(self.dual)
        check_positive("C", self.C)
        check_positive("tol", self.tol)
        check_positive("intercept_scaling", self.intercept_scaling)
        max_iter = check_int("max_iter", self.max_iter, 1)
        seed = seed_of(self.random_state)
        X, y = validate_data(self, X, y, dtype="float")
        X = np.ascontiguousarray(to_host(X), dtype=np.float64)
        classes, y_enc = encode_labels(to_host(y))
        if classes.size < 2:
            raise expected("y", "at least 2 classes", f"{classes.size} class",
                           error=ValidationError)
        sw = np.ones(X.shape[0]) if sample_weight is None else \
            np.asarray(to_host(check_sample_weight(sample_weight, X.shape[0])), np.float64)
        weights = class_weights(self.class_weight, classes, y_enc, sw)
        bias = float(self.intercept_scaling) if self.fit_intercept else 0.0
        squared = self.loss == "squared_hinge"
        if self.dual is False and not squared:
            raise expected("dual", "True or 'auto' for loss='hinge' (its primal is not "
                           "differentiable; liblinear has no primal solver for it)", False)
        # scikit-learn's rule for "auto": the primal when there are more samples than
        # features and the loss allows it.
        primal = self.dual is False or (self.dual == "auto" and squared and
                                        X.shape[0] > X.shape[1])
        self.solver_ = "primal_newton" if primal else "dual_cd"
        # Binary: one problem with classes_[1] as +1. Otherwise one per class (one-vs-rest).
        targets = [1] if classes.size == 2 else list(range(classes.size))

        def one(k):
            y_pm = np.where(y_enc == k, 1.0, -1.0)
            C_row = float(self.C) * sw * np.where(y_enc == k, weights[k],
                                                  weights[y_enc] if classes.size == 2 else 1.0)
            if primal:
                return primal_newton_svc(X, y_pm, C_row, bias, float(self.tol), max_iter)
            return dual_cd_svc(X, y_pm, C_row, bias, squared, float(self.tol), max_iter,
                               seed)

        results = parallel_map(one, targets)
        self.classes_ = classes
        self.coef_ = np.stack([r[0] for r in results])
        # scikit-learn (liblinear): 0.0 without an intercept, one per decision function with it
        self.intercept_ = np.array([r[1] * bias for r in results]) if self.fit_intercept \
            else 0.0
        self.n_iter_ = int(max(r[2] for r in results))
        if self.n_iter_ >= max_iter:
            warnings.warn(f"LinearSVC: liblinear's solver stopped at max_iter={max_iter}; "
                          "increase max_iter", ConvergenceWarning, stacklevel=2)
        return self

    def decision_function(self, X):
        Xv, scores = _linear_output(self, X)
        if self.classes_.size == 2:
            scores = scores[:, 0]
        return to_output(self, scores, like=X)

    def predict(self, X):
        scores = to_host(self.decision_function(X))
        index = (scores > 0).astype(np.int64) if scores.ndim == 1 else np.argmax(scores, axis=1)
        return to_output(self, self.classes_[index], like=X)


class LinearSVR(RegressorMixin, BaseEstimator):
    """Linear support vector regression trained by liblinear's dual coordinate descent."""

    def __init__(self, *, epsilon=0.0, tol=1e-4, C=1.0, loss="epsilon_insensitive",
                 fit_intercept=True, intercept_scaling=1.0, dual="auto", random_state=None,
                 max_iter=1000):
        self.epsilon = epsilon
        self.tol = tol
        self.C = C
        self.loss = loss
        self.fit_intercept = fit_intercept
        self.intercept_scaling = intercept_scaling
        self.dual = dual
        self.random_state = random_state
        self.max_iter = max_iter

    def fit(self, X, y, sample_weight=None):
        check_choice("loss", self.loss, ("epsilon_insensitive", "squared_epsilon_insensitive"))
        if self.dual not in (True, "auto"):
            raise expected("dual", 'True or "auto" (LinearSVR has only the dual solver)',
                           self.dual)
        check_positive("C", self.C)
        check_positive("tol", self.tol)
        check_positive("epsilon", self.epsilon, allow_zero=True)
        check_positive("intercept_scaling", self.intercept_scaling)
        max_iter = check_int("max_iter", self.max_iter, 1)
        seed = seed_of(self.random_state)
        X, y = validate_data(self, X, y, dtype="float", y_numeric=True)
        X = np.ascontiguousarray(to_host(X), dtype=np.float64)
        z = np.asarray(to_host(y), np.float64).reshape(-1)
        sw = np.ones(X.shape[0]) if sample_weight is None else \
            np.asarray(to_host(check_sample_weight(sample_weight, X.shape[0])), np.float64)
        bias = float(self.intercept_scaling) if self.fit_intercept else 0.0
        w, wb, n_iter = dual_cd_svr(X, z, float(self.C) * sw, float(self.epsilon), bias,
                                    self.loss == "squared_epsilon_insensitive",
                                    float(self.tol), max_iter, seed)
        self.coef_ = w
        self.intercept_ = np.array([wb * bias]) if self.fit_intercept else 0.0
        self.n_iter_ = int(n_iter)
        if n_iter >= max_iter:
            warnings.warn(f"LinearSVR: liblinear's solver stopped at max_iter={max_iter}; "
                          "increase max_iter", ConvergenceWarning, stacklevel=2)
        return self

    def predict(self, X):
        Xv, out = _linear_output(self, X)
        return to_output(self, out if out.ndim == 1 else out[:, 0], like=X)
