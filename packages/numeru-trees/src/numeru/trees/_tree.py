"""Decision trees (exact splitter), with the scikit-learn API.

Criteria: gini, entropy / log_loss, squared_error, friedman_mse (the same as squared_error,
as in scikit-learn 1.9), absolute_error, poisson. Splitters "best" and "random". NaNs are
routed by a learned direction. Growth is compiled (``_kernels.tree_builder``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from numeru.core.errors import expected
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

from ._kernels.criteria import CRITERIA, ENTROPY, SQUARED
from ._params import (
    check_int,
    check_real,
    class_weights,
    resolve_max_features,
    resolve_min_samples,
)
from ._random import TreeRandom
from ._structure import TreeStructure

CLASSIFICATION_CRITERIA = ("gini", "entropy", "log_loss")
REGRESSION_CRITERIA = ("squared_error", "friedman_mse", "absolute_error", "poisson")


@dataclass
class GrowthSettings:
    """Resolved growth parameters, shared by a tree and every tree of a forest."""

    criterion: int
    random_splitter: bool
    max_depth: int
    min_samples_split: int
    min_samples_leaf: int
    min_weight_fraction_leaf: float
    max_features: int
    max_leaf_nodes: int
    min_impurity_decrease: float
    ccp_alpha: float


def resolve_settings(est, n_samples: int, n_features: int, is_classifier: bool,
                     default_max_features=None) -> GrowthSettings:
    allowed = CLASSIFICATION_CRITERIA if is_classifier else REGRESSION_CRITERIA
    if est.criterion not in allowed:
        raise expected("criterion", f"one of {list(allowed)}", est.criterion)
    splitter = getattr(est, "splitter", getattr(est, "_splitter", "best"))
    if splitter not in ("best", "random"):
        raise expected("splitter", "'best' or 'random'", splitter)
    max_depth = check_int("max_depth", est.max_depth, 1, allow_none=True)
    msl = resolve_min_samples("min_samples_leaf", est.min_samples_leaf, n_samples, 1,
                              high_open=True)
    mss = resolve_min_samples("min_samples_split", est.min_samples_split, n_samples, 2)
    if isinstance(est.min_samples_split, float) and est.min_samples_split <= 0:
        raise expected("min_samples_split", "a float in (0, 1]", est.min_samples_split)
    mwf = check_real("min_weight_fraction_leaf", est.min_weight_fraction_leaf, 0.0, 0.5)
    max_leaf_nodes = check_int("max_leaf_nodes", est.max_leaf_nodes, 2, allow_none=True)
    mid = check_real("min_impurity_decrease", est.min_impurity_decrease, 0.0, np.inf)
    ccp = check_real("ccp_alpha", est.ccp_alpha, 0.0, np.inf)
    features = est.max_features if est.max_features != "default" else default_max_features
    code = CRITERIA[est.criterion]
    if code == CRITERIA["friedman_mse"]:
        code = SQUARED  # identical trees, as scikit-learn 1.9 made them
    return GrowthSettings(code, splitter == "random",
                          -1 if max_depth is None else max_depth,
                          max(mss, 2 * msl), msl, mwf, resolve_max_features(features, n_features),
                          -1 if max_leaf_nodes is None else max_leaf_nodes, mid, ccp)


def grow_tree(Xt, y_cls, y_reg, w, n_classes, s: GrowthSettings, seed: int) -> TreeStructure:
    """Grow (and prune) one tree on the rows with positive weight."""
    from ._kernels.tree_builder import build_tree

    # int32 sample ids: a third less memory traffic in the radix sort than int64
    samples = np.flatnonzero(w > 0).astype(np.int32 if w.shape[0] < 2**31 else np.int64)
    min_weight_leaf = s.min_weight_fraction_leaf * float(w.sum())
    out = build_tree(Xt, y_cls, y_reg, w, samples, n_classes, s.criterion, s.random_splitter,
                     s.max_depth, s.min_samples_split, s.min_samples_leaf, min_weight_leaf,
                     s.max_features, s.max_leaf_nodes, s.min_impurity_decrease,
                     np.uint64(seed))
    _, left, right, feature, threshold, impurity, n_node, wn, value, miss, _ = out
    if s.criterion <= ENTROPY:
        value = value / np.maximum(value.sum(axis=1, keepdims=True), 1e-300)
    tree = TreeStructure(left, right, feature, threshold, impurity, n_node, wn,
                         value[:, None, :], miss)
    return tree.pruned(s.ccp_alpha) if s.ccp_alpha > 0 else tree


def as_float32(X_arr) -> np.ndarray:
    """Features as C-ordered float32, as scikit-learn's trees store them (half the memory;
    thresholds are midpoints of float32 values computed in float64, so the same data gives the
    same trees as scikit-learn)."""
    with np.errstate(over="ignore"):
        Xn = np.ascontiguousarray(to_numpy(X_arr), dtype=np.float32)
    if np.isinf(Xn).any():
        raise expected("X", "finite values (within float32 range) or NaN for missing",
                       "an infinite or too large value")
    return Xn


def prepare_target(est, y, is_classifier: bool):
    """(y_cls int64, y_reg float64, classes or None) from a validated target."""
    y = to_numpy(y)
    if is_classifier:
        classes, y_cls = np.unique(y, return_inverse=True)
        return y_cls.astype(np.int64), np.zeros(y.shape[0]), classes
    y_reg = np.ascontiguousarray(y, dtype=np.float64)
    if est.criterion == "poisson":
        if np.any(y_reg < 0):
            raise expected("y", "non-negative targets for criterion='poisson'",
                           float(y_reg.min()))
        if y_reg.sum() <= 0:
            raise expected("y", "targets with a positive sum for criterion='poisson'",
                           float(y_reg.sum()))
    return np.zeros(y.shape[0], np.int64), y_reg, None


class BaseDecisionTree(BaseEstimator):
    _is_classifier = False
    n_features_in_: int  # set by fit

    def fit(self, X, y, sample_weight=None, check_input=True):
        X_arr, y_arr = validate_data(self, X, y, allow_nan=True, dtype="float",
                                     y_numeric=not self._is_classifier)
        Xn = as_float32(X_arr)
        n, n_features = Xn.shape
        y_cls, y_reg, classes = prepare_target(self, y_arr, self._is_classifier)
        w = np.array(to_numpy(check_sample_weight(sample_weight, n)), dtype=np.float64)
        if self._is_classifier:
            if isinstance(self.class_weight, str) and self.class_weight != "balanced":
                # 'balanced_subsample' means something only for a forest's bootstrap
                raise expected("class_weight", "None, 'balanced' or a dict {class: weight}",
                               self.class_weight)
            self.classes_ = classes
            self.n_classes_ = int(classes.shape[0])
            w = w * class_weights(self.class_weight, y_cls, classes)
        settings = resolve_settings(self, n, n_features, self._is_classifier)
        seed = int(TreeRandom(self.random_state).seeds(1)[0])
        self.tree_ = grow_tree(np.ascontiguousarray(Xn.T), y_cls, y_reg, w,
                               self.n_classes_ if self._is_classifier else 1, settings, seed)
        self.max_features_ = settings.max_features
        self.n_outputs_ = 1
        return self

    def _is_fitted(self) -> bool:
        return hasattr(self, "tree_")

    def _prepare(self, X) -> np.ndarray:
        X_arr, _ = validate_data(self, X, reset=False, allow_nan=True, dtype="float")
        return as_float32(X_arr)

    @property
    def feature_importances_(self) -> np.ndarray:
        check_is_fitted(self)
        return self.tree_.feature_importances(self.n_features_in_)

    def apply(self, X):
        """Index of the leaf each sample ends in."""
        return to_output(self, self.tree_.apply(self._prepare(X)), like=X)

    def decision_path(self, X):
        """Dense boolean indicator (n_samples, node_count): the nodes each sample visits."""
        return to_output(self, self.tree_.decision_path(self._prepare(X)), like=X)

    def get_depth(self) -> int:
        check_is_fitted(self)
        return self.tree_.max_depth

    def get_n_leaves(self) -> int:
        check_is_fitted(self)
        return self.tree_.n_leaves

    def cost_complexity_pruning_path(self, X, y, sample_weight=None):
        """Effective alphas of the weakest-link pruning sequence and total leaf impurities."""
        full = type(self)(**{**self.get_params(), "ccp_alpha": 0.0}).fit(X, y, sample_weight)
        _, alphas, impurities = full.tree_.pruning_sequence()
        return {"ccp_alphas": np.array(alphas), "impurities": np.array(impurities)}

    # -- .nmr -----------------------------------------------------------------------------
    def _nmr_state(self):
        state = super()._nmr_state()
        fitted = dict(state["fitted"])
        if "tree_" in fitted:
            fitted["tree_"] = self.tree_.state()
        return {"params": state["params"], "fitted": fitted}

    @classmethod
    def _nmr_from_state(cls, state):
        fitted = dict(state.get("fitted", {}))
        tree = fitted.pop("tree_", None)
        est = super()._nmr_from_state({"params": state.get("params", {}), "fitted": fitted})
        if tree is not None:
            est.tree_ = TreeStructure.from_state(tree)
        return est


class DecisionTreeClassifier(ClassifierMixin, BaseDecisionTree):
    """A decision tree classifier (scikit-learn's API and tree layout)."""

    _is_classifier = True

    def __init__(self, *, criterion="gini", splitter="best", max_depth=None,
                 min_samples_split=2, min_samples_leaf=1, min_weight_fraction_leaf=0.0,
                 max_features=None, random_state=None, max_leaf_nodes=None,
                 min_impurity_decrease=0.0, class_weight=None, ccp_alpha=0.0):
        self.criterion = criterion
        self.splitter = splitter
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.min_weight_fraction_leaf = min_weight_fraction_leaf
        self.max_features = max_features
        self.random_state = random_state
        self.max_leaf_nodes = max_leaf_nodes
        self.min_impurity_decrease = min_impurity_decrease
        self.class_weight = class_weight
        self.ccp_alpha = ccp_alpha

    def predict_proba(self, X):
        Xn = self._prepare(X)
        leaves = self.tree_.apply(Xn)
        return to_output(self, self.tree_.value[leaves, 0, :].copy(), like=X)

    def predict_log_proba(self, X):
        with np.errstate(divide="ignore"):
            return to_output(self, np.log(to_numpy(self.predict_proba(X))), like=X)

    def predict(self, X):
        Xn = self._prepare(X)
        leaves = self.tree_.apply(Xn)
        return to_output(self, self.classes_[self.tree_.leaf_argmax[leaves]], like=X)


class DecisionTreeRegressor(RegressorMixin, BaseDecisionTree):
    """A decision tree regressor (scikit-learn's API and tree layout)."""

    def __init__(self, *, criterion="squared_error", splitter="best", max_depth=None,
                 min_samples_split=2, min_samples_leaf=1, min_weight_fraction_leaf=0.0,
                 max_features=None, random_state=None, max_leaf_nodes=None,
                 min_impurity_decrease=0.0, ccp_alpha=0.0):
        self.criterion = criterion
        self.splitter = splitter
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.min_weight_fraction_leaf = min_weight_fraction_leaf
        self.max_features = max_features
        self.random_state = random_state
        self.max_leaf_nodes = max_leaf_nodes
        self.min_impurity_decrease = min_impurity_decrease
        self.ccp_alpha = ccp_alpha

    def predict(self, X):
        Xn = self._prepare(X)
        leaves = self.tree_.apply(Xn)
        return to_output(self, self.tree_.value[leaves, 0, 0].copy(), like=X)


__all__ = ["DecisionTreeClassifier", "DecisionTreeRegressor"]
