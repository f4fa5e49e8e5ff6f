"""Neighbour search and k-NN / radius models against scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")
from sklearn import neighbors as skn  # noqa: E402
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

import numeru.core as nm  # noqa: E402
from numeru.core.errors import ValidationError  # noqa: E402
from numeru.ml.neighbors import (  # noqa: E402
    KNeighborsClassifier,
    KNeighborsRegressor,
    NearestNeighbors,
    RadiusNeighborsClassifier,
    RadiusNeighborsRegressor,
)

METRICS = [("minkowski", 2), ("euclidean", 2), ("manhattan", 2), ("minkowski", 3),
           ("chebyshev", 2), ("cosine", 2)]


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    return {d: (rng.normal(size=(1500, d)), rng.normal(size=(200, d))) for d in (3, 24)}


# A KD-tree needs a Minkowski-family metric: cosine with kd_tree is tested as an error below.
SEARCHES = [(m, p, a) for m, p in METRICS for a in ("auto", "brute", "kd_tree")
            if not (m == "cosine" and a == "kd_tree")]


@pytest.mark.parametrize("dim", [3, 24])
@pytest.mark.parametrize("metric,p,algorithm", SEARCHES)
def test_kneighbors_same_indices_and_distances(data, dim, metric, p, algorithm):
    X, Q = data[dim]
    ours = NearestNeighbors(n_neighbors=6, metric=metric, p=p, algorithm=algorithm).fit(X)
    ref = skn.NearestNeighbors(n_neighbors=6, metric=metric, p=p, algorithm="brute").fit(X)
    d1, i1 = ours.kneighbors(Q)
    d2, i2 = ref.kneighbors(Q)
    np.testing.assert_array_equal(i1, i2)
    np.testing.assert_allclose(d1, d2, rtol=1e-10, atol=1e-10)
    radius = {3: 0.9, 24: 5.5}[dim] if metric != "cosine" else 0.3
    r1 = ours.radius_neighbors(Q, radius=radius)
    r2 = ref.radius_neighbors(Q, radius=radius, sort_results=True)
    for a, b, da, db in zip(r1[1], r2[1], r1[0], r2[0], strict=True):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_allclose(da, db, rtol=1e-10, atol=1e-10)


def test_auto_chooses_tree_for_low_dimensions(data):
    assert NearestNeighbors().fit(data[3][0]).fit_method_ == "kd_tree"
    assert NearestNeighbors().fit(data[24][0]).fit_method_ == "brute"
    assert NearestNeighbors(metric="cosine").fit(data[3][0]).fit_method_ == "brute"


def test_ties_go_to_the_lower_index():
    X = np.array([[0.0], [1.0], [-1.0], [1.0], [2.0], [-1.0]])
    for algorithm in ["brute", "kd_tree"]:
        model = NearestNeighbors(n_neighbors=3, algorithm=algorithm, leaf_size=1).fit(X)
        _, ind = model.kneighbors([[0.0]])
        np.testing.assert_array_equal(ind, [[0, 1, 2]])
        _, ind = model.kneighbors([[1.0]], n_neighbors=4)
        np.testing.assert_array_equal(ind, [[1, 3, 0, 4]])


def test_self_query_graphs_match_sklearn(data):
    X = data[3][0][:300]
    ours = NearestNeighbors(n_neighbors=4).fit(X)
    ref = skn.NearestNeighbors(n_neighbors=4).fit(X)
    np.testing.assert_array_equal(ours.kneighbors()[1], ref.kneighbors()[1])
    for mode in ["connectivity", "distance"]:
        a = ours.kneighbors_graph(mode=mode).toarray()
        b = ref.kneighbors_graph(mode=mode).toarray()
        np.testing.assert_allclose(a, b, atol=1e-12)
        a = ours.radius_neighbors_graph(X[:20], radius=0.5, mode=mode).toarray()
        b = ref.radius_neighbors_graph(X[:20], radius=0.5, mode=mode).toarray()
        np.testing.assert_allclose(a, b, atol=1e-12)


LOADERS = {"iris": load_iris, "wine": load_wine, "breast_cancer": load_breast_cancer,
           "digits": load_digits}


@pytest.mark.parametrize("name", list(LOADERS))
@pytest.mark.parametrize("weights", ["uniform", "distance"])
def test_kneighbors_classifier_matches_sklearn(name, weights):
    X, y = LOADERS[name](return_X_y=True)
    X = X + np.random.default_rng(1).normal(scale=1e-6, size=X.shape)  # break exact ties
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
    ours = KNeighborsClassifier(7, weights=weights).fit(X_train, y_train)
    ref = skn.KNeighborsClassifier(7, weights=weights).fit(X_train, y_train)
    np.testing.assert_array_equal(ours.predict(X_test), ref.predict(X_test))
    np.testing.assert_allclose(ours.predict_proba(X_test), ref.predict_proba(X_test),
                               atol=1e-12)
    assert abs(ours.score(X_test, y_test) - ref.score(X_test, y_test)) <= 0.01


@pytest.mark.parametrize("weights", ["uniform", "distance"])
def test_regressors_match_sklearn(data, weights):
    X, Q = data[3]
    y = np.sin(X[:, 0]) + X[:, 1] ** 2
    Y = np.column_stack([y, X[:, 2]])
    for target in (y, Y):
        ours = KNeighborsRegressor(5, weights=weights).fit(X, target)
        ref = skn.KNeighborsRegressor(5, weights=weights).fit(X, target)
        np.testing.assert_allclose(ours.predict(Q), ref.predict(Q), atol=1e-12)
    ours = RadiusNeighborsRegressor(1.0, weights=weights).fit(X, y)
    ref = skn.RadiusNeighborsRegressor(1.0, weights=weights).fit(X, y)
    np.testing.assert_allclose(ours.predict(Q), ref.predict(Q), atol=1e-12)


def test_radius_classifier_matches_sklearn(data):
    X, Q = data[3]
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5)
    for weights in ["uniform", "distance"]:
        ours = RadiusNeighborsClassifier(1.2, weights=weights).fit(X, y)
        ref = skn.RadiusNeighborsClassifier(1.2, weights=weights).fit(X, y)
        np.testing.assert_array_equal(ours.predict(Q), ref.predict(Q))
        np.testing.assert_allclose(ours.predict_proba(Q), ref.predict_proba(Q), atol=1e-12)
    far = np.array([[50.0, 50.0, 50.0]])
    with pytest.raises(ValidationError, match="outlier_label"):
        RadiusNeighborsClassifier(0.5).fit(X, y).predict(far)
    ours = RadiusNeighborsClassifier(0.5, outlier_label="most_frequent").fit(X, y)
    ref = skn.RadiusNeighborsClassifier(0.5, outlier_label="most_frequent").fit(X, y)
    np.testing.assert_array_equal(ours.predict(far), ref.predict(far))


def test_distance_weights_with_exact_match():
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    y = np.array([0, 1, 1, 1])
    ours = KNeighborsClassifier(3, weights="distance").fit(X, y)
    ref = skn.KNeighborsClassifier(3, weights="distance").fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X))


def test_tensor_in_tensor_out_and_errors(data):
    X, Q = data[3]
    model = NearestNeighbors(n_neighbors=3).fit(nm.asarray(X))
    dist, ind = model.kneighbors(nm.asarray(Q))
    assert isinstance(dist, nm.Tensor) and isinstance(ind, nm.Tensor)
    ref = skn.NearestNeighbors(n_neighbors=3).fit(X).kneighbors(Q)
    np.testing.assert_array_equal(ind.numpy(), ref[1])
    with pytest.raises(ValidationError, match="algorithm"):
        NearestNeighbors(algorithm="kd_tree", metric="cosine").fit(X)
    with pytest.raises(ValidationError, match="metric"):
        NearestNeighbors(metric="hamming").fit(X)
    with pytest.raises(ValidationError, match="p"):
        NearestNeighbors(p=0.5).fit(X)
    with pytest.raises(ValidationError, match="n_neighbors"):
        NearestNeighbors().fit(X[:3]).kneighbors(X[:1], n_neighbors=5)


def test_neighbors_save_and_load(tmp_path, data):
    X, Q = data[3]
    y = (X[:, 0] > 0).astype(int)
    for model in [KNeighborsClassifier(4), KNeighborsClassifier(4, algorithm="brute"),
                  KNeighborsRegressor(3)]:
        model.fit(X, y)
        nm.save(model, tmp_path / "m.nmr")
        loaded = nm.load(tmp_path / "m.nmr")
        np.testing.assert_array_equal(loaded.predict(Q), model.predict(Q))


def test_radius_queries_without_X_exclude_the_point_itself():
    # X=None: the training points are the queries and none is its own neighbour (sklearn)
    X = np.array([[0.0, 0.0], [0.0, 0.1], [3.0, 0.0], [1.0, 1.0], [2.0, 2.0]])
    y = np.array([0, 1, 1, 0, 1])
    ours, ref = NearestNeighbors().fit(X), skn.NearestNeighbors().fit(X)
    got = ours.radius_neighbors(radius=1.5, return_distance=False)
    want = ref.radius_neighbors(radius=1.5, return_distance=False)
    assert [sorted(a.tolist()) for a in got] == [sorted(a.tolist()) for a in want]
    np.testing.assert_array_equal(ours.radius_neighbors_graph(radius=1.5, mode="distance")
                                  .toarray(), ref.radius_neighbors_graph(radius=1.5,
                                                                         mode="distance")
                                  .toarray())
    clf = RadiusNeighborsClassifier(1.5, outlier_label=1).fit(X, y)
    ref_clf = skn.RadiusNeighborsClassifier(1.5, outlier_label=1).fit(X, y)
    np.testing.assert_array_equal(clf.predict(None), ref_clf.predict(None))
    with pytest.warns(UserWarning):
        reg = RadiusNeighborsRegressor(1.5).fit(X, np.arange(5.0)).predict(None)
    ref_reg = skn.RadiusNeighborsRegressor(1.5).fit(X, np.arange(5.0)).predict(None)
    np.testing.assert_allclose(reg, ref_reg, equal_nan=True)


def test_distance_weights_give_duplicates_all_the_weight_on_every_algorithm():
    # the brute-force GEMM form put a query's own copy at ~1e-8 instead of 0, so
    # weights="distance" gave it 0.99999997 of the vote instead of all of it
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    X[5] = X[7] = X[3]
    y = rng.integers(0, 3, 40)
    y[3], y[5], y[7] = 2, 1, 2
    Q = np.r_[X[:8], rng.normal(size=(3, 3))]
    ref = skn.KNeighborsClassifier(4, weights="distance").fit(X, y)
    ref_reg = skn.KNeighborsRegressor(4, weights="distance").fit(X, y * 1.0)
    for algorithm in ("brute", "kd_tree"):
        ours = KNeighborsClassifier(4, weights="distance", algorithm=algorithm).fit(X, y)
        np.testing.assert_array_equal(ours.predict_proba(Q), ref.predict_proba(Q))
        dist = ours.kneighbors(Q[:8])[0]
        assert (dist[:, 0] == 0).all()
        reg = KNeighborsRegressor(4, weights="distance", algorithm=algorithm).fit(X, y * 1.0)
        np.testing.assert_allclose(reg.predict(Q), ref_reg.predict(Q), rtol=1e-12)
        radius = NearestNeighbors(radius=0.5, algorithm=algorithm).fit(X)
        assert (radius.radius_neighbors(X[3:4])[0][0][:3] == 0).all()


def test_minkowski_p_inf_and_effective_metric_as_sklearn(data):
    X, Q = data[3]
    for metric, p in [("minkowski", np.inf), ("minkowski", 1), ("minkowski", 2),
                      ("minkowski", 3), ("manhattan", 2), ("cityblock", 2), ("cosine", 2)]:
        ours = NearestNeighbors(n_neighbors=3, metric=metric, p=p).fit(X)
        ref = skn.NearestNeighbors(n_neighbors=3, metric=metric, p=p).fit(X)
        assert ours.effective_metric_ == ref.effective_metric_
        assert ours.effective_metric_params_ == ref.effective_metric_params_
        np.testing.assert_allclose(ours.kneighbors(Q)[0], ref.kneighbors(Q)[0], rtol=1e-10)


def test_radius_classifier_warns_for_an_outlier_label_outside_the_classes():
    X = np.array([[0.0], [1.0], [2.0]])
    model = RadiusNeighborsClassifier(0.5, outlier_label=7).fit(X, [0, 1, 1])
    with pytest.warns(UserWarning, match="outlier_label"):
        proba = model.predict_proba([[10.0]])
    np.testing.assert_array_equal(proba, [[0.0, 0.0]])
