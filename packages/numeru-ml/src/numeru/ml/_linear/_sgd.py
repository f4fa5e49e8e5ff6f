"""SGDRegressor and SGDClassifier: linear models fitted by plain SGD (scikit-learn's API).

Losses, penalties (l2, l1, elasticnet), schedules (constant, optimal, invscaling, adaptive),
early stopping on a held-out fraction, averaging (ASGD), ``partial_fit`` and warm starts.
The Numba kernel (``_sgd_kernels``) runs on host memory; Tensor inputs on other devices are
copied once. Shuffling uses the model's own generator from ``random_state``, so iterates are
reproducible for a seed but not identical to scikit-learn's (a different random stream).
"""

from __future__ import annotations

import json
import math
import warnings
from typing import Any

import numpy as np

from numeru.core.errors import ConvergenceWarning, ValidationError, expected
from numeru.core.estimator import (
    BaseEstimator,
    ClassifierMixin,
    RegressorMixin,
    check_sample_weight,
    to_output,
    validate_data,
)
from numeru.core.validation import to_numpy

from .._classic_utils import class_weights
from ._base import backend, check_bool, check_count, check_number, host_output, labels_output
from ._rng import generator
from ._sgd_kernels import LOSSES, PENALTIES, SCHEDULES, loss_derivative, sgd_epochs

_REGRESSION = ("squared_error", "huber", "epsilon_insensitive", "squared_epsilon_insensitive")
_CLASSIFICATION = ("hinge", "log_loss", "modified_huber", "squared_hinge", "perceptron")


class _BaseSGD(BaseEstimator):
    _losses: tuple[str, ...] = ()
    _is_classifier = False
    # constructor parameters (set by the subclasses' __init__)
    loss: str
    penalty: str | None
    alpha: float
    l1_ratio: float
    fit_intercept: bool
    max_iter: int
    tol: float | None
    shuffle: bool
    epsilon: float
    random_state: Any
    learning_rate: str
    eta0: float
    power_t: float
    early_stopping: bool
    validation_fraction: float
    n_iter_no_change: int
    warm_start: bool
    average: bool | int

    def _check_params(self) -> None:
        if self.loss not in self._losses:
            raise expected("loss", "one of " + ", ".join(map(repr, self._losses)), self.loss)
        if self.penalty not in PENALTIES:
            raise expected("penalty", "'l2', 'l1', 'elasticnet' or None", self.penalty)
        if self.learning_rate not in SCHEDULES:
            raise expected("learning_rate", "one of " + ", ".join(map(repr, SCHEDULES)),
                           self.learning_rate)
        check_number("alpha", self.alpha)
        check_number("l1_ratio", self.l1_ratio, high=1.0)
        check_number("epsilon", self.epsilon)
        check_number("power_t", self.power_t, low=-math.inf)
        check_count("max_iter", self.max_iter)
        check_count("n_iter_no_change", self.n_iter_no_change)
        check_number("validation_fraction", self.validation_fraction, allow_low=False,
                     high=1.0)
        if self.tol is not None:
            check_number("tol", self.tol, low=-math.inf)
        if self.learning_rate != "optimal":
            check_number("eta0", self.eta0, allow_low=False)
        elif self.alpha == 0:
            raise expected("alpha", "a value > 0 with learning_rate='optimal' (eta = "
                           "1 / (alpha (t0 + t)))", self.alpha)
        if isinstance(self.average, bool):
            pass
        elif not isinstance(self.average, int) or self.average < 1:
            raise expected("average", "True, False or a positive integer", self.average)

    def _average_start(self) -> int:
        # scikit-learn's rule: average from the sample whose count t reaches ``average``
        if self.average is False:
            return 0
        return 1 if self.average is True else int(self.average)

    def _optimal_init(self) -> float:
        if self.learning_rate != "optimal":
            return 1.0
        typw = math.sqrt(1.0 / math.sqrt(self.alpha))
        initial_eta0 = typw / max(1.0, loss_derivative(LOSSES[self.loss], -typw, 1.0,
                                                       float(self.epsilon)))
        return 1.0 / (initial_eta0 * self.alpha)

    def _run(self, slot: dict[str, Any], X: np.ndarray, y: np.ndarray, sw: np.ndarray,
             max_iter: int, tol: float, early_stopping: bool, rng: np.random.Generator) -> int:
        """Run the kernel on one binary/regression problem whose state lives in ``slot``.

        The cumulative L1 penalty (``u`` and ``q``) starts from zero on every call, as in
        scikit-learn's ``_plain_sgd``: each ``partial_fit`` call starts a fresh accumulator
        (which also makes a model loaded from .nmr continue exactly as the saved one).
        """
        slot["q"][:] = 0.0
        slot["state"][1] = 0.0
        if early_stopping:
            n = X.shape[0]
            order = rng.permutation(n)
            # scikit-learn's ShuffleSplit: ceil(validation_fraction * n) held out
            n_val = max(1, math.ceil(self.validation_fraction * n))
            if n_val >= n:
                raise expected("validation_fraction", "a fraction that leaves training "
                               "samples", self.validation_fraction)
            val, train = order[:n_val], order[n_val:]
            X_val, y_val, sw_val = X[val], y[val], sw[val]
            X, y, sw = X[train], y[train], sw[train]
        else:
            X_val, y_val, sw_val = np.zeros((1, X.shape[1])), np.zeros(1), np.ones(1)
        seed = int(rng.integers(0, 2 ** 31 - 1))
        return int(sgd_epochs(slot["w"], slot["b"], slot["avg_w"], slot["avg_b"], slot["q"],
                              slot["state"], np.ascontiguousarray(X), y, sw,
                              LOSSES[self.loss], float(self.epsilon), PENALTIES[self.penalty],
                              float(self.alpha), float(self.l1_ratio),
                              SCHEDULES[self.learning_rate], float(self.eta0),
                              float(self.power_t), self._optimal_init(),
                              bool(self.fit_intercept), max_iter, tol,
                              int(self.n_iter_no_change), bool(self.shuffle), seed,
                              self._average_start(), np.ascontiguousarray(X_val), y_val,
                              sw_val, early_stopping, self._is_classifier))

    def _new_slot(self, p: int, coef: np.ndarray | None, intercept: float) -> dict[str, Any]:
        w = np.zeros(p) if coef is None else np.array(coef, dtype=np.float64)
        eta = float(self.eta0)
        return {"w": w, "b": np.array([float(intercept)]), "avg_w": w.copy(),
                "avg_b": np.array([float(intercept)]), "q": np.zeros(p),
                "state": np.array([1.0, 0.0, eta, 0.0])}

    def _publish(self, slots: list[dict[str, Any]], X_user: Any, like_2d: bool) -> None:
        use_avg = self._average_start() > 0
        W = np.stack([(s["avg_w"] if use_avg and s["state"][3] > 0 else s["w"]) for s in slots])
        b = np.array([(s["avg_b"][0] if use_avg and s["state"][3] > 0 else s["b"][0])
                      for s in slots])
        self.coef_ = host_output(W if like_2d else W[0], X_user)
        self.intercept_ = host_output(b, X_user)
        self.t_ = float(slots[0]["state"][0])
        self._slots = slots

    # .nmr: besides coef_/intercept_ (the averaged weights when averaging), save the solver
    # state (plain weights, running averages, t, eta, averaging count) and the shuffling
    # generator, so that a loaded model continues ``partial_fit`` exactly as the saved one.
    def _nmr_state(self) -> dict[str, Any]:
        state = super()._nmr_state()
        slots = getattr(self, "_slots", None)
        if slots is not None:
            rng = getattr(self, "_rng", None)
            state["fitted"] = {**state["fitted"], "solver_state_": {
                "w": np.stack([s["w"] for s in slots]),
                "b": np.array([s["b"][0] for s in slots]),
                "avg_w": np.stack([s["avg_w"] for s in slots]),
                "avg_b": np.array([s["avg_b"][0] for s in slots]),
                "state": np.stack([s["state"] for s in slots]),
                "rng": "" if rng is None else json.dumps(rng.bit_generator.state)}}
        return state

    @classmethod
    def _nmr_from_state(cls, state: dict[str, Any]) -> BaseEstimator:
        model = super()._nmr_from_state(state)
        assert isinstance(model, _BaseSGD)
        saved = model.__dict__.pop("solver_state_", None)
        if saved is not None:
            W = np.asarray(to_numpy(saved["w"]), np.float64)
            model._slots = [{"w": W[k].copy(),
                             "b": np.array([float(to_numpy(saved["b"])[k])]),
                             "avg_w": np.array(to_numpy(saved["avg_w"])[k], np.float64),
                             "avg_b": np.array([float(to_numpy(saved["avg_b"])[k])]),
                             "q": np.zeros(W.shape[1]),
                             "state": np.array(to_numpy(saved["state"])[k], np.float64)}
                            for k in range(W.shape[0])]
            model._rng = generator(model.random_state)
            if saved["rng"]:
                model._rng.bit_generator.state = json.loads(saved["rng"])
        return model

    def _restore_slots(self) -> None:
        """Rebuild the solver state of a model whose coef_ / intercept_ were set by hand (or
        loaded from an older .nmr without the solver state), so that ``partial_fit`` continues
        from them (the running average restarts)."""
        if hasattr(self, "_slots") or not hasattr(self, "coef_"):
            return
        W = np.atleast_2d(np.asarray(to_numpy(self.coef_), dtype=np.float64))
        b = np.ravel(np.asarray(to_numpy(self.intercept_), dtype=np.float64))
        slots = [self._new_slot(W.shape[1], W[k], b[k]) for k in range(W.shape[0])]
        for slot in slots:
            slot["state"][0] = float(getattr(self, "t_", 1.0))
        self._slots = slots
        self._rng = generator(self.random_state)

    def _warn_if_unconverged(self, n_iter: int, max_iter: int) -> None:
        if self.tol is not None and n_iter >= max_iter:
            warnings.warn(f"{type(self).__name__}: max_iter={max_iter} epochs reached before "
                          f"the stopping criterion (tol={self.tol}); increase max_iter",
                          ConvergenceWarning, stacklevel=3)


def _count_samples_as_sklearn(slots: list[dict[str, Any]], n_iter: int, n_samples: int) -> None:
    """scikit-learn's ``t_`` after ``fit``: 1 + n_iter_ * n_samples for every binary problem
    (n_iter_ is the most epochs any of them ran, validation samples count too). A later
    ``partial_fit`` starts every problem's learning-rate schedule from it."""
    for slot in slots:
        slot["state"][0] = 1.0 + n_iter * n_samples


def _host_data(model: Any, X: Any, y: Any, sample_weight: Any, reset: bool,
               y_numeric: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    Xb, yb = validate_data(model, X, y, reset=reset, dtype="float", y_numeric=y_numeric)
    sw = check_sample_weight(sample_weight, Xb.shape[0], like=Xb)
    return (np.asarray(to_numpy(Xb), dtype=np.float64), to_numpy(yb),
            np.asarray(to_numpy(sw), dtype=np.float64))


class SGDRegressor(RegressorMixin, _BaseSGD):
    """Linear regression fitted by SGD (scikit-learn's ``SGDRegressor``)."""

    _losses = _REGRESSION

    def __init__(self, loss: str = "squared_error", *, penalty: str | None = "l2",
                 alpha: float = 1e-4, l1_ratio: float = 0.15, fit_intercept: bool = True,
                 max_iter: int = 1000, tol: float | None = 1e-3, shuffle: bool = True,
                 epsilon: float = 0.1, random_state: Any = None,
                 learning_rate: str = "invscaling", eta0: float = 0.01, power_t: float = 0.25,
                 early_stopping: bool = False, validation_fraction: float = 0.1,
                 n_iter_no_change: int = 5, warm_start: bool = False,
                 average: bool | int = False) -> None:
        self.loss, self.penalty, self.alpha, self.l1_ratio = loss, penalty, alpha, l1_ratio
        self.fit_intercept, self.max_iter, self.tol, self.shuffle = (fit_intercept, max_iter,
                                                                     tol, shuffle)
        self.epsilon, self.random_state, self.learning_rate = epsilon, random_state, learning_rate
        self.eta0, self.power_t, self.early_stopping = eta0, power_t, early_stopping
        self.validation_fraction, self.n_iter_no_change = validation_fraction, n_iter_no_change
        self.warm_start, self.average = warm_start, average

    def fit(self, X: Any, y: Any, coef_init: Any = None, intercept_init: Any = None,
            sample_weight: Any = None) -> SGDRegressor:
        self._check_params()
        Xh, yh, sw = _host_data(self, X, y, sample_weight, True, True)
        yh = np.asarray(yh, dtype=np.float64).ravel()
        p = Xh.shape[1]
        if coef_init is None and check_bool("warm_start", self.warm_start) and \
                hasattr(self, "_slots"):
            coef_init, intercept_init = self._slots[0]["w"], self._slots[0]["b"][0]
        coef = None if coef_init is None else np.asarray(to_numpy(coef_init), float).ravel()
        if coef is not None and coef.shape != (p,):
            raise expected("coef_init", f"shape ({p},)", f"shape {coef.shape}")
        b0 = 0.0 if intercept_init is None else float(np.ravel(to_numpy(intercept_init))[0])
        slot = self._new_slot(p, coef, b0)
        tol = -np.inf if self.tol is None else float(self.tol)
        rng = generator(self.random_state)
        self.n_iter_ = self._run(slot, Xh, yh, sw, int(self.max_iter), tol,
                                 check_bool("early_stopping", self.early_stopping), rng)
        _count_samples_as_sklearn([slot], self.n_iter_, Xh.shape[0])
        self._warn_if_unconverged(self.n_iter_, int(self.max_iter))
        self._publish([slot], X, like_2d=False)
        self._rng = rng  # partial_fit after fit continues this stream
        return self

    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None) -> SGDRegressor:
        """One epoch over (X, y), continuing from the current state (schedules included)."""
        self._check_params()
        self._restore_slots()
        first = not hasattr(self, "_slots")
        Xh, yh, sw = _host_data(self, X, y, sample_weight, first, True)
        if first:
            self._slots = [self._new_slot(Xh.shape[1], None, 0.0)]
            self._rng = generator(self.random_state)
        self._run(self._slots[0], Xh, np.asarray(yh, dtype=np.float64).ravel(), sw, 1,
                  -np.inf, False, self._rng)
        self.n_iter_ = 1  # the epochs of this call, as scikit-learn
        self._publish(self._slots, X, like_2d=False)
        return self

    def predict(self, X: Any) -> Any:
        Xb, _ = validate_data(self, X, reset=False, dtype="float")
        coef, b = backend(self.coef_), backend(self.intercept_)
        return to_output(self, Xb @ coef + b[0], like=X)


class SGDClassifier(ClassifierMixin, _BaseSGD):
    """Linear classifiers fitted by SGD, one-vs-all for more than two classes
    (scikit-learn's ``SGDClassifier``)."""

    # scikit-learn also accepts the regression losses here, on -1/+1 targets
    _losses = _CLASSIFICATION + _REGRESSION
    _is_classifier = True

    def __init__(self, loss: str = "hinge", *, penalty: str | None = "l2", alpha: float = 1e-4,
                 l1_ratio: float = 0.15, fit_intercept: bool = True, max_iter: int = 1000,
                 tol: float | None = 1e-3, shuffle: bool = True, epsilon: float = 0.1,
                 random_state: Any = None, learning_rate: str = "optimal", eta0: float = 0.01,
                 power_t: float = 0.5, early_stopping: bool = False,
                 validation_fraction: float = 0.1, n_iter_no_change: int = 5,
                 class_weight: Any = None, warm_start: bool = False,
                 average: bool | int = False) -> None:
        self.loss, self.penalty, self.alpha, self.l1_ratio = loss, penalty, alpha, l1_ratio
        self.fit_intercept, self.max_iter, self.tol, self.shuffle = (fit_intercept, max_iter,
                                                                     tol, shuffle)
        self.epsilon, self.random_state, self.learning_rate = epsilon, random_state, learning_rate
        self.eta0, self.power_t, self.early_stopping = eta0, power_t, early_stopping
        self.validation_fraction, self.n_iter_no_change = validation_fraction, n_iter_no_change
        self.class_weight, self.warm_start, self.average = class_weight, warm_start, average

    def _problems(self, y: np.ndarray, classes: np.ndarray) -> list[np.ndarray]:
        """The -1/+1 targets of each binary problem (one for two classes)."""
        if classes.size == 2:
            return [np.where(y == classes[1], 1.0, -1.0)]
        return [np.where(y == c, 1.0, -1.0) for c in classes]

    def _weights(self, y: np.ndarray, sw: np.ndarray) -> list[np.ndarray]:
        """The sample weights of each binary problem (as ``_problems``), times the class
        weights as scikit-learn applies them: for two classes each sample gets its class's
        weight; one-vs-all gives the positive class its weight and the rest weight 1."""
        index = np.searchsorted(self.classes_, y)
        with np.errstate(divide="ignore"):  # a class absent from a partial_fit batch
            cw = class_weights(self.class_weight, self.classes_, index)
        if self.classes_.size == 2:
            return [sw * cw[index]]
        return [sw * np.where(index == k, cw[k], 1.0) for k in range(self.classes_.size)]

    def fit(self, X: Any, y: Any, coef_init: Any = None, intercept_init: Any = None,
            sample_weight: Any = None) -> SGDClassifier:
        self._check_params()
        Xh, yh, sw = _host_data(self, X, y, sample_weight, True, False)
        self.classes_ = np.unique(yh)
        if self.classes_.size < 2:
            raise expected("y", "at least 2 classes", f"only {self.classes_.tolist()}")
        problems = self._problems(yh, self.classes_)
        p = Xh.shape[1]
        if coef_init is None and check_bool("warm_start", self.warm_start) and \
                hasattr(self, "_slots") and len(self._slots) == len(problems):
            coef_init = np.stack([s["w"] for s in self._slots])
            intercept_init = np.array([s["b"][0] for s in self._slots])
        coefs = None if coef_init is None else \
            np.asarray(to_numpy(coef_init), float).reshape(len(problems), p)
        b0 = np.zeros(len(problems)) if intercept_init is None else \
            np.asarray(to_numpy(intercept_init), float).reshape(len(problems))
        slots = [self._new_slot(p, None if coefs is None else coefs[k], b0[k])
                 for k in range(len(problems))]
        weights = self._weights(yh, sw)
        tol = -np.inf if self.tol is None else float(self.tol)
        rng = generator(self.random_state)
        early = check_bool("early_stopping", self.early_stopping)
        n_iters = [self._run(s, Xh, t, w, int(self.max_iter), tol, early, rng)
                   for s, t, w in zip(slots, problems, weights, strict=True)]
        self.n_iter_ = max(n_iters)
        _count_samples_as_sklearn(slots, self.n_iter_, Xh.shape[0])
        self._warn_if_unconverged(self.n_iter_, int(self.max_iter))
        self._publish(slots, X, like_2d=True)
        self._rng = rng  # partial_fit after fit continues this stream
        return self

    def partial_fit(self, X: Any, y: Any, classes: Any = None,
                    sample_weight: Any = None) -> SGDClassifier:
        """One epoch; ``classes`` (every label) is required on the first call."""
        self._check_params()
        self._restore_slots()
        first = not hasattr(self, "_slots")
        if first and isinstance(self.class_weight, str) and self.class_weight == "balanced":
            raise expected("class_weight", "None or a dict for partial_fit ('balanced' needs "
                           "the class frequencies of the whole training set: pass them as a "
                           "dict)", self.class_weight)
        Xh, yh, sw = _host_data(self, X, y, sample_weight, first, False)
        if first:
            if classes is None:
                raise expected("classes", "every class label on the first partial_fit call",
                               None)
            self.classes_ = np.unique(np.asarray(to_numpy(classes)))
            n_problems = 1 if self.classes_.size == 2 else self.classes_.size
            self._slots = [self._new_slot(Xh.shape[1], None, 0.0) for _ in range(n_problems)]
            self._rng = generator(self.random_state)
        unknown = np.setdiff1d(np.unique(yh), self.classes_)
        if unknown.size:
            raise expected("y", f"labels among {self.classes_.tolist()}", unknown.tolist())
        weights = self._weights(yh, sw)
        for s, t, w in zip(self._slots, self._problems(yh, self.classes_), weights,
                           strict=True):
            self._run(s, Xh, t, w, 1, -np.inf, False, self._rng)
        self.n_iter_ = 1  # the epochs of this call, as scikit-learn
        self._publish(self._slots, X, like_2d=True)
        return self

    def decision_function(self, X: Any) -> Any:
        Xb, _ = validate_data(self, X, reset=False, dtype="float")
        W, b = backend(self.coef_), backend(self.intercept_)
        Z = Xb @ W.T + b
        return to_output(self, Z[:, 0] if Z.shape[1] == 1 else Z, like=X)

    def predict(self, X: Any) -> Any:
        Z = np.asarray(to_numpy(self.decision_function(X)))
        index = (Z > 0).astype(np.int64) if Z.ndim == 1 else np.argmax(Z, axis=1)
        return labels_output(self.classes_[index], X)

    def predict_proba(self, X: Any) -> Any:
        """Probabilities for loss='log_loss' (sigmoid, normalised over classes one-vs-all) or
        'modified_huber' (scikit-learn's clipped estimate)."""
        if self.loss not in ("log_loss", "modified_huber"):
            raise expected("loss", "'log_loss' or 'modified_huber' for predict_proba", self.loss,
                           error=ValidationError)
        Z = np.asarray(to_numpy(self.decision_function(X)), dtype=np.float64)
        Z2 = Z[:, None] if Z.ndim == 1 else Z
        if self.loss == "log_loss":
            P = 1.0 / (1.0 + np.exp(-Z2))
        else:
            P = (np.clip(Z2, -1, 1) + 1) / 2.0
        if P.shape[1] == 1:
            P = np.hstack([1 - P, P])
        else:
            total = P.sum(axis=1, keepdims=True)
            uniform = total[:, 0] == 0
            P = np.where(uniform[:, None], 1.0 / P.shape[1], P / np.where(total == 0, 1, total))
        return host_output(P, X)

    def predict_log_proba(self, X: Any) -> Any:
        """log(predict_proba(X)) (scikit-learn's ``predict_log_proba``)."""
        P = np.asarray(to_numpy(self.predict_proba(X)), dtype=np.float64)
        with np.errstate(divide="ignore"):
            return host_output(np.log(P), X)
