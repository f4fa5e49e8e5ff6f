"""The neighbour estimators: ``NearestNeighbors``, ``KNeighborsClassifier``,
``KNeighborsRegressor``, ``RadiusNeighborsClassifier``, ``RadiusNeighborsRegressor``.

Voting: ``weights="uniform"`` counts each neighbour once, ``"distance"`` weighs it by 1/d; a
query at distance 0 from some training points uses only those (weight 1 each), as
scikit-learn. Class ties go to the class that comes first in ``classes_``.
"""

from __future__ import annotations

import warnings

import numpy as np

from numeru.core.errors import ValidationError, expected
from numeru.core.estimator import ClassifierMixin, RegressorMixin, check_is_fitted, to_output

from .._classic_utils import check_choice, encode_labels, to_host
from ._base import NeighborsBase


def _weights_of(dist, weights):
    if weights == "uniform":
        return None
    with np.errstate(divide="ignore"):
        w = 1.0 / dist
    zero = ~np.isfinite(w)
    rows = zero.any(axis=1) if w.ndim == 2 else None
    if rows is not None and rows.any():
        w[rows] = zero[rows].astype(np.float64)
    return w


class NearestNeighbors(NeighborsBase):
    """Unsupervised neighbour search (k nearest or within a radius)."""

    def __init__(self, *, n_neighbors=5, radius=1.0, algorithm="auto", leaf_size=30,
                 metric="minkowski", p=2):
        self.n_neighbors = n_neighbors
        self.radius = radius
        self.algorithm = algorithm
        self.leaf_size = leaf_size
        self.metric = metric
        self.p = p

    def fit(self, X, y=None):
        self._fit(X)
        return self


class _SupervisedMixin:
    def _fit_classes(self, X, y):
        check_choice("weights", self.weights, ("uniform", "distance"))
        _, yv = self._fit(X, y)
        classes, y_enc = encode_labels(to_host(yv))
        self.classes_ = classes
        self.fit_y_ = y_enc
        return self

    def _fit_values(self, X, y):
        check_choice("weights", self.weights, ("uniform", "distance"))
        _, yv = self._fit(X, y, y_numeric=True, multi_output=True)
        self.fit_y_ = np.asarray(to_host(yv), np.float64)
        return self


class KNeighborsClassifier(_SupervisedMixin, ClassifierMixin, NeighborsBase):
    """Classification by a vote of the k nearest training points."""

    def __init__(self, n_neighbors=5, *, weights="uniform", algorithm="auto", leaf_size=30,
                 p=2, metric="minkowski"):
        self.n_neighbors = n_neighbors
        self.weights = weights
        self.algorithm = algorithm
        self.leaf_size = leaf_size
        self.p = p
        self.metric = metric

    def fit(self, X, y):
        return self._fit_classes(X, y)

    def _proba(self, X):
        check_is_fitted(self)
        dist, ind = self.kneighbors(X)
        dist, ind = to_host(dist), to_host(ind)
        labels = self.fit_y_[ind]
        w = _weights_of(dist, self.weights)
        n_classes = self.classes_.size
        counts = np.zeros((ind.shape[0], n_classes))
        rows = np.repeat(np.arange(ind.shape[0]), ind.shape[1])
        np.add.at(counts, (rows, labels.ravel()), 1.0 if w is None else w.ravel())
        return counts

    def predict_proba(self, X):
        counts = self._proba(X)
        return to_output(self, counts / counts.sum(axis=1, keepdims=True), like=X)

    def predict(self, X):
        counts = self._proba(X)
        return to_output(self, self.classes_[np.argmax(counts, axis=1)], like=X)


class KNeighborsRegressor(_SupervisedMixin, RegressorMixin, NeighborsBase):
    """Regression by the (weighted) mean of the k nearest training targets."""

    def __init__(self, n_neighbors=5, *, weights="uniform", algorithm="auto", leaf_size=30,
                 p=2, metric="minkowski"):
        self.n_neighbors = n_neighbors
        self.weights = weights
        self.algorithm = algorithm
        self.leaf_size = leaf_size
        self.p = p
        self.metric = metric

    def fit(self, X, y):
        return self._fit_values(X, y)

    def predict(self, X):
        check_is_fitted(self)
        dist, ind = self.kneighbors(X)
        dist, ind = to_host(dist), to_host(ind)
        values = self.fit_y_[ind]  # (m, k) or (m, k, n_outputs)
        w = _weights_of(dist, self.weights)
        if w is None:
            out = values.mean(axis=1)
        else:
            ww = w if values.ndim == 2 else w[:, :, None]
            out = (values * ww).sum(axis=1) / w.sum(axis=1).reshape(
                (-1,) + (1,) * (values.ndim - 2))
        return to_output(self, out, like=X)


class RadiusNeighborsClassifier(_SupervisedMixin, ClassifierMixin, NeighborsBase):
    """Classification by a vote of the training points within ``radius``.

    ``outlier_label``: None raises for a query with no neighbour; ``"most_frequent"`` or a
    label predicts that label (probability 1 on it, or all zeros if it is not a class).
    """

    def __init__(self, radius=1.0, *, weights="uniform", algorithm="auto", leaf_size=30, p=2,
                 metric="minkowski", outlier_label=None):
        self.radius = radius
        self.weights = weights
        self.algorithm = algorithm
        self.leaf_size = leaf_size
        self.p = p
        self.metric = metric
        self.outlier_label = outlier_label

    def fit(self, X, y):
        self._fit_classes(X, y)
        if self.outlier_label is None:
            self.outlier_label_ = None
        elif isinstance(self.outlier_label, str) and self.outlier_label == "most_frequent":
            self.outlier_label_ = self.classes_[np.argmax(np.bincount(self.fit_y_))]
        else:
            self.outlier_label_ = self.outlier_label
        return self

    def _counts(self, X):
        check_is_fitted(self)
        offsets, ind, dist = self._radius_csr(None if X is None else X, None)
        m = offsets.size - 1
        counts = np.zeros((m, self.classes_.size))
        sizes = np.diff(offsets)
        rows = np.repeat(np.arange(m), sizes)
        if self.weights == "uniform":
            w = np.ones(ind.size)
        else:
            with np.errstate(divide="ignore"):
                w = 1.0 / dist
            zero = dist == 0
            has_zero = np.zeros(m, bool)
            np.logical_or.at(has_zero, rows, zero)
            w = np.where(has_zero[rows], zero.astype(np.float64), w)
        np.add.at(counts, (rows, self.fit_y_[ind]), w)
        empty = sizes == 0
        if empty.any() and self.outlier_label_ is None:
            raise expected("X", f"every query to have a training point within radius="
                           f"{self.radius} (or set outlier_label)",
                           f"{int(empty.sum())} queries without neighbours",
                           error=ValidationError)
        return counts, empty

    def predict(self, X):
        counts, empty = self._counts(X)
        labels = self.classes_[np.argmax(counts, axis=1)]
        if empty.any():
            labels = labels.astype(np.result_type(labels.dtype,
                                                  np.asarray(self.outlier_label_).dtype))
            labels[empty] = self.outlier_label_
        return to_output(self, labels, like=X)

    def predict_proba(self, X):
        counts, empty = self._counts(X)
        totals = counts.sum(axis=1, keepdims=True)
        proba = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
        if empty.any():
            hit = np.flatnonzero(self.classes_ == self.outlier_label_)
            if hit.size:
                proba[empty, hit[0]] = 1.0
            else:  # as scikit-learn
                warnings.warn(f"RadiusNeighborsClassifier: outlier_label="
                              f"{self.outlier_label_!r} is not a training class; queries "
                              "without neighbours get probability 0 for every class",
                              UserWarning, stacklevel=2)
        return to_output(self, proba, like=X)


class RadiusNeighborsRegressor(_SupervisedMixin, RegressorMixin, NeighborsBase):
    """Regression by the (weighted) mean of the targets within ``radius`` (NaN if none)."""

    def __init__(self, radius=1.0, *, weights="uniform", algorithm="auto", leaf_size=30, p=2,
                 metric="minkowski"):
        self.radius = radius
        self.weights = weights
        self.algorithm = algorithm
        self.leaf_size = leaf_size
        self.p = p
        self.metric = metric

    def fit(self, X, y):
        return self._fit_values(X, y)

    def predict(self, X):
        check_is_fitted(self)
        offsets, ind, dist = self._radius_csr(X, None)
        m = offsets.size - 1
        y = self.fit_y_ if self.fit_y_.ndim == 2 else self.fit_y_[:, None]
        out = np.full((m, y.shape[1]), np.nan)
        for q in range(m):
            s, e = offsets[q], offsets[q + 1]
            if e == s:
                continue
            if self.weights == "uniform":
                out[q] = y[ind[s:e]].mean(axis=0)
            else:
                d = dist[s:e]
                w = (d == 0).astype(np.float64) if np.any(d == 0) else 1.0 / d
                out[q] = (y[ind[s:e]] * w[:, None]).sum(axis=0) / w.sum()
        if np.isnan(out[:, 0]).any():
            warnings.warn("RadiusNeighborsRegressor: some queries have no training point within "
                          f"radius={self.radius}; their predictions are NaN", UserWarning,
                          stacklevel=2)
        return to_output(self, out if self.fit_y_.ndim == 2 else out[:, 0], like=X)
