"""Feature scalers: ``StandardScaler``, ``MinMaxScaler``, ``RobustScaler``, ``MaxAbsScaler``,
``Normalizer``.

Statistics follow scikit-learn exactly (Chan et al.'s incremental mean and variance with the
same correction term, NaNs ignored when fitting and kept when transforming, constant features
scaled by 1). ``transform`` runs with the input's array namespace, so a Tensor on any device
is scaled where it lives.
"""

from __future__ import annotations

import warnings
from statistics import NormalDist

import numpy as np

from numeru.core.errors import expected
from numeru.core.estimator import (
    BaseEstimator,
    TransformerMixin,
    check_is_fitted,
    check_sample_weight,
    get_namespace,
    to_output,
    validate_data,
)

from .._classic_utils import to_host

_EPS = np.finfo(np.float64).eps


def _handle_zeros(scale, constant_mask=None):
    scale = np.array(scale, dtype=np.float64, copy=True)
    if constant_mask is None:
        constant_mask = scale < 10 * _EPS
    scale[constant_mask] = 1.0
    return scale


def _incremental_mean_var(X, last_mean, last_var, last_count, sw):
    """scikit-learn's ``_incremental_mean_and_var`` (NaN-aware, optionally weighted)."""
    nan = np.isnan(X)
    Xz = np.where(nan, 0.0, X)
    if sw is None:
        new_sum = Xz.sum(axis=0)
        new_count = X.shape[0] - nan.sum(axis=0)
    else:
        new_sum = sw @ Xz
        new_count = sw @ (~nan)
    count = last_count + new_count
    last_sum = last_mean * last_count
    mean = (last_sum + new_sum) / count
    T = new_sum / new_count
    temp = np.where(nan, 0.0, X - T)
    correction = temp.sum(axis=0) if sw is None else sw @ temp
    temp **= 2
    new_unnorm = (temp.sum(axis=0) if sw is None else sw @ temp) - correction ** 2 / new_count
    last_unnorm = last_var * last_count
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = last_count / new_count
        unnorm = last_unnorm + new_unnorm + ratio / count * (last_sum / ratio - new_sum) ** 2
    zeros = np.broadcast_to(last_count == 0, unnorm.shape)
    unnorm[zeros] = new_unnorm[zeros]
    return mean, unnorm / count, count


def _apply(X, fn):
    """Run ``fn(xp, Xv, as_xp)`` where as_xp converts fitted NumPy statistics to X's backend.

    The result keeps X's floating dtype (float32 stays float32, as in scikit-learn): the
    arithmetic with the float64 statistics is done in float64 and rounded once at the end.
    """
    xp = get_namespace(X)
    out = fn(xp, X, (lambda a: a) if xp is np else xp.asarray)
    if out.dtype != X.dtype:
        out = out.astype(X.dtype) if xp is np else xp.astype(out, X.dtype)
    return out


class StandardScaler(TransformerMixin, BaseEstimator):
    """Remove the mean and scale to unit variance (population variance, ddof=0)."""

    def __init__(self, *, copy=True, with_mean=True, with_std=True):
        self.copy = copy
        self.with_mean = with_mean
        self.with_std = with_std

    def fit(self, X, y=None, sample_weight=None):
        for name in ("n_samples_seen_", "mean_", "var_", "scale_"):
            self.__dict__.pop(name, None)
        return self.partial_fit(X, y, sample_weight)

    def partial_fit(self, X, y=None, sample_weight=None):
        for name in ("with_mean", "with_std"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise expected(name, "True or False", getattr(self, name))
        first = not hasattr(self, "n_samples_seen_")
        Xv, _ = validate_data(self, X, reset=first, dtype="float", allow_nan=True)
        X = np.asarray(to_host(Xv), np.float64)
        sw = None if sample_weight is None else \
            np.asarray(to_host(check_sample_weight(sample_weight, X.shape[0])), np.float64)
        d = X.shape[1]
        if first:
            count = np.zeros(d, np.int64 if sw is None else np.float64)
            mean, var = np.zeros(d), np.zeros(d)
        else:
            count = np.broadcast_to(np.asarray(self.n_samples_seen_), (d,)).astype(
                np.float64 if sw is not None else np.asarray(self.n_samples_seen_).dtype)
            mean, var = self.mean_, (self.var_ if self.var_ is not None else np.zeros(d))
        mean, var, count = _incremental_mean_var(X, mean, var, count, sw)
        self.mean_ = mean if self.with_mean or self.with_std else None
        self.var_ = var if self.with_std else None
        if self.with_std:
            upper = count * _EPS * var + (count * mean * _EPS) ** 2
            self.scale_ = _handle_zeros(np.sqrt(var), constant_mask=var <= upper)
        else:
            self.scale_ = None
        self.n_samples_seen_ = count[0] if np.ptp(count) == 0 else count
        if not self.with_mean and not self.with_std:
            self.mean_ = None
        if isinstance(self.n_samples_seen_, np.generic):
            self.n_samples_seen_ = self.n_samples_seen_.item()
        return self

    def transform(self, X, copy=None):
        check_is_fitted(self)
        Xv, _ = validate_data(self, X, reset=False, dtype="float", allow_nan=True)

        def run(xp, A, as_xp):
            if self.with_mean:
                A = A - as_xp(self.mean_)
            if self.with_std:
                A = A / as_xp(self.scale_)
            return A if (self.with_mean or self.with_std) else A * 1.0

        return to_output(self, _apply(Xv, run), like=X)

    def inverse_transform(self, X, copy=None):
        check_is_fitted(self)
        Xv, _ = validate_data(self, X, reset=False, dtype="float", allow_nan=True)

        def run(xp, A, as_xp):
            if self.with_std:
                A = A * as_xp(self.scale_)
            if self.with_mean:
                A = A + as_xp(self.mean_)
            return A * 1.0 if not (self.with_mean or self.with_std) else A

        return to_output(self, _apply(Xv, run), like=X)


class MinMaxScaler(TransformerMixin, BaseEstimator):
    """Scale each feature to ``feature_range`` using the training min and max."""

    def __init__(self, feature_range=(0, 1), *, copy=True, clip=False):
        self.feature_range = feature_range
        self.copy = copy
        self.clip = clip

    def fit(self, X, y=None):
        for name in ("n_samples_seen_", "data_min_", "data_max_"):
            self.__dict__.pop(name, None)
        return self.partial_fit(X, y)

    def partial_fit(self, X, y=None):
        low, high = self.feature_range
        if low >= high:
            raise expected("feature_range", "(min, max) with min < max", self.feature_range)
        first = not hasattr(self, "n_samples_seen_")
        Xv, _ = validate_data(self, X, reset=first, dtype="float", allow_nan=True)
        X = np.asarray(to_host(Xv), np.float64)
        with np.errstate(all="ignore"):
            data_min = np.nanmin(X, axis=0)
            data_max = np.nanmax(X, axis=0)
        if first:
            self.n_samples_seen_ = X.shape[0]
        else:
            data_min = np.minimum(self.data_min_, data_min)
            data_max = np.maximum(self.data_max_, data_max)
            self.n_samples_seen_ += X.shape[0]
        data_range = data_max - data_min
        self.scale_ = (high - low) / _handle_zeros(data_range)
        self.min_ = low - data_min * self.scale_
        self.data_min_, self.data_max_, self.data_range_ = data_min, data_max, data_range
        return self

    def transform(self, X):
        check_is_fitted(self)
        Xv, _ = validate_data(self, X, reset=False, dtype="float", allow_nan=True)

        def run(xp, A, as_xp):
            A = A * as_xp(self.scale_) + as_xp(self.min_)
            if self.clip:
                A = xp.clip(A, float(self.feature_range[0]), float(self.feature_range[1]))
            return A

        return to_output(self, _apply(Xv, run), like=X)

    def inverse_transform(self, X):
        check_is_fitted(self)
        Xv, _ = validate_data(self, X, reset=False, dtype="float", allow_nan=True)
        return to_output(self, _apply(Xv, lambda xp, A, as_xp:
                                      (A - as_xp(self.min_)) / as_xp(self.scale_)), like=X)


class RobustScaler(TransformerMixin, BaseEstimator):
    """Center on the median and scale by an interquantile range (robust to outliers)."""

    def __init__(self, *, with_centering=True, with_scaling=True, quantile_range=(25.0, 75.0),
                 copy=True, unit_variance=False):
        self.with_centering = with_centering
        self.with_scaling = with_scaling
        self.quantile_range = quantile_range
        self.copy = copy
        self.unit_variance = unit_variance

    def fit(self, X, y=None):
        q_min, q_max = self.quantile_range
        if not 0 <= q_min <= q_max <= 100:
            raise expected("quantile_range", "(q_min, q_max) with 0 <= q_min <= q_max <= 100",
                           self.quantile_range)
        if self.unit_variance and self.with_scaling and not 0 < q_min < q_max < 100:
            # scikit-learn divides by norm.ppf(q_max) - norm.ppf(q_min), infinite or zero
            # here, and returns a scale_ of 0 or inf (inf/NaN output): refuse it instead
            raise expected("quantile_range", "0 < q_min < q_max < 100 with unit_variance=True "
                           "(the normal quantiles of 0 and 100 are infinite)",
                           self.quantile_range)
        Xv, _ = validate_data(self, X, dtype="float", allow_nan=True)
        X = np.asarray(to_host(Xv), np.float64)
        self.center_ = np.nanmedian(X, axis=0) if self.with_centering else None
        if self.with_scaling:
            low, high = np.nanpercentile(X, [q_min, q_max], axis=0)
            scale = _handle_zeros(high - low)
            if self.unit_variance:
                normal = NormalDist()
                scale = scale / (normal.inv_cdf(q_max / 100.0) - normal.inv_cdf(q_min / 100.0))
            self.scale_ = scale
        else:
            self.scale_ = None
        return self

    def transform(self, X):
        check_is_fitted(self)
        Xv, _ = validate_data(self, X, reset=False, dtype="float", allow_nan=True)

        def run(xp, A, as_xp):
            if self.with_centering:
                A = A - as_xp(self.center_)
            if self.with_scaling:
                A = A / as_xp(self.scale_)
            return A * 1.0 if not (self.with_centering or self.with_scaling) else A

        return to_output(self, _apply(Xv, run), like=X)

    def inverse_transform(self, X):
        check_is_fitted(self)
        Xv, _ = validate_data(self, X, reset=False, dtype="float", allow_nan=True)

        def run(xp, A, as_xp):
            if self.with_scaling:
                A = A * as_xp(self.scale_)
            if self.with_centering:
                A = A + as_xp(self.center_)
            return A * 1.0 if not (self.with_centering or self.with_scaling) else A

        return to_output(self, _apply(Xv, run), like=X)


class MaxAbsScaler(TransformerMixin, BaseEstimator):
    """Scale each feature by its maximum absolute value (no centering, keeps signs)."""

    def __init__(self, *, copy=True):
        self.copy = copy

    def fit(self, X, y=None):
        for name in ("n_samples_seen_", "max_abs_", "scale_"):
            self.__dict__.pop(name, None)
        return self.partial_fit(X, y)

    def partial_fit(self, X, y=None):
        first = not hasattr(self, "n_samples_seen_")
        Xv, _ = validate_data(self, X, reset=first, dtype="float", allow_nan=True)
        X = np.asarray(to_host(Xv), np.float64)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN column: NaN, as sklearn
            max_abs = np.nanmax(np.abs(X), axis=0)
        if first:
            self.n_samples_seen_ = X.shape[0]
        else:
            max_abs = np.maximum(self.max_abs_, max_abs)
            self.n_samples_seen_ += X.shape[0]
        self.max_abs_ = max_abs
        self.scale_ = _handle_zeros(max_abs)
        return self

    def transform(self, X):
        check_is_fitted(self)
        Xv, _ = validate_data(self, X, reset=False, dtype="float", allow_nan=True)
        return to_output(self, _apply(Xv, lambda xp, A, as_xp: A / as_xp(self.scale_)), like=X)

    def inverse_transform(self, X):
        check_is_fitted(self)
        Xv, _ = validate_data(self, X, reset=False, dtype="float", allow_nan=True)
        return to_output(self, _apply(Xv, lambda xp, A, as_xp: A * as_xp(self.scale_)), like=X)


_NORMS = ("l1", "l2", "max")


class Normalizer(TransformerMixin, BaseEstimator):
    """Scale each sample (row) to unit ``norm``; rows of zeros stay zero. Stateless."""

    def __init__(self, norm="l2", *, copy=True):
        self.norm = norm
        self.copy = copy

    def _check_norm(self):
        if not isinstance(self.norm, str) or self.norm not in _NORMS:
            raise expected("norm", "one of 'l1', 'l2', 'max'", self.norm)

    def fit(self, X, y=None):
        self._check_norm()
        validate_data(self, X, dtype="float")
        return self

    def transform(self, X, copy=None):
        self._check_norm()
        check_is_fitted(self)
        Xv, _ = validate_data(self, X, reset=False, dtype="float")

        def run(xp, A, as_xp):
            A = A.astype(np.float64) if xp is np else xp.astype(A, xp.float64)
            if self.norm == "l1":
                norms = xp.sum(xp.abs(A), axis=1)
            elif self.norm == "l2":
                norms = xp.sqrt(xp.sum(A * A, axis=1))
            else:
                norms = xp.max(xp.abs(A), axis=1)
            norms = xp.where(norms < 10 * _EPS, xp.ones_like(norms), norms)
            return A / norms[:, None]

        return to_output(self, _apply(Xv, run), like=X)
