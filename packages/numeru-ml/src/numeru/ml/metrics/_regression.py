"""Regression metrics with scikit-learn's definitions: MSE, RMSE, MAE and R^2 (with
``multioutput`` = "raw_values", "uniform_average", "variance_weighted" or weights)."""

from __future__ import annotations

import warnings

import numpy as np

from numeru.core.errors import ShapeError, expected
from numeru.core.estimator import to_numpy

from ._classification import UndefinedMetricWarning


def _check(y_true, y_pred, sample_weight, multioutput, allowed):
    t = np.asarray(to_numpy(y_true) if not isinstance(y_true, (list, tuple))
                   else np.asarray(y_true), np.float64)
    p = np.asarray(to_numpy(y_pred) if not isinstance(y_pred, (list, tuple))
                   else np.asarray(y_pred), np.float64)
    for name, a in (("y_true", t), ("y_pred", p)):
        if a.ndim > 2:
            raise expected(name, "a 1-D or 2-D array", f"shape {a.shape}", error=ShapeError)
        if a.shape[0] == 0:
            raise expected(name, "at least 1 sample", "an empty array", error=ShapeError)
        if not np.isfinite(a).all():
            raise expected(name, "finite values", "NaN or infinity")
    t = t[:, None] if t.ndim == 1 else t
    p = p[:, None] if p.ndim == 1 else p
    if t.shape != p.shape:
        raise expected("y_pred", f"shape {t.shape} (as y_true)", f"shape {p.shape}",
                       error=ShapeError)
    w = None
    if sample_weight is not None:
        w = np.asarray(to_numpy(sample_weight) if not isinstance(sample_weight, (list, tuple))
                       else np.asarray(sample_weight), np.float64)
        if w.shape != (t.shape[0],):
            raise expected("sample_weight", f"{t.shape[0]} weights", f"shape {w.shape}",
                           error=ShapeError)
    if isinstance(multioutput, str):
        if multioutput not in allowed:
            raise expected("multioutput", " or ".join(repr(a) for a in allowed) +
                           " or an array of weights", multioutput)
    else:
        mw = np.asarray(multioutput, np.float64)
        if mw.shape != (t.shape[1],):
            raise expected("multioutput", f"{t.shape[1]} weights (one per output)",
                           f"shape {mw.shape}", error=ShapeError)
    return t, p, w


def _combine(errors, multioutput):
    if isinstance(multioutput, str):
        if multioutput == "raw_values":
            return errors
        return float(np.average(errors))
    return float(np.average(errors, weights=np.asarray(multioutput, np.float64)))


def mean_squared_error(y_true, y_pred, *, sample_weight=None, multioutput="uniform_average"):
    t, p, w = _check(y_true, y_pred, sample_weight, multioutput,
                     ("raw_values", "uniform_average"))
    return _combine(np.average((t - p) ** 2, axis=0, weights=w), multioutput)


def root_mean_squared_error(y_true, y_pred, *, sample_weight=None,
                            multioutput="uniform_average"):
    t, p, w = _check(y_true, y_pred, sample_weight, multioutput,
                     ("raw_values", "uniform_average"))
    return _combine(np.sqrt(np.average((t - p) ** 2, axis=0, weights=w)), multioutput)


def mean_absolute_error(y_true, y_pred, *, sample_weight=None, multioutput="uniform_average"):
    t, p, w = _check(y_true, y_pred, sample_weight, multioutput,
                     ("raw_values", "uniform_average"))
    return _combine(np.average(np.abs(t - p), axis=0, weights=w), multioutput)


def r2_score(y_true, y_pred, *, sample_weight=None, multioutput="uniform_average",
             force_finite=True):
    """Coefficient of determination. With ``force_finite`` a constant y_true scores 1.0 when
    predicted exactly and 0.0 otherwise (instead of nan / -inf), as scikit-learn."""
    t, p, w = _check(y_true, y_pred, sample_weight, multioutput,
                     ("raw_values", "uniform_average", "variance_weighted"))
    if t.shape[0] < 2:
        warnings.warn("R^2 score is not well-defined with less than two samples.",
                      UndefinedMetricWarning, stacklevel=2)
        return float("nan")
    weight = 1.0 if w is None else w[:, None]
    num = (weight * (t - p) ** 2).sum(axis=0)
    den = (weight * (t - np.average(t, axis=0, weights=w)) ** 2).sum(axis=0)
    nonzero_den = den != 0
    nonzero_num = num != 0
    if not force_finite:
        with np.errstate(divide="ignore", invalid="ignore"):
            scores = 1.0 - num / den
    else:
        scores = np.ones(t.shape[1])
        valid = nonzero_num & nonzero_den
        scores[valid] = 1.0 - num[valid] / den[valid]
        scores[nonzero_num & ~nonzero_den] = 0.0
    if isinstance(multioutput, str):
        if multioutput == "raw_values":
            return scores
        if multioutput == "uniform_average":
            return float(np.average(scores))
        if not np.any(nonzero_den):
            # Every target is constant: no variance to weight by, so (as scikit-learn) the
            # outputs count equally.
            return float(np.average(scores))
        return float(np.average(scores, weights=den))
    return float(np.average(scores, weights=np.asarray(multioutput, np.float64)))
