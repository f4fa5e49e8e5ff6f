"""Decision trees against scikit-learn: identical trees where no ties exist, accuracy and R^2
within one point, pruning, NaN routing, traversal helpers, export and errors."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import tree as sk_tree
from sklearn.datasets import load_breast_cancer, load_iris

from numeru.core.errors import NotFittedError, ValidationError
from numeru.trees import DecisionTreeClassifier, DecisionTreeRegressor, export_text


def _float32_data(n=600, f=5, seed=0, nan_fraction=0.0):
    gen = np.random.default_rng(seed)
    X = gen.normal(size=(n, f)).astype(np.float32).astype(np.float64)
    y = X[:, 0] * 2 + np.sin(3 * X[:, 1]) + 0.3 * gen.normal(size=n)
    if nan_fraction:
        X[gen.random(X.shape) < nan_fraction] = np.nan
    return X, y


def _same_tree(ours, ref):
    a, b = ours.tree_, ref.tree_
    assert a.node_count == b.node_count
    np.testing.assert_array_equal(a.children_left, b.children_left)
    np.testing.assert_array_equal(a.feature, b.feature)
    np.testing.assert_allclose(a.threshold, b.threshold, rtol=0, atol=0)
    np.testing.assert_allclose(a.impurity, b.impurity, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(a.value, b.value, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("criterion", ["squared_error", "poisson", "friedman_mse"])
@pytest.mark.parametrize("growth", [{"max_depth": 4, "min_samples_leaf": 15},
                                    {"max_leaf_nodes": 12}])
def test_identical_regression_trees(criterion, growth):
    X, y = _float32_data()
    if criterion == "poisson":
        y = np.exp(y / 3)
    ours = DecisionTreeRegressor(criterion=criterion, random_state=0, **growth).fit(X, y)
    ref = sk_tree.DecisionTreeRegressor(criterion="squared_error" if criterion ==
                                        "friedman_mse" else criterion, random_state=0,
                                        **growth).fit(X, y)
    _same_tree(ours, ref)
    np.testing.assert_allclose(ours.predict(X), ref.predict(X))
    np.testing.assert_allclose(ours.feature_importances_, ref.feature_importances_,
                               atol=1e-12)


@pytest.mark.parametrize("criterion", ["gini", "entropy"])
@pytest.mark.parametrize("nan_fraction", [0.0, 0.1])
@pytest.mark.parametrize("growth", [{"max_depth": 4, "min_samples_leaf": 50},
                                    {"max_leaf_nodes": 12}])
@pytest.mark.parametrize("seed", [0, 1])
def test_identical_classification_trees(criterion, nan_fraction, growth, seed):
    # continuous float32 features and few, large nodes: no tied splits (two features cutting
    # a small node into the same two sets would tie, and the feature order breaks ties), so
    # the trees must be scikit-learn's node for node; three classes exercise the class loop
    X, y = _float32_data(3000, seed=8, nan_fraction=nan_fraction)
    labels = np.digitize(y, np.quantile(y, [0.3, 0.7]))
    ours = DecisionTreeClassifier(criterion=criterion, random_state=seed, **growth).fit(
        X, labels)
    ref = sk_tree.DecisionTreeClassifier(criterion=criterion, random_state=0, **growth).fit(
        X, labels)
    _same_tree(ours, ref)
    X_test, _ = _float32_data(500, seed=9, nan_fraction=nan_fraction)
    np.testing.assert_array_equal(ours.apply(X_test), ref.apply(X_test))
    np.testing.assert_allclose(ours.predict_proba(X_test), ref.predict_proba(X_test))


@pytest.mark.parametrize("n", [0, 1, 2, 5, 40, 41, 300, 1023, 1024, 5000])
def test_pair_sort_orders_values_and_carries_ids(n):
    from numeru.trees._kernels.pair_sort import sort_pairs

    gen = np.random.default_rng(n)
    # negatives, zeros of both signs, duplicates, huge and tiny magnitudes
    pool = np.array([-3e38, -1.5, -1e-30, -0.0, 0.0, 1e-30, 2.5, 3e38], np.float32)
    x = np.where(gen.random(n) < 0.3, gen.choice(pool, n),
                 gen.normal(size=n) * 10.0 ** gen.integers(-3, 4, n)).astype(np.float32)
    original = x.copy()
    ids = np.arange(n, dtype=np.int32)
    pad = max(n, 1)
    sort_pairs(x, ids, 0, n, np.empty(pad, np.uint32), np.empty(pad, np.uint32),
               np.empty(pad, np.int32), np.zeros((4, 2048), np.int64))
    np.testing.assert_array_equal(x, np.sort(original))
    np.testing.assert_array_equal(original[ids], x)  # ids moved with their values
    assert sorted(ids.tolist()) == list(range(n))


def test_predict_reads_float64_thresholds_exactly():
    # rows just below, at and above each threshold (as float32) go where scikit-learn sends
    # them: the packed float32 thresholds are rounded down without changing a decision
    X, y = _float32_data(nan_fraction=0.1, seed=1)
    ours = DecisionTreeRegressor(max_depth=4, min_samples_leaf=5).fit(X, y)
    ref = sk_tree.DecisionTreeRegressor(max_depth=4, min_samples_leaf=5,
                                        random_state=0).fit(X, y)
    _same_tree(ours, ref)
    inner = (ours.tree_.children_left >= 0) & np.isfinite(ours.tree_.threshold)
    probes = []
    for f, t in zip(ours.tree_.feature[inner], ours.tree_.threshold[inner], strict=True):
        t32 = np.float32(t)
        for v in (np.nextafter(t32, np.float32(-np.inf)), t32,
                  np.nextafter(t32, np.float32(np.inf))):
            row = X[len(probes) % len(X)].copy()
            row[f] = v
            probes.append(row)
    probes = np.array(probes)
    np.testing.assert_array_equal(ours.apply(probes), ref.apply(probes))
    np.testing.assert_array_equal(ours.decision_path(probes),
                                  ref.decision_path(probes).toarray() > 0)


def test_absolute_error_matches_sklearn_quality():
    # Absolute-error impurity is piecewise linear: neighbouring thresholds often tie exactly,
    # and float rounding picks among them, so compare the first split and the test error.
    X, y = _float32_data(800, seed=6)
    X_test, y_test = _float32_data(400, seed=7)
    kw = {"criterion": "absolute_error", "max_depth": 5, "min_samples_leaf": 10}
    ours = DecisionTreeRegressor(**kw).fit(X, y)
    ref = sk_tree.DecisionTreeRegressor(random_state=0, **kw).fit(X, y)
    assert ours.tree_.feature[0] == ref.tree_.feature[0]
    assert ours.tree_.threshold[0] == ref.tree_.threshold[0]
    np.testing.assert_allclose(ours.tree_.impurity[0], ref.tree_.impurity[0], rtol=1e-12)
    assert abs(ours.score(X_test, y_test) - ref.score(X_test, y_test)) < 0.01


def test_identical_trees_with_missing_values():
    X, y = _float32_data(nan_fraction=0.1, seed=1)
    ours = DecisionTreeRegressor(max_depth=4, min_samples_leaf=5).fit(X, y)
    ref = sk_tree.DecisionTreeRegressor(max_depth=4, min_samples_leaf=5,
                                        random_state=0).fit(X, y)
    _same_tree(ours, ref)
    np.testing.assert_array_equal(ours.tree_.missing_go_to_left[ours.tree_.children_left >= 0],
                                  ref.tree_.missing_go_to_left[ref.tree_.children_left >= 0])
    X_test, _ = _float32_data(200, seed=2, nan_fraction=0.3)
    np.testing.assert_allclose(ours.predict(X_test), ref.predict(X_test))


@pytest.mark.parametrize("criterion", ["gini", "entropy", "log_loss"])
@pytest.mark.parametrize("splitter", ["best", "random"])
def test_classifier_accuracy_matches_sklearn(criterion, splitter):
    X, y = load_breast_cancer(return_X_y=True)
    gen = np.random.default_rng(0)
    idx = gen.permutation(len(y))
    train, test = idx[:400], idx[400:]
    scores = []
    for seed in range(5):  # average over seeds: single full trees differ by tie-breaking
        kw = {"criterion": criterion, "splitter": splitter, "random_state": seed,
              "max_depth": 5}
        ours = DecisionTreeClassifier(**kw).fit(X[train], y[train])
        ref = sk_tree.DecisionTreeClassifier(**kw).fit(X[train], y[train])
        scores.append((ours.score(X[test], y[test]), ref.score(X[test], y[test])))
    ours_mean, ref_mean = np.mean(scores, axis=0)
    assert ours_mean >= ref_mean - 0.02 if splitter == "random" else ours_mean >= ref_mean - 0.01


def test_iris_probabilities_and_helpers_match_sklearn():
    X, y = load_iris(return_X_y=True)
    X = X[:, [0, 1, 3]]  # petal length ties with petal width at the root: drop it
    ours = DecisionTreeClassifier(max_depth=3).fit(X, y)
    ref = sk_tree.DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X))
    np.testing.assert_array_equal(ours.apply(X), ref.apply(X))
    np.testing.assert_array_equal(ours.decision_path(X), ref.decision_path(X).toarray() > 0)
    assert ours.get_depth() == ref.get_depth()
    assert ours.get_n_leaves() == ref.get_n_leaves()
    assert export_text(ours) == sk_tree.export_text(ref)
    assert export_text(ours, show_weights=True, max_depth=1) == sk_tree.export_text(
        ref, show_weights=True, max_depth=1)


def test_regressor_export_text_matches_sklearn():
    X, y = _float32_data(200)
    ours = DecisionTreeRegressor(max_depth=3).fit(X, y)
    ref = sk_tree.DecisionTreeRegressor(max_depth=3, random_state=0).fit(X, y)
    names = ["a", "b", "c", "d", "e"]
    assert export_text(ours, feature_names=names) == sk_tree.export_text(
        ref, feature_names=names)
    assert "(missing)" in export_text(ours, show_missing=True)


def test_sample_weight_and_class_weight_match_sklearn():
    X, y = load_breast_cancer(return_X_y=True)
    X = X.astype(np.float32).astype(np.float64)
    w = np.random.default_rng(3).uniform(0.5, 2.0, size=len(y))
    for kw in ({"class_weight": "balanced"}, {"class_weight": {0: 3.0, 1: 1.0}}, {}):
        ours = DecisionTreeClassifier(max_depth=2, **kw).fit(X, y, sample_weight=w)
        ref = sk_tree.DecisionTreeClassifier(max_depth=2, random_state=0, **kw).fit(
            X, y, sample_weight=w)
        np.testing.assert_allclose(ours.tree_.weighted_n_node_samples,
                                   ref.tree_.weighted_n_node_samples)
        np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X))


def test_min_weight_fraction_and_impurity_decrease_match_sklearn():
    X, y = _float32_data(400, seed=4)
    for kw in ({"min_weight_fraction_leaf": 0.05}, {"min_impurity_decrease": 0.01},
               {"min_samples_split": 40, "max_depth": 6}, {"min_samples_leaf": 0.02}):
        ours = DecisionTreeRegressor(**kw).fit(X, y)
        ref = sk_tree.DecisionTreeRegressor(random_state=0, **kw).fit(X, y)
        _same_tree(ours, ref)


def test_ccp_alpha_pruning_matches_sklearn():
    X, y = _float32_data(300, seed=5)
    kw = {"max_depth": 6, "min_samples_leaf": 4}
    path = DecisionTreeRegressor(**kw).cost_complexity_pruning_path(X, y)
    ref_path = sk_tree.DecisionTreeRegressor(random_state=0, **kw).cost_complexity_pruning_path(
        X, y)
    np.testing.assert_allclose(path["ccp_alphas"], ref_path["ccp_alphas"], rtol=1e-9,
                               atol=1e-12)
    np.testing.assert_allclose(path["impurities"], ref_path["impurities"], rtol=1e-9)
    alpha = float(path["ccp_alphas"][len(path["ccp_alphas"]) // 2])
    ours = DecisionTreeRegressor(ccp_alpha=alpha, **kw).fit(X, y)
    ref = sk_tree.DecisionTreeRegressor(ccp_alpha=alpha, random_state=0, **kw).fit(X, y)
    assert ours.get_n_leaves() == ref.get_n_leaves()
    np.testing.assert_allclose(ours.predict(X), ref.predict(X))


@pytest.mark.parametrize("ccp_alpha", [1e-12, 0.01])
def test_pruned_best_first_tree_is_numbered_as_sklearn(ccp_alpha):
    # scikit-learn rebuilds every tree with ccp_alpha > 0 in preorder, also when nothing is
    # pruned; a best-first tree kept its growth-order numbering (same predictions, other
    # children_left / feature / value arrays)
    X, y = _float32_data()
    kw = {"max_leaf_nodes": 12, "ccp_alpha": ccp_alpha}
    ours = DecisionTreeRegressor(**kw).fit(X, y)
    ref = sk_tree.DecisionTreeRegressor(random_state=0, **kw).fit(X, y)
    _same_tree(ours, ref)
    np.testing.assert_array_equal(ours.apply(X), ref.apply(X))
    np.testing.assert_array_equal(ours.tree_.children_right, ref.tree_.children_right)


def test_max_features_and_random_state_reproducible():
    X, y = _float32_data(300, f=8)
    a = DecisionTreeRegressor(max_features="sqrt", random_state=7).fit(X, y)
    b = DecisionTreeRegressor(max_features="sqrt", random_state=7).fit(X, y)
    np.testing.assert_array_equal(a.tree_.feature, b.tree_.feature)
    assert a.max_features_ == 2
    ref = sk_tree.DecisionTreeRegressor(max_features="sqrt", random_state=7).fit(X, y)
    assert abs(a.score(X, y) - ref.score(X, y)) < 0.05  # both nearly interpolate


def test_errors_name_the_argument():
    X, y = _float32_data(50)
    with pytest.raises(ValidationError, match="criterion"):
        DecisionTreeRegressor(criterion="gini").fit(X, y)
    with pytest.raises(ValidationError, match="max_depth"):
        DecisionTreeRegressor(max_depth=0).fit(X, y)
    with pytest.raises(ValidationError, match="max_features"):
        DecisionTreeRegressor(max_features=0).fit(X, y)
    with pytest.raises(ValidationError, match="min_samples_leaf"):
        DecisionTreeRegressor(min_samples_leaf=0).fit(X, y)
    with pytest.raises(ValidationError, match="y"):
        DecisionTreeRegressor(criterion="poisson").fit(X, y - 100)
    with pytest.raises(NotFittedError):
        DecisionTreeClassifier().predict(X)
    with pytest.raises(ValueError, match="features"):
        DecisionTreeRegressor().fit(X, y).predict(X[:, :3])


def _root_features(make, X, y, seeds):
    return np.array([make(random_state=s).fit(X, y).tree_.feature[0] for s in seeds])


def test_constant_features_count_towards_max_features_as_in_sklearn():
    # scikit-learn stops drawing features after max_features draws, constant ones included
    # (it only goes on while every drawn feature was constant): with a constant feature
    # among three and max_features=2, the root sees only one of the two informative
    # features a third of the time and then splits on the weaker one. numeru used to draw
    # until two non-constant features were found and never chose the weaker one.
    gen = np.random.default_rng(0)
    strong = gen.normal(size=200)
    X = np.c_[np.zeros(200), strong, strong + gen.normal(size=200)]
    y = (strong > 0).astype(int)
    seeds = range(150)
    kw = {"max_depth": 1, "max_features": 2}
    ours = np.mean(_root_features(lambda **k: DecisionTreeClassifier(**kw, **k), X, y,
                                  seeds) == 2)
    ref = np.mean(_root_features(lambda **k: sk_tree.DecisionTreeClassifier(**kw, **k), X, y,
                                 seeds) == 2)
    assert 0.2 < ref < 0.45  # 1/3
    assert abs(ours - ref) < 0.12


def test_random_splitter_sends_missing_values_to_a_random_side_as_sklearn():
    # scikit-learn's random splitter draws the side missing values go to (it does not search
    # the better side, as the best splitter does). Here the better side is always the right
    # one, so trying both sides sent NaNs right in every tree.
    gen = np.random.default_rng(1)
    x = gen.uniform(size=300)
    y = (x > 0.5).astype(int)
    x[gen.random(300) < 0.3] = np.nan
    y[np.isnan(x)] = 1
    seeds = range(150)
    fractions = []
    for make in (DecisionTreeClassifier, sk_tree.DecisionTreeClassifier):
        trees = [make(splitter="random", max_depth=1, random_state=s).fit(x[:, None], y).tree_
                 for s in seeds]
        fractions.append(np.mean([t.missing_go_to_left[0] for t in trees]))
    ours, ref = fractions
    assert 0.3 < ref < 0.7
    assert abs(ours - ref) < 0.15
    # constant values and NaNs: the threshold is the value (not +inf), and a draw sending
    # the NaNs left (no split) leaves the root a leaf, as in scikit-learn, about half the time
    x = np.where(np.arange(100) % 3 == 0, np.nan, 1.0)[:, None]
    y = np.isnan(x[:, 0]).astype(int)
    split = []
    for make in (DecisionTreeClassifier, sk_tree.DecisionTreeClassifier):
        trees = [make(splitter="random", random_state=s).fit(x, y).tree_ for s in seeds]
        assert {t.threshold[0] for t in trees if t.node_count > 1} == {1.0}
        split.append(np.mean([t.node_count > 1 for t in trees]))
    assert 0.3 < split[1] < 0.7
    assert abs(split[0] - split[1]) < 0.15


def test_parameter_ranges_match_sklearn():
    X, y = _float32_data(60)
    labels = (y > 0).astype(int)
    for make in (DecisionTreeClassifier, sk_tree.DecisionTreeClassifier):
        # an int above n_features means every feature; the same tree as max_features=None
        wide = make(max_features=9, random_state=0).fit(X, labels)
        assert wide.max_features_ == 9
        np.testing.assert_array_equal(
            wide.tree_.feature, make(random_state=0).fit(X, labels).tree_.feature)
        with pytest.raises(ValueError, match="min_samples_leaf"):  # (0, 1) for a fraction
            make(min_samples_leaf=1.0).fit(X, labels)
        with pytest.raises(ValueError, match="class_weight"):  # forests only
            make(class_weight="balanced_subsample").fit(X, labels)


@pytest.mark.parametrize("name", ["DecisionTreeClassifier", "RandomForestClassifier",
                                  "ExtraTreesClassifier", "GradientBoostingClassifier"])
def test_classifiers_refuse_continuous_targets_as_scikit_learn(name):
    import sklearn.ensemble

    import numeru.trees

    X = np.random.default_rng(0).standard_normal((30, 3))
    reference = getattr(sk_tree, name, None) or getattr(sklearn.ensemble, name)
    with pytest.raises(ValueError, match="Unknown label type"):
        reference().fit(X, X[:, 0] + 0.5)
    with pytest.raises(ValidationError, match="y: expected class labels.*continuous values"):
        getattr(numeru.trees, name)().fit(X, X[:, 0] + 0.5)
