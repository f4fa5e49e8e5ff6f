"""Evaluation metrics for early stopping, by XGBoost name, computed on raw scores."""

from __future__ import annotations

import numpy as np

from numeru.core.errors import expected

from ._objectives import softmax


def _sigmoid(raw):
    return 1.0 / (1.0 + np.exp(-raw))


def _binary_p(raw):
    return _sigmoid(raw[:, 0]) if raw.shape[1] == 1 else softmax(raw)[:, 1]


def rmse(y, raw, w, transform):
    return float(np.sqrt(np.average((transform(raw) - y) ** 2, weights=w)))


def mae(y, raw, w, transform):
    return float(np.average(np.abs(transform(raw) - y), weights=w))


def logloss(y, raw, w, transform):
    p = np.clip(_binary_p(raw), 1e-15, 1 - 1e-15)
    return float(-np.average(y * np.log(p) + (1 - y) * np.log(1 - p), weights=w))


def error(y, raw, w, transform):
    return float(np.average((_binary_p(raw) > 0.5) != (y > 0.5), weights=w))


def auc(y, raw, w, transform):
    """Weighted ROC AUC with tied scores counted as half (rank statistic)."""
    score = _binary_p(raw)
    order = np.argsort(score, kind="mergesort")
    s, yy, ww = score[order], y[order], w[order]
    pos = ww * (yy > 0.5)
    neg = ww * (yy <= 0.5)
    # group tied scores: each positive counts the negatives below it plus half of its tie group
    starts = np.concatenate([[0], np.flatnonzero(np.diff(s)) + 1])
    pos_g = np.add.reduceat(pos, starts)
    neg_g = np.add.reduceat(neg, starts)
    neg_below = np.cumsum(neg_g) - neg_g
    total = float(np.sum(pos_g * (neg_below + 0.5 * neg_g)))
    denom = pos.sum() * neg.sum()
    return float(total / denom) if denom > 0 else float("nan")


def mlogloss(y, raw, w, transform):
    p = np.clip(softmax(raw), 1e-15, 1.0)
    return float(-np.average(np.log(p[np.arange(y.size), y.astype(np.int64)]), weights=w))


def merror(y, raw, w, transform):
    return float(np.average(np.argmax(raw, axis=1) != y, weights=w))


def poisson_nloglik(y, raw, w, transform):
    from math import lgamma

    lg = np.vectorize(lgamma, otypes=[np.float64])(y + 1.0)
    return float(np.average(np.exp(raw[:, 0]) - y * raw[:, 0] + lg, weights=w))


METRICS = {
    "rmse": (rmse, False), "mae": (mae, False), "logloss": (logloss, False),
    "error": (error, False), "auc": (auc, True), "mlogloss": (mlogloss, False),
    "merror": (merror, False), "poisson-nloglik": (poisson_nloglik, False),
}

DEFAULT_METRIC = {"squared_error": "rmse", "absolute_error": "mae", "huber": "rmse",
                  "poisson": "poisson-nloglik", "logistic": "logloss", "softmax": "mlogloss",
                  "custom": "rmse"}


#: the metrics each objective's predictions can be scored by: the binary ones read one
#: probability column, the multiclass ones take the argmax or log-probability of K columns
_BINARY = ("logloss", "error", "auc", "rmse", "mae")
_MULTICLASS = ("mlogloss", "merror")
_REGRESSION = ("rmse", "mae", "poisson-nloglik")
METRICS_FOR = {"logistic": _BINARY, "softmax": _MULTICLASS, "squared_error": _REGRESSION,
               "absolute_error": _REGRESSION, "huber": _REGRESSION, "poisson": _REGRESSION,
               "custom": _REGRESSION}


def resolve_metrics(eval_metric, objective_name: str) -> list[str]:
    if eval_metric is None:
        return [DEFAULT_METRIC[objective_name]]
    names = [eval_metric] if isinstance(eval_metric, str) else list(eval_metric)
    if not names:
        raise expected("eval_metric", "a metric name or a non-empty list of them", eval_metric)
    allowed = METRICS_FOR[objective_name]
    for name in names:
        if name not in METRICS:
            raise expected("eval_metric", f"names from {sorted(METRICS)}", name)
        if name not in allowed:
            raise expected("eval_metric", f"a metric for the {objective_name} objective "
                           f"({', '.join(allowed)})", name)
    return names
