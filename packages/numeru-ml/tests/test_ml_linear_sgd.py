"""SGDRegressor / SGDClassifier against scikit-learn (same optimum; a different random
stream, so iterates differ: compared within the tolerance SGD reaches)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import linear_model as sk
from sklearn.datasets import load_iris, make_classification, make_regression
from sklearn.preprocessing import StandardScaler

import numeru.core as nm
from numeru.core.errors import ConvergenceWarning
from numeru.ml import SGDClassifier, SGDRegressor

X_REG, Y_REG = make_regression(2000, 8, noise=1.0, random_state=0)
IRIS = load_iris(return_X_y=True)
IRIS = (StandardScaler().fit_transform(IRIS[0]), IRIS[1])


@pytest.mark.parametrize("kwargs", [
    {},
    {"penalty": "elasticnet", "l1_ratio": 0.5},
    {"penalty": "l1"},
    {"loss": "huber", "epsilon": 1.0, "learning_rate": "adaptive"},
    {"loss": "epsilon_insensitive", "epsilon": 0.01, "learning_rate": "constant",
     "eta0": 0.001},
    {"loss": "squared_epsilon_insensitive", "epsilon": 0.01},
    {"early_stopping": True},
    {"average": True},
])
def test_regressor_reaches_sklearns_solution(kwargs: dict) -> None:
    ours = SGDRegressor(random_state=0, **kwargs).fit(X_REG, Y_REG)
    ref = sk.SGDRegressor(random_state=0, **kwargs).fit(X_REG, Y_REG)
    scale = np.abs(ref.coef_).max()
    assert np.abs(ours.coef_ - ref.coef_).max() < 0.02 * scale
    assert ours.score(X_REG, Y_REG) == pytest.approx(ref.score(X_REG, Y_REG), abs=2e-3)


def test_regressor_matches_the_exact_ridge_solution_with_small_constant_steps() -> None:
    from sklearn.linear_model import Ridge

    n = X_REG.shape[0]
    alpha = 1e-3
    ours = SGDRegressor(alpha=alpha, learning_rate="constant", eta0=1e-4, max_iter=300,
                        tol=None, random_state=0).fit(X_REG, Y_REG)
    # SGD's objective: mean squared error / 2 + alpha / 2 ||w||^2 = Ridge with alpha * n
    ref = Ridge(alpha=alpha * n).fit(X_REG, Y_REG)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=2e-3)


@pytest.mark.parametrize("loss", ["hinge", "log_loss", "modified_huber", "squared_hinge",
                                  "perceptron"])
@pytest.mark.parametrize("penalty", ["l2", "elasticnet"])
def test_classifier_iterates_equal_sklearns_without_shuffling(loss: str, penalty: str) -> None:
    """Without shuffling both visit samples in order: the same algorithm gives the same
    weights (one-vs-all over three classes, default 'optimal' schedule, tol stopping)."""
    X, y = make_classification(600, 6, n_informative=4, n_classes=3, n_clusters_per_class=1,
                               class_sep=2.0, random_state=1)
    X = StandardScaler().fit_transform(X)
    kwargs = {"loss": loss, "penalty": penalty, "shuffle": False, "alpha": 1e-3}
    ours = SGDClassifier(**kwargs).fit(X, y)
    ref = sk.SGDClassifier(**kwargs).fit(X, y)
    assert ours.coef_.shape == ref.coef_.shape == (3, 6)
    assert ours.n_iter_ == ref.n_iter_
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-7, atol=1e-9 * np.abs(
        ref.coef_).max())
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-7, atol=1e-9)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    if loss in ("log_loss", "modified_huber"):
        np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-8)


@pytest.mark.parametrize("kwargs", [
    {"penalty": "l1", "learning_rate": "invscaling"},
    {"loss": "huber", "learning_rate": "adaptive"},
    {"loss": "epsilon_insensitive", "learning_rate": "constant", "eta0": 0.001},
    {"average": 10},
])
def test_regressor_iterates_equal_sklearns_without_shuffling(kwargs: dict) -> None:
    ours = SGDRegressor(shuffle=False, **kwargs).fit(X_REG, Y_REG)
    ref = sk.SGDRegressor(shuffle=False, **kwargs).fit(X_REG, Y_REG)
    assert ours.n_iter_ == ref.n_iter_
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-8)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-8)


def test_binary_log_loss_proba_matches_sigmoid_of_decision() -> None:
    X, y = make_classification(500, 5, random_state=0)
    ours = SGDClassifier(loss="log_loss", alpha=1e-3, random_state=0).fit(X, y)
    ref = sk.SGDClassifier(loss="log_loss", alpha=1e-3, random_state=0).fit(X, y)
    assert ours.coef_.shape == (1, 5)
    d = ours.decision_function(X)
    np.testing.assert_allclose(ours.predict_proba(X)[:, 1], 1 / (1 + np.exp(-d)))
    assert ours.score(X, y) == pytest.approx(ref.score(X, y), abs=0.03)


def test_partial_fit_equals_fit_epochs_with_the_same_seed() -> None:
    X, y = IRIS
    a = SGDClassifier(random_state=4, shuffle=False, tol=None, max_iter=5)
    a.fit(X, y)
    b = SGDClassifier(random_state=4, shuffle=False)
    for _ in range(5):
        b.partial_fit(X, y, classes=np.unique(y))
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-12)
    r = SGDRegressor(random_state=0, shuffle=False, tol=None, max_iter=3).fit(X_REG, Y_REG)
    s = SGDRegressor(random_state=0, shuffle=False)
    for _ in range(3):
        s.partial_fit(X_REG, Y_REG)
    np.testing.assert_allclose(r.coef_, s.coef_, rtol=1e-12)


def test_reproducible_for_a_seed_tensor_io_and_warning() -> None:
    a = SGDRegressor(random_state=7).fit(nm.asarray(X_REG), nm.asarray(Y_REG))
    b = SGDRegressor(random_state=7).fit(X_REG, Y_REG)
    assert isinstance(a.coef_, nm.Tensor)
    np.testing.assert_array_equal(a.coef_.numpy(), b.coef_)
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        SGDRegressor(max_iter=1, random_state=0).fit(X_REG, Y_REG)
    with pytest.raises(ValueError, match="loss"):
        SGDRegressor(loss="hinge").fit(X_REG, Y_REG)
    with pytest.raises(ValueError, match="classes"):
        SGDClassifier().partial_fit(*IRIS)


def test_partial_fit_continues_after_nmr_round_trip(tmp_path) -> None:
    X, y = IRIS
    a = SGDClassifier(random_state=1, shuffle=False)
    a.partial_fit(X, y, classes=np.unique(y))
    nm.save(a, tmp_path / "sgd.nmr")
    b = nm.load(tmp_path / "sgd.nmr")
    a.partial_fit(X, y)
    b.partial_fit(X, y)
    np.testing.assert_allclose(b.coef_, a.coef_, rtol=1e-12)
    np.testing.assert_array_equal(b.predict(X), a.predict(X))


def test_other_backend_tensors_in_and_out() -> None:
    if "strict" not in nm.registry("backends").names():
        pytest.skip("the example 'strict' backend (examples/numeru-backend-example) is not "
                    "installed")
    device = nm.device("strict")
    X, y = IRIS
    Xs, ys = nm.asarray(X).to(device), nm.asarray(y).to(device)
    ours = SGDClassifier(loss="log_loss", random_state=0).fit(Xs, ys)
    ref = SGDClassifier(loss="log_loss", random_state=0).fit(X, y)
    assert ours.coef_.device == device
    np.testing.assert_array_equal(ours.coef_.numpy(), ref.coef_)
    labels, proba = ours.predict(Xs), ours.predict_proba(Xs)
    assert labels.device == proba.device == device
    np.testing.assert_array_equal(labels.numpy(), ref.predict(X))
    np.testing.assert_allclose(proba.numpy(), ref.predict_proba(X), rtol=1e-12)
    reg = SGDRegressor(random_state=0).fit(nm.asarray(X_REG).to(device),
                                           nm.asarray(Y_REG).to(device))
    pred = reg.predict(nm.asarray(X_REG).to(device))
    assert pred.device == device
    np.testing.assert_allclose(pred.numpy(), SGDRegressor(random_state=0).fit(
        X_REG, Y_REG).predict(X_REG), rtol=1e-12)


# -- review: class weights, partial_fit state, .nmr round trips ----------------------------------
def _small_multiclass():
    rng = np.random.default_rng(6)
    X = rng.normal(size=(40, 3))
    y = np.array(["p", "q", "r"])[rng.integers(0, 3, 40)]
    return X, y, rng.uniform(0.2, 2.0, 40)


def test_multiclass_class_weight_weighs_only_the_positive_class_as_sklearn() -> None:
    # scikit-learn's one-vs-all gives class k's samples class_weight[k] and every other
    # sample weight 1 (not its own class's weight).
    X, y, sw = _small_multiclass()
    for class_weight in ("balanced", {"p": 3.0, "r": 0.5}):
        kw = dict(shuffle=False, max_iter=5, tol=None, class_weight=class_weight)
        ours = SGDClassifier(**kw).fit(X, y, sample_weight=sw)
        ref = sk.SGDClassifier(**kw).fit(X, y, sample_weight=sw)
        np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-10, atol=1e-10)


def test_partial_fit_rejects_balanced_class_weight() -> None:
    X, y, _ = _small_multiclass()
    with pytest.raises(ValueError, match="class_weight.*balanced"):
        SGDClassifier(class_weight="balanced").partial_fit(X, y, classes=["p", "q", "r"])


def test_partial_fit_l1_penalty_restarts_per_call_as_sklearn() -> None:
    # scikit-learn's cumulative L1 penalty (u, q) starts from zero on every partial_fit call.
    X, y, sw = _small_multiclass()
    ours, ref = SGDClassifier(shuffle=False, penalty="l1"), sk.SGDClassifier(shuffle=False,
                                                                               penalty="l1")
    for _ in range(3):
        for part in (slice(0, 15), slice(15, 40)):
            ours.partial_fit(X[part], y[part], classes=["p", "q", "r"], sample_weight=sw[part])
            ref.partial_fit(X[part], y[part], classes=["p", "q", "r"], sample_weight=sw[part])
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-10, atol=1e-10)
    assert ours.n_iter_ == ref.n_iter_ == 1
    assert ours.t_ == ref.t_


def test_partial_fit_after_fit_continues_as_sklearn() -> None:
    X, y, _ = _small_multiclass()
    for ours, ref, target in ((SGDClassifier(shuffle=False), sk.SGDClassifier(shuffle=False), y),
                              (SGDRegressor(shuffle=False), sk.SGDRegressor(shuffle=False),
                               X @ [1.0, -1.0, 2.0])):
        ours.fit(X, target).partial_fit(X, target)
        ref.fit(X, target).partial_fit(X, target)
        np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-10, atol=1e-12)
        assert ours.t_ == ref.t_


@pytest.mark.parametrize("params", [{"average": True, "shuffle": False},
                                    {"average": 5, "random_state": 3},
                                    {"penalty": "elasticnet", "random_state": 1}])
def test_nmr_round_trip_continues_partial_fit_exactly(tmp_path, params) -> None:
    # the saved coef_ of an averaging model is the average; the loaded model must continue
    # from the plain weights and the same shuffling stream, as the original does.
    X, y, sw = _small_multiclass()
    a = SGDClassifier(**params)
    a.partial_fit(X, y, classes=["p", "q", "r"], sample_weight=sw)
    nm.save(a, tmp_path / "sgd.nmr")
    b = nm.load(tmp_path / "sgd.nmr")
    for model in (a, b):
        model.partial_fit(X[:25], y[:25])
        model.partial_fit(X, y, sample_weight=sw)
    np.testing.assert_array_equal(b.coef_, a.coef_)
    np.testing.assert_array_equal(b.intercept_, a.intercept_)
    np.testing.assert_array_equal(b.decision_function(X), a.decision_function(X))


def test_sgd_log_loss_one_vs_all_stays_on_sklearn_iterates() -> None:
    # log_loss on a class that no hyperplane separates: the iterates amplify rounding, so
    # the gradient must round as scikit-learn's (it differed by 12 after 20 epochs)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 4))
    rng.normal(size=50)
    y = np.digitize(X[:, 0] + 0.5 * rng.normal(size=50), [-0.5, 0.5])
    sw = rng.uniform(0.2, 2, 50)
    kw = dict(loss="log_loss", shuffle=False, max_iter=20, tol=None)
    mine = SGDClassifier(**kw).fit(X, y, sample_weight=sw)
    ref = sk.SGDClassifier(**kw).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(mine.coef_, ref.coef_, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(mine.intercept_, ref.intercept_, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(mine.predict_log_proba(X), ref.predict_log_proba(X),
                               rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("loss", ["huber", "epsilon_insensitive", "squared_error",
                                  "squared_epsilon_insensitive"])
def test_sgd_classifier_takes_regression_losses(loss: str) -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 3))
    y = np.digitize(X[:, 0] + 0.5 * rng.normal(size=40), [-0.3, 0.3])
    kw = dict(loss=loss, shuffle=False, max_iter=10, tol=None, learning_rate="constant",
              eta0=0.01)
    mine, ref = SGDClassifier(**kw).fit(X, y), sk.SGDClassifier(**kw).fit(X, y)
    np.testing.assert_allclose(mine.coef_, ref.coef_, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(mine.predict(X), ref.predict(X))
