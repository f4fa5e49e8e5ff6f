"""Model selection against scikit-learn: ShuffleSplit, StratifiedShuffleSplit, GroupKFold,
scorers, cross_validate / cross_val_score / cross_val_predict, GridSearchCV and
RandomizedSearchCV (deterministic numeru models on the same splits give the same numbers)."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
from sklearn import linear_model as sklm
from sklearn import model_selection as skms
from sklearn.metrics import get_scorer_names as sk_scorer_names
from sklearn.pipeline import make_pipeline as sk_make_pipeline
from sklearn.preprocessing import StandardScaler as SkStandardScaler

import numeru.core as nm
from numeru.core.errors import NotFittedError, ValidationError
from numeru.ml import LogisticRegression, Ridge
from numeru.ml.data import (
    FitFailedWarning,
    GridSearchCV,
    GroupKFold,
    KFold,
    ParameterGrid,
    ParameterSampler,
    RandomizedSearchCV,
    ShuffleSplit,
    StratifiedKFold,
    StratifiedShuffleSplit,
    cross_val_predict,
    cross_val_score,
    cross_validate,
    get_scorer_names,
)
from numeru.ml.pipeline import make_pipeline
from numeru.ml.preprocessing import StandardScaler


@pytest.fixture(scope="module")
def regression():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    y = X @ np.array([1.0, -2.0, 0.5, 0.0]) + 0.3 * rng.normal(size=60)
    return X, y


@pytest.fixture(scope="module")
def classification():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(80, 3))
    y = (X[:, 0] - 0.5 * X[:, 1] + 0.5 * rng.normal(size=80) > 0).astype(np.int64)
    return X, y


def _logreg(C=1.0):
    return (LogisticRegression(C=C, tol=1e-10, max_iter=1000),
            sklm.LogisticRegression(C=C, tol=1e-10, max_iter=1000))


# -- splitters -------------------------------------------------------------------------------
@pytest.mark.parametrize("kw", [{}, {"test_size": 0.3}, {"test_size": 7},
                                {"train_size": 0.5}, {"train_size": 20, "test_size": 0.25}])
def test_shuffle_split_sizes_match_sklearn(kw) -> None:
    X = np.zeros((43, 2))
    ours = list(ShuffleSplit(4, random_state=0, **kw).split(X))
    ref = list(skms.ShuffleSplit(4, random_state=0, **kw).split(X))
    assert len(ours) == len(ref) == 4
    for (tr, te), (rtr, rte) in zip(ours, ref, strict=True):
        assert (tr.size, te.size) == (rtr.size, rte.size)
        assert np.intersect1d(tr, te).size == 0
    assert not all(np.array_equal(ours[0][1], s[1]) for s in ours[1:])  # splits differ
    again = list(ShuffleSplit(4, random_state=0, **kw).split(X))
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(ours, again, strict=True))


def test_stratified_shuffle_split_class_counts_match_sklearn() -> None:
    y = np.repeat([0, 1, 2], [30, 15, 9])
    X = np.zeros((y.size, 1))
    for kw in ({}, {"test_size": 0.3}, {"train_size": 0.5, "test_size": 0.2}):
        ours = list(StratifiedShuffleSplit(3, random_state=1, **kw).split(X, y))
        ref = list(skms.StratifiedShuffleSplit(3, random_state=1, **kw).split(X, y))
        for (tr, te), (rtr, rte) in zip(ours, ref, strict=True):
            assert np.intersect1d(tr, te).size == 0
            assert (tr.size, te.size) == (rtr.size, rte.size)
            # Rounding ties go to a class drawn at random: counts agree within one sample.
            for ours_rows, ref_rows in ((tr, rtr), (te, rte)):
                diff = np.bincount(y[ours_rows], minlength=3) - np.bincount(y[ref_rows],
                                                                            minlength=3)
                assert np.abs(diff).max() <= 1
        assert not np.array_equal(ours[0][1], ours[1][1])


def test_stratified_shuffle_split_refuses_as_sklearn() -> None:
    X = np.zeros((6, 1))
    with pytest.raises(ValidationError, match="y: expected at least 2 members"):
        next(StratifiedShuffleSplit(2, test_size=2).split(X, [0, 0, 0, 0, 0, 1]))
    with pytest.raises(ValidationError, match="test_size: expected a set of at least 3"):
        next(StratifiedShuffleSplit(2, test_size=2).split(X, [0, 0, 1, 1, 2, 2]))
    with pytest.raises(ValidationError, match="y: expected one label per sample"):
        next(StratifiedShuffleSplit().split(X))
    with pytest.raises(ValidationError, match="n_splits: expected an integer >= 1, got 0"):
        ShuffleSplit(0)


def test_group_kfold_matches_sklearn() -> None:
    rng = np.random.default_rng(3)
    groups = rng.integers(0, 9, size=50)
    X = np.zeros((50, 1))
    for ours, ref in zip(GroupKFold(3).split(X, groups=groups),
                         skms.GroupKFold(3).split(X, groups=groups), strict=True):
        np.testing.assert_array_equal(ours[0], ref[0])
        np.testing.assert_array_equal(ours[1], ref[1])
    for train, test in GroupKFold(3, shuffle=True, random_state=0).split(X, groups=groups):
        assert np.intersect1d(groups[train], groups[test]).size == 0
    with pytest.raises(ValidationError, match="n_splits: expected at most the number of "
                       "groups"):
        next(GroupKFold(10).split(X, groups=groups))


# -- scorers and cross-validation ------------------------------------------------------------
def test_scorer_names_are_sklearns() -> None:
    assert set(get_scorer_names()) <= set(sk_scorer_names())


REGRESSION_SCORING = ["r2", "neg_mean_squared_error", "neg_root_mean_squared_error",
                      "neg_mean_absolute_error", "explained_variance", "neg_max_error"]
CLASSIFICATION_SCORING = ["accuracy", "balanced_accuracy", "f1", "f1_macro", "f1_weighted",
                          "precision", "recall", "roc_auc", "neg_log_loss", "average_precision"]


def test_cross_validate_regression_matches_sklearn(regression) -> None:
    X, y = regression
    kw = {"cv": 4, "scoring": REGRESSION_SCORING, "return_train_score": True}
    ours = cross_validate(Ridge(alpha=0.7), X, y, return_estimator=True, return_indices=True,
                          **kw)
    ref = skms.cross_validate(sklm.Ridge(alpha=0.7), X, y, return_indices=True, **kw)
    for key in ref:
        if key.startswith(("test_", "train_")):
            np.testing.assert_allclose(ours[key], ref[key], rtol=1e-8, atol=1e-10)
    for a, b in zip(ours["indices"]["test"], ref["indices"]["test"], strict=True):
        np.testing.assert_array_equal(a, b)
    assert ours["fit_time"].shape == ours["score_time"].shape == (4,)
    assert len(ours["estimator"]) == 4 and hasattr(ours["estimator"][0], "coef_")
    default = cross_val_score(Ridge(), X, y, cv=3)  # scoring None: Ridge.score (R^2)
    np.testing.assert_allclose(default, skms.cross_val_score(sklm.Ridge(), X, y, cv=3),
                               rtol=1e-8)


def test_cross_validate_classification_matches_sklearn(classification) -> None:
    X, y = classification
    ours_model, ref_model = _logreg()
    cv = StratifiedKFold(4)  # the default for a classifier and cv=int; compared explicitly
    ours = cross_validate(ours_model, X, y, cv=cv, scoring=CLASSIFICATION_SCORING)
    ref = skms.cross_validate(ref_model, X, y, cv=skms.StratifiedKFold(4),
                              scoring=CLASSIFICATION_SCORING)
    for name in CLASSIFICATION_SCORING:
        np.testing.assert_allclose(ours[f"test_{name}"], ref[f"test_{name}"], rtol=1e-6,
                                   err_msg=name)
    np.testing.assert_allclose(cross_val_score(ours_model, X, y, cv=4),
                               skms.cross_val_score(ref_model, X, y, cv=4), rtol=1e-8)


def test_cross_validate_takes_tensors_lists_and_callables(regression) -> None:
    X, y = regression
    ref = skms.cross_val_score(sklm.Ridge(), X, y, cv=KFold(3).split(X),
                               scoring="neg_mean_squared_error")
    for Xin, yin in ((nm.asarray(X), nm.asarray(y)), (X.tolist(), y.tolist())):
        got = cross_val_score(Ridge(), Xin, yin, cv=3, scoring="neg_mean_squared_error")
        np.testing.assert_allclose(got, ref, rtol=1e-8)

    def scorer(est, X_test, y_test):
        return -float(np.mean((np.asarray(est.predict(X_test)) - np.asarray(y_test)) ** 2))

    splits = list(KFold(3).split(X))
    got = cross_validate(Ridge(), X, y, cv=splits, scoring={"mse": scorer})
    np.testing.assert_allclose(got["test_mse"], ref, rtol=1e-8)


def test_cross_val_predict_matches_sklearn(classification) -> None:
    X, y = classification
    ours_model, ref_model = _logreg()
    cv = skms.KFold(5, shuffle=True, random_state=0)  # shuffled: results in sample order
    for method in ("predict", "predict_proba", "decision_function"):
        ours = cross_val_predict(ours_model, X, y, cv=cv, method=method)
        ref = skms.cross_val_predict(ref_model, X, y, cv=cv, method=method)
        np.testing.assert_allclose(ours, ref, rtol=1e-6, atol=1e-8, err_msg=method)
    got = cross_val_predict(ours_model, nm.asarray(X), nm.asarray(y), cv=cv)
    assert isinstance(got, nm.Tensor)
    np.testing.assert_array_equal(got.numpy(), skms.cross_val_predict(ref_model, X, y, cv=cv))
    with pytest.raises(ValidationError, match="cv: expected a partition"):
        cross_val_predict(ours_model, X, y, cv=ShuffleSplit(3, random_state=0))


def test_cross_val_predict_fills_classes_missing_from_a_split() -> None:
    X = np.arange(12, dtype=float)[:, None]
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2])
    cv = [(np.arange(4, 12), np.arange(4)), (np.arange(8), np.arange(4, 12))]
    with pytest.warns(RuntimeWarning, match="Number of classes in training fold"):
        ours = cross_val_predict(LogisticRegression(), X, y, cv=cv, method="predict_proba")
    with pytest.warns(RuntimeWarning, match="Number of classes in training fold"):
        ref = skms.cross_val_predict(sklm.LogisticRegression(), X, y, cv=cv,
                                     method="predict_proba")
    np.testing.assert_array_equal(ours[:4, 0], 0.0)
    np.testing.assert_allclose(ours, ref, rtol=1e-4, atol=1e-6)


def test_error_score_warns_or_raises(regression) -> None:
    X, y = regression
    with pytest.warns(FitFailedWarning, match="2 fits failed out of a total of 4"):
        got = cross_val_score(Ridge(), X, y, cv=[(np.arange(30), np.arange(30, 60))] * 2 +
                              [(np.arange(0), np.arange(60))] * 2, error_score=-1.0)
    assert got[2] == got[3] == -1.0 and got[0] > 0
    with pytest.raises(ValidationError, match="all 3 fits failed"):
        cross_val_score(Ridge(alpha=-1.0), X, y, cv=3)
    with pytest.raises(ValueError):
        cross_val_score(Ridge(alpha=-1.0), X, y, cv=3, error_score="raise")
    with pytest.raises(ValidationError, match="error_score: expected 'raise' or a number"):
        cross_val_score(Ridge(), X, y, error_score="ignore")
    with pytest.raises(ValidationError, match="scoring: expected a scorer name"):
        cross_val_score(Ridge(), X, y, scoring="r_two")
    with pytest.raises(ValidationError, match="n_jobs: expected None or a non-zero integer"):
        cross_val_score(Ridge(), X, y, n_jobs=0)


# -- searches --------------------------------------------------------------------------------
def test_parameter_grid_order_and_indexing_match_sklearn() -> None:
    grid = [{"b": [1, 2], "a": ["x", "y", "z"]}, {"c": [0.5]}, {}]
    ours, ref = ParameterGrid(grid), skms.ParameterGrid(grid)
    assert list(ours) == list(ref) and len(ours) == len(ref) == 8
    assert [ours[i] for i in range(8)] == [ref[i] for i in range(8)]
    with pytest.raises(ValidationError, match=r"param_grid\['a'\]: expected a list"):
        ParameterGrid({"a": 1})


def test_grid_search_regression_matches_sklearn(regression) -> None:
    X, y = regression
    grid = {"alpha": [0.01, 1.0, 10.0, 100.0], "fit_intercept": [True, False]}
    kw = {"cv": 3, "scoring": "neg_mean_squared_error", "return_train_score": True}
    ours = GridSearchCV(Ridge(), grid, **kw).fit(X, y)
    ref = skms.GridSearchCV(sklm.Ridge(), grid, **kw).fit(X, y)
    assert ours.best_params_ == ref.best_params_ and ours.best_index_ == ref.best_index_
    assert ours.best_score_ == pytest.approx(ref.best_score_, rel=1e-8)
    for key in ref.cv_results_:
        if key.startswith(("split", "mean_test", "std_test", "mean_train", "rank")):
            np.testing.assert_allclose(ours.cv_results_[key], ref.cv_results_[key],
                                       rtol=1e-8, err_msg=key)
    assert ours.cv_results_["params"] == ref.cv_results_["params"]
    assert ours.cv_results_["mean_fit_time"].shape == (8,)
    np.testing.assert_array_equal(ours.cv_results_["param_alpha"],
                                  ref.cv_results_["param_alpha"])
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), rtol=1e-8)
    assert ours.score(X, y) == pytest.approx(ref.score(X, y), rel=1e-8)
    t = ours.predict(nm.asarray(X))
    assert isinstance(t, nm.Tensor)


def test_grid_search_ties_rank_min_like_sklearn(regression) -> None:
    X, y = regression
    grid = {"alpha": [1.0, 1.0, 5.0, 1.0]}  # equal candidates tie exactly
    ours = GridSearchCV(Ridge(), grid, cv=3).fit(X, y)
    ref = skms.GridSearchCV(sklm.Ridge(), grid, cv=3).fit(X, y)
    np.testing.assert_array_equal(ours.cv_results_["rank_test_score"],
                                  ref.cv_results_["rank_test_score"])
    assert ours.best_index_ == ref.best_index_


def test_grid_search_multimetric_pipeline_classification(classification) -> None:
    X, y = classification
    ours_model, ref_model = _logreg()
    grid = [{"logisticregression__C": [0.01, 0.1, 1.0]}, {"logisticregression__C": [10.0]}]
    scoring = ["accuracy", "neg_log_loss"]
    ours = GridSearchCV(make_pipeline(StandardScaler(), ours_model), grid, scoring=scoring,
                        refit="neg_log_loss", cv=4).fit(X, y)
    ref = skms.GridSearchCV(sk_make_pipeline(SkStandardScaler(), ref_model), grid,
                            scoring=scoring, refit="neg_log_loss", cv=4).fit(X, y)
    assert ours.best_params_ == ref.best_params_
    for name in scoring:
        np.testing.assert_allclose(ours.cv_results_[f"mean_test_{name}"],
                                   ref.cv_results_[f"mean_test_{name}"], rtol=1e-6)
        np.testing.assert_array_equal(ours.cv_results_[f"rank_test_{name}"],
                                      ref.cv_results_[f"rank_test_{name}"])
    assert ours.best_score_ == pytest.approx(ref.best_score_, rel=1e-6)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), rtol=1e-6)
    np.testing.assert_array_equal(ours.classes_, ref.classes_)
    assert ours.score(X, y) == pytest.approx(ref.score(X, y), rel=1e-6)
    with pytest.raises(ValidationError, match="refit: expected a scorer name"):
        GridSearchCV(Ridge(), {"alpha": [1.0]}, scoring=["r2", "neg_max_error"]).fit(X, y)


def test_grid_search_refit_false_and_params(regression) -> None:
    X, y = regression
    search = GridSearchCV(Ridge(), {"alpha": [0.1, 1.0]}, refit=False, cv=3).fit(X, y)
    assert search.best_params_ in ({"alpha": 0.1}, {"alpha": 1.0})
    with pytest.raises(NotFittedError, match="refit=False"):
        search.predict(X)
    cloned = GridSearchCV(Ridge(), {"alpha": [1.0]}).set_params(estimator__alpha=3.0)
    assert cloned.get_params()["estimator__alpha"] == 3.0
    # Nested cross-validation: the search is itself an estimator that cross_val_score clones.
    nested = cross_val_score(GridSearchCV(Ridge(), {"alpha": [0.1, 10.0]}, cv=3), X, y, cv=3)
    ref = skms.cross_val_score(skms.GridSearchCV(sklm.Ridge(), {"alpha": [0.1, 10.0]}, cv=3),
                               X, y, cv=3)
    np.testing.assert_allclose(nested, ref, rtol=1e-8)


def test_randomized_search_draws_sklearns_candidates(regression) -> None:
    from scipy.stats import loguniform

    X, y = regression
    cases = (({"alpha": loguniform(1e-3, 1e2), "fit_intercept": [True, False]}, 5, False),
             ({"alpha": [0.1, 1.0, 10.0], "fit_intercept": [True, False]}, 4, False),
             ({"alpha": [0.1, 1.0]}, 5, True))
    for dists, n_iter, too_many in cases:
        def warns(too_many=too_many):
            return pytest.warns(UserWarning, match="smaller than n_iter=5") if too_many \
                else contextlib.nullcontext()

        with warns():
            ours = list(ParameterSampler(dists, n_iter, random_state=7))
        with warns():
            assert ours == list(skms.ParameterSampler(dists, n_iter, random_state=7))
        kw = {"n_iter": n_iter, "cv": 3, "random_state": 7}
        with warns():
            got = RandomizedSearchCV(Ridge(), dists, **kw).fit(X, y)
        with warns():
            ref = skms.RandomizedSearchCV(sklm.Ridge(), dists, **kw).fit(X, y)
        assert got.cv_results_["params"] == ref.cv_results_["params"]
        assert got.best_params_ == ref.best_params_
        np.testing.assert_allclose(got.cv_results_["mean_test_score"],
                                   ref.cv_results_["mean_test_score"], rtol=1e-8)
