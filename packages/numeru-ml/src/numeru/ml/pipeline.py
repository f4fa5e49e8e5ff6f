"""``Pipeline`` and ``make_pipeline``: a chain of transformers ending in any estimator.

As scikit-learn's: ``fit`` runs ``fit_transform`` on each intermediate step (``fit`` then
``transform`` if it has no ``fit_transform``) and ``fit`` on the last; fit parameters are
routed with ``step__param``; a step may be ``"passthrough"`` or ``None`` to skip it; the
parameters of the steps are reachable as ``step__param`` through ``get_params`` /
``set_params``. A fitted pipeline saves to ``.nmr`` with all its (registered) steps.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from numeru.core.errors import NotFittedError, ValidationError, expected
from numeru.core.estimator import BaseEstimator, check_is_fitted

_SKIP = ("passthrough", None)


class Pipeline(BaseEstimator):
    """Apply transformers in order, then the final estimator."""

    def __init__(self, steps, *, verbose=False):
        self.steps = steps
        self.verbose = verbose

    @property
    def _estimator_type(self):
        """The final step's (scikit-learn's rule): a pipeline ending in a classifier is one,
        so ``is_classifier``, stratified cross-validation and scorers treat it as one."""
        steps = self.steps if isinstance(self.steps, (list, tuple)) else ()
        last = steps[-1] if steps else None
        return getattr(last[1], "_estimator_type", None) if isinstance(last, (list, tuple)) \
            and len(last) == 2 else None

    # -- parameters --------------------------------------------------------------------------
    def _validate_steps(self):
        if not isinstance(self.steps, (list, tuple)) or not self.steps:
            raise expected("steps", "a non-empty list of (name, estimator) pairs", self.steps)
        names = []
        for i, step in enumerate(self.steps):
            if not (isinstance(step, (list, tuple)) and len(step) == 2 and
                    isinstance(step[0], str)):
                raise expected(f"steps[{i}]", "a (name, estimator) pair", step)
            name, est = step
            if "__" in name:
                raise expected(f"steps[{i}] name", "a name without '__'", name)
            names.append(name)
            last = i == len(self.steps) - 1
            if est in _SKIP:
                continue
            if not last and not (hasattr(est, "fit") and (hasattr(est, "transform") or
                                                          hasattr(est, "fit_transform"))):
                raise expected(f"steps[{i}] ({name!r})", "a transformer (fit and transform) "
                               "or 'passthrough'", type(est).__name__)
            if last and not hasattr(est, "fit"):
                raise expected(f"steps[{i}] ({name!r})", "an estimator with fit",
                               type(est).__name__)
        if len(set(names)) != len(names):
            raise expected("steps", "unique step names", names)

    def get_params(self, deep=True):
        params = {"steps": self.steps, "verbose": self.verbose}
        if not deep:
            return params
        for name, est in self.steps:
            params[name] = est
            if hasattr(est, "get_params"):
                for key, value in est.get_params(deep=True).items():
                    params[f"{name}__{key}"] = value
        return params

    def set_params(self, **params):
        if "steps" in params:
            self.steps = params.pop("steps")
        names = [name for name, _ in self.steps]
        nested: dict[str, dict[str, Any]] = defaultdict(dict)
        for key, value in params.items():
            name, sep, inner = key.partition("__")
            if not sep and name in names:
                i = names.index(name)
                self.steps = list(self.steps)
                self.steps[i] = (name, value)
            elif sep and name in names:
                nested[name][inner] = value
            elif key == "verbose":
                self.verbose = value
            else:
                raise expected(f"set_params({key}=...)", "'steps', 'verbose', a step name "
                               f"({names}) or step__parameter", key)
        for name, inner in nested.items():
            self.named_steps[name].set_params(**inner)
        return self

    # -- access ------------------------------------------------------------------------------
    @property
    def named_steps(self):
        return dict(self.steps)

    def __len__(self):
        return len(self.steps)

    def __getitem__(self, index):
        if isinstance(index, slice):
            if index.step not in (None, 1):
                raise expected("index", "a slice with step 1", index)
            return Pipeline(self.steps[index], verbose=self.verbose)
        if isinstance(index, str):
            return self.named_steps[index]
        return self.steps[index][1]

    @property
    def _final(self):
        return self.steps[-1][1]

    @property
    def classes_(self):
        return self._final.classes_

    @property
    def n_features_in_(self):
        for _, est in self.steps:
            if est not in _SKIP:
                return est.n_features_in_
        raise NotFittedError("This Pipeline has no fitted step")

    def _is_fitted(self):
        final = [est for _, est in self.steps if est not in _SKIP]
        if not final:
            return True
        try:
            check_is_fitted(final[-1])
            return True
        except NotFittedError:
            return False

    # -- fitting and prediction --------------------------------------------------------------
    def _route(self, fit_params):
        routed: dict[str, dict[str, Any]] = {name: {} for name, _ in self.steps}
        for key, value in fit_params.items():
            name, sep, param = key.partition("__")
            if not sep or name not in routed:
                raise expected(f"fit parameter {key!r}", "step__parameter with a step name "
                               f"among {list(routed)}", key, error=ValidationError)
            routed[name][param] = value
        return routed

    def _fit_transformers(self, X, y, routed):
        Xt = X
        for name, est in self.steps[:-1]:
            if est in _SKIP:
                continue
            if hasattr(est, "fit_transform"):
                Xt = est.fit_transform(Xt, y, **routed[name])
            else:
                Xt = est.fit(Xt, y, **routed[name]).transform(Xt)
            self._log(name)
        return Xt

    def _log(self, name):
        if self.verbose:
            print(f"[Pipeline] step {name!r} fitted")

    def fit(self, X, y=None, **fit_params):
        self._validate_steps()
        routed = self._route(fit_params)
        Xt = self._fit_transformers(X, y, routed)
        name, final = self.steps[-1]
        if final not in _SKIP:
            final.fit(Xt, y, **routed[name])
            self._log(name)
        return self

    def fit_transform(self, X, y=None, **fit_params):
        self._validate_steps()
        routed = self._route(fit_params)
        Xt = self._fit_transformers(X, y, routed)
        name, final = self.steps[-1]
        if final in _SKIP:
            return Xt
        if hasattr(final, "fit_transform"):
            return final.fit_transform(Xt, y, **routed[name])
        return final.fit(Xt, y, **routed[name]).transform(Xt)

    def fit_predict(self, X, y=None, **fit_params):
        return self.fit(X, y, **fit_params).predict(X)

    def _transform_until_last(self, X):
        Xt = X
        for _, est in self.steps[:-1]:
            if est not in _SKIP:
                Xt = est.transform(Xt)
        return Xt

    def _final_call(self, method, X, **kw):
        check_is_fitted(self)
        final = self._final
        if not hasattr(final, method):
            raise expected("final step", f"an estimator with {method}()",
                           type(final).__name__, error=ValidationError)
        return getattr(final, method)(self._transform_until_last(X), **kw)

    def predict(self, X, **kw):
        return self._final_call("predict", X, **kw)

    def predict_proba(self, X):
        return self._final_call("predict_proba", X)

    def predict_log_proba(self, X):
        return self._final_call("predict_log_proba", X)

    def decision_function(self, X):
        return self._final_call("decision_function", X)

    def score(self, X, y=None, sample_weight=None):
        kw = {} if sample_weight is None else {"sample_weight": sample_weight}
        return self._final_call("score", X, y=y, **kw)

    def transform(self, X):
        check_is_fitted(self)
        Xt = self._transform_until_last(X)
        final = self._final
        return Xt if final in _SKIP else final.transform(Xt)

    def inverse_transform(self, X):
        check_is_fitted(self)
        Xt = X
        for _, est in reversed(self.steps):
            if est not in _SKIP:
                Xt = est.inverse_transform(Xt)
        return Xt


def _name_of(est):
    return "passthrough" if est in _SKIP else type(est).__name__.lower()


def make_pipeline(*steps, verbose=False):
    """A Pipeline whose step names are the lower-cased class names (``-1``, ``-2`` when
    a class appears more than once, as scikit-learn)."""
    names = [_name_of(est) for est in steps]
    counts = {n: names.count(n) for n in names}
    seen: dict[str, int] = defaultdict(int)
    named = []
    for name, est in zip(names, steps, strict=True):
        if counts[name] > 1:
            seen[name] += 1
            name = f"{name}-{seen[name]}"
        named.append((name, est))
    return Pipeline(named, verbose=verbose)


__all__ = ["Pipeline", "make_pipeline"]
