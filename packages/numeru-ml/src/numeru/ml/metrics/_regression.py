"""Regression metrics with scikit-learn's definitions: MSE, RMSE, MAE, R^2, explained
variance, median absolute error, max error, MAPE, (root) mean squared log error, pinball loss
and the D^2 scores (with ``multioutput`` = "raw_values", "uniform_average",
"variance_weighted" where scikit-learn offers it, or weights)."""

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
    return _explained_fraction(num, den, multioutput, force_finite)


def _weighted_percentile(a, w, rank, average):
    """scikit-learn's ``_weighted_percentile`` per column of ``a`` (n, k): the smallest value
    whose weight CDF reaches ``rank`` percent; with ``average``, the mean with the next value
    (of positive weight) when the CDF lands exactly on the rank. All weights 0 gives nan."""
    n, k = a.shape
    if np.all(w == 0):
        return np.full(k, np.nan)
    order = np.argsort(a, axis=0, kind="stable")
    cdf = np.cumsum(w[order], axis=0)
    target = rank / 100 * cdf[-1]
    target = np.where(target == 0, np.nextafter(target, target + 1), target)
    cols = np.arange(k)
    idx = np.clip([np.searchsorted(cdf[:, j], target[j]) for j in cols], 0, n - 1)
    at = a[order[idx, cols], cols]
    if not average:
        return at
    above = cdf[idx, cols] - target > np.finfo(np.float64).eps
    following = order[np.clip(idx + 1, 0, n - 1), cols]
    for j in cols[w[following] == 0]:
        nxt = np.searchsorted(cdf[:, j], cdf[idx[j], j], side="right")
        following[j] = order[idx[j] if nxt > n - 1 else nxt, j]
    return np.where(above, at, (at + a[following, cols]) / 2)


def _explained_fraction(num, den, multioutput, force_finite):
    """1 - num / den per output, averaged as scikit-learn's
    ``_assemble_fraction_of_explained_deviance`` (shared by R^2, explained variance and D^2;
    with no variance in any output, "variance_weighted" counts the outputs equally)."""
    nonzero_den = den != 0
    if not force_finite:
        with np.errstate(divide="ignore", invalid="ignore"):
            scores = 1.0 - num / den
    else:
        nonzero_num = num != 0
        scores = np.ones(num.shape[0])
        valid = nonzero_den & nonzero_num
        scores[valid] = 1.0 - num[valid] / den[valid]
        scores[nonzero_num & ~nonzero_den] = 0.0
    if isinstance(multioutput, str):
        if multioutput == "raw_values":
            return scores
        weights = den if multioutput == "variance_weighted" and nonzero_den.any() else None
    else:
        weights = np.asarray(multioutput, np.float64)
    return float(np.average(scores, weights=weights))


def explained_variance_score(y_true, y_pred, *, sample_weight=None,
                             multioutput="uniform_average", force_finite=True):
    """1 - Var(y_true - y_pred) / Var(y_true); ``force_finite`` as in ``r2_score``."""
    t, p, w = _check(y_true, y_pred, sample_weight, multioutput,
                     ("raw_values", "uniform_average", "variance_weighted"))
    diff_avg = np.average(t - p, weights=w, axis=0)
    num = np.average((t - p - diff_avg) ** 2, weights=w, axis=0)
    den = np.average((t - np.average(t, weights=w, axis=0)) ** 2, weights=w, axis=0)
    return _explained_fraction(num, den, multioutput, force_finite)


def median_absolute_error(y_true, y_pred, *, multioutput="uniform_average", sample_weight=None):
    """Median of |y_true - y_pred| per output (weighted: scikit-learn's weighted median,
    averaging the two middle values when the weights split exactly in half)."""
    t, p, w = _check(y_true, y_pred, sample_weight, multioutput,
                     ("raw_values", "uniform_average"))
    if w is None:
        errors = np.median(np.abs(p - t), axis=0)
    else:
        errors = _weighted_percentile(np.abs(p - t), w, 50, average=True)
    return _combine(errors, multioutput)


def max_error(y_true, y_pred):
    """Largest absolute residual (single output only, as scikit-learn)."""
    t, p, _ = _check(y_true, y_pred, None, "uniform_average", ("uniform_average",))
    if t.shape[1] > 1:
        raise expected("y_true", "a single output (max_error does not support multioutput)",
                       f"{t.shape[1]} outputs", error=ShapeError)
    return float(np.max(np.abs(t - p)))


def mean_absolute_percentage_error(y_true, y_pred, *, sample_weight=None,
                                   multioutput="uniform_average"):
    """Mean of |y_true - y_pred| / max(|y_true|, eps) with float64's eps, as scikit-learn
    (a zero target therefore gives a very large, finite error)."""
    t, p, w = _check(y_true, y_pred, sample_weight, multioutput,
                     ("raw_values", "uniform_average"))
    mape = np.abs(p - t) / np.maximum(np.abs(t), np.finfo(np.float64).eps)
    return _combine(np.average(mape, weights=w, axis=0), multioutput)


def _log1p_targets(y_true, y_pred, sample_weight, multioutput, name):
    t, p, w = _check(y_true, y_pred, sample_weight, multioutput,
                     ("raw_values", "uniform_average"))
    for arg, a in (("y_true", t), ("y_pred", p)):
        if np.any(a <= -1):
            raise expected(arg, f"values greater than -1 ({name} takes log(1 + y))",
                           float(a[a <= -1][0]))
    return np.log1p(t), np.log1p(p), w


def mean_squared_log_error(y_true, y_pred, *, sample_weight=None,
                           multioutput="uniform_average"):
    """Mean squared error of log(1 + y); values <= -1 are refused, as scikit-learn 1.9."""
    t, p, w = _log1p_targets(y_true, y_pred, sample_weight, multioutput,
                             "mean_squared_log_error")
    return _combine(np.average((t - p) ** 2, axis=0, weights=w), multioutput)


def root_mean_squared_log_error(y_true, y_pred, *, sample_weight=None,
                                multioutput="uniform_average"):
    """Root of ``mean_squared_log_error`` per output."""
    t, p, w = _log1p_targets(y_true, y_pred, sample_weight, multioutput,
                             "root_mean_squared_log_error")
    return _combine(np.sqrt(np.average((t - p) ** 2, axis=0, weights=w)), multioutput)


def _check_alpha(alpha):
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.number)) \
            or not 0 <= alpha <= 1:
        raise expected("alpha", "a number in [0, 1]", alpha)


def _pinball(t, p, w, alpha):
    diff = t - p
    sign = (diff >= 0).astype(np.float64)
    loss = alpha * sign * diff - (1 - alpha) * (1 - sign) * diff
    return np.average(loss, weights=w, axis=0)


def mean_pinball_loss(y_true, y_pred, *, sample_weight=None, alpha=0.5,
                      multioutput="uniform_average"):
    """Quantile (pinball) loss at level ``alpha``; alpha=0.5 is half the MAE."""
    _check_alpha(alpha)
    t, p, w = _check(y_true, y_pred, sample_weight, multioutput,
                     ("raw_values", "uniform_average"))
    return _combine(_pinball(t, p, w, alpha), multioutput)


def d2_pinball_score(y_true, y_pred, *, sample_weight=None, alpha=0.5,
                     multioutput="uniform_average"):
    """D^2: fraction of the pinball loss explained, against the (weighted) alpha-quantile of
    y_true as the constant prediction; nan with a warning under 2 samples."""
    _check_alpha(alpha)
    t, p, w = _check(y_true, y_pred, sample_weight, multioutput,
                     ("raw_values", "uniform_average"))
    if t.shape[0] < 2:
        warnings.warn("D^2 score is not well-defined with less than two samples.",
                      UndefinedMetricWarning, stacklevel=2)
        return float("nan")
    num = _pinball(t, p, w, alpha)
    weights = np.ones(t.shape[0]) if w is None else w
    quantile = _weighted_percentile(t, weights, alpha * 100, average=True)
    den = _pinball(t, np.broadcast_to(quantile, t.shape), weights, alpha)
    return _explained_fraction(num, den, multioutput, True)


def d2_absolute_error_score(y_true, y_pred, *, sample_weight=None,
                            multioutput="uniform_average"):
    """D^2 of the absolute error (``d2_pinball_score`` at alpha=0.5, the median)."""
    return d2_pinball_score(y_true, y_pred, sample_weight=sample_weight, alpha=0.5,
                            multioutput=multioutput)
