"""``PolynomialFeatures`` and ``SimpleImputer``.

PolynomialFeatures orders its output columns as scikit-learn: the bias, then for each degree
the combinations (with replacement unless ``interaction_only``) of feature indices in
lexicographic order. Each column is the product of the columns it names, computed with the
input's array namespace (any backend).

SimpleImputer: strategies "mean", "median", "most_frequent" (ties -> smallest value) and
"constant". Columns that are entirely missing are dropped (as scikit-learn) unless
``keep_empty_features`` (then they are filled with 0, or ``fill_value`` for "constant").
"""

from __future__ import annotations

from itertools import chain, combinations, combinations_with_replacement

import numpy as np

from numeru.core.errors import ShapeError, expected
from numeru.core.estimator import (
    BaseEstimator,
    TransformerMixin,
    check_is_fitted,
    get_namespace,
    to_numpy,
    to_output,
    validate_data,
)

from .._classic_utils import check_choice, to_host


class PolynomialFeatures(TransformerMixin, BaseEstimator):
    """All products of features up to ``degree`` (or in ``(min_degree, max_degree)``)."""

    def __init__(self, degree=2, *, interaction_only=False, include_bias=True, order="C"):
        self.degree = degree
        self.interaction_only = interaction_only
        self.include_bias = include_bias
        self.order = order

    def _degrees(self):
        if isinstance(self.degree, (int, np.integer)) and not isinstance(self.degree, bool):
            if self.degree < 0:
                raise expected("degree", "a non-negative integer or (min, max)", self.degree)
            low, high = 0, int(self.degree)
        elif isinstance(self.degree, tuple) and len(self.degree) == 2 and \
                all(isinstance(d, (int, np.integer)) and not isinstance(d, bool)
                    for d in self.degree) and 0 <= self.degree[0] <= self.degree[1]:
            low, high = int(self.degree[0]), int(self.degree[1])
        else:
            raise expected("degree", "a non-negative integer or (min, max) with min <= max",
                           self.degree)
        if high == 0 and not self.include_bias:
            raise expected("degree", "a maximum degree > 0 with include_bias=False (the "
                           "output would have no columns)", self.degree)
        return low, high

    def _combinations(self, n_features):
        low, high = self._degrees()
        pick = combinations if self.interaction_only else combinations_with_replacement
        start = max(1, low)
        combos = chain.from_iterable(pick(range(n_features), d)
                                     for d in range(start, high + 1))
        out = list(combos)
        if self.include_bias:
            out.insert(0, ())
        return out

    def fit(self, X, y=None):
        check_choice("order", self.order, ("C", "F"))
        Xv, _ = validate_data(self, X, dtype="float")
        combos = self._combinations(Xv.shape[1])
        powers = np.zeros((len(combos), Xv.shape[1]), np.int64)
        for row, combo in enumerate(combos):
            for f in combo:
                powers[row, f] += 1
        self.powers_ = powers
        self.n_output_features_ = len(combos)
        return self

    def transform(self, X):
        check_is_fitted(self)
        Xv, _ = validate_data(self, X, reset=False, dtype="float")
        xp = get_namespace(Xv)
        n = Xv.shape[0]
        columns = []
        for row in self.powers_:
            col = xp.ones((n,), dtype=Xv.dtype) if xp is not np else np.ones(n, Xv.dtype)
            for f in np.flatnonzero(row):
                for _ in range(int(row[f])):
                    col = col * Xv[:, int(f)]
            columns.append(col)
        out = xp.stack(columns, axis=1) if columns else xp.zeros((n, 0), dtype=Xv.dtype)
        if xp is np and self.order == "F":
            out = np.asfortranarray(out)
        return to_output(self, out, like=X)

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self)
        names = input_features if input_features is not None else \
            [f"x{j}" for j in range(self.n_features_in_)]
        out = []
        for row in self.powers_:
            parts = [names[f] if p == 1 else f"{names[f]}^{p}"
                     for f, p in enumerate(row) if p > 0]
            out.append(" ".join(parts) if parts else "1")
        return np.asarray(out, dtype=object)


def _is_missing(A, missing_values):
    if isinstance(missing_values, float) and np.isnan(missing_values):
        if A.dtype.kind == "f":
            return np.isnan(A)
        if A.dtype.kind == "O":
            return np.array([[isinstance(v, float) and np.isnan(v) or v is None for v in row]
                             for row in A], dtype=bool).reshape(A.shape)
        return np.zeros(A.shape, bool)
    return A == missing_values


class SimpleImputer(TransformerMixin, BaseEstimator):
    """Replace missing values by a per-column statistic or a constant."""

    def __init__(self, *, missing_values=np.nan, strategy="mean", fill_value=None, copy=True,
                 add_indicator=False, keep_empty_features=False):
        self.missing_values = missing_values
        self.strategy = strategy
        self.fill_value = fill_value
        self.copy = copy
        self.add_indicator = add_indicator
        self.keep_empty_features = keep_empty_features

    def _data(self, X):
        A = np.asarray(X) if isinstance(X, (list, tuple)) else to_numpy(X)
        if A.ndim != 2:
            raise expected("X", "a 2-D array (n_samples, n_features)", f"shape {A.shape}",
                           error=ShapeError)
        if A.dtype.kind in "USO" and self.strategy in ("mean", "median"):
            raise expected("strategy", "'most_frequent' or 'constant' for non-numeric data",
                           self.strategy)
        # integer data stays integer for "most_frequent" and "constant" (as scikit-learn);
        # the mean and the median need floats
        if A.dtype.kind == "b" or (A.dtype.kind in "iu" and self.strategy in ("mean", "median")):
            A = A.astype(np.float64)
        marker_is_nan = isinstance(self.missing_values, float) and np.isnan(self.missing_values)
        if A.dtype.kind == "f" and not marker_is_nan and np.isnan(A).any():
            raise expected("X", f"no NaN when missing_values={self.missing_values!r} (set "
                           "missing_values=np.nan to impute NaN)", "NaN")
        return A

    def fit(self, X, y=None):
        check_choice("strategy", self.strategy, ("mean", "median", "most_frequent", "constant"))
        A = self._data(X)
        self.n_features_in_ = A.shape[1]
        if self.strategy == "constant" and self.fill_value is not None and \
                A.dtype.kind in "iuf" and \
                not np.can_cast(type(self.fill_value), A.dtype, casting="same_kind"):
            raise expected("fill_value", f"a value that casts to the data's dtype {A.dtype} "
                           "(as scikit-learn)", self.fill_value)
        missing = _is_missing(A, self.missing_values)
        stats = []
        for j in range(A.shape[1]):
            present = A[~missing[:, j], j]
            if self.strategy == "constant":
                fill = self.fill_value
                if fill is None:
                    fill = "missing_value" if A.dtype.kind in "USO" else 0
                stats.append(fill if present.size or self.keep_empty_features else np.nan)
            elif present.size == 0:
                stats.append(0 if self.keep_empty_features else np.nan)
            elif self.strategy == "mean":
                stats.append(float(np.mean(present.astype(np.float64))))
            elif self.strategy == "median":
                stats.append(float(np.median(present.astype(np.float64))))
            else:
                values, counts = np.unique(present, return_counts=True)
                stats.append(values[np.argmax(counts)])  # first max = smallest value
        kind = A.dtype if A.dtype.kind in "USO" else np.float64
        self.statistics_ = np.asarray(stats, dtype=object if kind is not np.float64 else kind)
        if self.add_indicator:
            self.indicator_features_ = np.flatnonzero(missing.any(axis=0))
        return self

    def _valid(self):
        stats = self.statistics_
        if stats.dtype.kind in "fc":
            return ~np.isnan(stats)
        return np.array([not (isinstance(s, float) and np.isnan(s)) for s in stats.tolist()])

    def transform(self, X):
        check_is_fitted(self)
        A = self._data(X)
        if A.shape[1] != self.n_features_in_:
            raise expected("X", f"{self.n_features_in_} features (as in fit)",
                           f"{A.shape[1]} features", error=ShapeError)
        missing = _is_missing(A, self.missing_values)
        out = A.copy() if A.dtype.kind != "O" else A.astype(object)
        if self.statistics_.dtype.kind == "f" and out.dtype.kind == "f":
            rows, cols = np.nonzero(missing)
            out[rows, cols] = self.statistics_[cols]
        else:
            for j in np.flatnonzero(self._valid()):  # the other columns are dropped below
                out[missing[:, j], j] = self.statistics_[j]
        valid = self._valid()
        if not valid.all():  # as scikit-learn
            import warnings

            warnings.warn(f"SimpleImputer: skipping features without any observed values: "
                          f"{np.flatnonzero(~valid).tolist()} (set keep_empty_features=True "
                          "to keep them)", UserWarning, stacklevel=2)
        out = out[:, valid]
        if self.add_indicator:
            out = np.concatenate([out, missing[:, self.indicator_features_].astype(out.dtype)],
                                 axis=1)
        if A.dtype.kind in "iu" and out.dtype.kind == "f":
            out = out.astype(A.dtype)
        return to_output(self, out, like=X) if out.dtype.kind == "f" else out

    def inverse_transform(self, X):
        check_is_fitted(self)
        A = np.asarray(to_host(X), dtype=np.float64)
        valid = self._valid()
        n_kept = int(valid.sum())
        out = np.full((A.shape[0], self.n_features_in_), self.missing_values, np.float64)
        out[:, valid] = A[:, :n_kept]
        if self.add_indicator:
            mask = A[:, n_kept:].astype(bool)
            for k, f in enumerate(self.indicator_features_):
                out[mask[:, k], f] = self.missing_values
        return out
