"""Scorers: ``scorer(estimator, X, y) -> float``, greater is better (scikit-learn's protocol).

``get_scorer(name)`` knows scikit-learn's names for the metrics numeru-ml implements (losses
are negated: ``neg_mean_squared_error``); ``make_scorer`` wraps any ``metric(y_true,
y_pred, **kwargs)``. Predictions and labels are brought to the host before the metric runs,
so Tensors on any device work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from numeru.core.errors import expected
from numeru.core.validation import to_numpy

from .. import metrics as _m

_RESPONSES = ("predict", "predict_proba", "predict_log_proba", "decision_function")


class _Scorer:
    """``sign * score_func(y, response(X), **kwargs)``; for a binary classifier a 1-D
    response: the ``pos_label`` column of ``predict_proba`` (the last class by default), or
    ``decision_function`` (negated when ``pos_label`` is the first class)."""

    def __init__(self, score_func: Callable[..., Any], sign: int, response_method: Any,
                 kwargs: dict[str, Any], *, full_proba: bool = False) -> None:
        self._score_func = score_func
        self._sign = sign
        self._response_method = response_method
        self._kwargs = kwargs
        self._full_proba = full_proba  # log loss, Brier: all columns, labels=classes_

    def __repr__(self) -> str:
        return (f"make_scorer({getattr(self._score_func, '__name__', self._score_func)}, "
                f"greater_is_better={self._sign > 0}, response_method="
                f"{self._response_method!r})")

    def _response(self, estimator: Any, X: Any) -> tuple[np.ndarray, dict[str, Any]]:
        methods = (self._response_method,) if isinstance(self._response_method, str) \
            else tuple(self._response_method)
        method = next((m for m in methods if hasattr(estimator, m)), None)
        if method is None:
            raise expected("estimator", f"an estimator with {' or '.join(methods)} (for "
                           "this scorer)", type(estimator).__name__)
        out = np.asarray(to_numpy(getattr(estimator, method)(X)))
        extra: dict[str, Any] = {}
        classes = getattr(estimator, "classes_", None)
        if method == "predict" or classes is None:
            return out, extra
        classes = np.asarray(to_numpy(classes))
        if self._full_proba:
            return out, {"labels": classes}
        if classes.shape[0] == 2 and out.ndim == 2 and method != "decision_function":
            pos_label = self._kwargs.get("pos_label", classes[-1])
            out = out[:, int(np.flatnonzero(classes == pos_label)[0])]
        elif classes.shape[0] == 2 and out.ndim == 1 and \
                self._kwargs.get("pos_label", classes[-1]) == classes[0]:
            out = -out
        return out, extra

    def __call__(self, estimator: Any, X: Any, y: Any) -> float:
        predicted, extra = self._response(estimator, X)
        truth = np.asarray(to_numpy(y))
        return self._sign * float(self._score_func(truth, predicted, **extra, **self._kwargs))


def make_scorer(score_func: Callable[..., Any], *, response_method: Any = "predict",
                greater_is_better: bool = True, **kwargs: Any) -> _Scorer:
    """A scorer from ``score_func(y_true, y_pred, **kwargs)``; losses get
    ``greater_is_better=False`` (the scorer returns their negation)."""
    if not callable(score_func):
        raise expected("score_func", "a callable metric(y_true, y_pred)", score_func)
    methods = (response_method,) if isinstance(response_method, str) else response_method
    if not isinstance(methods, (tuple, list)) or not methods or \
            any(m not in _RESPONSES for m in methods):
        raise expected("response_method", f"one of {_RESPONSES} or a tuple of them",
                       response_method)
    return _Scorer(score_func, 1 if greater_is_better else -1, response_method, kwargs)


_PROBA_OR_DECISION = ("decision_function", "predict_proba")


def _build() -> dict[str, _Scorer]:
    scorers = {
        "accuracy": make_scorer(_m.accuracy_score),
        "balanced_accuracy": make_scorer(_m.balanced_accuracy_score),
        "matthews_corrcoef": make_scorer(_m.matthews_corrcoef),
        "roc_auc": make_scorer(_m.roc_auc_score, response_method=_PROBA_OR_DECISION),
        "roc_auc_ovr": make_scorer(_m.roc_auc_score, response_method="predict_proba",
                                   multi_class="ovr"),
        "roc_auc_ovo": make_scorer(_m.roc_auc_score, response_method="predict_proba",
                                   multi_class="ovo"),
        "roc_auc_ovr_weighted": make_scorer(_m.roc_auc_score, response_method="predict_proba",
                                            multi_class="ovr", average="weighted"),
        "roc_auc_ovo_weighted": make_scorer(_m.roc_auc_score, response_method="predict_proba",
                                            multi_class="ovo", average="weighted"),
        "average_precision": make_scorer(_m.average_precision_score,
                                         response_method=_PROBA_OR_DECISION),
        "neg_log_loss": _Scorer(_m.log_loss, -1, "predict_proba", {}, full_proba=True),
        "neg_brier_score": _Scorer(_m.brier_score_loss, -1, "predict_proba", {},
                                   full_proba=True),
        "r2": make_scorer(_m.r2_score),
        "explained_variance": make_scorer(_m.explained_variance_score),
        "neg_max_error": make_scorer(_m.max_error, greater_is_better=False),
        "d2_absolute_error_score": make_scorer(_m.d2_absolute_error_score),
    }
    func: Callable[..., Any]
    for name, func in (("mean_squared_error", _m.mean_squared_error),
                       ("root_mean_squared_error", _m.root_mean_squared_error),
                       ("mean_absolute_error", _m.mean_absolute_error),
                       ("median_absolute_error", _m.median_absolute_error),
                       ("mean_absolute_percentage_error", _m.mean_absolute_percentage_error),
                       ("mean_squared_log_error", _m.mean_squared_log_error),
                       ("root_mean_squared_log_error", _m.root_mean_squared_log_error)):
        scorers[f"neg_{name}"] = make_scorer(func, greater_is_better=False)
    for name, func in (("precision", _m.precision_score), ("recall", _m.recall_score),
                       ("f1", _m.f1_score)):
        scorers[name] = make_scorer(func, average="binary")
        for average in ("macro", "micro", "weighted"):
            scorers[f"{name}_{average}"] = make_scorer(func, average=average, pos_label=None)
    return scorers


_SCORERS: dict[str, _Scorer] = {}


def get_scorer_names() -> list[str]:
    """The names ``get_scorer`` (and every ``scoring=`` argument) accepts."""
    if not _SCORERS:
        _SCORERS.update(_build())
    return sorted(_SCORERS)


def get_scorer(scoring: Any) -> Any:
    """The scorer called ``scoring`` (a callable is returned as it is)."""
    if callable(scoring):
        return scoring
    names = get_scorer_names()
    if not isinstance(scoring, str) or scoring not in _SCORERS:
        raise expected("scoring", f"a scorer name (one of {names}), a callable "
                       "scorer(estimator, X, y), or a list/dict of them", scoring)
    return _SCORERS[scoring]


def _passthrough_score(estimator: Any, X: Any, y: Any) -> float:
    return estimator.score(X) if y is None else estimator.score(X, y)


def check_scoring(estimator: Any, scoring: Any = None) -> Any:
    """One scorer: ``scoring`` looked up, or ``estimator.score`` when ``scoring`` is None."""
    if scoring is None:
        if not hasattr(estimator, "score"):
            raise expected("scoring", f"a scorer, since {type(estimator).__name__} has no "
                           "score method", None)
        return _passthrough_score
    if isinstance(scoring, (list, tuple, set, dict)):
        raise expected("scoring", "a single scorer here (a name or a callable)", scoring)
    return get_scorer(scoring)


def check_multimetric_scoring(scoring: Any) -> dict[str, Any]:
    """``{name: scorer}`` from a list/tuple/set of names or a dict of names/callables."""
    if isinstance(scoring, dict):
        if not scoring or not all(isinstance(k, str) for k in scoring):
            raise expected("scoring", "a non-empty dict with string keys", scoring)
        return {k: get_scorer(v) for k, v in scoring.items()}
    names = list(scoring)
    if not names or not all(isinstance(k, str) for k in names):
        raise expected("scoring", "a non-empty list of scorer names (use a dict for "
                       "callables)", scoring)
    if len(set(names)) != len(names):
        raise expected("scoring", "unique scorer names", names)
    return {k: get_scorer(k) for k in names}


def is_multimetric(scoring: Any) -> bool:
    return isinstance(scoring, (list, tuple, set, dict))
