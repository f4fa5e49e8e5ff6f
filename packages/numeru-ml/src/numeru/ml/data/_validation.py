"""``cross_validate``, ``cross_val_score``, ``cross_val_predict`` and ``check_cv``
(scikit-learn's signatures and results).

Each split fits a ``clone`` of the estimator on the train rows and scores it on the test
rows. Fits run one after another: ``n_jobs`` is accepted for compatibility (each fit already
uses numeru's thread pool), as are ``verbose`` and ``pre_dispatch``. Rows are taken with the
input's own kind (NumPy, Tensors on their device, lists, pandas), so the estimator sees
what the user passed. Scores, times and indices are NumPy arrays; ``cross_val_predict``
returns the input's kind (a Tensor in, a Tensor out on the same device).
"""

from __future__ import annotations

import numbers
import time
import traceback
import warnings
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from numeru.core.errors import ShapeError, expected
from numeru.core.estimator import clone, is_classifier
from numeru.core.tensor import Tensor
from numeru.core.validation import to_numpy

from ._scoring import check_multimetric_scoring, check_scoring, is_multimetric
from ._split import KFold, StratifiedKFold, _n_samples, _take


class FitFailedWarning(RuntimeWarning):
    """Some fits of a cross-validation failed; their scores were set to ``error_score``."""


def _is_classifier(estimator: Any) -> bool:
    return is_classifier(estimator)  # a Pipeline is what its last step is (its own rule)


def _is_class_labels(y: Any) -> bool:
    """scikit-learn's ``type_of_target(y) in ('binary', 'multiclass')``."""
    labels = np.asarray(to_numpy(y))
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels.ravel()
    if labels.ndim != 1 or labels.size == 0:
        return False
    if labels.dtype.kind == "f":
        return bool(np.all(np.isfinite(labels)) and np.all(labels == np.round(labels)))
    return labels.dtype.kind in "biuUSOc"


class _Predefined:
    """A list of (train, test) index pairs used as a splitter."""

    def __init__(self, splits: list[tuple[np.ndarray, np.ndarray]]) -> None:
        self.splits = splits

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        return len(self.splits)

    def split(self, X: Any = None, y: Any = None, groups: Any = None) -> Iterator[Any]:
        yield from self.splits


def check_cv(cv: Any = 5, y: Any = None, *, classifier: bool = False) -> Any:
    """A splitter from ``cv``: None -> 5 folds; an int -> ``StratifiedKFold`` for a classifier
    with binary or multi-class ``y``, else ``KFold``; a splitter is kept; an iterable of
    (train, test) pairs is used as given."""
    cv = 5 if cv is None else cv
    if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
        if classifier and y is not None and _is_class_labels(y):
            return StratifiedKFold(int(cv))
        return KFold(int(cv))
    if hasattr(cv, "split") and hasattr(cv, "get_n_splits"):
        return cv
    if isinstance(cv, Iterable) and not isinstance(cv, str):
        splits = []
        for i, pair in enumerate(cv):
            if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
                raise expected(f"cv[{i}]", "a (train_indices, test_indices) pair", pair)
            splits.append((np.asarray(pair[0]), np.asarray(pair[1])))
        return _Predefined(splits)
    raise expected("cv", "None, an int, a splitter (split, get_n_splits) or an iterable of "
                   "(train, test) index pairs", cv)


def _check_error_score(error_score: Any) -> None:
    if not (error_score == "raise" if isinstance(error_score, str) else
            isinstance(error_score, numbers.Number) and not isinstance(error_score, bool)):
        raise expected("error_score", "'raise' or a number", error_score)


def _check_n_jobs(n_jobs: Any) -> None:
    if n_jobs is not None and (isinstance(n_jobs, bool) or
                               not isinstance(n_jobs, numbers.Integral) or n_jobs == 0):
        raise expected("n_jobs", "None or a non-zero integer (accepted; fits run "
                       "sequentially)", n_jobs)


def _fit_params_for(params: dict[str, Any] | None, n: int, rows: np.ndarray) -> dict[str, Any]:
    """Fit parameters with one value per sample (``sample_weight``...) take the train rows."""
    out = {}
    for key, value in (params or {}).items():
        sized = value is not None and not isinstance(value, (str, bytes, dict)) and \
            (hasattr(value, "shape") or isinstance(value, (list, tuple)))
        out[key] = _take(value, rows) if sized and _n_samples(value) == n else value
    return out


def _score(estimator: Any, X: Any, y: Any, scorers: Any, error_score: Any) -> Any:
    try:
        if isinstance(scorers, dict):
            scores: Any = {name: s(estimator, X, y) for name, s in scorers.items()}
            values = list(scores.values())
        else:
            scores = scorers(estimator, X, y)
            values = [scores]
    except Exception:
        if error_score == "raise":
            raise
        warnings.warn("Scoring failed. The score on this train-test partition for these "
                      f"parameters will be set to {error_score}. Details: \n"
                      f"{traceback.format_exc()}", UserWarning, stacklevel=2)
        return dict.fromkeys(scorers, error_score) if isinstance(scorers, dict) \
            else error_score
    for value in values:
        if not isinstance(value, numbers.Number):
            raise expected("scoring", "scorers that return a number", value)
    return scores


def _fit_and_score(estimator: Any, X: Any, y: Any, scorers: Any, train: np.ndarray,
                   test: np.ndarray, *, parameters: dict[str, Any] | None = None,
                   fit_params: dict[str, Any] | None = None, return_train_score: bool = False,
                   return_estimator: bool = False, error_score: Any = np.nan) -> dict[str, Any]:
    """Fit a clone on ``train`` and score it on ``test`` (scikit-learn's ``_fit_and_score``)."""
    estimator = clone(estimator)
    if parameters:
        estimator.set_params(**clone(parameters, safe=False))
    n = _n_samples(X)
    X_train, X_test = _take(X, train), _take(X, test)
    y_train = y_test = None
    if y is not None:
        y_train, y_test = _take(y, train), _take(y, test)
    result: dict[str, Any] = {"fit_error": None}
    start = time.perf_counter()
    try:
        fit_kw = _fit_params_for(fit_params, n, train)
        if y_train is None:
            estimator.fit(X_train, **fit_kw)
        else:
            estimator.fit(X_train, y_train, **fit_kw)
    except Exception:
        if error_score == "raise":
            raise
        result["fit_time"] = time.perf_counter() - start
        result["score_time"] = 0.0
        failed = dict.fromkeys(scorers, error_score) if isinstance(scorers, dict) \
            else error_score
        result["test_scores"] = failed
        if return_train_score:
            result["train_scores"] = failed
        result["fit_error"] = traceback.format_exc()
    else:
        result["fit_time"] = time.perf_counter() - start
        start = time.perf_counter()
        result["test_scores"] = _score(estimator, X_test, y_test, scorers, error_score)
        result["score_time"] = time.perf_counter() - start
        if return_train_score:
            result["train_scores"] = _score(estimator, X_train, y_train, scorers, error_score)
    if return_estimator:
        result["estimator"] = estimator
    return result


def _warn_or_raise_about_fit_failures(results: list[dict[str, Any]], error_score: Any) -> None:
    errors = [r["fit_error"] for r in results if r["fit_error"] is not None]
    if not errors:
        return
    if len(errors) == len(results):
        raise expected("estimator", "fits that succeed on at least one split (set "
                       "error_score='raise' to see the error where it happens)",
                       f"all {len(results)} fits failed; the first with:\n{errors[0]}")
    warnings.warn(f"\n{len(errors)} fits failed out of a total of {len(results)}.\nThe score "
                  "on these train-test partitions for these parameters will be set to "
                  f"{error_score}.\nIf these failures are not expected, you can try to debug "
                  "them by setting error_score='raise'.\n\nThe first failure:\n"
                  f"{errors[0]}", FitFailedWarning, stacklevel=3)


def _check_lengths(X: Any, y: Any, groups: Any) -> int:
    n = _n_samples(X)
    for name, value in (("y", y), ("groups", groups)):
        if value is not None and _n_samples(value) != n:
            raise expected(name, f"{n} samples (as X)", _n_samples(value), error=ShapeError)
    return n


def cross_validate(estimator: Any, X: Any, y: Any = None, *, groups: Any = None,
                   scoring: Any = None, cv: Any = None, n_jobs: Any = None, verbose: int = 0,
                   params: dict[str, Any] | None = None, pre_dispatch: Any = "2*n_jobs",
                   return_train_score: bool = False, return_estimator: bool = False,
                   return_indices: bool = False, error_score: Any = np.nan) -> dict[str, Any]:
    """Fit and score the estimator on each split: ``fit_time``, ``score_time``,
    ``test_score`` (or ``test_<name>`` per metric), optionally ``train_*``, ``estimator``
    and ``indices``."""
    _check_n_jobs(n_jobs)
    _check_error_score(error_score)
    _check_lengths(X, y, groups)
    splitter = check_cv(cv, y, classifier=_is_classifier(estimator))
    multi = is_multimetric(scoring)
    scorers = check_multimetric_scoring(scoring) if multi else check_scoring(estimator, scoring)
    indices = list(splitter.split(X, y, groups))
    results = [_fit_and_score(estimator, X, y, scorers, train, test, fit_params=params,
                              return_train_score=return_train_score,
                              return_estimator=return_estimator, error_score=error_score)
               for train, test in indices]
    _warn_or_raise_about_fit_failures(results, error_score)
    out: dict[str, Any] = {"fit_time": np.array([r["fit_time"] for r in results]),
                           "score_time": np.array([r["score_time"] for r in results])}
    if return_estimator:
        out["estimator"] = [r["estimator"] for r in results]
    if return_indices:
        out["indices"] = {"train": [np.asarray(tr) for tr, _ in indices],
                          "test": [np.asarray(te) for _, te in indices]}
    for kind in ("test", "train") if return_train_score else ("test",):
        if multi:
            for name in scorers:
                out[f"{kind}_{name}"] = np.array([r[f"{kind}_scores"][name] for r in results],
                                                 dtype=np.float64)
        else:
            out[f"{kind}_score"] = np.array([r[f"{kind}_scores"] for r in results],
                                            dtype=np.float64)
    return out


def cross_val_score(estimator: Any, X: Any, y: Any = None, *, groups: Any = None,
                    scoring: Any = None, cv: Any = None, n_jobs: Any = None, verbose: int = 0,
                    params: dict[str, Any] | None = None, pre_dispatch: Any = "2*n_jobs",
                    error_score: Any = np.nan) -> np.ndarray:
    """The test score of each split (one metric), as a NumPy array."""
    scorer = check_scoring(estimator, scoring)
    return cross_validate(estimator, X, y, groups=groups, scoring={"score": scorer}, cv=cv,
                          n_jobs=n_jobs, verbose=verbose, params=params,
                          pre_dispatch=pre_dispatch, error_score=error_score)["test_score"]


_FILL = {"predict_proba": 0.0}


def cross_val_predict(estimator: Any, X: Any, y: Any = None, *, groups: Any = None,
                      cv: Any = None, n_jobs: Any = None, verbose: int = 0,
                      params: dict[str, Any] | None = None, pre_dispatch: Any = "2*n_jobs",
                      method: str = "predict") -> Any:
    """Each sample's prediction by the model fitted without its split, in sample order.

    For ``predict_proba``, ``predict_log_proba`` and ``decision_function`` of a classifier,
    columns follow the sorted classes of all of ``y``; a class missing from a training split
    gets 0 (``predict_proba``) or the dtype's lowest value, as in scikit-learn.
    """
    _check_n_jobs(n_jobs)
    methods = ("predict", "predict_proba", "predict_log_proba", "decision_function")
    if method not in methods:
        raise expected("method", f"one of {methods}", method)
    if not hasattr(estimator, method):
        raise expected("method", f"a method of {type(estimator).__name__}", method)
    n = _check_lengths(X, y, groups)
    classifier = _is_classifier(estimator)
    splitter = check_cv(cv, y, classifier=classifier)
    splits = list(splitter.split(X, y, groups))
    tests = np.concatenate([np.asarray(te, dtype=np.int64) for _, te in splits])
    if tests.shape[0] != n or not np.array_equal(np.sort(tests), np.arange(n)):
        raise expected("cv", "a partition (every sample in exactly one test set) for "
                       "cross_val_predict", f"{tests.shape[0]} test rows over {n} samples")
    all_classes = None
    if classifier and method != "predict" and y is not None:
        all_classes = np.unique(np.asarray(to_numpy(y)))
    parts = []
    for train, test in splits:
        model = clone(estimator)
        y_train = None if y is None else _take(y, train)
        fit_kw = _fit_params_for(params, n, train)
        if y_train is None:
            model.fit(_take(X, train), **fit_kw)
        else:
            model.fit(_take(X, train), y_train, **fit_kw)
        part = np.asarray(to_numpy(getattr(model, method)(_take(X, test))))
        if all_classes is not None:
            part = _align_classes(part, model, all_classes, method)
        parts.append(part)
    stacked = np.concatenate(parts)
    inverse = np.empty(n, dtype=np.int64)
    inverse[tests] = np.arange(n)
    result = stacked[inverse]
    if isinstance(X, Tensor) and result.dtype.kind in "biuf":
        return Tensor(result, "cpu").to(X.device)
    return result


def _align_classes(part: np.ndarray, model: Any, all_classes: np.ndarray,
                   method: str) -> np.ndarray:
    seen = np.asarray(to_numpy(model.classes_))
    if seen.shape[0] == all_classes.shape[0]:
        return part
    warnings.warn(f"Number of classes in training fold ({seen.shape[0]}) does not match total "
                  f"number of classes ({all_classes.shape[0]}). Results may not be "
                  "appropriate for your use case. To fix this, use a cross-validation "
                  "technique resulting in properly stratified folds", RuntimeWarning,
                  stacklevel=3)
    if part.ndim == 1 or (method == "decision_function" and seen.shape[0] == 2):
        raise expected("cv", f"training splits holding every class for {method} (a binary "
                       "decision_function cannot be spread over more classes)",
                       f"a split with classes {seen.tolist()} of {all_classes.tolist()}")
    fill = _FILL.get(method, np.finfo(part.dtype).min if part.dtype.kind == "f" else 0)
    full = np.full((part.shape[0], all_classes.shape[0]), fill, dtype=part.dtype)
    full[:, np.searchsorted(all_classes, seen)] = part
    return full
