"""Kernel support vector machines: ``SVC`` (C-SVC, one-vs-one) and ``SVR`` (epsilon-SVR).

Training runs libsvm's SMO (``_smo.py``) on the host; prediction is one kernel GEMM against
the support vectors written against the input's array namespace, so it runs on any backend.
Fitted attributes have scikit-learn's names and layouts (``support_``, ``dual_coef_``,
``intercept_``, ``n_support_``, ...), including its sign flip for binary problems, so that
``decision_function > 0`` means ``classes_[1]``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from numeru.core.errors import ShapeError, ValidationError, expected
from numeru.core.estimator import (
    BaseEstimator,
    ClassifierMixin,
    RegressorMixin,
    check_is_fitted,
    check_sample_weight,
    to_output,
    validate_data,
)

from .._classic_utils import (
    check_choice,
    check_int,
    check_positive,
    class_weights,
    encode_labels,
    seed_of,
    to_host,
)
from . import _libsvm, _platt
from ._kernel_cache import KERNEL_CODES, PRECOMPUTED


class _BaseSVM(BaseEstimator):
    # parameters every SVM stores in its constructor, read by the shared code below
    kernel: str
    C: float
    tol: float
    cache_size: float
    degree: int
    gamma: str | float
    coef0: float
    shrinking: bool
    max_iter: int

    def _check_common(self) -> None:
        check_choice("kernel", self.kernel, tuple(KERNEL_CODES))
        check_positive("C", self.C)
        check_positive("tol", self.tol)
        check_positive("cache_size", self.cache_size)
        check_int("degree", self.degree, 0)
        if not isinstance(self.max_iter, (int, np.integer)) or isinstance(self.max_iter, bool) \
                or (self.max_iter < 1 and self.max_iter != -1):
            raise expected("max_iter", "-1 (no limit) or a positive integer", self.max_iter)
        if isinstance(self.gamma, str):
            check_choice("gamma", self.gamma, ("scale", "auto"))
        else:
            check_positive("gamma", self.gamma, allow_zero=True)

    def _resolve_gamma(self, X: np.ndarray) -> float:
        if self.gamma == "scale":
            var = float(X.var()) if X.size else 0.0
            return 1.0 / (X.shape[1] * var) if var != 0.0 else 1.0
        if self.gamma == "auto":
            return 1.0 / X.shape[1]
        return float(self.gamma)

    def _solver_params(self) -> dict[str, Any]:
        return {"gamma": self.gamma_, "coef0": float(self.coef0), "degree": int(self.degree),
                "tol": float(self.tol), "shrinking": bool(self.shrinking),
                "max_iter": int(self.max_iter), "cache_size": float(self.cache_size)}

    def _prepare_fit(self, X, y, sample_weight, y_numeric):
        self._check_common()
        X, y = validate_data(self, X, y, dtype="float", y_numeric=y_numeric)
        X = np.ascontiguousarray(to_host(X), dtype=np.float64)
        y = to_host(y)
        if self.kernel == "precomputed" and X.shape[0] != X.shape[1]:
            raise expected("X", "a square kernel matrix for kernel='precomputed'",
                           f"shape {X.shape}", error=ShapeError)
        sw = np.ones(X.shape[0]) if sample_weight is None else \
            np.asarray(to_host(check_sample_weight(sample_weight, X.shape[0])), np.float64)
        # libsvm drops samples whose weight is not positive.
        keep = sw > 0
        self.gamma_ = self._resolve_gamma(X) if self.kernel != "precomputed" else 0.0
        self.shape_fit_ = tuple(X.shape)
        return X, y, sw, keep

    def _kernel_to_support(self, X):
        """K(X, support vectors) with the input's namespace (GEMM + an elementwise map)."""
        xp = _namespace(X)
        kind = KERNEL_CODES[self.kernel]
        if kind == PRECOMPUTED:
            if X.shape[1] != self.shape_fit_[0]:
                raise expected("X", f"a kernel matrix with {self.shape_fit_[0]} columns "
                               "(one per training sample)", f"shape {tuple(X.shape)}",
                               error=ShapeError)
            return xp.take(X, xp.asarray(self.support_), axis=1)
        sv = self.support_vectors_ if xp is np else xp.asarray(self.support_vectors_)
        dots = X @ sv.T
        if kind == 0:
            return dots
        if kind == 1:
            return (self.gamma_ * dots + float(self.coef0)) ** int(self.degree)
        if kind == 2:
            sx = xp.sum(X * X, axis=1)
            ss = xp.sum(sv * sv, axis=1)
            return xp.exp(-self.gamma_ * (sx[:, None] + ss[None, :] - 2.0 * dots))
        return xp.tanh(self.gamma_ * dots + float(self.coef0))

    def _validate_predict(self, X):
        check_is_fitted(self)
        Xv, _ = validate_data(self, X, reset=False, dtype="float")
        return Xv

    @property
    def coef_(self):
        """Primal weights of a linear kernel, as scikit-learn: ``dual_coef_ @ support_vectors_``
        for one problem (binary SVC, SVR), one row per class pair (one-vs-one order) else."""
        if self.kernel != "linear":
            raise AttributeError(f"coef_: expected kernel='linear' (only a linear kernel has "
                                 f"primal weights), got kernel={self.kernel!r}")
        check_is_fitted(self)
        dual, sv = self.dual_coef_, self.support_vectors_
        if dual.shape[0] == 1:
            return dual @ sv
        # scikit-learn's _one_vs_one_coef: pair (i, j) uses the coefficients of class i's
        # support vectors against j (row j - 1) and of class j's against i (row i).
        starts = np.concatenate([[0], np.cumsum(self.n_support_)])
        rows = []
        for i in range(dual.shape[0] + 1):
            for j in range(i + 1, dual.shape[0] + 1):
                si, sj = slice(starts[i], starts[i + 1]), slice(starts[j], starts[j + 1])
                rows.append(dual[j - 1, si] @ sv[si] + dual[i, sj] @ sv[sj])
        return np.stack(rows)


def _namespace(a):
    if isinstance(a, np.ndarray):
        return np
    from numeru.core.estimator import get_namespace

    return get_namespace(a)


class SVC(ClassifierMixin, _BaseSVM):
    """C-support vector classification (libsvm's C-SVC), one-vs-one for several classes."""

    def __init__(self, *, C=1.0, kernel="rbf", degree=3, gamma="scale", coef0=0.0,
                 shrinking=True, probability=False, tol=1e-3, cache_size=200,
                 class_weight=None, max_iter=-1, decision_function_shape="ovr",
                 break_ties=False, random_state=None):
        self.C = C
        self.kernel = kernel
        self.degree = degree
        self.gamma = gamma
        self.coef0 = coef0
        self.shrinking = shrinking
        self.probability = probability
        self.tol = tol
        self.cache_size = cache_size
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.decision_function_shape = decision_function_shape
        self.break_ties = break_ties
        self.random_state = random_state

    def fit(self, X, y, sample_weight=None):
        check_choice("decision_function_shape", self.decision_function_shape, ("ovr", "ovo"))
        X, y, sw, keep = self._prepare_fit(X, y, sample_weight, y_numeric=False)
        classes, y_enc = encode_labels(y)
        if classes.size < 2:
            raise expected("y", "at least 2 classes", f"{classes.size} class",
                           error=ValidationError)
        weights = class_weights(self.class_weight, classes, y_enc)
        self.classes_ = classes
        self.class_weight_ = weights
        # libsvm groups the training rows by class (a stable sort keeps each class in order).
        rows = np.flatnonzero(keep)
        order = rows[np.argsort(y_enc[rows], kind="stable")]
        kind = KERNEL_CODES[self.kernel]
        Xg = np.ascontiguousarray(X[np.ix_(order, order)] if kind == PRECOMPUTED else X[order])
        C_row = float(self.C) * weights[y_enc[order]] * sw[order]
        # Platt's internal folds: seeded (None -> 0, reproducible), never NumPy's global RNG.
        rng = np.random.default_rng(seed_of(self.random_state))
        fitted = _libsvm.fit_svc(kind, Xg, y_enc[order], classes.size, C_row,
                                 self._solver_params(), bool(self.probability), rng)
        if fitted["reached_max_iter"]:
            import warnings

            from numeru.core.errors import ConvergenceWarning

            warnings.warn(f"SVC: the solver stopped at max_iter={self.max_iter} before meeting "
                          f"tol={self.tol}", ConvergenceWarning, stacklevel=2)
        self.support_ = order[fitted["support"]].astype(np.int64)
        self.support_vectors_ = (np.zeros((0, 0)) if kind == PRECOMPUTED
                                 else X[self.support_].copy())
        self.n_support_ = fitted["n_support"]
        self.n_iter_ = fitted["n_iter"]
        self.fit_status_ = int(fitted["reached_max_iter"])
        dual, intercept = fitted["dual_coef"], fitted["intercept"]
        if classes.size == 2:
            # scikit-learn's convention: positive decision values mean classes_[1].
            dual, intercept = -dual, -intercept
        self.dual_coef_ = dual
        self.intercept_ = intercept
        if self.probability:
            self.probA_ = fitted["prob_a"]
            self.probB_ = fitted["prob_b"]
        return self

    def _ovo(self, X):
        dual, intercept = self.dual_coef_, self.intercept_
        if self.classes_.size == 2:
            dual, intercept = -dual, -intercept
        K = to_host(self._kernel_to_support(X))
        return _libsvm.ovo_decision(np.asarray(K, np.float64), np.asarray(self.n_support_),
                                    dual, intercept)

    def decision_function(self, X):
        Xv = self._validate_predict(X)
        dec = self._ovo(Xv)
        n = self.classes_.size
        if n == 2:
            out = -dec[:, 0]
        elif self.decision_function_shape == "ovr":
            out = _libsvm.ovr_from_ovo(dec, n)
        else:
            out = dec
        return to_output(self, out, like=X)

    def predict(self, X):
        Xv = self._validate_predict(X)
        dec = self._ovo(Xv)
        n = self.classes_.size
        if self.break_ties and self.decision_function_shape == "ovr" and n > 2:
            index = np.argmax(_libsvm.ovr_from_ovo(dec, n), axis=1)
        else:
            index = _libsvm.ovo_vote(dec, n)
        return to_output(self, self.classes_[index], like=X)

    def predict_proba(self, X):
        if not self.probability:
            raise expected("probability", "True at fit time to use predict_proba", False)
        Xv = self._validate_predict(X)
        proba = _platt.predict_proba(self._ovo(Xv), self.classes_.size, self.probA_,
                                     self.probB_)
        return to_output(self, proba, like=X)

    def predict_log_proba(self, X):
        return to_output(self, np.log(to_host(self.predict_proba(X))), like=X)


class SVR(RegressorMixin, _BaseSVM):
    """Epsilon-support vector regression (libsvm's epsilon-SVR)."""

    def __init__(self, *, kernel="rbf", degree=3, gamma="scale", coef0=0.0, tol=1e-3, C=1.0,
                 epsilon=0.1, shrinking=True, cache_size=200, max_iter=-1):
        self.kernel = kernel
        self.degree = degree
        self.gamma = gamma
        self.coef0 = coef0
        self.tol = tol
        self.C = C
        self.epsilon = epsilon
        self.shrinking = shrinking
        self.cache_size = cache_size
        self.max_iter = max_iter

    def fit(self, X, y, sample_weight=None):
        check_positive("epsilon", self.epsilon, allow_zero=True)
        X, y, sw, keep = self._prepare_fit(X, y, sample_weight, y_numeric=True)
        z = np.asarray(y, np.float64).reshape(-1)
        rows = np.flatnonzero(keep)
        kind = KERNEL_CODES[self.kernel]
        Xs = np.ascontiguousarray(X[np.ix_(rows, rows)] if kind == PRECOMPUTED else X[rows])
        fitted = _libsvm.fit_svr(kind, Xs, z[rows], float(self.C) * sw[rows],
                                 float(self.epsilon), self._solver_params())
        if fitted["reached_max_iter"]:
            import warnings

            from numeru.core.errors import ConvergenceWarning

            warnings.warn(f"SVR: the solver stopped at max_iter={self.max_iter} before meeting "
                          f"tol={self.tol}", ConvergenceWarning, stacklevel=2)
        self.support_ = rows[fitted["support"]].astype(np.int64)
        self.support_vectors_ = (np.zeros((0, 0)) if kind == PRECOMPUTED
                                 else X[self.support_].copy())
        self.n_support_ = np.array([self.support_.size], np.int32)
        self.dual_coef_ = fitted["dual_coef"]
        self.intercept_ = fitted["intercept"]
        self.n_iter_ = fitted["n_iter"]
        self.fit_status_ = int(fitted["reached_max_iter"])
        return self

    def predict(self, X):
        Xv = self._validate_predict(X)
        K = self._kernel_to_support(Xv)
        xp = _namespace(K)
        coef = self.dual_coef_[0] if xp is np else xp.asarray(self.dual_coef_[0])
        out = K @ coef + float(self.intercept_[0])
        return to_output(self, out, like=X)
