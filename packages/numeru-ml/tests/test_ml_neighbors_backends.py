"""The generic (array-namespace) paths on a non-NumPy backend: the example 'strict' backend
(array-api-strict arrays) stands in for a GPU. Results must equal scikit-learn's on NumPy."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numeru_backend_example")
sklearn = pytest.importorskip("sklearn")
from sklearn import neighbors as skn  # noqa: E402
from sklearn import preprocessing as skp  # noqa: E402
from sklearn import svm as sk_svm  # noqa: E402

import numeru.core as nm  # noqa: E402
from numeru.ml.neighbors import KNeighborsClassifier, NearestNeighbors  # noqa: E402
from numeru.ml.preprocessing import MinMaxScaler, PolynomialFeatures, StandardScaler  # noqa: E402
from numeru.ml.svm import SVC, SVR  # noqa: E402


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 20))
    return X, (X[:, 0] + X[:, 1] > 0).astype(int), rng.normal(size=(50, 20))


def strict(a):
    return nm.asarray(a, device="strict")


@pytest.mark.parametrize("metric", ["euclidean", "cosine", "manhattan", "chebyshev"])
def test_brute_force_on_another_backend(data, metric):
    X, _, Q = data
    model = NearestNeighbors(n_neighbors=4, metric=metric).fit(strict(X))
    assert model.fit_method_ == "brute"
    dist, ind = model.kneighbors(strict(Q))
    assert isinstance(dist, nm.Tensor) and str(dist.device) == "strict:0"
    ref = skn.NearestNeighbors(n_neighbors=4, metric=metric).fit(X).kneighbors(Q)
    np.testing.assert_array_equal(ind.numpy(), ref[1])
    np.testing.assert_allclose(dist.numpy(), ref[0], rtol=1e-10, atol=1e-10)
    radius = 0.8 if metric == "cosine" else {"euclidean": 4.0, "manhattan": 14.0,
                                             "chebyshev": 1.5}[metric]
    ours = model.radius_neighbors(strict(Q), radius=radius)[1]
    ref = skn.NearestNeighbors(metric=metric).fit(X).radius_neighbors(Q, radius=radius,
                                                                     sort_results=True)[1]
    for a, b in zip(ours, ref, strict=True):
        np.testing.assert_array_equal(a, b)


def test_models_on_another_backend(data):
    X, y, Q = data
    labels = KNeighborsClassifier().fit(strict(X), strict(y)).predict(strict(Q))
    np.testing.assert_array_equal(labels.numpy(), skn.KNeighborsClassifier().fit(X, y).predict(Q))
    dec = SVC().fit(strict(X), strict(y)).decision_function(strict(Q))
    assert str(dec.device) == "strict:0"
    np.testing.assert_allclose(dec.numpy(), sk_svm.SVC().fit(X, y).decision_function(Q),
                               atol=1e-4)
    pred = SVR(kernel="poly").fit(strict(X), strict(X[:, 0])).predict(strict(Q))
    np.testing.assert_allclose(pred.numpy(),
                               sk_svm.SVR(kernel="poly").fit(X, X[:, 0]).predict(Q), atol=1e-4)
    for ours, ref in [(StandardScaler(), skp.StandardScaler()),
                      (MinMaxScaler(), skp.MinMaxScaler()),
                      (PolynomialFeatures(), skp.PolynomialFeatures())]:
        out = ours.fit(strict(X)).transform(strict(Q))
        assert str(out.device) == "strict:0"
        np.testing.assert_allclose(out.numpy(), ref.fit(X).transform(Q), rtol=1e-12,
                                   atol=1e-12)
