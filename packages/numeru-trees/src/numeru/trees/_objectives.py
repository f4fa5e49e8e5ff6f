"""Boosting objectives: initial score, gradient and hessian of the loss, output transform.

Gradients follow XGBoost's definitions (softmax hessian ``2 p (1 - p)``, Poisson hessian with
``max_delta_step`` 0.7) so models behave like XGBoost's; ``huber`` follows LightGBM.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from numeru.core.errors import ValidationError, expected

_EPS = 1e-16
POISSON_MAX_DELTA_STEP = 0.7


def weighted_quantile(values: np.ndarray, weights: np.ndarray | None, q: float) -> float:
    """Smallest value whose cumulative weight reaches ``q`` of the total; without weights,
    XGBoost's unweighted ``Quantile`` (src/common/stats.h: linear interpolation at position
    ``q (n + 1)``, so the median of an even count is the mean of the middle two)."""
    if weights is None:
        v = np.sort(values, kind="mergesort")
        n = v.size
        if q <= 1.0 / (n + 1):
            return float(v[0])
        if q >= n / (n + 1):
            return float(v[-1])
        x = q * (n + 1)
        k = int(np.floor(x)) - 1
        return float(v[k] + (x - 1 - k) * (v[k + 1] - v[k]))
    order = np.argsort(values, kind="mergesort")
    cumulative = np.cumsum(weights[order])
    position = int(np.searchsorted(cumulative, q * cumulative[-1], side="left"))
    return float(values[order[min(position, values.size - 1)]])


class Objective:
    """Base: one output column (K = 1), identity link."""

    name = "custom"
    n_groups = 1
    refresh_leaves_with_median = False

    def init_score(self, y: np.ndarray, w: np.ndarray) -> np.ndarray:
        return np.zeros(self.n_groups)

    def grad_hess(self, y, raw, w):  # pragma: no cover - abstract
        raise NotImplementedError

    def transform(self, raw: np.ndarray) -> np.ndarray:
        return raw[:, 0] if raw.shape[1] == 1 else raw


class SquaredError(Objective):
    name = "squared_error"

    def init_score(self, y, w):
        return np.array([np.average(y, weights=w)])

    def grad_hess(self, y, raw, w):
        return (raw[:, 0] - y) * w, w.copy()


class AbsoluteError(Objective):
    """Gradient ``sign(r)``; leaves are then reset to the median residual (as LightGBM)."""

    name = "absolute_error"
    refresh_leaves_with_median = True
    # False when fit had no sample_weight: medians then interpolate as XGBoost's unweighted
    # Quantile does (with weights XGBoost takes the weighted lower median, as here)
    weighted = True

    def init_score(self, y, w):
        return np.array([weighted_quantile(y, w if self.weighted else None, 0.5)])

    def grad_hess(self, y, raw, w):
        return np.sign(raw[:, 0] - y) * w, w.copy()


class Huber(Objective):
    """Huber loss as LightGBM optimises it: gradient ``clip(r, -delta, delta)``, hessian 1
    (XGBoost's pseudo-Huber hessian vanishes for large residuals and makes huge leaf steps)."""

    name = "huber"

    def __init__(self, delta: float = 1.0):
        if not delta > 0:
            raise expected("huber_delta", "a positive number", delta)
        self.delta = float(delta)

    def init_score(self, y, w):
        return np.array([weighted_quantile(y, w, 0.5)])

    def grad_hess(self, y, raw, w):
        return np.clip(raw[:, 0] - y, -self.delta, self.delta) * w, w.copy()


class Poisson(Objective):
    """Log link: the model predicts ``log(mean)``."""

    name = "poisson"

    def init_score(self, y, w):
        if np.any(y < 0):
            raise expected("y", "non-negative targets for objective='poisson'", float(y.min()))
        mean = np.average(y, weights=w)
        if mean <= 0:
            raise expected("y", "targets with a positive mean for objective='poisson'", mean)
        return np.array([np.log(mean)])

    def grad_hess(self, y, raw, w):
        mu = np.exp(raw[:, 0])
        return (mu - y) * w, np.exp(raw[:, 0] + POISSON_MAX_DELTA_STEP) * w

    def transform(self, raw):
        return np.exp(raw[:, 0])


class Logistic(Objective):
    """Binary log loss on encoded labels {0, 1}; raw scores are log-odds.

    ``scale_pos_weight`` multiplies the gradient and hessian of positive examples, as
    XGBoost's ``binary:logistic`` does (src/objective/regression_obj.cu). The starting score
    is then XGBoost's too: the weighted label mean when it is 1, otherwise (XGBoost's
    ``FitIntercept`` fallback) one unregularised Newton step from log-odds 0 with the scaled
    gradients, ``-sum(g) / sum(h)``.
    """

    name = "logistic"

    def __init__(self, scale_pos_weight: float = 1.0):
        self.scale_pos_weight = float(scale_pos_weight)

    def _weights(self, y, w):
        if self.scale_pos_weight == 1.0:
            return w
        return np.where(y == 1.0, w * self.scale_pos_weight, w)

    def init_score(self, y, w):
        if self.scale_pos_weight != 1.0:
            ws = self._weights(y, w)
            step = -np.sum((0.5 - y) * ws) / max(np.sum(0.25 * ws), _EPS)
            return np.array([float(step)])
        p = float(np.clip(np.average(y, weights=w), 1e-6, 1 - 1e-6))
        return np.array([np.log(p / (1 - p))])

    def grad_hess(self, y, raw, w):
        p = 1.0 / (1.0 + np.exp(-raw[:, 0]))
        ws = self._weights(y, w)
        return (p - y) * ws, np.maximum(p * (1.0 - p), _EPS) * ws

    def transform(self, raw):
        p = 1.0 / (1.0 + np.exp(-raw[:, 0]))
        return np.column_stack([1.0 - p, p])


def softmax(raw: np.ndarray) -> np.ndarray:
    shifted = raw - raw.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


class Softmax(Objective):
    """Multiclass log loss; one tree per class and round."""

    name = "softmax"

    def __init__(self, n_classes: int):
        self.n_groups = n_classes

    def init_score(self, y, w):
        prior = np.bincount(y.astype(np.int64), weights=w, minlength=self.n_groups) / w.sum()
        logp = np.log(np.clip(prior, 1e-6, None))
        return logp - logp.mean()

    def grad_hess(self, y, raw, w):
        p = softmax(raw)
        onehot = np.zeros_like(p)
        onehot[np.arange(y.shape[0]), y.astype(np.int64)] = 1.0
        return (p - onehot) * w[:, None], np.maximum(2.0 * p * (1.0 - p), _EPS) * w[:, None]

    def transform(self, raw):
        return softmax(raw)


class CustomObjective(Objective):
    """A user callable ``fn(y_true, raw_prediction) -> (grad, hess)`` (per-sample arrays)."""

    name = "custom"

    def __init__(self, fn: Callable, n_groups: int = 1):
        self.fn = fn
        self.n_groups = n_groups

    def grad_hess(self, y, raw, w):
        grad, hess = self.fn(y, raw[:, 0] if self.n_groups == 1 else raw)
        grad = np.asarray(grad, dtype=np.float64).reshape(raw.shape[0], -1)
        hess = np.asarray(hess, dtype=np.float64).reshape(raw.shape[0], -1)
        if grad.shape != raw.shape or hess.shape != raw.shape:
            raise expected("objective", f"grad and hess of shape {raw.shape[:1]} from the callable",
                           (grad.shape, hess.shape), error=ValidationError)
        if self.n_groups == 1:
            return grad[:, 0] * w, hess[:, 0] * w
        return grad * w[:, None], hess * w[:, None]


REGRESSION_OBJECTIVES = ("squared_error", "absolute_error", "huber", "poisson")
CLASSIFICATION_OBJECTIVES = ("logistic", "softmax")


def make_objective(objective, *, n_classes: int | None, huber_delta: float,
                   scale_pos_weight: float = 1.0) -> Objective:
    spw = scale_pos_weight
    if isinstance(spw, bool) or not isinstance(spw, (int, float, np.integer, np.floating)) \
            or not np.isfinite(spw) or spw <= 0:
        raise expected("scale_pos_weight", "a finite positive number", spw)
    if spw != 1:
        is_logistic = (not callable(objective) and n_classes is not None and n_classes <= 2
                       and objective in (None, "logistic"))
        if not is_logistic:
            raise expected("scale_pos_weight", "1.0 unless the objective is 'logistic' "
                           "(binary classification)", spw)
    if callable(objective):
        groups = 1 if n_classes is None or n_classes <= 2 else n_classes
        return CustomObjective(objective, groups)
    if n_classes is None:
        table = {"squared_error": SquaredError, "absolute_error": AbsoluteError,
                 "poisson": Poisson}
        if objective == "huber":
            return Huber(huber_delta)
        if objective in table:
            return table[objective]()
        raise expected("objective", f"one of {list(REGRESSION_OBJECTIVES)} or a callable",
                       objective)
    if objective in (None, "logistic", "softmax"):
        if n_classes <= 2:
            if objective == "softmax":
                return Softmax(2)
            return Logistic(spw)
        if objective == "logistic":
            raise expected("objective", "'softmax' for more than two classes", objective)
        return Softmax(n_classes)
    raise expected("objective", f"one of {list(CLASSIFICATION_OBJECTIVES)} or a callable",
                   objective)
