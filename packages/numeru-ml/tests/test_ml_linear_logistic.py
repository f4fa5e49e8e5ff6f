"""LogisticRegression against scikit-learn: binary and multinomial, L2 / L1 / elastic net."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import linear_model as sk
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.preprocessing import StandardScaler

import numeru.core as nm
from numeru.core.errors import ConvergenceWarning
from numeru.ml import LogisticRegression

BINARY = load_breast_cancer(return_X_y=True)
BINARY = (StandardScaler().fit_transform(BINARY[0]), BINARY[1])
MULTI = load_iris(return_X_y=True)
MULTI = (StandardScaler().fit_transform(MULTI[0]), MULTI[1])
WEIGHTS = np.random.default_rng(0).uniform(0.5, 2.0, size=569)


@pytest.mark.parametrize("solver", ["lbfgs", "newton-cholesky"])
@pytest.mark.parametrize("data", ["binary", "multi"])
@pytest.mark.parametrize("C", [0.1, 1.0])
def test_l2_solvers_match_sklearn(solver: str, data: str, C: float) -> None:
    X, y = BINARY if data == "binary" else MULTI
    ours = LogisticRegression(C=C, solver=solver, tol=1e-10, max_iter=1000).fit(X, y)
    ref = sk.LogisticRegression(C=C, solver=solver, tol=1e-10, max_iter=1000).fit(X, y)
    assert ours.coef_.shape == ref.coef_.shape
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-8)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))


def test_sample_and_class_weights_and_string_labels() -> None:
    X, y = BINARY
    labels = np.where(y == 1, "benign", "malignant")
    kwargs = {"tol": 1e-10, "max_iter": 1000, "class_weight": {"benign": 2.0}}
    ours = LogisticRegression(**kwargs).fit(X, labels, sample_weight=WEIGHTS)
    ref = sk.LogisticRegression(**kwargs).fit(X, labels, sample_weight=WEIGHTS)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(ours.classes_, ref.classes_)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("data", ["binary", "multi"])
def test_l1_and_elastic_net_reach_sklearns_optimum(l1_ratio: float, data: str) -> None:
    X, y = BINARY if data == "binary" else MULTI
    ours = LogisticRegression(C=0.5, l1_ratio=l1_ratio, solver="saga", tol=1e-9,
                              max_iter=1000).fit(X, y)
    ref = sk.LogisticRegression(C=0.5, l1_ratio=l1_ratio, solver="saga", tol=1e-10,
                                max_iter=100_000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-5)
    np.testing.assert_array_equal(ours.coef_ == 0, ref.coef_ == 0)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_no_penalty_and_tensor_inputs() -> None:
    X, y = MULTI
    ours = LogisticRegression(C=np.inf, tol=1e-8, max_iter=50).fit(nm.asarray(X[:, :2]),
                                                                  nm.asarray(y))
    ref = sk.LogisticRegression(C=np.inf, tol=1e-8, max_iter=50).fit(X[:, :2], y)
    assert isinstance(ours.coef_, nm.Tensor)
    np.testing.assert_allclose(ours.predict_proba(nm.asarray(X[:, :2])).numpy(),
                               ref.predict_proba(X[:, :2]), atol=1e-5)


def test_convergence_warning_and_errors() -> None:
    X, y = BINARY
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        LogisticRegression(max_iter=2).fit(X, y)
    with pytest.raises(ValueError, match="solver"):
        LogisticRegression(l1_ratio=1.0).fit(X, y)
    with pytest.raises(ValueError, match="C"):
        LogisticRegression(C=0).fit(X, y)
    with pytest.raises(ValueError, match="2 classes"):
        LogisticRegression().fit(X, np.zeros(len(y)))


def test_nmr_round_trip(tmp_path) -> None:
    X, y = MULTI
    model = LogisticRegression().fit(X, y)
    nm.save(model, tmp_path / "lr.nmr")
    loaded = nm.load(tmp_path / "lr.nmr")
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


@pytest.mark.parametrize("solver", ["lbfgs", "newton-cholesky", "saga"])
def test_other_backend_tensors(solver: str) -> None:
    if "strict" not in nm.registry("backends").names():
        pytest.skip("the example 'strict' backend (examples/numeru-backend-example) is not "
                    "installed")
    device = nm.device("strict")
    X, y = MULTI
    kwargs = {"solver": solver, "l1_ratio": 1.0 if solver == "saga" else 0.0}
    ours = LogisticRegression(**kwargs).fit(nm.asarray(X).to(device), nm.asarray(y).to(device))
    ref = LogisticRegression(**kwargs).fit(X, y)
    assert ours.coef_.device == device
    np.testing.assert_allclose(ours.coef_.numpy(), ref.coef_, rtol=1e-9, atol=1e-10)
    proba = ours.predict_proba(nm.asarray(X).to(device))
    assert proba.device == device
    np.testing.assert_allclose(proba.numpy(), ref.predict_proba(X), atol=1e-10)


@pytest.mark.parametrize("data", ["binary", "multi"])
def test_predict_log_proba_and_decision_function(data: str) -> None:
    X, y = BINARY if data == "binary" else MULTI
    ours = LogisticRegression(tol=1e-10, max_iter=1000).fit(X, y)
    ref = sk.LogisticRegression(tol=1e-10, max_iter=1000).fit(X, y)
    np.testing.assert_allclose(ours.predict_log_proba(X), ref.predict_log_proba(X),
                               rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(ours.decision_function(X), ref.decision_function(X),
                               rtol=1e-6, atol=1e-7)
    tensor_log = ours.predict_log_proba(nm.asarray(X))
    assert isinstance(tensor_log, nm.Tensor)
    # 1 - sigmoid(z) loses digits where the log form does not: compare absolutely
    np.testing.assert_allclose(np.exp(tensor_log.numpy()), ours.predict_proba(X), rtol=1e-9,
                               atol=1e-15)


@pytest.mark.parametrize("solver", ["lbfgs", "newton-cholesky"])
@pytest.mark.parametrize("data", ["binary", "multi"])
def test_without_intercept(solver: str, data: str) -> None:
    X, y = BINARY if data == "binary" else MULTI
    kwargs = {"fit_intercept": False, "solver": solver, "tol": 1e-10, "max_iter": 1000}
    ours = LogisticRegression(**kwargs).fit(X, y)
    ref = sk.LogisticRegression(**kwargs).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_array_equal(ours.intercept_, 0.0)


@pytest.mark.parametrize("data", ["binary", "multi"])
def test_balanced_class_weight_counts_sample_weights_as_sklearn(data: str) -> None:
    # scikit-learn >= 1.6: "balanced" = sum(w) / (n_classes * weighted class counts)
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 4))
    y = np.array(["c", "a", "b"])[rng.integers(0, 3 if data == "multi" else 2, 60)]
    sw = rng.uniform(0.1, 3.0, 60)
    kw = dict(class_weight="balanced", tol=1e-10, max_iter=1000)
    ours = LogisticRegression(**kw).fit(X, y, sample_weight=sw)
    ref = sk.LogisticRegression(**kw).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-6)
