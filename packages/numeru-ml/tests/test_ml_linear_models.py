"""LinearRegression, Ridge, Lasso, ElasticNet and the paths against scikit-learn."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn import linear_model as sk
from sklearn.datasets import load_diabetes, make_regression

import numeru.core as nm
from numeru.core.errors import ConvergenceWarning, NotFittedError
from numeru.ml import ElasticNet, Lasso, LinearRegression, Ridge, enet_path, lasso_path

DIABETES = load_diabetes(return_X_y=True)
X_REG, Y_REG = make_regression(300, 12, n_informative=8, noise=5.0, random_state=0)
Y_MULTI = np.c_[Y_REG, 0.5 * Y_REG + np.random.default_rng(1).normal(size=300)]
WEIGHTS = np.random.default_rng(2).uniform(0.2, 2.0, size=300)


def rel(a, b) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-300))


@pytest.mark.parametrize("data", ["diabetes", "make_regression", "multi", "weighted"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_linear_regression_matches_sklearn(data: str, fit_intercept: bool) -> None:
    X, y = DIABETES if data == "diabetes" else (X_REG, Y_MULTI if data == "multi" else Y_REG)
    sw = WEIGHTS if data == "weighted" else None
    ours = LinearRegression(fit_intercept=fit_intercept).fit(X, y, sample_weight=sw)
    ref = sk.LinearRegression(fit_intercept=fit_intercept).fit(X, y, sample_weight=sw)
    assert rel(ours.coef_, ref.coef_) < 1e-8
    assert np.allclose(ours.intercept_, ref.intercept_, rtol=1e-8, atol=1e-8)
    assert rel(ours.predict(X), ref.predict(X)) < 1e-8
    assert ours.score(X, y) == pytest.approx(ref.score(X, y), rel=1e-10)


def test_linear_regression_rank_deficient_is_minimum_norm() -> None:
    X = np.c_[X_REG[:, :4], X_REG[:, :4]]  # duplicated columns
    ours = LinearRegression().fit(X, Y_REG)
    ref = sk.LinearRegression().fit(X, Y_REG)
    assert rel(ours.coef_, ref.coef_) < 1e-8


def test_linear_regression_positive() -> None:
    X, y = DIABETES
    ours = LinearRegression(positive=True).fit(X, y)
    ref = sk.LinearRegression(positive=True).fit(X, y)
    assert rel(ours.coef_, ref.coef_) < 1e-8
    assert np.all(ours.coef_ >= 0)


@pytest.mark.parametrize("solver", ["auto", "cholesky", "svd"])
@pytest.mark.parametrize("data", ["diabetes", "multi", "weighted", "wide"])
def test_ridge_analytic_solvers_match_sklearn(solver: str, data: str) -> None:
    X, y = DIABETES if data == "diabetes" else (X_REG, Y_MULTI if data == "multi" else Y_REG)
    if data == "wide":
        X, y = X_REG[:8], Y_REG[:8]
    sw = WEIGHTS if data == "weighted" else None
    alpha = [0.3, 3.0] if data == "multi" else 0.7
    ours = Ridge(alpha=alpha, solver=solver).fit(X, y, sample_weight=sw)
    ref = sk.Ridge(alpha=alpha, solver="svd" if solver == "auto" else solver).fit(
        X, y, sample_weight=sw)
    assert rel(ours.coef_, ref.coef_) < 1e-8
    assert np.allclose(ours.intercept_, ref.intercept_, rtol=1e-8, atol=1e-8)


def test_ridge_sag_reaches_the_solution() -> None:
    X, y = X_REG, Y_MULTI
    ours = Ridge(alpha=[1.0, 5.0], solver="sag", tol=1e-10, max_iter=5000,
                 random_state=0).fit(X, y)
    ref = sk.Ridge(alpha=[1.0, 5.0], solver="svd").fit(X, y)
    assert rel(ours.coef_, ref.coef_) < 1e-6
    assert ours.n_iter_ > 0


@pytest.mark.parametrize("precompute", [True, False])
@pytest.mark.parametrize("data", ["diabetes", "make_regression"])
def test_lasso_matches_sklearn(precompute: bool, data: str) -> None:
    X, y = DIABETES if data == "diabetes" else (X_REG, Y_REG)
    ours = Lasso(alpha=0.05, tol=1e-10, max_iter=100_000, precompute=precompute).fit(X, y)
    ref = sk.Lasso(alpha=0.05, tol=1e-10, max_iter=100_000).fit(X, y)
    assert rel(ours.coef_, ref.coef_) < 1e-7
    assert ours.intercept_ == pytest.approx(ref.intercept_, rel=1e-7)
    assert ours.n_iter_ == ref.n_iter_  # the same algorithm, step for step
    np.testing.assert_array_equal(ours.coef_ == 0, ref.coef_ == 0)


@pytest.mark.parametrize("positive", [False, True])
def test_elastic_net_weighted_multitarget(positive: bool) -> None:
    ours = ElasticNet(alpha=0.5, l1_ratio=0.3, tol=1e-10, max_iter=100_000,
                      positive=positive).fit(X_REG, Y_MULTI, sample_weight=WEIGHTS)
    ref = sk.ElasticNet(alpha=0.5, l1_ratio=0.3, tol=1e-10, max_iter=100_000,
                        positive=positive).fit(X_REG, Y_MULTI, sample_weight=WEIGHTS)
    assert ours.coef_.shape == ref.coef_.shape == (2, 12)
    assert rel(ours.coef_, ref.coef_) < 1e-7
    assert rel(ours.intercept_, ref.intercept_) < 1e-7


def test_elastic_net_default_tolerance_and_random_selection() -> None:
    X, y = DIABETES
    ref = sk.ElasticNet(alpha=0.001, l1_ratio=0.7, tol=1e-10, max_iter=100_000).fit(X, y)
    ours = ElasticNet(alpha=0.001, l1_ratio=0.7, selection="random", random_state=3,
                      tol=1e-10, max_iter=100_000).fit(X, y)
    assert rel(ours.coef_, ref.coef_) < 1e-6


def test_warm_start_continues_and_warns_on_too_few_iterations() -> None:
    X, y = DIABETES
    model = Lasso(alpha=0.001, max_iter=3, tol=1e-12, warm_start=True)
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        model.fit(X, y)
    model.set_params(max_iter=100_000)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model.fit(X, y)
    ref = sk.Lasso(alpha=0.001, max_iter=100_000, tol=1e-12).fit(X, y)
    assert rel(model.coef_, ref.coef_) < 1e-7


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_paths_match_sklearn(l1_ratio: float) -> None:
    X, y = DIABETES
    alphas, coefs, gaps = enet_path(X, y, l1_ratio=l1_ratio, n_alphas=15, tol=1e-10)
    ref_alphas, ref_coefs, _ = sk.enet_path(X, y, l1_ratio=l1_ratio, alphas=15, tol=1e-10)
    np.testing.assert_allclose(alphas, ref_alphas, rtol=1e-12)
    assert coefs.shape == ref_coefs.shape == (10, 15)
    assert np.abs(coefs - ref_coefs).max() < 1e-6 * np.abs(ref_coefs).max()
    if l1_ratio == 1.0:
        la_alphas, la_coefs, _ = lasso_path(X, y, alphas=alphas, tol=1e-10)
        np.testing.assert_allclose(la_coefs, coefs, rtol=1e-12, atol=1e-12)


def test_tensor_in_tensor_out_and_nmr_round_trip(tmp_path) -> None:
    X, y = DIABETES
    model = Ridge(alpha=0.5).fit(nm.asarray(X), nm.asarray(y))
    assert isinstance(model.coef_, nm.Tensor)
    pred = model.predict(nm.asarray(X))
    assert isinstance(pred, nm.Tensor)
    ref = sk.Ridge(alpha=0.5).fit(X, y)
    assert rel(pred.numpy(), ref.predict(X)) < 1e-8
    for estimator in (Lasso(alpha=0.1).fit(X, y), LinearRegression().fit(X, y)):
        path = tmp_path / "model.nmr"
        nm.save(estimator, path)
        loaded = nm.load(path)
        np.testing.assert_array_equal(loaded.predict(X), estimator.predict(X))


def test_errors_name_the_argument() -> None:
    X, y = DIABETES
    with pytest.raises(ValueError, match="alpha"):
        Ridge(alpha=-1.0).fit(X, y)
    with pytest.raises(ValueError, match="alpha"):
        Ridge(alpha=[1.0, 2.0, 3.0]).fit(X, np.c_[y, y])
    with pytest.raises(ValueError, match="solver"):
        Ridge(solver="qr").fit(X, y)
    with pytest.raises(ValueError, match="l1_ratio"):
        ElasticNet(l1_ratio=1.5).fit(X, y)
    with pytest.raises(ValueError, match="selection"):
        Lasso(selection="greedy").fit(X, y)
    with pytest.raises(NotFittedError):
        Lasso().predict(X)
    with pytest.raises(ValueError, match="features"):
        LinearRegression().fit(X, y).predict(X[:, :3])


@pytest.mark.parametrize("positive", [True, False])
def test_ridge_lbfgs_and_positive_match_sklearn(positive: bool) -> None:
    X, y = DIABETES
    Y = np.c_[y, -y + 300]
    ours = Ridge(alpha=[0.01, 0.1], positive=positive, solver="lbfgs", tol=1e-12).fit(X, Y)
    # scikit-learn only allows lbfgs with positive=True; the unconstrained reference is exact
    ref = sk.Ridge(alpha=[0.01, 0.1], positive=positive, solver="lbfgs" if positive else "svd",
                   tol=1e-12).fit(X, Y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-4, atol=1e-4 * np.abs(
        ref.coef_).max())
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-5)
    if positive:
        assert np.all(ours.coef_ >= 0)
        with pytest.raises(ValueError, match="solver"):
            Ridge(positive=True, solver="svd").fit(X, y)


@pytest.mark.parametrize("make", [
    lambda: LinearRegression(), lambda: LinearRegression(positive=True),
    lambda: Ridge(alpha=0.5), lambda: Ridge(alpha=0.5, solver="svd"),
    lambda: Ridge(positive=True), lambda: Lasso(alpha=0.1), lambda: ElasticNet(alpha=0.01),
])
def test_other_backend_tensors_in_and_out(make) -> None:
    """Tensors on another backend (the array-api-strict example backend) give the same
    model, with fitted attributes and predictions on that device."""
    if "strict" not in nm.registry("backends").names():
        pytest.skip("the example 'strict' backend (examples/numeru-backend-example) is not "
                    "installed")
    device = nm.device("strict")
    X, y = DIABETES
    ours = make().fit(nm.asarray(X).to(device), nm.asarray(y).to(device))
    ref = make().fit(X, y)
    assert ours.coef_.device == device
    np.testing.assert_allclose(ours.coef_.numpy(), ref.coef_, rtol=1e-9, atol=1e-9)
    pred = ours.predict(nm.asarray(X).to(device))
    assert pred.device == device
    np.testing.assert_allclose(pred.numpy(), ref.predict(X), rtol=1e-9)


@pytest.mark.parametrize("shape", [(8, 20), (30, 10)])
def test_wide_and_short_designs_match_sklearn(shape: tuple[int, int]) -> None:
    rng = np.random.default_rng(5)
    X, y = rng.normal(size=shape), rng.normal(size=shape[0])
    np.testing.assert_allclose(LinearRegression().fit(X, y).coef_,
                               sk.LinearRegression().fit(X, y).coef_, atol=1e-10)
    np.testing.assert_allclose(Lasso(alpha=0.01, tol=1e-12, max_iter=100_000).fit(X, y).coef_,
                               sk.Lasso(alpha=0.01, tol=1e-12, max_iter=100_000).fit(X, y).coef_,
                               atol=1e-9)


def test_lasso_with_a_large_offset_column_keeps_its_accuracy() -> None:
    """A column whose mean dwarfs its spread makes X'X - n m m' lose digits: the fit must
    centre a copy instead and still match scikit-learn."""
    X, y = DIABETES
    shifted = X.copy()
    shifted[:, 0] += 1e7
    ours = Lasso(alpha=0.05, tol=1e-10, max_iter=100_000).fit(shifted, y)
    ref = sk.Lasso(alpha=0.05, tol=1e-10, max_iter=100_000).fit(shifted, y)
    assert rel(ours.coef_, ref.coef_) < 1e-7
    assert ours.intercept_ == pytest.approx(ref.intercept_, rel=1e-9)


def test_models_without_an_intercept_report_zero_as_scikit_learn(tmp_path):
    """intercept_ is the float 0.0 with fit_intercept=False (several targets and liblinear's
    models too), predictions unchanged, and the model round-trips .nmr."""
    import warnings

    from sklearn import svm as sksvm

    from numeru.ml.svm import LinearSVC, LinearSVR

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    Y = X @ rng.normal(size=(3, 2))
    labels = rng.integers(0, 3, 40)
    cases = [(LinearRegression, sk.LinearRegression, Y), (Ridge, sk.Ridge, Y),
             (Lasso, sk.Lasso, Y), (LinearSVC, sksvm.LinearSVC, labels),
             (LinearSVR, sksvm.LinearSVR, Y[:, 0])]
    for ours, theirs, y in cases:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # liblinear's max_iter on random labels
            mine, ref = ours(fit_intercept=False).fit(X, y), theirs(fit_intercept=False).fit(X, y)
        assert mine.intercept_ == ref.intercept_ == 0.0
        assert type(mine.intercept_) is float, ours.__name__
        nm.save(mine, tmp_path / "m.nmr")
        np.testing.assert_array_equal(nm.load(tmp_path / "m.nmr").predict(X), mine.predict(X))


def test_elastic_net_ridge_limit_converges_as_sklearn() -> None:
    # l1_ratio=0 (pure L2): the duality gap needs scikit-learn's ridge formulation; with the
    # L1 formula the gap equals the primal value and the solver ran to max_iter with a warning
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 5))
    y = X @ rng.normal(size=5) + 0.3 * rng.normal(size=40) + 2.0
    Y = np.c_[y, X @ rng.normal(size=5)]
    for precompute in (False, True):
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            mine = ElasticNet(alpha=0.1, l1_ratio=0.0, precompute=precompute).fit(X, y)
        ref = sk.ElasticNet(alpha=0.1, l1_ratio=0.0, precompute=precompute).fit(X, y)
        assert mine.n_iter_ == ref.n_iter_ < 100
        np.testing.assert_allclose(mine.coef_, ref.coef_, rtol=1e-6)
        np.testing.assert_allclose(mine.dual_gap_, ref.dual_gap_, atol=1e-9)
    # several targets: one iteration count per target, as scikit-learn
    mine, ref = Lasso(alpha=0.1).fit(X, Y), sk.Lasso(alpha=0.1).fit(X, Y)
    assert mine.n_iter_ == ref.n_iter_
    assert isinstance(mine.n_iter_, list) and len(mine.n_iter_) == 2
