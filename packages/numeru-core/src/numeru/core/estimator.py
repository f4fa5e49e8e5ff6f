"""Estimator base classes: the scikit-learn contract, shared by every numeru model.

- The constructor only stores its arguments under the same names; ``get_params`` and
  ``set_params`` read the constructor signature, so nothing else is needed to make a model
  cloneable, printable and buildable from a config.
- ``fit`` starts with ``validate_data(self, X, y)`` and returns ``self``; fitted state lives in
  public attributes ending in ``_``; ``predict`` starts with ``validate_data(self, X,
  reset=False)`` (fitted? same feature count? same device?).
- ``.nmr`` artifacts: the default state protocol saves the parameters and every fitted
  attribute ending in ``_`` (arrays, Tensors, JSON-safe values, containers of those, and
  registered estimators). Models with other state override ``_nmr_state`` and
  ``_nmr_from_state``. Nothing is pickled.
"""

from __future__ import annotations

import copy
import inspect
from typing import Any

import numpy as np

from .errors import ValidationError, expected
from .validation import (
    FIT_DEVICE,
    check_array,
    check_is_fitted,
    check_sample_weight,
    get_namespace,
    to_numpy,
    to_output,
    validate_data,
)


class BaseEstimator:
    """Parameters through the constructor signature, a readable repr, and .nmr state."""

    @classmethod
    def _get_param_names(cls) -> list[str]:
        init = cls.__init__
        if init is object.__init__:
            return []
        parameters = inspect.signature(init).parameters.values()
        names = []
        for p in parameters:
            if p.name == "self" or p.kind == p.VAR_KEYWORD:
                continue
            if p.kind == p.VAR_POSITIONAL:
                raise TypeError(f"{cls.__name__}: estimators must not take *args in __init__ "
                                "(parameters must be named so get_params can find them)")
            names.append(p.name)
        return sorted(names)

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor parameters; with ``deep``, nested ones as ``outer__inner``."""
        params: dict[str, Any] = {}
        for name in self._get_param_names():
            value = getattr(self, name)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                for key, inner in value.get_params(deep=True).items():
                    params[f"{name}__{key}"] = inner
            params[name] = value
        return params

    def set_params(self, **params: Any) -> BaseEstimator:
        """Set parameters (``name=value`` or nested ``outer__inner=value``); returns self."""
        if not params:
            return self
        valid = self.get_params(deep=True)
        nested: dict[str, dict[str, Any]] = {}
        for key, value in params.items():
            name, sep, inner = key.partition("__")
            if name not in valid:
                raise expected(f"set_params({key}=...)", "a parameter of "
                               f"{type(self).__name__} (one of {sorted(self._get_param_names())})",
                               key)
            if sep:
                nested.setdefault(name, {})[inner] = value
            else:
                setattr(self, name, value)
                valid[name] = value
        for name, inner_params in nested.items():
            valid[name].set_params(**inner_params)
        return self

    def __repr__(self) -> str:
        # Like scikit-learn: only the parameters that differ from their defaults.
        defaults = _defaults(type(self))
        shown = []
        for name, value in self.get_params(deep=False).items():
            if name in defaults and _same(value, defaults[name]):
                continue
            shown.append(f"{name}={_short_repr(value)}")
        return f"{type(self).__name__}({', '.join(shown)})"

    def __sklearn_tags__(self) -> Any:
        """scikit-learn's estimator tags, so its tools (clone, GridSearchCV, cross_val_score,
        Pipeline) accept numeru models. Only scikit-learn calls this, so it imports it here."""
        from sklearn.utils import (  # type: ignore[import-not-found]
            ClassifierTags,
            RegressorTags,
            Tags,
            TargetTags,
            TransformerTags,
        )

        kind = getattr(self, "_estimator_type", None)
        return Tags(
            estimator_type=kind,
            target_tags=TargetTags(required=kind in ("classifier", "regressor")),
            transformer_tags=TransformerTags() if hasattr(self, "transform") else None,
            classifier_tags=ClassifierTags() if kind == "classifier" else None,
            regressor_tags=RegressorTags() if kind == "regressor" else None,
        )

    # -- .nmr state protocol -------------------------------------------------------------------
    def _nmr_state(self) -> dict[str, Any]:
        """State for ``nm.save``: parameters plus every public attribute ending in ``_``.

        Values may be NumPy arrays, Tensors, JSON-safe scalars, lists/tuples/dicts of those
        and registered estimators (saved by registry name). Override for other state.
        """
        fitted = {k: v for k, v in vars(self).items()
                  if k.endswith("_") and not k.startswith("_")}
        return {"params": self.get_params(deep=False), "fitted": fitted}

    @classmethod
    def _nmr_from_state(cls, state: dict[str, Any]) -> BaseEstimator:
        """Rebuild an estimator from what ``_nmr_state`` returned (after decoding)."""
        params = state.get("params", {})
        if not isinstance(params, dict):
            raise expected("state['params']", "a dict of constructor arguments", params)
        known = set(cls._get_param_names())
        unknown = sorted(set(params) - known)
        if unknown:
            raise expected("state['params']", f"parameters of {cls.__name__} "
                           f"({sorted(known)})", unknown)
        estimator = cls(**params)
        for name, value in dict(state.get("fitted", {})).items():
            if not (isinstance(name, str) and name.endswith("_") and not name.startswith("_")):
                raise expected("state['fitted']", "attribute names ending in '_'", name)
            setattr(estimator, name, value)
        return estimator


def _defaults(cls: type) -> dict[str, Any]:
    init = cls.__init__  # type: ignore[misc]  # the class's own constructor, as intended
    if init is object.__init__:
        return {}
    return {p.name: p.default for p in inspect.signature(init).parameters.values()
            if p.default is not p.empty}


def _same(value: Any, default: Any) -> bool:
    if value is default:
        return True
    if type(value) is not type(default):
        return False
    try:
        return bool(value == default)
    except (ValueError, TypeError):  # arrays compare elementwise
        return False


def _short_repr(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def clone(estimator: Any, *, safe: bool = True) -> Any:
    """A new unfitted estimator with the same parameters (nested estimators cloned too)."""
    if isinstance(estimator, (list, tuple, set, frozenset)):
        return type(estimator)(clone(e, safe=safe) for e in estimator)
    if not hasattr(estimator, "get_params") or isinstance(estimator, type):
        if not safe:
            return copy.deepcopy(estimator)
        raise expected("estimator", "an estimator with get_params (or a list of them)",
                       type(estimator).__name__)
    params = estimator.get_params(deep=False)
    cloned = {name: clone(value, safe=False) for name, value in params.items()}
    return type(estimator)(**cloned)


class ClassifierMixin:
    """``score`` = (weighted) accuracy of ``predict``."""

    _estimator_type = "classifier"

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        predicted = to_numpy(self.predict(X))  # type: ignore[attr-defined]
        truth = to_numpy(y)
        if truth.ndim == 2 and truth.shape[1] == 1:
            truth = truth.ravel()
        if predicted.shape != truth.shape:
            raise expected("y", f"shape {predicted.shape} (as the predictions)",
                           f"shape {truth.shape}", error=ValidationError)
        correct = predicted == truth
        if correct.ndim == 2:  # multi-output: a sample counts when every output is right
            correct = correct.all(axis=1)
        weights = _host_weights(sample_weight, correct.shape[0])
        return float(np.average(correct, weights=weights))


class RegressorMixin:
    """``score`` = coefficient of determination R^2 (averaged uniformly over outputs)."""

    _estimator_type = "regressor"

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        predicted = to_numpy(self.predict(X)).astype(np.float64)  # type: ignore[attr-defined]
        truth = to_numpy(y).astype(np.float64)
        if truth.ndim == 2 and truth.shape[1] == 1 and predicted.ndim == 1:
            truth = truth.ravel()
        if predicted.shape != truth.shape:
            raise expected("y", f"shape {predicted.shape} (as the predictions)",
                           f"shape {truth.shape}", error=ValidationError)
        return r2_score(truth, predicted, sample_weight)


def r2_score(truth: np.ndarray, predicted: np.ndarray, sample_weight: Any = None) -> float:
    """R^2 as scikit-learn computes it: a constant truth scores 1 if predicted exactly, else 0."""
    weights = _host_weights(sample_weight, truth.shape[0])
    w = np.ones(truth.shape[0]) if weights is None else weights
    if truth.ndim == 1:
        truth, predicted = truth[:, None], predicted[:, None]
    w = w[:, None]
    residual = (w * (truth - predicted) ** 2).sum(axis=0)
    mean = (w * truth).sum(axis=0) / w.sum()
    total = (w * (truth - mean) ** 2).sum(axis=0)
    scores = np.ones(truth.shape[1])
    nonzero = total != 0
    scores[nonzero] = 1.0 - residual[nonzero] / total[nonzero]
    scores[~nonzero & (residual != 0)] = 0.0
    return float(scores.mean())


def _host_weights(sample_weight: Any, n: int) -> np.ndarray | None:
    if sample_weight is None:
        return None
    return to_numpy(check_sample_weight(sample_weight, n)).astype(np.float64)


class TransformerMixin:
    """``fit_transform`` = ``fit`` then ``transform`` (models may override with a fused pass)."""

    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> Any:
        if y is None:
            return self.fit(X, **fit_params).transform(X)  # type: ignore[attr-defined]
        return self.fit(X, y, **fit_params).transform(X)  # type: ignore[attr-defined]


def is_classifier(estimator: Any) -> bool:
    return getattr(estimator, "_estimator_type", None) == "classifier"


def is_regressor(estimator: Any) -> bool:
    return getattr(estimator, "_estimator_type", None) == "regressor"


__all__ = [
    "FIT_DEVICE",
    "BaseEstimator",
    "ClassifierMixin",
    "RegressorMixin",
    "TransformerMixin",
    "check_array",
    "check_is_fitted",
    "check_sample_weight",
    "clone",
    "get_namespace",
    "is_classifier",
    "is_regressor",
    "r2_score",
    "to_numpy",
    "to_output",
    "validate_data",
]
