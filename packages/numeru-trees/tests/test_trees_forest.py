"""Forests against scikit-learn (accuracy / R^2 within one point), determinism across thread
counts, warm start, OOB and .nmr round trips."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import ensemble as sk_ensemble
from sklearn.datasets import load_breast_cancer, make_classification, make_regression

import numeru.core as nm
from numeru.core.errors import ValidationError
from numeru.trees import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)


def _classification():
    X, y = make_classification(1500, 12, n_informative=6, random_state=0)
    return X[:1000], y[:1000], X[1000:], y[1000:]


def _regression():
    X, y = make_regression(1500, 10, n_informative=6, noise=10.0, random_state=0)
    return X[:1000], y[:1000], X[1000:], y[1000:]


@pytest.mark.parametrize("ours_cls, ref_cls", [
    (RandomForestClassifier, sk_ensemble.RandomForestClassifier),
    (ExtraTreesClassifier, sk_ensemble.ExtraTreesClassifier)])
def test_classifier_accuracy_within_one_point(ours_cls, ref_cls):
    Xt, yt, Xv, yv = _classification()
    ours = ours_cls(60, random_state=0).fit(Xt, yt)
    ref = ref_cls(60, random_state=0).fit(Xt, yt)
    assert ours.score(Xv, yv) >= ref.score(Xv, yv) - 0.01
    proba = ours.predict_proba(Xv)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert ours.feature_importances_.shape == (12,)
    np.testing.assert_allclose(ours.feature_importances_.sum(), 1.0)
    # the informative features lead in both
    top = set(np.argsort(ours.feature_importances_)[-4:])
    assert len(top & set(np.argsort(ref.feature_importances_)[-6:])) >= 3


@pytest.mark.parametrize("ours_cls, ref_cls", [
    (RandomForestRegressor, sk_ensemble.RandomForestRegressor),
    (ExtraTreesRegressor, sk_ensemble.ExtraTreesRegressor)])
def test_regressor_r2_within_one_point(ours_cls, ref_cls):
    Xt, yt, Xv, yv = _regression()
    ours = ours_cls(60, random_state=0).fit(Xt, yt)
    ref = ref_cls(60, random_state=0).fit(Xt, yt)
    assert ours.score(Xv, yv) >= ref.score(Xv, yv) - 0.01


def test_bundled_breast_cancer_with_oob_score():
    X, y = load_breast_cancer(return_X_y=True)
    ours = RandomForestClassifier(100, oob_score=True, random_state=0).fit(X, y)
    ref = sk_ensemble.RandomForestClassifier(100, oob_score=True, random_state=0).fit(X, y)
    assert abs(ours.oob_score_ - ref.oob_score_) < 0.015
    assert ours.oob_decision_function_.shape == (len(y), 2)


def test_regressor_oob_and_max_samples():
    Xt, yt, _, _ = _regression()
    ours = RandomForestRegressor(60, oob_score=True, max_samples=0.5, random_state=1).fit(Xt, yt)
    ref = sk_ensemble.RandomForestRegressor(60, oob_score=True, max_samples=0.5,
                                            random_state=1).fit(Xt, yt)
    assert abs(ours.oob_score_ - ref.oob_score_) < 0.02
    assert ours.oob_prediction_.shape == (1000,)


def test_same_forest_for_any_thread_count():
    Xt, yt, Xv, _ = _classification()
    with nm.threads(1):
        one = RandomForestClassifier(12, random_state=5, max_depth=8).fit(Xt, yt)
    with nm.threads(2):
        two = RandomForestClassifier(12, random_state=5, max_depth=8, n_jobs=2).fit(Xt, yt)
    for a, b in zip(one.estimators_, two.estimators_, strict=True):
        np.testing.assert_array_equal(a.tree_.threshold, b.tree_.threshold)
        np.testing.assert_array_equal(a.tree_.value, b.tree_.value)
    np.testing.assert_array_equal(one.predict_proba(Xv), two.predict_proba(Xv))
    many = np.tile(Xv, (10, 1))  # several prediction chunks, spread over the task pool
    one.set_params(n_jobs=1)
    with nm.threads(2):
        np.testing.assert_array_equal(one.predict_proba(many), two.predict_proba(many))


def test_forest_prediction_is_the_mean_of_its_trees():
    Xt, yt, Xv, _ = _classification()
    Xv = Xv.copy()
    Xv[np.random.default_rng(1).random(Xv.shape) < 0.05] = np.nan
    model = RandomForestClassifier(7, random_state=2, max_depth=10).fit(Xt, yt)
    mean = sum(est.predict_proba(Xv) for est in model.estimators_) / 7
    np.testing.assert_allclose(model.predict_proba(Xv), mean, rtol=1e-15, atol=0)
    np.testing.assert_array_equal(model.apply(Xv)[:, 3], model.estimators_[3].apply(Xv))
    reg = RandomForestRegressor(5, random_state=2).fit(*_regression()[:2])
    Xr = _regression()[2]
    np.testing.assert_allclose(reg.predict(Xr),
                               sum(e.predict(Xr) for e in reg.estimators_) / 5, rtol=1e-12)


def test_warm_start_equals_single_fit():
    Xt, yt, Xv, _ = _regression()
    grown = ExtraTreesRegressor(5, random_state=3, warm_start=True).fit(Xt, yt)
    grown.set_params(n_estimators=10).fit(Xt, yt)
    single = ExtraTreesRegressor(10, random_state=3).fit(Xt, yt)
    assert len(grown.estimators_) == 10
    np.testing.assert_array_equal(grown.predict(Xv), single.predict(Xv))


def test_nan_inputs_and_class_weight():
    Xt, yt, Xv, yv = _classification()
    Xt = Xt.copy()
    Xt[np.random.default_rng(0).random(Xt.shape) < 0.1] = np.nan
    ours = RandomForestClassifier(40, random_state=0, class_weight="balanced_subsample")
    ours.fit(Xt, yt)
    ref = sk_ensemble.RandomForestClassifier(40, random_state=0,
                                             class_weight="balanced_subsample").fit(Xt, yt)
    assert ours.score(Xv, yv) >= ref.score(Xv, yv) - 0.015


def test_save_load_round_trip(tmp_path):
    Xt, yt, Xv, _ = _classification()
    model = RandomForestClassifier(8, random_state=0, max_depth=6).fit(Xt, yt)
    nm.save(model, tmp_path / "forest.nmr")
    loaded = nm.load(tmp_path / "forest.nmr")
    np.testing.assert_array_equal(loaded.predict_proba(Xv), model.predict_proba(Xv))
    np.testing.assert_array_equal(loaded.apply(Xv), model.apply(Xv))


def test_forest_errors_name_the_argument():
    Xt, yt, _, _ = _classification()
    with pytest.raises(ValidationError, match="oob_score"):
        ExtraTreesClassifier(5, oob_score=True).fit(Xt, yt)
    for bad in (0, 1.5, "all"):  # an int above n_samples is valid (scikit-learn 1.9)
        with pytest.raises(ValidationError, match="max_samples"):
            RandomForestClassifier(5, max_samples=bad).fit(Xt, yt)
    with pytest.raises(ValidationError, match="n_estimators"):
        RandomForestClassifier(0).fit(Xt, yt)


def test_warm_start_oob_uses_each_trees_own_bootstrap(tmp_path):
    # random labels: a row's out-of-bag vote is a coin flip, while trees that saw it in bag
    # recall its label. With random_state=None the second fit drew new seeds and took the
    # first trees' out-of-bag rows from them (oob_score_ 0.75 instead of about 0.5).
    gen = np.random.default_rng(0)
    X, y = gen.normal(size=(600, 5)), gen.integers(0, 2, 600)
    forest = RandomForestClassifier(20, warm_start=True, oob_score=True).fit(X, y)
    first_seeds = forest.estimator_seeds_.copy()
    forest.set_params(n_estimators=40).fit(X, y)
    np.testing.assert_array_equal(forest.estimator_seeds_[:20], first_seeds)
    assert abs(forest.oob_score_ - 0.5) < 0.08
    nm.save(forest, tmp_path / "forest.nmr")
    loaded = nm.load(tmp_path / "forest.nmr")
    loaded.set_params(n_estimators=60).fit(X, y)
    np.testing.assert_array_equal(loaded.estimator_seeds_[:40], forest.estimator_seeds_)
    assert abs(loaded.oob_score_ - 0.5) < 0.08


def _three_classes(n=600, seed=8):
    gen = np.random.default_rng(seed)
    X = gen.normal(size=(n, 5)).astype(np.float32).astype(np.float64)
    score = X[:, 0] * 2 + np.sin(3 * X[:, 1]) + 0.3 * gen.normal(size=n)
    return X, np.digitize(score, np.quantile(score, [0.3, 0.7])), gen


def test_balanced_class_weight_counts_sample_weights_as_sklearn():
    # a forest's 'balanced' (and 'balanced_subsample' without bootstrap) weighs the class
    # counts with sample_weight in scikit-learn (a single tree's does not); without
    # bootstrap and with every feature the trees are scikit-learn's node for node
    X, y, gen = _three_classes()
    w = gen.uniform(0.2, 3.0, size=len(y)) * np.where(y == 2, 3.0, 1.0)
    for cw in ("balanced", "balanced_subsample"):
        kw = {"n_estimators": 1, "bootstrap": False, "max_features": None, "max_depth": 3,
              "min_samples_leaf": 20, "class_weight": cw}
        ours = RandomForestClassifier(**kw).fit(X, y, sample_weight=w).estimators_[0].tree_
        ref = sk_ensemble.RandomForestClassifier(random_state=0, **kw).fit(
            X, y, sample_weight=w).estimators_[0].tree_
        np.testing.assert_array_equal(ours.feature, ref.feature)
        np.testing.assert_array_equal(ours.threshold, ref.threshold)
        np.testing.assert_allclose(ours.weighted_n_node_samples, ref.weighted_n_node_samples)
        np.testing.assert_allclose(ours.value, ref.value, atol=1e-12)


def test_bootstrap_draws_rows_by_sample_weight_as_sklearn():
    # scikit-learn >= 1.9 draws bootstrap rows with probabilities proportional to the sample
    # weights and gives the trees the draw counts only; a float max_samples is a fraction
    # of the total weight, an int a number of draws (also above n_samples). 20 heavy rows
    # among 200: 100 draws reach about 28 distinct rows, uniform draws about 79.
    X, y, _ = _three_classes(200)
    w = np.where(np.arange(200) < 20, 1.0, 0.01)
    for max_samples, draws in ((100, 100), (300, 300), (0.5, int(0.5 * w.sum()))):
        kw = {"n_estimators": 30, "max_depth": 1, "max_samples": max_samples,
              "random_state": 0}
        ours = RandomForestRegressor(**kw).fit(X, y.astype(float), sample_weight=w)
        ref = sk_ensemble.RandomForestRegressor(**kw).fit(X, y.astype(float), sample_weight=w)
        for forest in (ours, ref):
            roots = [e.tree_.weighted_n_node_samples[0] for e in forest.estimators_]
            np.testing.assert_array_equal(roots, draws)
        distinct = [np.mean([e.tree_.n_node_samples[0] for e in f.estimators_])
                    for f in (ours, ref)]
        assert abs(distinct[0] - distinct[1]) < 0.1 * distinct[1], (max_samples, distinct)


def test_balanced_subsample_counts_the_classes_drawn_as_sklearn():
    # 'balanced_subsample' divides by the number of classes present in the bootstrap sample,
    # so every tree's root weighs as many as the draws, also when a class was not drawn
    X, y, _ = _three_classes(60)
    y[y == 2] = 1
    y[:2] = 2  # a class of 2 rows in 60: absent from most 5-row samples
    kw = {"n_estimators": 25, "max_samples": 5, "max_depth": 1,
          "class_weight": "balanced_subsample", "random_state": 0}
    for forest in (RandomForestClassifier(**kw).fit(X, y),
                   sk_ensemble.RandomForestClassifier(**kw).fit(X, y)):
        np.testing.assert_allclose([e.tree_.weighted_n_node_samples[0]
                                    for e in forest.estimators_], 5.0)


@pytest.mark.parametrize("ours_cls, ref_cls", [
    (RandomForestClassifier, sk_ensemble.RandomForestClassifier),
    (RandomForestRegressor, sk_ensemble.RandomForestRegressor)])
def test_rows_never_out_of_bag_score_as_in_sklearn(ours_cls, ref_cls):
    # with 2 trees many rows are in both bootstrap samples: scikit-learn warns, predicts 0
    # for them (not NaN) and keeps them in oob_score_
    X, y, _ = _three_classes(80)
    for forest in (ours_cls, ref_cls):
        with pytest.warns(UserWarning, match="OOB"):
            model = forest(n_estimators=2, oob_score=True, random_state=0).fit(X, y)
        if forest in (RandomForestClassifier, sk_ensemble.RandomForestClassifier):
            oob = model.oob_decision_function_
            assert not np.isnan(oob).any() and (oob.sum(axis=1) == 0).any()
            assert model.oob_score_ == np.mean(np.argmax(oob, axis=1) == y)
        else:
            pred = model.oob_prediction_
            assert not np.isnan(pred).any() and (pred == 0).any()
            ss = np.sum((y - y.mean()) ** 2)
            assert model.oob_score_ == pytest.approx(1 - np.sum((y - pred) ** 2) / ss)
