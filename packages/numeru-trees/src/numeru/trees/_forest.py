"""Random forests and extra-trees (scikit-learn's API), trees grown on the core task pool.

Every tree gets two seeds (bootstrap draw and split search) from the model's generator before
any tree is grown, and trees are collected in order, so the same ``random_state`` gives the
same forest for any ``n_jobs`` or thread count. With ``warm_start`` the seeds of the added
trees are the ones a single fit with the larger ``n_estimators`` would have used.
"""

from __future__ import annotations

import warnings

import numpy as np

from numeru.core import parallel
from numeru.core.errors import expected
from numeru.core.estimator import (
    BaseEstimator,
    ClassifierMixin,
    RegressorMixin,
    check_is_fitted,
    check_sample_weight,
    r2_score,
    to_numpy,
    to_output,
    validate_data,
)

from ._kernels.exact_predict import exact_forest_sum, pack_forest
from ._kernels.rng import bootstrap_counts, weighted_bootstrap_counts
from ._params import check_int, class_weights, is_int, is_real
from ._random import TreeRandom
from ._structure import TreeStructure
from ._tree import (
    BaseDecisionTree,
    DecisionTreeClassifier,
    DecisionTreeRegressor,
    as_float32,
    grow_tree,
    prepare_target,
    resolve_settings,
)

PREDICT_CHUNK = 2048  # rows per prediction task: a few tasks per thread balance the load


class BaseForest(BaseEstimator):
    _is_classifier = False
    _tree_class: type[BaseDecisionTree] = DecisionTreeRegressor
    # parameters every subclass stores (see _store_params); fitted attributes
    bootstrap: bool
    max_samples: int | float | None
    n_jobs: int | None
    n_features_in_: int
    _splitter = "best"

    def _n_draws(self, n: int, total_weight: float) -> int:
        """Rows drawn per bootstrap sample (scikit-learn's rule: an int is a count, even
        above n; a float is a fraction of the total sample weight, rounded down)."""
        m = self.max_samples
        if m is None:
            return n
        if not self.bootstrap:
            raise expected("max_samples", "None when bootstrap=False", m)
        if is_int(m) and m >= 1:
            return int(m)
        if is_real(m) and not is_int(m) and 0.0 < m <= 1.0:
            draws = max(1, int(m * total_weight))
            if draws < max(10, n ** (1 / 3)):
                warnings.warn(f"max_samples={m} draws only {draws} rows per tree (total "
                              f"sample weight {total_weight:g}); pass an int instead",
                              UserWarning, stacklevel=3)
            return draws
        raise expected("max_samples", "None, an int >= 1 or a float in (0, 1]", m)

    def _draw_counts(self, t: int, seeds, n: int, n_draws: int, cumulative) -> np.ndarray:
        """How often tree ``t`` drew each row: uniformly, or in proportion to the sample
        weights (times the class weights) when they are not all equal, as scikit-learn."""
        if cumulative is None:
            return bootstrap_counts(np.uint64(seeds[t, 0]), n, n_draws)
        return weighted_bootstrap_counts(np.uint64(seeds[t, 0]), cumulative, n_draws)

    def fit(self, X, y, sample_weight=None):
        X_arr, y_arr = validate_data(self, X, y, allow_nan=True, dtype="float",
                                     y_numeric=not self._is_classifier)
        Xn = as_float32(X_arr)
        n, n_features = Xn.shape
        n_estimators = check_int("n_estimators", self.n_estimators, 1)
        if self.oob_score and not self.bootstrap:
            raise expected("oob_score", "False when bootstrap=False", self.oob_score)
        y_cls, y_reg, classes = prepare_target(self, y_arr, self._is_classifier)
        w = np.array(to_numpy(check_sample_weight(sample_weight, n)), dtype=np.float64)
        n_classes = 1
        balanced_sub = False
        if self._is_classifier:
            if self.warm_start and hasattr(self, "classes_") and not np.array_equal(
                    classes, self.classes_):
                raise expected("y", f"the classes of the first fit {self.classes_.tolist()} "
                               "(warm_start)", classes.tolist())
            self.classes_ = classes
            self.n_classes_ = n_classes = int(classes.shape[0])
            cw = self.class_weight
            balanced_sub = cw == "balanced_subsample" and bool(self.bootstrap)
            if cw is not None and not balanced_sub:
                # as scikit-learn's forests: 'balanced' counts the classes with the sample
                # weights ('balanced_subsample' without bootstrap is 'balanced')
                w = w * class_weights("balanced" if cw == "balanced_subsample" else cw,
                                      y_cls, classes,
                                      multiplicity=None if sample_weight is None else w)
        settings = resolve_settings(self, n, n_features, self._is_classifier,
                                    default_max_features=None)
        # with bootstrap, the weights (sample times class weights) are the probabilities of
        # drawing each row and the trees see the draw counts only (scikit-learn >= 1.9)
        weighted = bool(self.bootstrap) and bool(np.any(w != w[0]))
        cumulative = np.cumsum(w) if weighted else None
        n_draws = self._n_draws(n, float(w.sum()) if weighted else float(n))
        if not (self.warm_start and hasattr(self, "estimators_")):
            self.estimators_ = []
        have = len(self.estimators_)
        if n_estimators < have:
            raise expected("n_estimators", f">= {have} trees already fitted (warm_start)",
                           n_estimators)
        if n_estimators == have:
            warnings.warn("warm_start: n_estimators did not grow, nothing was fitted",
                          UserWarning, stacklevel=2)
            if self.oob_score and not hasattr(self, "oob_score_"):
                self._compute_oob(Xn, y_cls, y_reg, np.asarray(self.estimator_seeds_, np.int64),
                                  n, n_draws, cumulative)
            return self
        seeds = TreeRandom(self.random_state).seeds(2 * n_estimators).reshape(n_estimators, 2)
        kept = getattr(self, "estimator_seeds_", None)
        if have and kept is not None and np.shape(kept) == (have, 2):
            # the trees already grown keep the seeds they were grown with: with
            # random_state=None a new generator draws new ones, and the out-of-bag rows
            # of the old trees must come from their own bootstrap draws
            seeds[:have] = np.asarray(kept, np.int64)
        Xt = np.ascontiguousarray(Xn.T)

        def one_tree(t: int):
            if not self.bootstrap:
                tw = w
            else:
                counts = self._draw_counts(t, seeds, n, n_draws, cumulative)
                tw = counts
                if balanced_sub:
                    tw = tw * class_weights("balanced", y_cls, classes, multiplicity=counts,
                                            present_only=True)
            return grow_tree(Xt, y_cls, y_reg, tw, n_classes, settings, int(seeds[t, 1]))

        n_threads = self._n_threads()
        bar = None
        if self.verbose:
            from tqdm.auto import tqdm

            bar = tqdm(total=n_estimators - have, desc="forest", unit="tree")

        def tracked(t):
            result = one_tree(t)
            if bar is not None:
                bar.update(1)
            return result

        with parallel.threads(max(1, n_threads)):
            grown = parallel.parallel_map(tracked, range(have, n_estimators))
        if bar is not None:
            bar.close()
        for tree in grown:
            est = self._tree_class(**self._tree_params())
            est.tree_ = tree
            est.n_features_in_ = n_features
            est.max_features_ = settings.max_features
            est.n_outputs_ = 1
            est.fit_device_ = "cpu"
            if self._is_classifier:
                est.classes_ = self.classes_
                est.n_classes_ = self.n_classes_
            self.estimators_.append(est)
        self.n_outputs_ = 1
        self.estimator_seeds_ = seeds  # (bootstrap, split search) seed of every tree
        if self.oob_score:
            self._compute_oob(Xn, y_cls, y_reg, seeds, n, n_draws, cumulative)
        return self

    def _tree_params(self) -> dict:
        names = ["criterion", "max_depth", "min_samples_split", "min_samples_leaf",
                 "min_weight_fraction_leaf", "max_features", "max_leaf_nodes",
                 "min_impurity_decrease", "ccp_alpha"]
        params = {k: getattr(self, k) for k in names}
        params["splitter"] = self._splitter
        return params

    def _compute_oob(self, Xn, y_cls, y_reg, seeds, n, n_draws, cumulative):
        """Out-of-bag predictions and score, as scikit-learn computes them: a row that is in
        every tree's bootstrap sample (a warning says so) predicts 0 and still counts in
        the score."""
        width = self.n_classes_ if self._is_classifier else 1
        total = np.zeros((n, width))
        hits = np.zeros(n)
        for t, est in enumerate(self.estimators_):
            counts = self._draw_counts(t, seeds, n, n_draws, cumulative)
            oob = np.flatnonzero(counts == 0)
            if oob.size == 0:
                continue
            leaves = est.tree_.apply(Xn[oob])
            total[oob] += est.tree_.value[leaves, 0, :]
            hits[oob] += 1
        if np.any(hits == 0):
            warnings.warn("Some inputs do not have OOB scores: use more estimators",
                          UserWarning, stacklevel=3)
        mean = total / np.maximum(hits, 1)[:, None]
        if self._is_classifier:
            self.oob_decision_function_ = mean
            self.oob_score_ = float(np.mean(np.argmax(mean, axis=1) == y_cls))
        else:
            self.oob_prediction_ = mean[:, 0]
            self.oob_score_ = r2_score(y_reg, mean[:, 0])

    def _is_fitted(self) -> bool:
        return bool(getattr(self, "estimators_", None))

    def _prepare(self, X) -> np.ndarray:
        X_arr, _ = validate_data(self, X, reset=False, allow_nan=True, dtype="float")
        return as_float32(X_arr)

    def _mean_value(self, Xn) -> np.ndarray:
        """Mean over trees of the leaf values (class fractions or regression values).

        One compiled pass over all trees per chunk of rows (``exact_forest_sum``); chunks
        run on the shared task pool, which balances them when a core is busy elsewhere (a
        static split over Numba threads waits for the slowest). Each row adds its trees in
        order, so the result does not depend on the thread count.
        """
        offsets, nodes, values = self._packed_forest()
        n = Xn.shape[0]
        out = np.empty((n, values.shape[1]))
        thr = nodes.view(np.float32)

        def chunk(lo: int) -> None:
            exact_forest_sum(Xn, offsets, nodes, thr, values, out, lo, min(lo + PREDICT_CHUNK, n))

        chunks = range(0, n, PREDICT_CHUNK)
        n_threads = self._n_threads()
        if n_threads == 1 or len(chunks) <= 1:
            for lo in chunks:
                chunk(lo)
        elif n_threads == parallel.get_num_threads():
            parallel.parallel_map(chunk, chunks)
        else:
            with parallel.threads(n_threads):
                parallel.parallel_map(chunk, chunks)
        return out / len(self.estimators_)

    def _n_threads(self) -> int:
        jobs = self.n_jobs
        if jobs is not None and (not is_int(jobs) or jobs == 0 or jobs < -1):
            raise expected("n_jobs", "None, -1 or a positive int", jobs)
        return parallel.get_num_threads() if jobs in (None, -1) else int(jobs)

    def _packed_forest(self):
        """(offsets, nodes, values) of all trees, concatenated once and kept until the list
        of trees changes (warm_start, loading)."""
        trees = [e.tree_ for e in self.estimators_]
        cache = getattr(self, "_forest_cache", None)
        if cache is None or len(cache[0]) != len(trees) or any(
                a is not b for a, b in zip(cache[0], trees, strict=True)):
            offsets, nodes = pack_forest([tree.packed for tree in trees])
            values = np.ascontiguousarray(np.concatenate([tree.value[:, 0, :] for tree in trees]))
            cache = self._forest_cache = (trees, offsets, nodes, values)
        return cache[1:]

    @property
    def feature_importances_(self) -> np.ndarray:
        check_is_fitted(self)
        all_imp = [e.tree_.feature_importances(self.n_features_in_) for e in self.estimators_
                   if e.tree_.node_count > 1]
        if not all_imp:
            return np.zeros(self.n_features_in_)
        mean = np.mean(all_imp, axis=0)
        return mean / mean.sum()

    def apply(self, X):
        """Leaf index per (sample, tree)."""
        Xn = self._prepare(X)
        return to_output(self, np.column_stack([e.tree_.apply(Xn) for e in self.estimators_]),
                         like=X)

    def __len__(self) -> int:
        return len(getattr(self, "estimators_", []))

    # -- .nmr: trees as lists of node arrays -----------------------------------------------
    def _nmr_state(self):
        state = super()._nmr_state()
        fitted = dict(state["fitted"])
        fitted.pop("estimators_", None)
        fitted["trees_"] = [e.tree_.state() for e in getattr(self, "estimators_", [])]
        return {"params": state["params"], "fitted": fitted}

    @classmethod
    def _nmr_from_state(cls, state):
        fitted = dict(state.get("fitted", {}))
        trees = fitted.pop("trees_", [])
        est = super()._nmr_from_state({"params": state.get("params", {}), "fitted": fitted})
        est.estimators_ = []
        for tree_state in trees:
            tree = est._tree_class(**est._tree_params())
            tree.tree_ = TreeStructure.from_state(tree_state)
            tree.n_features_in_ = est.n_features_in_
            tree.n_outputs_ = 1
            tree.fit_device_ = "cpu"
            if est._is_classifier:
                tree.classes_ = est.classes_
                tree.n_classes_ = est.n_classes_
            est.estimators_.append(tree)
        return est


class ForestClassifierMixin(ClassifierMixin):
    _is_classifier = True
    _tree_class: type[BaseDecisionTree] = DecisionTreeClassifier

    def predict_proba(self, X):
        return to_output(self, self._mean_value(self._prepare(X)), like=X)

    def predict_log_proba(self, X):
        with np.errstate(divide="ignore"):
            return to_output(self, np.log(self._mean_value(self._prepare(X))), like=X)

    def predict(self, X):
        proba = self._mean_value(self._prepare(X))
        return to_output(self, self.classes_[np.argmax(proba, axis=1)], like=X)


class ForestRegressorMixin(RegressorMixin):
    def predict(self, X):
        return to_output(self, self._mean_value(self._prepare(X))[:, 0].copy(), like=X)


def _store_params(self, n_estimators, criterion, max_depth, min_samples_split,
                     min_samples_leaf, min_weight_fraction_leaf, max_features, max_leaf_nodes,
                     min_impurity_decrease, bootstrap, oob_score, n_jobs, random_state, verbose,
                     warm_start, class_weight, ccp_alpha, max_samples):
    self.n_estimators = n_estimators
    self.criterion = criterion
    self.max_depth = max_depth
    self.min_samples_split = min_samples_split
    self.min_samples_leaf = min_samples_leaf
    self.min_weight_fraction_leaf = min_weight_fraction_leaf
    self.max_features = max_features
    self.max_leaf_nodes = max_leaf_nodes
    self.min_impurity_decrease = min_impurity_decrease
    self.bootstrap = bootstrap
    self.oob_score = oob_score
    self.n_jobs = n_jobs
    self.random_state = random_state
    self.verbose = verbose
    self.warm_start = warm_start
    if class_weight is not _NO_CLASS_WEIGHT:
        self.class_weight = class_weight
    self.ccp_alpha = ccp_alpha
    self.max_samples = max_samples


_NO_CLASS_WEIGHT = object()


class RandomForestClassifier(ForestClassifierMixin, BaseForest):
    """A random forest classifier: bootstrap samples, sqrt(n_features) features per split."""

    def __init__(self, n_estimators=100, *, criterion="gini", max_depth=None,
                 min_samples_split=2, min_samples_leaf=1, min_weight_fraction_leaf=0.0,
                 max_features="sqrt", max_leaf_nodes=None, min_impurity_decrease=0.0,
                 bootstrap=True, oob_score=False, n_jobs=None, random_state=None, verbose=0,
                 warm_start=False, class_weight=None, ccp_alpha=0.0, max_samples=None):
        _store_params(self, n_estimators, criterion, max_depth, min_samples_split,
                         min_samples_leaf, min_weight_fraction_leaf, max_features,
                         max_leaf_nodes, min_impurity_decrease, bootstrap, oob_score, n_jobs,
                         random_state, verbose, warm_start, class_weight, ccp_alpha,
                         max_samples)


class ExtraTreesClassifier(ForestClassifierMixin, BaseForest):
    """Extremely randomized trees: one random threshold per feature, no bootstrap by default."""

    _splitter = "random"

    def __init__(self, n_estimators=100, *, criterion="gini", max_depth=None,
                 min_samples_split=2, min_samples_leaf=1, min_weight_fraction_leaf=0.0,
                 max_features="sqrt", max_leaf_nodes=None, min_impurity_decrease=0.0,
                 bootstrap=False, oob_score=False, n_jobs=None, random_state=None, verbose=0,
                 warm_start=False, class_weight=None, ccp_alpha=0.0, max_samples=None):
        _store_params(self, n_estimators, criterion, max_depth, min_samples_split,
                         min_samples_leaf, min_weight_fraction_leaf, max_features,
                         max_leaf_nodes, min_impurity_decrease, bootstrap, oob_score, n_jobs,
                         random_state, verbose, warm_start, class_weight, ccp_alpha,
                         max_samples)


class RandomForestRegressor(ForestRegressorMixin, BaseForest):
    """A random forest regressor: bootstrap samples, all features per split by default."""

    def __init__(self, n_estimators=100, *, criterion="squared_error", max_depth=None,
                 min_samples_split=2, min_samples_leaf=1, min_weight_fraction_leaf=0.0,
                 max_features=1.0, max_leaf_nodes=None, min_impurity_decrease=0.0,
                 bootstrap=True, oob_score=False, n_jobs=None, random_state=None, verbose=0,
                 warm_start=False, ccp_alpha=0.0, max_samples=None):
        _store_params(self, n_estimators, criterion, max_depth, min_samples_split,
                         min_samples_leaf, min_weight_fraction_leaf, max_features,
                         max_leaf_nodes, min_impurity_decrease, bootstrap, oob_score, n_jobs,
                         random_state, verbose, warm_start, _NO_CLASS_WEIGHT, ccp_alpha,
                         max_samples)


class ExtraTreesRegressor(ForestRegressorMixin, BaseForest):
    """Extremely randomized trees for regression (no bootstrap by default)."""

    _splitter = "random"

    def __init__(self, n_estimators=100, *, criterion="squared_error", max_depth=None,
                 min_samples_split=2, min_samples_leaf=1, min_weight_fraction_leaf=0.0,
                 max_features=1.0, max_leaf_nodes=None, min_impurity_decrease=0.0,
                 bootstrap=False, oob_score=False, n_jobs=None, random_state=None, verbose=0,
                 warm_start=False, ccp_alpha=0.0, max_samples=None):
        _store_params(self, n_estimators, criterion, max_depth, min_samples_split,
                         min_samples_leaf, min_weight_fraction_leaf, max_features,
                         max_leaf_nodes, min_impurity_decrease, bootstrap, oob_score, n_jobs,
                         random_state, verbose, warm_start, _NO_CLASS_WEIGHT, ccp_alpha,
                         max_samples)
