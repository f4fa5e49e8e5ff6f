"""SVC / SVR / LinearSVC / LinearSVR against scikit-learn (libsvm and liblinear)."""

from __future__ import annotations

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")
from sklearn import svm as sk_svm  # noqa: E402
from sklearn.datasets import (  # noqa: E402
    load_breast_cancer,
    load_digits,
    load_iris,
    load_wine,
    make_blobs,
    make_regression,
)
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.preprocessing import StandardScaler as SkScaler  # noqa: E402

import numeru.core as nm  # noqa: E402
from numeru.core.errors import NotFittedError, ShapeError, ValidationError  # noqa: E402
from numeru.ml.svm import SVC, SVR, LinearSVC, LinearSVR  # noqa: E402

LOADERS = {"iris": load_iris, "wine": load_wine, "breast_cancer": load_breast_cancer,
           "digits": load_digits}


def _split(name):
    X, y = LOADERS[name](return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0,
                                                        stratify=y)
    scaler = SkScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


@pytest.mark.parametrize("name", list(LOADERS))
@pytest.mark.parametrize("kernel", ["rbf", "linear"])
def test_svc_accuracy_within_one_point_of_sklearn(name, kernel):
    X_train, X_test, y_train, y_test = _split(name)
    ours = SVC(kernel=kernel).fit(X_train, y_train).score(X_test, y_test)
    ref = sk_svm.SVC(kernel=kernel).fit(X_train, y_train).score(X_test, y_test)
    assert abs(ours - ref) <= 0.01


@pytest.mark.parametrize("centers", [2, 3])
@pytest.mark.parametrize("kernel", ["linear", "poly", "sigmoid", "rbf"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_svc_same_iterates_as_libsvm_on_separable_data(centers, kernel, seed):
    # Same WSS2 + shrinking + float32 kernel cache + left-to-right dot products (< 16
    # features) as libsvm: identical support vectors and decision values to rounding at the
    # default tolerance.
    X, y = make_blobs(120, 4, centers=centers, cluster_std=0.6, center_box=(-8, 8),
                      random_state=seed)
    params = {"kernel": kernel, "C": 100.0}
    if kernel == "sigmoid":
        params.update(gamma=0.01, C=1.0)
    ours = SVC(**params).fit(X, y)
    ref = sk_svm.SVC(**params).fit(X, y)
    np.testing.assert_array_equal(ours.support_, ref.support_)
    np.testing.assert_array_equal(ours.n_support_, ref.n_support_)
    np.testing.assert_allclose(ours.dual_coef_, ref.dual_coef_, atol=1e-4)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-4)
    np.testing.assert_allclose(ours.decision_function(X), ref.decision_function(X), atol=1e-4)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))


@pytest.mark.parametrize("centers", [2, 3])
@pytest.mark.parametrize("seed", range(4))
def test_svc_rbf_support_vectors_and_decision_values_many_features(centers, seed):
    # With 16+ features the kernel columns come from one GEMV whose sums round differently
    # from libsvm's ddot; that can change a working-set choice, so the two solutions agree to
    # the solver tolerance: compare at tol=1e-6.
    X, y = make_blobs(150, 20, centers=centers, cluster_std=2.0, center_box=(-4, 4),
                      random_state=seed)
    ours = SVC(C=100.0, tol=1e-6).fit(X, y)
    ref = sk_svm.SVC(C=100.0, tol=1e-6).fit(X, y)
    np.testing.assert_array_equal(ours.support_, ref.support_)
    np.testing.assert_allclose(ours.decision_function(X), ref.decision_function(X), atol=1e-4)


def test_svc_ovo_shape_break_ties_class_weight_and_sample_weight():
    X, y = load_iris(return_X_y=True)
    w = np.random.default_rng(0).uniform(0.5, 2.0, y.size)
    kwargs = {"kernel": "linear", "class_weight": {0: 2.0, 2: 0.5}, "tol": 1e-7,
              "decision_function_shape": "ovo"}
    ours = SVC(**kwargs).fit(X, y, sample_weight=w)
    ref = sk_svm.SVC(**kwargs).fit(X, y, sample_weight=w)
    np.testing.assert_array_equal(ours.support_, ref.support_)
    np.testing.assert_allclose(ours.decision_function(X), ref.decision_function(X), atol=1e-4)
    balanced = SVC(class_weight="balanced", break_ties=True).fit(X, y)
    ref = sk_svm.SVC(class_weight="balanced", break_ties=True).fit(X, y)
    np.testing.assert_array_equal(balanced.predict(X), ref.predict(X))


def test_svc_precomputed_kernel_matches_linear():
    X, y = load_breast_cancer(return_X_y=True)
    X = SkScaler().fit_transform(X)
    K = X @ X.T
    ours = SVC(kernel="precomputed").fit(K, y)
    ref = sk_svm.SVC(kernel="precomputed").fit(K, y)
    np.testing.assert_array_equal(ours.support_, ref.support_)
    np.testing.assert_allclose(ours.decision_function(K[:50]), ref.decision_function(K[:50]),
                               atol=1e-4)


def test_svc_string_labels_and_tensor_input():
    X, y = load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    model = SVC().fit(X, names)
    assert model.classes_.tolist() == ["setosa", "versicolor", "virginica"]
    ref = sk_svm.SVC().fit(X, names)
    np.testing.assert_array_equal(model.predict(X), ref.predict(X))
    out = SVC().fit(nm.asarray(X), nm.asarray(y)).decision_function(nm.asarray(X))
    assert isinstance(out, nm.Tensor)
    np.testing.assert_allclose(out.numpy(), sk_svm.SVC().fit(X, y).decision_function(X),
                               atol=1e-3)


def test_svc_platt_probabilities_close_to_libsvm():
    # libsvm's internal 5-fold split is random: probabilities agree up to that randomness.
    X_train, X_test, y_train, _ = _split("iris")
    ours = SVC(probability=True, random_state=0).fit(X_train, y_train)
    ref = sk_svm.SVC(probability=True, random_state=0).fit(X_train, y_train)
    p, q = ours.predict_proba(X_test), ref.predict_proba(X_test)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-12)
    assert np.abs(p - q).max() < 0.1
    assert (p.argmax(axis=1) == q.argmax(axis=1)).mean() >= 0.95
    binary = SVC(probability=True, random_state=0).fit(X_train, y_train == 1)
    assert binary.predict_proba(X_test).shape == (X_test.shape[0], 2)


def test_svr_matches_libsvm():
    X, y = make_regression(300, 5, noise=5.0, random_state=0)
    for kernel in ["rbf", "linear"]:
        ours = SVR(kernel=kernel, C=100.0, epsilon=1.0, tol=1e-6).fit(X, y)
        ref = sk_svm.SVR(kernel=kernel, C=100.0, epsilon=1.0, tol=1e-6).fit(X, y)
        np.testing.assert_array_equal(ours.support_, ref.support_)
        scale = np.abs(ref.predict(X)).max()
        np.testing.assert_allclose(ours.predict(X), ref.predict(X), atol=1e-5 * scale)
        assert abs(ours.score(X, y) - ref.score(X, y)) < 1e-6


def test_linear_svc_matches_liblinear_optimum():
    X_train, _, y_train, _ = _split("breast_cancer")
    ours = LinearSVC(dual=True, tol=1e-8, max_iter=100_000).fit(X_train, y_train)
    ref = sk_svm.LinearSVC(dual=True, tol=1e-8, max_iter=100_000).fit(X_train, y_train)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-6)
    X_train, X_test, y_train, y_test = _split("wine")
    kwargs = {"loss": "hinge", "class_weight": "balanced", "C": 0.5}
    ours = LinearSVC(dual=True, tol=1e-8, max_iter=100_000, **kwargs).fit(X_train, y_train)
    ref = sk_svm.LinearSVC(dual=True, tol=1e-8, max_iter=100_000, **kwargs).fit(X_train,
                                                                              y_train)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-5)
    np.testing.assert_allclose(ours.decision_function(X_test), ref.decision_function(X_test),
                               atol=1e-5)


def test_linear_svc_primal_solver_matches_liblinear():
    # dual="auto" picks the primal Newton solver when samples outnumber features.
    X_train, X_test, y_train, _ = _split("breast_cancer")
    ours = LinearSVC(tol=1e-8).fit(X_train, y_train)
    assert ours.solver_ == "primal_newton"
    ref = sk_svm.LinearSVC(dual=False, tol=1e-8).fit(X_train, y_train)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-5)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-5)
    X_train, X_test, y_train, _ = _split("wine")
    ours = LinearSVC(dual=False, tol=1e-8, class_weight="balanced").fit(X_train, y_train)
    ref = sk_svm.LinearSVC(dual=False, tol=1e-8, class_weight="balanced").fit(X_train,
                                                                             y_train)
    np.testing.assert_allclose(ours.decision_function(X_test), ref.decision_function(X_test),
                               atol=1e-5)


@pytest.mark.parametrize("name", ["iris", "digits"])
def test_linear_svc_accuracy_within_one_point(name):
    X_train, X_test, y_train, y_test = _split(name)
    ours = LinearSVC(random_state=0).fit(X_train, y_train).score(X_test, y_test)
    ref = sk_svm.LinearSVC(random_state=0).fit(X_train, y_train).score(X_test, y_test)
    assert abs(ours - ref) <= 0.01


@pytest.mark.parametrize("loss", ["epsilon_insensitive", "squared_epsilon_insensitive"])
def test_linear_svr_matches_liblinear(loss):
    X, y = make_regression(200, 6, noise=3.0, random_state=1)
    kwargs = {"loss": loss, "epsilon": 0.5, "C": 0.1, "tol": 1e-8, "max_iter": 100_000}
    ours = LinearSVR(**kwargs).fit(X, y)
    ref = sk_svm.LinearSVR(dual=True, **kwargs).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-5)


def test_svm_errors_name_the_argument():
    X, y = load_iris(return_X_y=True)
    with pytest.raises(ValidationError, match="kernel"):
        SVC(kernel="laplace").fit(X, y)
    with pytest.raises(ValidationError, match="gamma"):
        SVC(gamma="big").fit(X, y)
    with pytest.raises(ValidationError, match="C"):
        SVC(C=-1.0).fit(X, y)
    with pytest.raises(ValidationError, match="y"):
        SVC().fit(X, np.zeros(len(y)))
    with pytest.raises(NotFittedError):
        SVC().predict(X)
    with pytest.raises(ShapeError, match="features"):
        SVC().fit(X, y).predict(X[:, :2])
    with pytest.raises(ValidationError, match="probability"):
        SVC().fit(X, y).predict_proba(X)
    with pytest.raises(ValidationError, match="dual"):
        LinearSVC(dual=False, loss="hinge").fit(X, y)
    with pytest.raises(ValidationError, match="dual"):
        LinearSVR(dual=False).fit(X, y)
    with pytest.raises(ValidationError, match="penalty"):
        LinearSVC(penalty="l1").fit(X, y)
    with pytest.raises(ShapeError, match="square"):
        SVC(kernel="precomputed").fit(X, y)


def test_svm_models_save_and_load(tmp_path):
    X, y = load_iris(return_X_y=True)
    for model in [SVC(probability=True, random_state=0), LinearSVC(), SVR(), LinearSVR()]:
        target = y if not isinstance(model, (SVR, LinearSVR)) else X[:, 0]
        model.fit(X[:, 1:], target)
        path = tmp_path / f"{type(model).__name__}.nmr"
        nm.save(model, path)
        loaded = nm.load(path)
        np.testing.assert_array_equal(loaded.predict(X[:, 1:]), model.predict(X[:, 1:]))
    assert nm.build({"model": "svc", "params": {"C": 3.0}}).C == 3.0


# -- review: class weights with sample weights, coef_ of a linear kernel --------------------------
@pytest.mark.parametrize("n_classes", [2, 3])
def test_linear_svc_balanced_class_weight_counts_sample_weights(n_classes):
    # scikit-learn >= 1.6 passes sample_weight to compute_class_weight("balanced") in LinearSVC
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    y = np.array(["c", "a", "b"])[rng.integers(0, n_classes, 60)]
    sw = rng.uniform(0.1, 3.0, 60)
    kw = dict(class_weight="balanced", tol=1e-8, max_iter=100000)
    ours = LinearSVC(**kw).fit(X, y, sample_weight=sw)
    ref = sk_svm.LinearSVC(**kw).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-5)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-5)


@pytest.mark.parametrize("n_classes", [2, 4])
def test_svc_linear_kernel_coef_matches_sklearn(n_classes):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(60, 3))
    y = np.array(["d", "b", "a", "c"])[rng.integers(0, n_classes, 60)]
    ours, ref = SVC(kernel="linear").fit(X, y), sk_svm.SVC(kernel="linear").fit(X, y)
    assert ours.coef_.shape == ref.coef_.shape == (n_classes * (n_classes - 1) // 2, 3)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-8)
    svr, ref_svr = SVR(kernel="linear").fit(X, X[:, 0]), sk_svm.SVR(kernel="linear").fit(X, X[:, 0])
    np.testing.assert_allclose(svr.coef_, ref_svr.coef_, atol=1e-8)
    assert not hasattr(SVC().fit(X, y), "coef_")  # only a linear kernel has one, as sklearn
