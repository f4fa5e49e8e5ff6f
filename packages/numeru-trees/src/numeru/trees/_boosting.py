"""XGBoost-style gradient boosting with the scikit-learn API.

Histogram trees (quantile bins, ``max_bin`` <= 255) grown on second-order gradients, depth-wise
or loss-guided; learned missing direction; native categorical splits; monotonic constraints;
early stopping on evaluation sets with named metrics. Defaults follow XGBoost's scikit-learn
wrapper (learning_rate 0.3, max_depth 6, reg_lambda 1, min_child_weight 1).
"""

from __future__ import annotations

import numpy as np

from numeru.core import parallel
from numeru.core.errors import ValidationError, expected
from numeru.core.estimator import (
    BaseEstimator,
    ClassifierMixin,
    RegressorMixin,
    check_is_fitted,
    check_sample_weight,
    to_numpy,
    to_output,
    validate_data,
)

from ._booster import BoostConfig, boost
from ._ensemble import TreeEnsemble
from ._grower import GrowParams
from ._metrics import resolve_metrics
from ._objectives import POISSON_MAX_DELTA_STEP, make_objective
from ._params import check_int, check_real, is_int


def _feature_mask(name, value, n_features, *, signed=False) -> np.ndarray:
    """Per-feature array from None, a bool mask, a list of indices, or (monotone) a list/dict
    of -1/0/+1."""
    out = np.zeros(n_features, np.int64)
    if value is None:
        return out
    if signed:
        items = value.items() if isinstance(value, dict) else enumerate(value)
        if not isinstance(value, dict) and len(value) != n_features:
            raise expected(name, f"{n_features} entries (one per feature) or a dict",
                           f"{len(value)} entries")
        for f, c in items:
            if not is_int(f) or not 0 <= f < n_features or c not in (-1, 0, 1):
                raise expected(name, "feature index -> -1, 0 or +1", (f, c))
            out[f] = int(c)
        return out
    arr = np.asarray(value)
    if arr.dtype == bool:
        if arr.shape != (n_features,):
            raise expected(name, f"a boolean mask of {n_features} entries", arr.shape)
        return arr.astype(np.int64)
    for f in arr.ravel().tolist():
        if not is_int(f) or not 0 <= f < n_features:
            raise expected(name, f"feature indices in [0, {n_features})", f)
        out[f] = 1
    return out


_IMPORTANCE_TYPES = ("gain", "total_gain", "cover", "total_cover", "split", "weight")
_IMPORTANCE_EXPECTED = "'gain', 'total_gain', 'cover', 'total_cover', 'split' or 'weight'"


class BaseGradientBoosting(BaseEstimator):
    _is_classifier = False
    n_features_in_: int  # set by fit

    def __init__(self, *, n_estimators=100, learning_rate=0.3, max_depth=6, max_leaves=0,
                 grow_policy="depthwise", objective=None, huber_delta=1.0,
                 scale_pos_weight=1.0, reg_lambda=1.0,
                 reg_alpha=0.0, gamma=0.0, min_child_weight=1.0, subsample=1.0,
                 colsample_bytree=1.0, max_bin=255, categorical_features=None,
                 monotone_constraints=None, max_cat_to_onehot=4, cat_smooth=10.0,
                 early_stopping_rounds=None, eval_metric=None, importance_type="gain",
                 n_jobs=None, random_state=None, verbose=False):
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.max_leaves = max_leaves
        self.grow_policy = grow_policy
        self.objective = objective
        self.huber_delta = huber_delta
        self.scale_pos_weight = scale_pos_weight
        self.reg_lambda = reg_lambda
        self.reg_alpha = reg_alpha
        self.gamma = gamma
        self.min_child_weight = min_child_weight
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.max_bin = max_bin
        self.categorical_features = categorical_features
        self.monotone_constraints = monotone_constraints
        self.max_cat_to_onehot = max_cat_to_onehot
        self.cat_smooth = cat_smooth
        self.early_stopping_rounds = early_stopping_rounds
        self.eval_metric = eval_metric
        self.importance_type = importance_type
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    # -- fitting ---------------------------------------------------------------------------
    def _threads(self) -> int:
        jobs = self.n_jobs
        if jobs is None or jobs == -1:
            return parallel.get_num_threads()
        if not is_int(jobs) or jobs < 1:
            raise expected("n_jobs", "None, -1 or a positive int", jobs)
        return int(jobs)

    def _config(self, objective_name: str) -> BoostConfig:
        if self.grow_policy not in ("depthwise", "lossguide"):
            raise expected("grow_policy", "'depthwise' or 'lossguide'", self.grow_policy)
        max_depth = check_int("max_depth", self.max_depth, 0, allow_none=True) or 0
        max_leaves = check_int("max_leaves", self.max_leaves, 0)
        if max_depth == 0 and max_leaves == 0:
            raise expected("max_depth", "a positive depth when max_leaves=0 (unbounded trees)",
                           self.max_depth)
        if max_leaves == 1:
            raise expected("max_leaves", "0 (no limit) or an int >= 2", max_leaves)
        grow = GrowParams(
            learning_rate=check_real("learning_rate", self.learning_rate, 0.0, np.inf,
                                     low_open=True),
            max_depth=max_depth, max_leaves=max_leaves, grow_policy=self.grow_policy,
            reg_lambda=check_real("reg_lambda", self.reg_lambda, 0.0, np.inf),
            reg_alpha=check_real("reg_alpha", self.reg_alpha, 0.0, np.inf),
            gamma=check_real("gamma", self.gamma, 0.0, np.inf),
            min_child_weight=check_real("min_child_weight", self.min_child_weight, 0.0,
                                        np.inf),
            cat_smooth=check_real("cat_smooth", self.cat_smooth, 0.0, np.inf),
            max_cat_to_onehot=check_int("max_cat_to_onehot", self.max_cat_to_onehot, 1),
            max_delta_step=POISSON_MAX_DELTA_STEP if objective_name == "poisson" else 0.0)
        if self.importance_type not in _IMPORTANCE_TYPES:
            raise expected("importance_type", _IMPORTANCE_EXPECTED, self.importance_type)
        return BoostConfig(
            n_estimators=check_int("n_estimators", self.n_estimators, 1),
            grow=grow, max_bin=check_int("max_bin", self.max_bin, 2, high=255),
            subsample=check_real("subsample", self.subsample, 0.0, 1.0, low_open=True),
            colsample_bytree=check_real("colsample_bytree", self.colsample_bytree, 0.0, 1.0,
                                        low_open=True),
            early_stopping_rounds=check_int("early_stopping_rounds", self.early_stopping_rounds,
                                            1, allow_none=True),
            metrics=resolve_metrics(self.eval_metric, objective_name),
            random_state=self.random_state, verbose=bool(self.verbose))

    def _encode_y(self, y):
        return np.ascontiguousarray(to_numpy(y), dtype=np.float64), None

    def fit(self, X, y, sample_weight=None, eval_set=None, sample_weight_eval_set=None):
        X_arr, y_arr = validate_data(self, X, y, allow_nan=True, dtype="float",
                                     y_numeric=not self._is_classifier)
        Xn = np.ascontiguousarray(to_numpy(X_arr), dtype=np.float64)
        n, n_features = Xn.shape
        y_fit, n_classes = self._encode_y(y_arr)
        w = np.array(to_numpy(check_sample_weight(sample_weight, n)), dtype=np.float64)
        objective = make_objective(self.objective if self.objective is not None else
                                   ("squared_error" if not self._is_classifier else None),
                                   n_classes=n_classes, huber_delta=self.huber_delta,
                                   scale_pos_weight=self.scale_pos_weight)
        if objective.name == "absolute_error":
            objective.weighted = sample_weight is not None  # XGBoost's median choice
        config = self._config(objective.name)
        is_cat = _feature_mask("categorical_features", self.categorical_features, n_features)
        monotone = _feature_mask("monotone_constraints", self.monotone_constraints,
                                 n_features, signed=True)
        if np.any(is_cat.astype(bool) & (monotone != 0)):
            raise expected("monotone_constraints", "no constraint on categorical features",
                           self.monotone_constraints)
        evals = self._eval_sets(eval_set, sample_weight_eval_set, n_features)
        with parallel.threads(self._threads()):
            parallel.numba_threads()
            result = boost(Xn, y_fit, w, objective, is_cat.astype(bool), monotone, config,
                           evals)
        self._ensemble = result.ensemble
        self._objective = objective
        self.base_score_ = result.base_score
        self.n_groups_ = objective.n_groups
        self.evals_result_ = result.evals_result
        self.best_iteration_ = result.best_iteration
        self.best_score_ = result.best_score
        self.n_estimators_ = len(result.ensemble) // objective.n_groups
        self.bin_edges_ = [c.copy() for c in result.mapper.cuts]
        self.categorical_features_ = is_cat.astype(bool)
        return self

    def _eval_sets(self, eval_set, weights, n_features):
        if eval_set is None:
            if self.early_stopping_rounds:
                raise expected("eval_set", "at least one (X, y) pair when "
                               "early_stopping_rounds is set", None)
            return []
        if not isinstance(eval_set, (list, tuple)) or not all(
                isinstance(p, (list, tuple)) and len(p) == 2 for p in eval_set):
            raise expected("eval_set", "a list of (X, y) pairs", type(eval_set).__name__)
        out = []
        for i, (Xe, ye) in enumerate(eval_set):
            probe = type(self)()
            Xa, ya = validate_data(probe, Xe, ye, allow_nan=True, dtype="float",
                                   y_numeric=not self._is_classifier)
            if Xa.shape[1] != n_features:
                raise expected(f"eval_set[{i}]", f"{n_features} features (as X)", Xa.shape[1])
            ye_fit = self._encode_eval_y(ya)
            we = np.array(to_numpy(check_sample_weight(
                None if weights is None else weights[i], Xa.shape[0])), dtype=np.float64)
            out.append((np.ascontiguousarray(to_numpy(Xa), dtype=np.float64), ye_fit, we))
        return out

    def _encode_eval_y(self, y):
        return np.ascontiguousarray(to_numpy(y), dtype=np.float64)

    # -- prediction ------------------------------------------------------------------------
    def _is_fitted(self) -> bool:
        return hasattr(self, "_ensemble")

    def _prepare(self, X) -> np.ndarray:
        X_arr, _ = validate_data(self, X, reset=False, allow_nan=True, dtype="float")
        return np.ascontiguousarray(to_numpy(X_arr), dtype=np.float64)

    def _n_trees(self, iteration_range) -> tuple[int, int]:
        if iteration_range is None:
            if self.best_iteration_ is not None:
                return 0, (self.best_iteration_ + 1) * self.n_groups_
            return 0, len(self._ensemble)
        start, stop = iteration_range
        if not (is_int(start) and is_int(stop) and 0 <= start <= stop <= self.n_estimators_):
            raise expected("iteration_range", f"(start, stop) with 0 <= start <= stop <= "
                           f"{self.n_estimators_}", iteration_range)
        return start * self.n_groups_, stop * self.n_groups_

    def _raw(self, Xn, iteration_range=None) -> np.ndarray:
        begin, end = self._n_trees(iteration_range)
        out = np.tile(self.base_score_, (Xn.shape[0], 1))
        with parallel.threads(self._threads()):
            parallel.numba_threads()
            self._ensemble.predict_raw(Xn, out, begin, end)
        return out

    def _staged_raw(self, Xn):
        out = np.tile(self.base_score_, (Xn.shape[0], 1))
        _, end = self._n_trees(None)
        for stop in range(self.n_groups_, end + 1, self.n_groups_):
            self._ensemble.predict_raw(Xn, out, stop - self.n_groups_, stop)
            yield out.copy()

    def apply(self, X):
        """Leaf index (local to each tree) per sample and tree."""
        return to_output(self, self._ensemble.apply(self._prepare(X)), like=X)

    def get_importances(self, importance_type: str = "gain") -> np.ndarray:
        """Raw per-feature importances, as XGBoost's ``get_score``: 'gain' / 'cover' (mean
        gain / hessian sum of the splits on the feature), 'total_gain', 'total_cover', 'split'
        or 'weight' (number of splits)."""
        check_is_fitted(self)
        if importance_type not in _IMPORTANCE_TYPES:
            raise expected("importance_type", _IMPORTANCE_EXPECTED, importance_type)
        split = np.zeros(self.n_features_in_)
        total = np.zeros(self.n_features_in_)
        column = "cover" if importance_type in ("cover", "total_cover") else "gain"
        for t in range(len(self._ensemble)):
            tree = self._ensemble.tree(t)
            internal = tree["left"] >= 0
            np.add.at(split, tree["feature"][internal], 1.0)
            np.add.at(total, tree["feature"][internal], tree[column][internal])
        if importance_type in ("split", "weight"):
            return split
        if importance_type.startswith("total_"):
            return total
        return np.divide(total, split, out=np.zeros_like(total), where=split > 0)

    @property
    def feature_importances_(self) -> np.ndarray:
        """Importances of ``importance_type``, normalised to sum to 1 (as XGBoost)."""
        values = self.get_importances(self.importance_type)
        total = values.sum()
        return values / total if total > 0 else values

    # -- .nmr ------------------------------------------------------------------------------
    def _nmr_state(self):
        if callable(self.objective):
            raise ValidationError("objective: a model trained with a callable objective cannot "
                                  "be saved (code is never stored in .nmr); refit with a named "
                                  "objective, or save the trees with export_text")
        state = super()._nmr_state()
        fitted = dict(state["fitted"])
        if self._is_fitted():
            fitted["trees_"] = self._ensemble.state()
            fitted["objective_"] = {"name": self._objective.name,
                                    "n_groups": int(self._objective.n_groups)}
        return {"params": state["params"], "fitted": fitted}

    @classmethod
    def _nmr_from_state(cls, state):
        fitted = dict(state.get("fitted", {}))
        trees = fitted.pop("trees_", None)
        objective = fitted.pop("objective_", None)
        est = super()._nmr_from_state({"params": state.get("params", {}), "fitted": fitted})
        if trees is not None:
            est._ensemble = TreeEnsemble.from_state(trees)
            n_classes = None
            if est._is_classifier:
                n_classes = len(est.classes_)
            est._objective = make_objective(objective["name"] if objective["name"] != "custom"
                                            else None, n_classes=n_classes,
                                            huber_delta=est.huber_delta)
        return est


class GradientBoostingRegressor(RegressorMixin, BaseGradientBoosting):
    """Gradient boosted trees for regression.

    ``objective``: 'squared_error' (default), 'absolute_error', 'huber' (pseudo-Huber with
    ``huber_delta``), 'poisson' (log link), or a callable ``(y_true, raw) -> (grad, hess)``.
    """

    def predict(self, X, iteration_range=None):
        raw = self._raw(self._prepare(X), iteration_range)
        return to_output(self, self._objective.transform(raw), like=X)

    def staged_predict(self, X):
        Xn = self._prepare(X)
        for raw in self._staged_raw(Xn):
            yield to_output(self, self._objective.transform(raw), like=X)


class GradientBoostingClassifier(ClassifierMixin, BaseGradientBoosting):
    """Gradient boosted trees for classification: 'logistic' for two classes, 'softmax'
    (one tree per class and round) for more, or a callable on raw scores."""

    _is_classifier = True

    def _encode_y(self, y):
        classes, encoded = np.unique(to_numpy(y), return_inverse=True)
        if classes.shape[0] < 2:
            raise expected("y", "at least 2 classes", classes.tolist())
        self.classes_ = classes
        self.n_classes_ = int(classes.shape[0])
        return encoded.astype(np.float64), self.n_classes_

    def _encode_eval_y(self, y):
        values = to_numpy(y)
        idx = np.searchsorted(self.classes_, values)
        idx = np.clip(idx, 0, self.classes_.shape[0] - 1)
        if not np.all(self.classes_[idx] == values):
            raise expected("eval_set y", f"labels among {self.classes_.tolist()}",
                           np.setdiff1d(values, self.classes_).tolist()[:5])
        return idx.astype(np.float64)

    def _proba(self, raw) -> np.ndarray:
        if callable(self.objective) and self.n_groups_ == 1:
            p = 1.0 / (1.0 + np.exp(-raw[:, 0]))
            return np.column_stack([1.0 - p, p])
        if callable(self.objective):
            from ._objectives import softmax

            return softmax(raw)
        return self._objective.transform(raw)

    def predict_proba(self, X, iteration_range=None):
        return to_output(self, self._proba(self._raw(self._prepare(X), iteration_range)),
                         like=X)

    def predict(self, X, iteration_range=None):
        proba = self._proba(self._raw(self._prepare(X), iteration_range))
        return to_output(self, self.classes_[np.argmax(proba, axis=1)], like=X)

    def decision_function(self, X, iteration_range=None):
        raw = self._raw(self._prepare(X), iteration_range)
        return to_output(self, raw[:, 0].copy() if raw.shape[1] == 1 else raw, like=X)

    def staged_predict_proba(self, X):
        for raw in self._staged_raw(self._prepare(X)):
            yield to_output(self, self._proba(raw), like=X)

    def staged_predict(self, X):
        for raw in self._staged_raw(self._prepare(X)):
            yield to_output(self, self.classes_[np.argmax(self._proba(raw), axis=1)], like=X)
