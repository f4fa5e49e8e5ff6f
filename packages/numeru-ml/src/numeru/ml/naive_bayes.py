"""Naive Bayes classifiers: ``GaussianNB``, ``MultinomialNB``, ``BernoulliNB``,
``ComplementNB``, ``CategoricalNB``, with scikit-learn's estimates and smoothing.

GaussianNB's per-class means and variances come from a parallel two-pass Numba kernel (one
pass for the sums, one for the squared deviations, so no catastrophic cancellation); its
``partial_fit`` merges batches with Chan et al.'s update, and reproduces scikit-learn's
handling of ``epsilon_`` (recomputed from each batch). The discrete models count features per
class with one GEMM (``one_hot(y).T @ X``) and support ``partial_fit`` too.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from numeru.core.errors import ValidationError, expected
from numeru.core.estimator import (
    BaseEstimator,
    ClassifierMixin,
    check_is_fitted,
    check_sample_weight,
    to_output,
    validate_data,
)
from numeru.core.parallel import numba_threads

from ._classic_utils import check_positive, to_host


@njit(cache=True, parallel=True)
def _class_moments(X, y, n_classes, n_chunks):
    """Per-class counts, means and (biased) variances of X's columns in two passes."""
    n, d = X.shape
    step = (n + n_chunks - 1) // n_chunks
    sums = np.zeros((n_chunks, n_classes, d))
    counts = np.zeros((n_chunks, n_classes))
    for c in prange(n_chunks):
        for i in range(c * step, min(n, (c + 1) * step)):
            k = y[i]
            counts[c, k] += 1.0
            for f in range(d):
                sums[c, k, f] += X[i, f]
    count = counts.sum(axis=0)
    mean = sums.sum(axis=0)
    for k in range(n_classes):
        for f in range(d):
            mean[k, f] = mean[k, f] / count[k] if count[k] > 0 else 0.0
    ssd = np.zeros((n_chunks, n_classes, d))
    for c in prange(n_chunks):
        for i in range(c * step, min(n, (c + 1) * step)):
            k = y[i]
            for f in range(d):
                t = X[i, f] - mean[k, f]
                ssd[c, k, f] += t * t
    var = ssd.sum(axis=0)
    for k in range(n_classes):
        for f in range(d):
            var[k, f] = var[k, f] / count[k] if count[k] > 0 else 0.0
    return count, mean, var


@njit(cache=True, parallel=True)
def _gaussian_jll(X, theta, inv_var, const):
    n, d = X.shape
    n_classes = theta.shape[0]
    out = np.empty((n, n_classes))
    for i in prange(n):
        for k in range(n_classes):
            s = 0.0
            for f in range(d):
                t = X[i, f] - theta[k, f]
                s += t * t * inv_var[k, f]
            out[i, k] = const[k] - 0.5 * s
    return out


def _logsumexp(a):
    top = a.max(axis=1, keepdims=True)
    return (top + np.log(np.exp(a - top).sum(axis=1, keepdims=True)))[:, 0]


class _BaseNB(ClassifierMixin, BaseEstimator):
    def _check_classes(self, y, classes, first_call):
        y = np.asarray(to_host(y))
        if first_call:
            if classes is None:
                raise expected("classes", "the list of all classes on the first call to "
                               "partial_fit", None)
            self.classes_ = np.unique(np.asarray(classes))
        known = np.isin(y, self.classes_)
        if not known.all():
            raise expected("y", f"labels among classes_ {self.classes_.tolist()}",
                           y[~known][0], error=ValidationError)
        return np.searchsorted(self.classes_, y)

    def predict_joint_log_proba(self, X):
        check_is_fitted(self)
        return to_output(self, self._jll(self._check_X(X, reset=False)), like=X)

    def predict(self, X):
        check_is_fitted(self)
        jll = self._jll(self._check_X(X, reset=False))
        return to_output(self, self.classes_[np.argmax(jll, axis=1)], like=X)

    def predict_log_proba(self, X):
        check_is_fitted(self)
        jll = self._jll(self._check_X(X, reset=False))
        return to_output(self, jll - _logsumexp(jll)[:, None], like=X)

    def predict_proba(self, X):
        check_is_fitted(self)
        jll = self._jll(self._check_X(X, reset=False))
        return to_output(self, np.exp(jll - _logsumexp(jll)[:, None]), like=X)


class GaussianNB(_BaseNB):
    """Gaussian naive Bayes: per-class normal features with variance floor ``var_smoothing``."""

    def __init__(self, *, priors=None, var_smoothing=1e-9):
        self.priors = priors
        self.var_smoothing = var_smoothing

    def _check_X(self, X, reset):
        Xv, _ = validate_data(self, X, reset=reset, dtype="float")
        return np.ascontiguousarray(to_host(Xv), dtype=np.float64)

    def fit(self, X, y, sample_weight=None):
        for name in ("theta_", "var_", "class_count_", "class_prior_", "classes_"):
            self.__dict__.pop(name, None)
        return self._partial_fit(X, y, np.unique(np.asarray(to_host(y))), sample_weight)

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        return self._partial_fit(X, y, classes, sample_weight)

    def _partial_fit(self, X, y, classes, sample_weight):
        check_positive("var_smoothing", self.var_smoothing, allow_zero=True)
        first_call = not hasattr(self, "classes_")
        Xv, yv = validate_data(self, X, y, reset=first_call, dtype="float")
        X = np.ascontiguousarray(to_host(Xv), dtype=np.float64)
        y_enc = self._check_classes(yv, classes, first_call)
        n_classes = self.classes_.size
        # scikit-learn recomputes epsilon_ from every batch and removes it before merging.
        self.epsilon_ = float(self.var_smoothing * np.var(X, axis=0).max())
        if first_call:
            self.theta_ = np.zeros((n_classes, X.shape[1]))
            self.var_ = np.zeros((n_classes, X.shape[1]))
            self.class_count_ = np.zeros(n_classes)
            if self.priors is not None:
                priors = np.asarray(self.priors, np.float64)
                if priors.shape != (n_classes,):
                    raise expected("priors", f"{n_classes} values (one per class)",
                                   priors.tolist())
                if not np.isclose(priors.sum(), 1.0) or (priors < 0).any():
                    raise expected("priors", "non-negative values that sum to 1",
                                   priors.tolist())
                self.class_prior_ = priors
            else:
                self.class_prior_ = np.zeros(n_classes)
        else:
            self.var_ -= self.epsilon_
        if sample_weight is None:
            numba_threads()
            count, mean, var = _class_moments(X, y_enc, n_classes,
                                              max(1, min(64, X.shape[0] // 4096)))
        else:
            sw = np.asarray(to_host(check_sample_weight(sample_weight, X.shape[0])), np.float64)
            count = np.bincount(y_enc, weights=sw, minlength=n_classes)
            mean = np.zeros((n_classes, X.shape[1]))
            var = np.zeros((n_classes, X.shape[1]))
            for k in range(n_classes):
                rows = y_enc == k
                if count[k] > 0 and not np.isclose(count[k], 0.0):
                    mean[k] = np.average(X[rows], axis=0, weights=sw[rows])
                    var[k] = np.average((X[rows] - mean[k]) ** 2, axis=0, weights=sw[rows])
                else:
                    count[k] = 0.0
        past = self.class_count_
        total = past + count
        for k in np.flatnonzero(count > 0):
            if past[k] == 0:
                self.theta_[k], self.var_[k] = mean[k], var[k]
            else:
                # Chan, Golub & LeVeque's merge of two (count, mean, variance) summaries.
                mu = (count[k] * mean[k] + past[k] * self.theta_[k]) / total[k]
                ssd = past[k] * self.var_[k] + count[k] * var[k] + \
                    (count[k] * past[k] / total[k]) * (self.theta_[k] - mean[k]) ** 2
                self.theta_[k], self.var_[k] = mu, ssd / total[k]
        self.class_count_ = total
        self.var_ += self.epsilon_
        if self.priors is None:
            self.class_prior_ = self.class_count_ / self.class_count_.sum()
        return self

    def _jll(self, X):
        with np.errstate(divide="ignore"):
            const = np.log(self.class_prior_) - 0.5 * np.log(2.0 * np.pi * self.var_).sum(axis=1)
        numba_threads()
        return _gaussian_jll(X, self.theta_, 1.0 / self.var_, const)


class _DiscreteNB(_BaseNB):
    """Counting models: feature counts per class by one GEMM, then a smoothed estimate."""

    def _alpha(self):
        alpha = np.asarray(self.alpha, np.float64)
        if (alpha < 0).any():
            raise expected("alpha", "non-negative smoothing", self.alpha)
        if not self.force_alpha and alpha.min() < 1e-10:
            import warnings

            warnings.warn("alpha too small will result in numeric errors, setting alpha = "
                          "1.0e-10; use force_alpha=True to keep alpha unchanged (as "
                          "scikit-learn)", UserWarning, stacklevel=4)
            alpha = np.maximum(alpha, 1e-10)
        return alpha

    def _check_X(self, X, reset):
        Xv, _ = validate_data(self, X, reset=reset, dtype="float")
        return self._prepare(Xv)

    def _prepare(self, Xv):
        X = np.asarray(to_host(Xv), np.float64)
        if getattr(self, "binarize", None) is not None:
            X = (X > self.binarize).astype(np.float64)
        if self._nonnegative and (X < 0).any():
            raise expected("X", f"non-negative feature counts for {type(self).__name__}",
                           "a negative value")
        return X

    _nonnegative = True

    def fit(self, X, y, sample_weight=None):
        for name in ("classes_", "feature_count_", "class_count_"):
            self.__dict__.pop(name, None)
        return self.partial_fit(X, y, np.unique(np.asarray(to_host(y))), sample_weight)

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        first_call = not hasattr(self, "classes_")
        Xv, yv = validate_data(self, X, y, reset=first_call, dtype="float")
        Xv = self._prepare(Xv)
        y_enc = self._check_classes(yv, classes, first_call)
        n_classes = self.classes_.size
        Y = np.zeros((Xv.shape[0], n_classes))
        Y[np.arange(Xv.shape[0]), y_enc] = 1.0
        if sample_weight is not None:
            Y *= np.asarray(to_host(check_sample_weight(sample_weight, Xv.shape[0])))[:, None]
        if first_call:
            self._init_counters(n_classes, Xv.shape[1])
        self._count(Xv, Y)
        self._update_feature_log_prob(self._alpha())
        self._update_class_log_prior()
        return self

    def _init_counters(self, n_classes, n_features):
        self.class_count_ = np.zeros(n_classes)
        self.feature_count_ = np.zeros((n_classes, n_features))

    def _count(self, X, Y):
        self.feature_count_ += Y.T @ X
        self.class_count_ += Y.sum(axis=0)

    def _update_class_log_prior(self):
        n_classes = self.classes_.size
        if self.class_prior is not None:
            prior = np.asarray(self.class_prior, np.float64)
            if prior.shape != (n_classes,):
                raise expected("class_prior", f"{n_classes} values (one per class)",
                               prior.tolist())
            self.class_log_prior_ = np.log(prior)
        elif self.fit_prior:
            with np.errstate(divide="ignore"):
                self.class_log_prior_ = np.log(self.class_count_) - \
                    np.log(self.class_count_.sum())
        else:
            self.class_log_prior_ = np.full(n_classes, -np.log(n_classes))


class MultinomialNB(_DiscreteNB):
    """Multinomial naive Bayes for counts (word counts, histograms)."""

    def __init__(self, *, alpha=1.0, force_alpha=True, fit_prior=True, class_prior=None):
        self.alpha = alpha
        self.force_alpha = force_alpha
        self.fit_prior = fit_prior
        self.class_prior = class_prior

    def _update_feature_log_prob(self, alpha):
        smoothed = self.feature_count_ + alpha
        self.feature_log_prob_ = np.log(smoothed) - np.log(smoothed.sum(axis=1, keepdims=True))

    def _jll(self, X):
        return X @ self.feature_log_prob_.T + self.class_log_prior_


class ComplementNB(_DiscreteNB):
    """Complement naive Bayes (Rennie et al. 2003), suited to imbalanced text data."""

    def __init__(self, *, alpha=1.0, force_alpha=True, fit_prior=True, class_prior=None,
                 norm=False):
        self.alpha = alpha
        self.force_alpha = force_alpha
        self.fit_prior = fit_prior
        self.class_prior = class_prior
        self.norm = norm

    def _count(self, X, Y):
        super()._count(X, Y)
        self.feature_all_ = self.feature_count_.sum(axis=0)

    def _update_feature_log_prob(self, alpha):
        comp = self.feature_all_ + alpha - self.feature_count_
        logged = np.log(comp / comp.sum(axis=1, keepdims=True))
        self.feature_log_prob_ = logged / logged.sum(axis=1, keepdims=True) if self.norm \
            else -logged

    def _jll(self, X):
        jll = X @ self.feature_log_prob_.T
        if self.classes_.size == 1:
            jll = jll + self.class_log_prior_
        return jll


class BernoulliNB(_DiscreteNB):
    """Bernoulli naive Bayes for binary features (``X > binarize`` unless binarize=None)."""

    _nonnegative = False

    def __init__(self, *, alpha=1.0, force_alpha=True, binarize=0.0, fit_prior=True,
                 class_prior=None):
        self.alpha = alpha
        self.force_alpha = force_alpha
        self.binarize = binarize
        self.fit_prior = fit_prior
        self.class_prior = class_prior

    def _update_feature_log_prob(self, alpha):
        self.feature_log_prob_ = np.log(self.feature_count_ + alpha) - \
            np.log(self.class_count_ + 2.0 * alpha)[:, None]

    def _jll(self, X):
        neg = np.log(1.0 - np.exp(self.feature_log_prob_))
        return X @ (self.feature_log_prob_ - neg).T + self.class_log_prior_ + neg.sum(axis=1)


class CategoricalNB(_DiscreteNB):
    """Naive Bayes for categorical features coded as integers 0, 1, 2, ..."""

    def __init__(self, *, alpha=1.0, force_alpha=True, fit_prior=True, class_prior=None,
                 min_categories=None):
        self.alpha = alpha
        self.force_alpha = force_alpha
        self.fit_prior = fit_prior
        self.class_prior = class_prior
        self.min_categories = min_categories

    def _prepare(self, Xv):
        X = super()._prepare(Xv)
        if (X != np.round(X)).any():
            raise expected("X", "integer category codes", "a non-integer value")
        return X.astype(np.int64)

    def _init_counters(self, n_classes, n_features):
        minimum = self.min_categories
        if minimum is not None:
            values = np.asarray(minimum)
            if values.dtype.kind not in "iu" or values.shape not in ((), (n_features,)) or \
                    (values < 1).any():
                raise expected("min_categories", f"None, an integer >= 1 or {n_features} "
                               "such integers (one per feature)", minimum)
        self.class_count_ = np.zeros(n_classes)
        self.category_count_ = [np.zeros((n_classes, 0)) for _ in range(n_features)]
        self.n_categories_ = np.zeros(n_features, np.int64)

    def _count(self, X, Y):
        self.class_count_ += Y.sum(axis=0)
        minimum = self.min_categories
        for i in range(X.shape[1]):
            seen = int(X[:, i].max()) + 1
            floor = 0 if minimum is None else int(np.broadcast_to(minimum, (X.shape[1],))[i])
            n_cat = max(seen, floor, self.category_count_[i].shape[1])
            counts = self.category_count_[i]
            if counts.shape[1] < n_cat:
                counts = np.pad(counts, ((0, 0), (0, n_cat - counts.shape[1])))
            onehot = np.zeros((X.shape[0], n_cat))
            onehot[np.arange(X.shape[0]), X[:, i]] = 1.0
            self.category_count_[i] = counts + Y.T @ onehot
            self.n_categories_[i] = n_cat

    def _update_feature_log_prob(self, alpha):
        self.feature_log_prob_ = [
            np.log(c + alpha) - np.log(c.sum(axis=1) + alpha * c.shape[1])[:, None]
            for c in self.category_count_]

    def _jll(self, X):
        jll = np.zeros((X.shape[0], self.classes_.size))
        for i, table in enumerate(self.feature_log_prob_):
            codes = X[:, i]
            if codes.max() >= table.shape[1]:
                raise expected("X", f"categories below {table.shape[1]} in feature {i} (as in "
                               "fit)", int(codes.max()))
            jll += table[:, codes].T
        return jll + self.class_log_prior_


__all__ = ["BernoulliNB", "CategoricalNB", "ComplementNB", "GaussianNB", "MultinomialNB"]
