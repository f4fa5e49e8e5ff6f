"""numeru.core.estimator: the scikit-learn contract, checked against scikit-learn itself."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.base
import sklearn.metrics
import sklearn.utils.multiclass

import numeru.core as nm
from numeru.core.errors import (
    DeviceError,
    DTypeError,
    NotFittedError,
    ShapeError,
    ValidationError,
)
from numeru.core.estimator import (
    BaseEstimator,
    ClassifierMixin,
    RegressorMixin,
    TransformerMixin,
    check_is_fitted,
    check_sample_weight,
    clone,
    get_namespace,
    is_classifier,
    is_regressor,
    to_output,
    validate_data,
)


class LeastSquares(RegressorMixin, BaseEstimator):
    """A tiny real model: ordinary least squares written against ``xp``."""

    def __init__(self, fit_intercept=True, alpha=0.0, solver="lstsq"):
        self.fit_intercept = fit_intercept
        self.alpha = alpha
        self.solver = solver

    def fit(self, X, y, sample_weight=None):
        data, target = validate_data(self, X, y, dtype="float", y_numeric=True)
        xp = get_namespace(data)
        weights = check_sample_weight(sample_weight, data.shape[0], like=data)
        design = xp.concat([data, xp.ones((data.shape[0], 1))], axis=1) \
            if self.fit_intercept else data
        root = xp.sqrt(weights)[:, None]
        solution = np.linalg.lstsq(design * root, target * root[:, 0], rcond=None)[0]
        self.coef_ = to_output(self, solution[: data.shape[1]], like=X)
        self.intercept_ = float(solution[-1]) if self.fit_intercept else 0.0
        return self

    def predict(self, X):
        data, _ = validate_data(self, X, reset=False, dtype="float")
        coef = self.coef_.data if isinstance(self.coef_, nm.Tensor) else self.coef_
        return to_output(self, data @ coef + self.intercept_, like=X)


class SkLeastSquares(sklearn.base.RegressorMixin, sklearn.base.BaseEstimator):
    """The same constructor on scikit-learn's base, the reference for params/clone/repr."""

    def __init__(self, fit_intercept=True, alpha=0.0, solver="lstsq"):
        self.fit_intercept = fit_intercept
        self.alpha = alpha
        self.solver = solver


class Threshold(ClassifierMixin, BaseEstimator):
    def __init__(self, cut=0.0):
        self.cut = cut

    def fit(self, X, y):
        data, labels = validate_data(self, X, y)
        self.classes_ = np.unique(labels)
        return self

    def predict(self, X):
        data, _ = validate_data(self, X, reset=False)
        return to_output(self, self.classes_[(data[:, 0] > self.cut).astype(int)], like=X)


class Centerer(TransformerMixin, BaseEstimator):
    def fit(self, X, y=None):
        data, _ = validate_data(self, X, dtype="float")
        self.mean_ = data.mean(axis=0)
        return self

    def transform(self, X):
        data, _ = validate_data(self, X, reset=False, dtype="float")
        return to_output(self, data - self.mean_, like=X)


class Wrapper(BaseEstimator):
    def __init__(self, inner=None, scale=1):
        self.inner = inner
        self.scale = scale


class SkWrapper(sklearn.base.BaseEstimator):
    def __init__(self, inner=None, scale=1):
        self.inner = inner
        self.scale = scale


@pytest.fixture
def regression():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.3 + 0.1 * rng.standard_normal(40)
    return X, y


# -- parameters, clone, repr ---------------------------------------------------------------------
def test_get_params_matches_scikit_learn():
    ours = Wrapper(inner=LeastSquares(alpha=2.0), scale=3)
    theirs = SkWrapper(inner=SkLeastSquares(alpha=2.0), scale=3)
    mine = ours.get_params(deep=True)
    reference = theirs.get_params(deep=True)
    assert sorted(mine) == sorted(reference)
    for key in mine:
        if key != "inner":
            assert mine[key] == reference[key]
    assert ours.get_params(deep=False).keys() == theirs.get_params(deep=False).keys()


def test_set_params_nested_matches_scikit_learn():
    ours = Wrapper(inner=LeastSquares()).set_params(scale=5, inner__alpha=0.7)
    theirs = SkWrapper(inner=SkLeastSquares()).set_params(scale=5, inner__alpha=0.7)
    assert ours.scale == theirs.scale == 5
    assert ours.inner.alpha == theirs.inner.alpha == 0.7


def test_set_params_rejects_unknown_names():
    with pytest.raises(ValidationError, match="beta") as info:
        LeastSquares().set_params(beta=1)
    assert "alpha" in str(info.value)  # lists the valid parameters
    with pytest.raises(ValueError):  # scikit-learn raises ValueError too
        SkLeastSquares().set_params(beta=1)


def test_repr_matches_scikit_learn_changed_only():
    for kwargs in [{}, {"alpha": 2.5}, {"fit_intercept": False, "solver": "qr"}]:
        assert "Sk" + repr(LeastSquares(**kwargs)) == repr(SkLeastSquares(**kwargs))


def test_clone_is_unfitted_deep_copy_of_params(regression):
    X, y = regression
    model = Wrapper(inner=LeastSquares(alpha=1.5).fit(X, y), scale=[1, 2])
    copy = clone(model)
    assert copy is not model and copy.inner is not model.inner
    assert copy.inner.alpha == 1.5 and not hasattr(copy.inner, "coef_")
    assert copy.scale == [1, 2] and copy.scale is not model.scale
    reference = sklearn.base.clone(SkWrapper(inner=SkLeastSquares(alpha=1.5), scale=[1, 2]))
    assert copy.get_params(deep=False).keys() == reference.get_params(deep=False).keys()


def test_estimator_type_helpers():
    assert is_regressor(LeastSquares()) and not is_classifier(LeastSquares())
    assert is_classifier(Threshold())


# -- scores ----------------------------------------------------------------------------------------
def test_regressor_score_is_r2_of_scikit_learn(regression):
    X, y = regression
    model = LeastSquares().fit(X[:30], y[:30])
    weights = np.linspace(0.5, 2.0, 10)
    predicted = model.predict(X[30:])
    assert model.score(X[30:], y[30:]) == pytest.approx(
        sklearn.metrics.r2_score(y[30:], predicted), rel=1e-12)
    assert model.score(X[30:], y[30:], sample_weight=weights) == pytest.approx(
        sklearn.metrics.r2_score(y[30:], predicted, sample_weight=weights), rel=1e-12)


def test_r2_constant_target_follows_scikit_learn():
    from numeru.core.estimator import r2_score

    truth = np.full(5, 3.0)
    assert r2_score(truth, truth) == sklearn.metrics.r2_score(truth, truth)
    assert r2_score(truth, truth + 1) == sklearn.metrics.r2_score(truth, truth + 1)
    two = np.column_stack([np.arange(5.0), np.full(5, 1.0)])
    guess = two + np.array([0.5, 0.0])
    assert r2_score(two, guess) == pytest.approx(sklearn.metrics.r2_score(two, guess))


def test_classifier_score_is_accuracy_of_scikit_learn():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((50, 2))
    y = np.where(X[:, 0] + 0.3 * rng.standard_normal(50) > 0, "pos", "neg")
    model = Threshold().fit(X, y)
    weights = rng.uniform(0.1, 1.0, 50)
    assert model.score(X, y) == pytest.approx(sklearn.metrics.accuracy_score(y, model.predict(X)))
    assert model.score(X, y, sample_weight=weights) == pytest.approx(
        sklearn.metrics.accuracy_score(y, model.predict(X), sample_weight=weights))


def test_fit_transform_equals_fit_then_transform(regression):
    X, _ = regression
    np.testing.assert_allclose(Centerer().fit_transform(X), X - X.mean(axis=0))


# -- inputs and outputs ----------------------------------------------------------------------------
def test_lists_numpy_and_tensors_give_the_same_model(regression):
    X, y = regression
    reference = np.linalg.lstsq(np.column_stack([X, np.ones(40)]), y, rcond=None)[0]
    for data, target in [(X, y), (X.tolist(), y.tolist()), (nm.asarray(X), nm.asarray(y))]:
        model = LeastSquares().fit(data, target)
        coef = model.coef_.numpy() if isinstance(model.coef_, nm.Tensor) else model.coef_
        np.testing.assert_allclose(coef, reference[:3], rtol=1e-10)
        assert model.n_features_in_ == 3 and model.fit_device_ == "cpu"


def test_outputs_follow_inputs(regression):
    X, y = regression
    model = LeastSquares().fit(X, y)
    assert type(model.predict(X)) is np.ndarray and type(model.coef_) is np.ndarray
    tensor_model = LeastSquares().fit(nm.asarray(X), nm.asarray(y))
    predicted = tensor_model.predict(nm.asarray(X))
    assert isinstance(predicted, nm.Tensor) and isinstance(tensor_model.coef_, nm.Tensor)
    np.testing.assert_allclose(predicted.numpy(), model.predict(X), rtol=1e-10)
    assert isinstance(model.predict(X.tolist()), np.ndarray)


def test_not_fitted_error_before_fit(regression):
    X, _ = regression
    with pytest.raises(NotFittedError, match="LeastSquares"):
        LeastSquares().predict(X)
    with pytest.raises(AttributeError):  # NotFittedError is also an AttributeError
        check_is_fitted(LeastSquares())
    with pytest.raises(NotFittedError):
        check_is_fitted(LeastSquares().fit(X, X[:, 0]), "missing_attribute_")


@pytest.mark.parametrize(("X", "error", "words"), [
    (np.array([[1.0, np.nan]]), ValidationError, "NaN"),
    (np.array([[1.0, np.inf]]), ValidationError, "infinity"),
    (np.zeros((0, 3)), ValidationError, "at least 1 sample"),
    (np.zeros((3, 0)), ValidationError, "at least 1 feature"),
    (np.zeros(3), ShapeError, "2-D"),
    (np.zeros((2, 2, 2)), ShapeError, "2-D"),
    (np.array([[1 + 2j, 0]]), DTypeError, "complex"),
    (np.array([[object(), 1]]), DTypeError, "numeric"),
    (np.array([["a", "b"]]), DTypeError, "numeric"),
    ([[1.0, 2.0], [3.0]], ShapeError, "rectangular"),
    ("text", DTypeError, "array-like"),
    (None, ValidationError, "array-like"),
])
def test_invalid_X_is_rejected_naming_the_argument(X, error, words):
    with pytest.raises(error, match=words) as info:
        LeastSquares().fit(X, np.zeros(len(X) if hasattr(X, "__len__") else 1))
    assert str(info.value).startswith("X:")


def test_allow_nan_accepts_nan_but_not_infinity():
    model = BaseEstimator()
    data, _ = validate_data(model, np.array([[1.0, np.nan]]), allow_nan=True)
    assert np.isnan(data[0, 1])
    with pytest.raises(ValidationError, match="infinity"):
        validate_data(model, np.array([[1.0, np.inf]]), allow_nan=True)


@pytest.mark.parametrize(("y", "error", "words"), [
    (np.zeros(5), ShapeError, "6 samples"),
    (np.zeros((6, 2)), ShapeError, "1-D"),
    (np.array([np.nan] * 6), ValidationError, "NaN"),
    (np.array([1j] * 6), DTypeError, "complex"),
    (np.array(["a"] * 6), DTypeError, "numeric"),
])
def test_invalid_y_is_rejected_naming_the_argument(y, error, words):
    with pytest.raises(error, match=words) as info:
        LeastSquares().fit(np.ones((6, 2)), y)
    assert str(info.value).startswith("y:")


def test_a_classifier_refuses_continuous_labels_as_scikit_learn():
    X = np.ones((4, 2))
    continuous = np.array([0.0, 0.5, 1.0, 1.0])
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        sklearn.utils.multiclass.check_classification_targets(continuous)
    with pytest.raises(ValidationError, match="y: expected class labels.*got continuous values "
                                              "such as 0.5"):
        validate_data(Threshold(), X, continuous)
    _, whole = validate_data(Threshold(), X, np.array([0.0, 2.0, 1.0, 1.0]))  # whole floats
    np.testing.assert_array_equal(whole, [0.0, 2.0, 1.0, 1.0])
    _, regression = validate_data(LeastSquares(), X, continuous, y_numeric=True)  # regressors
    np.testing.assert_array_equal(regression, continuous)


def test_y_column_vector_and_labels_are_accepted():
    X = np.ones((4, 2))
    _, y = validate_data(BaseEstimator(), X, np.arange(4.0)[:, None])
    assert y.shape == (4,)
    _, labels = validate_data(BaseEstimator(), X, np.array(["a", "b", "a", "c"], dtype=object))
    assert labels.dtype.kind == "U"
    _, multi = validate_data(BaseEstimator(), X, np.zeros((4, 3)), multi_output=True)
    assert multi.shape == (4, 3)
    _, ints = validate_data(BaseEstimator(), X, [1, 2, 3, 4], y_numeric=True)
    assert ints.dtype == np.float64


def test_dtype_float_keeps_float32_and_converts_the_rest():
    est = BaseEstimator()
    assert validate_data(est, np.ones((2, 2), np.float32), dtype="float")[0].dtype == np.float32
    assert validate_data(est, np.ones((2, 2), np.int32), dtype="float")[0].dtype == np.float64
    assert validate_data(est, np.ones((2, 2), np.int32))[0].dtype == np.int32
    big_endian = np.ones((2, 2), ">f8")
    assert validate_data(est, big_endian)[0].dtype.byteorder in "=<|"


def test_feature_count_is_checked_at_predict(regression):
    X, y = regression
    model = LeastSquares().fit(X, y)
    with pytest.raises(ShapeError, match="3 features"):
        model.predict(X[:, :2])


def test_predicting_on_another_device_is_an_error(regression):
    X, y = regression
    model = LeastSquares().fit(X, y)
    model.fit_device_ = "strict:0"  # as if fitted on another backend's device
    with pytest.raises(DeviceError, match="strict:0"):
        model.predict(X)


def test_y_on_another_device_than_X_is_an_error(regression):
    X, y = regression
    if "strict" not in nm.registry("backends"):
        pytest.skip("the example backend plugin is not installed")
    with pytest.raises(DeviceError, match="y"):
        validate_data(BaseEstimator(), X, nm.asarray(y, device="strict"))


def test_sample_weight_checks_follow_scikit_learn():
    from sklearn.utils.validation import _check_sample_weight

    X = np.ones((4, 2))
    np.testing.assert_array_equal(check_sample_weight(None, 4), _check_sample_weight(None, X))
    np.testing.assert_array_equal(check_sample_weight(2.0, 4), _check_sample_weight(2.0, X))
    np.testing.assert_array_equal(check_sample_weight([1, 2, 3, 4], 4),
                                  _check_sample_weight([1, 2, 3, 4], X))
    assert check_sample_weight(None, 3, like=np.ones(3, np.float32)).dtype == np.float32
    for bad, words in [([1, 2], "4 weights"), ([1, -1, 1, 1], "non-negative"),
                       ([0, 0, 0, 0], "positive"), ([1, np.nan, 1, 1], "NaN"),
                       (np.ones((4, 1)), "1-D")]:
        with pytest.raises(ValueError, match=words) as info:
            check_sample_weight(bad, 4)
        assert str(info.value).startswith("sample_weight:")


def test_sparse_input_is_rejected_unless_accepted():
    scipy_sparse = pytest.importorskip("scipy.sparse")
    matrix = scipy_sparse.csr_matrix(np.eye(3))
    with pytest.raises(ValidationError, match="sparse"):
        validate_data(BaseEstimator(), matrix)
    data, _ = validate_data(BaseEstimator(), matrix, accept_sparse=True)
    assert data is matrix


def test_get_namespace_and_to_output():
    assert get_namespace(np.ones(2)) is np
    assert get_namespace(nm.ones(2)) is np  # the CPU backend's namespace
    assert get_namespace([1, 2]) is np
    t = nm.ones(2)
    out = to_output(None, np.zeros(2), like=t)
    assert isinstance(out, nm.Tensor) and out.device == t.device
    pair = to_output(None, (np.zeros(1), 3.0), like=np.ones(1))
    assert isinstance(pair[0], np.ndarray) and pair[1] == 3.0


def test_validation_on_another_backend_keeps_its_arrays():
    if "strict" not in nm.registry("backends"):
        pytest.skip("the example backend plugin is not installed")
    X = np.arange(30, dtype=np.int64).reshape(10, 3)
    model = BaseEstimator()
    data, target = validate_data(model, nm.asarray(X, device="strict"),
                                 nm.asarray(np.arange(10.0), device="strict"), dtype="float",
                                 y_numeric=True)
    xp = get_namespace(nm.asarray(X, device="strict"))
    assert xp.__name__ == "array_api_strict" and type(data).__module__.startswith(xp.__name__)
    np.testing.assert_array_equal(np.asarray(data), X.astype(np.float64))  # float64 as NumPy
    assert model.fit_device_ == "strict:0"
    weights = check_sample_weight(None, 10, like=data)
    np.testing.assert_array_equal(np.asarray(weights), np.ones(10))
    with pytest.raises(ValidationError, match="NaN"):
        validate_data(model, nm.asarray(np.full((2, 3), np.nan), device="strict"))
    out = to_output(model, data, like=nm.asarray(X, device="strict"))
    assert isinstance(out, nm.Tensor) and str(out.device) == "strict:0"


def test_scikit_learn_tools_accept_numeru_estimators(regression):
    from sklearn.linear_model import LinearRegression
    from sklearn.model_selection import GridSearchCV, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = regression
    np.testing.assert_allclose(cross_val_score(LeastSquares(), X, y, cv=4),
                               cross_val_score(LinearRegression(), X, y, cv=4), rtol=1e-10)
    search = GridSearchCV(LeastSquares(), {"fit_intercept": [False, True]}, cv=4).fit(X, y)
    reference = GridSearchCV(LinearRegression(), {"fit_intercept": [False, True]}, cv=4).fit(X, y)
    assert search.best_params_ == reference.best_params_
    assert search.best_score_ == pytest.approx(reference.best_score_, rel=1e-10)
    ours = make_pipeline(StandardScaler(), LeastSquares()).fit(X, y)
    theirs = make_pipeline(StandardScaler(), LinearRegression()).fit(X, y)
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-10)
    labels = (X[:, 0] > 0).astype(int)
    assert cross_val_score(Threshold(), X, labels, cv=4).mean() == pytest.approx(
        np.mean([sklearn.metrics.accuracy_score(labels[test], (X[test, 0] > 0).astype(int))
                 for test in np.array_split(np.arange(40), 4)]))


@pytest.mark.cuda
def test_validation_on_cuda_keeps_data_there():
    X = np.arange(30, dtype=np.float64).reshape(10, 3)
    model = BaseEstimator()
    data, target = validate_data(model, nm.asarray(X, device="cuda"),
                                 nm.asarray(np.arange(10.0), device="cuda"), y_numeric=True)
    assert type(data).__module__.startswith("cupy") and model.fit_device_ == "cuda:0"
    np.testing.assert_array_equal(data.get(), X)
    weights = check_sample_weight(None, 10, like=data)
    assert type(weights) is type(data)
    with pytest.raises(DeviceError, match="cuda:0"):
        validate_data(model, X, reset=False)
    out = to_output(model, data, like=nm.asarray(X, device="cuda"))
    assert isinstance(out, nm.Tensor) and str(out.device) == "cuda:0"
    assert isinstance(to_output(model, data, like=X), np.ndarray)
