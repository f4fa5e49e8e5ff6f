"""numeru.ml.preprocessing against sklearn.preprocessing / sklearn.impute."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")
import sklearn.impute as ski  # noqa: E402
import sklearn.preprocessing as skp  # noqa: E402

import numeru.core as nm  # noqa: E402
import numeru.ml.preprocessing as P  # noqa: E402
from numeru.core.errors import ShapeError, ValidationError  # noqa: E402

TOL = {"rtol": 1e-12, "atol": 1e-12}


@pytest.fixture(scope="module")
def X():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5)) * [1, 10, 100, 0, 1] + [0, 5, -3, 7, 1]
    X[:, 3] = 7.0  # a constant feature
    return X


@pytest.fixture(scope="module")
def X_nan(X):
    A = X.copy()
    A[np.random.default_rng(1).random(A.shape) < 0.1] = np.nan
    return A


SCALERS = [("StandardScaler", {}), ("StandardScaler", {"with_mean": False}),
           ("StandardScaler", {"with_std": False}), ("MinMaxScaler", {"feature_range": (-1, 2)}),
           ("MinMaxScaler", {"clip": True}), ("RobustScaler", {}),
           ("RobustScaler", {"quantile_range": (10.0, 90.0), "unit_variance": True}),
           ("RobustScaler", {"with_centering": False})]


@pytest.mark.parametrize("name,kwargs", SCALERS)
@pytest.mark.parametrize("missing", [False, True])
def test_scalers_equal_sklearn(X, X_nan, name, kwargs, missing):
    data = X_nan if missing else X
    ours = getattr(P, name)(**kwargs).fit(data)
    ref = getattr(skp, name)(**kwargs).fit(data)
    probe = data[:50] * 1.5
    np.testing.assert_allclose(ours.transform(probe), ref.transform(probe), **TOL)
    np.testing.assert_allclose(ours.inverse_transform(ours.transform(data)),
                               ref.inverse_transform(ref.transform(data)), rtol=1e-12,
                               atol=1e-10)


def test_standard_scaler_weights_and_partial_fit(X, X_nan):
    w = np.random.default_rng(2).random(X.shape[0])
    ours = P.StandardScaler().fit(X, sample_weight=w)
    ref = skp.StandardScaler().fit(X, sample_weight=w)
    np.testing.assert_allclose(ours.mean_, ref.mean_, **TOL)
    np.testing.assert_allclose(ours.var_, ref.var_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.transform(X), ref.transform(X), rtol=1e-10, atol=1e-10)
    ours, ref = P.StandardScaler(), skp.StandardScaler()
    for chunk in np.array_split(X_nan, 3):
        ours.partial_fit(chunk)
        ref.partial_fit(chunk)
    np.testing.assert_allclose(ours.transform(X_nan), ref.transform(X_nan), **TOL)
    np.testing.assert_array_equal(ours.n_samples_seen_, ref.n_samples_seen_)
    ours, ref = P.MinMaxScaler(), skp.MinMaxScaler()
    for chunk in np.array_split(X, 3):
        ours.partial_fit(chunk)
        ref.partial_fit(chunk)
    np.testing.assert_allclose(ours.transform(X), ref.transform(X), **TOL)


def test_scalers_keep_tensors(X):
    out = P.StandardScaler().fit(nm.asarray(X)).transform(nm.asarray(X))
    assert isinstance(out, nm.Tensor)
    np.testing.assert_allclose(out.numpy(), skp.StandardScaler().fit_transform(X), **TOL)
    with pytest.raises(ValidationError, match="feature_range"):
        P.MinMaxScaler(feature_range=(1, 0)).fit(X)
    with pytest.raises(ShapeError, match="features"):
        P.StandardScaler().fit(X).transform(X[:, :2])


CATS = np.array([["a", "x", 1], ["b", "y", 2], ["a", "z", 1], ["c", "x", 3]], dtype=object)


@pytest.mark.parametrize("kwargs", [{}, {"drop": "first"}, {"drop": "if_binary"},
                                    {"drop": ["b", "y", 3]}, {"handle_unknown": "ignore"},
                                    {"sparse_output": False}])
def test_one_hot_encoder_equal(kwargs):
    ours = P.OneHotEncoder(**kwargs).fit(CATS)
    ref = skp.OneHotEncoder(**kwargs).fit(CATS)
    a, b = ours.transform(CATS), ref.transform(CATS)
    a = a.toarray() if hasattr(a, "toarray") else a
    b = b.toarray() if hasattr(b, "toarray") else b
    np.testing.assert_array_equal(a, b)
    assert list(ours.get_feature_names_out()) == list(ref.get_feature_names_out())
    np.testing.assert_array_equal(ours.inverse_transform(ours.transform(CATS)),
                                  ref.inverse_transform(ref.transform(CATS)))
    for x, y in zip(ours.categories_, ref.categories_, strict=True):
        np.testing.assert_array_equal(x, y)


def test_one_hot_unknown_and_integers():
    unknown = np.array([["d", "x", 1]], dtype=object)
    ours = P.OneHotEncoder(handle_unknown="ignore", sparse_output=False).fit(CATS)
    ref = skp.OneHotEncoder(handle_unknown="ignore", sparse_output=False).fit(CATS)
    np.testing.assert_array_equal(ours.transform(unknown), ref.transform(unknown))
    with pytest.raises(ValidationError, match="categories"):
        P.OneHotEncoder().fit(CATS).transform(unknown)
    ints = np.random.default_rng(0).integers(0, 4, (50, 3))
    np.testing.assert_array_equal(P.OneHotEncoder(sparse_output=False).fit_transform(ints),
                                  skp.OneHotEncoder(sparse_output=False).fit_transform(ints))


def test_one_hot_categories_in_the_given_order():
    # String categories given by the user need not be sorted; columns follow their order.
    X = np.array([["a", "x"], ["b", "y"], ["c", "x"], ["b", "x"]], dtype=object)
    cats = [["c", "a", "b"], ["y", "x"]]
    for kwargs in [{}, {"drop": "first"}, {"handle_unknown": "ignore"}]:
        ours = P.OneHotEncoder(categories=cats, sparse_output=False, **kwargs).fit(X)
        ref = skp.OneHotEncoder(categories=cats, sparse_output=False, **kwargs).fit(X)
        np.testing.assert_array_equal(ours.transform(X), ref.transform(X))
        np.testing.assert_array_equal(ours.inverse_transform(ours.transform(X)), X)
        assert list(ours.get_feature_names_out()) == list(ref.get_feature_names_out())
    unknown = np.array([["d", "y"]], dtype=object)
    ours = P.OneHotEncoder(categories=cats, handle_unknown="ignore").fit(X)
    np.testing.assert_array_equal(ours.transform(unknown).toarray(), [[0, 0, 0, 1, 0]])


def _same_values(a, b):
    """Element by element, NaN equal to NaN and None to None, types of numbers ignored."""
    a, b = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
    assert a.shape == b.shape
    for x, y in zip(a.ravel().tolist(), b.ravel().tolist(), strict=True):
        if isinstance(x, float) and x != x:
            assert isinstance(y, float) and y != y, (a, b)
        else:
            assert x == y and (x is None) == (y is None), (a, b)


_NAN = np.nan
_F = np.array([[2.0, _NAN], [_NAN, 3.0], [1.0, 3.0], [_NAN, _NAN]])
_O = np.array([["b", 2], [_NAN, _NAN], ["a", 1], [None, 2]], dtype=object)
_OS = np.array([["b"], [_NAN], ["a"]], dtype=object)


@pytest.mark.parametrize("X, X_new, kwargs", [
    (_F, None, {}),
    (_F.astype(np.float32), None, {}),
    (_O, None, {}),  # strings with None and NaN; numbers with NaN in an object column
    (_OS, None, {}),
    (_F, None, {"drop": "first"}),
    (_F, None, {"drop": "if_binary"}),
    (_F, None, {"drop": [_NAN, 3.0]}),
    (_OS, None, {"drop": [_NAN]}),
    (_F[[0, 2]][:, :1], _F[:, :1], {"handle_unknown": "ignore"}),  # NaN unseen in fit
    (_OS[[0, 2]], _OS, {"handle_unknown": "ignore"}),
    (_OS, np.array([[None]], dtype=object), {"handle_unknown": "ignore"}),
    (_F[:, :1], None, {"categories": [[1.0, 2.0, _NAN]]}),
    (_F[:, :1], None, {"categories": [[1.0, 2.0]], "handle_unknown": "ignore"}),
    (_OS, None, {"categories": [["b", "a", _NAN]]}),
    (_OS, None, {"categories": [["a", "b"]], "handle_unknown": "ignore"}),
    (np.array([["b"], [None], ["a"]], dtype=object), None, {"categories": [["a", None, "b"]]}),
])
def test_one_hot_missing_values_are_categories_as_scikit_learn(X, X_new, kwargs):
    """NaN (float and object columns) and None (object columns) are categories of their own,
    sorted after the others (None before NaN), in transform, inverse_transform, drop and the
    feature names, as scikit-learn."""
    X_new = X if X_new is None else X_new
    ours = P.OneHotEncoder(sparse_output=False, **kwargs).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # sklearn: unknown categories with drop
        ref = skp.OneHotEncoder(sparse_output=False, **kwargs).fit(X)
        expected = ref.transform(X_new)
    assert len(ours.categories_) == len(ref.categories_)
    for mine, theirs in zip(ours.categories_, ref.categories_, strict=True):
        assert mine.dtype == theirs.dtype
        _same_values(mine, theirs)
    got = ours.transform(X_new)
    np.testing.assert_array_equal(got, expected)
    inverse, ref_inverse = ours.inverse_transform(got), ref.inverse_transform(expected)
    assert inverse.dtype == ref_inverse.dtype
    _same_values(inverse, ref_inverse)
    assert list(ours.get_feature_names_out()) == list(ref.get_feature_names_out())
    sparse = P.OneHotEncoder(**kwargs).fit(X).transform(X_new)
    np.testing.assert_array_equal(sparse.toarray(), expected)


def test_one_hot_missing_value_errors_and_save(tmp_path):
    with pytest.raises(ValidationError, match="X: expected categories seen in fit.*got nan"):
        P.OneHotEncoder().fit(_F[[0, 2]][:, :1]).transform(_F[:, :1])
    with pytest.raises(ValidationError, match="X: expected categories among"):
        P.OneHotEncoder(categories=[[1.0, 2.0]]).fit(_F[:, :1])
    for cats in ([[_NAN, 1.0, 2.0]], [[_NAN, "a", "b"]]):  # sklearn: NaN must come last
        X = _F[:, :1] if isinstance(cats[0][1], float) else _OS
        with pytest.raises(ValidationError, match="categories: expected NaN only as the last"):
            P.OneHotEncoder(categories=cats).fit(X)
        with pytest.raises(ValueError, match="Nan should be the last"):
            skp.OneHotEncoder(categories=cats).fit(X)
    for X in (_F, _O, np.array([["b"], ["a"]], dtype=object)):  # object strings stay object
        encoder = P.OneHotEncoder(sparse_output=False).fit(X)
        nm.save(encoder, tmp_path / "ohe.nmr")
        loaded = nm.load(tmp_path / "ohe.nmr")
        for mine, back in zip(encoder.categories_, loaded.categories_, strict=True):
            assert mine.dtype == back.dtype
            _same_values(mine, back)
        np.testing.assert_array_equal(loaded.transform(X), encoder.transform(X))


def test_one_hot_refuses_infinity_in_float_input_as_scikit_learn():
    fitted = [[1.0], [2.0]]
    for make in (lambda enc: enc.fit([[np.inf], [1.0]]),
                 lambda enc: enc.fit(fitted).transform([[-np.inf]])):
        with pytest.raises(ValueError, match="Input contains infinity"):
            make(skp.OneHotEncoder())
        with pytest.raises(ValidationError, match="X: expected finite values or NaN.*infinity"):
            make(P.OneHotEncoder())
    objects = np.array([[1.0], [np.inf]], dtype=object)  # object columns keep it, as sklearn
    mine = P.OneHotEncoder(sparse_output=False).fit(objects)
    theirs = skp.OneHotEncoder(sparse_output=False).fit(objects)
    _same_values(mine.categories_[0], theirs.categories_[0])
    np.testing.assert_array_equal(mine.transform(objects), theirs.transform(objects))


@pytest.mark.parametrize("name", ["StandardScaler", "MinMaxScaler", "RobustScaler"])
def test_scalers_keep_float32(X, name):
    data = X.astype(np.float32)
    ours = getattr(P, name)().fit(data)
    ref = getattr(skp, name)().fit(data)
    out = ours.transform(data)
    assert out.dtype == ref.transform(data).dtype == np.float32
    np.testing.assert_allclose(out, ref.transform(data), rtol=1e-5, atol=1e-5)
    back = ours.inverse_transform(out)
    assert back.dtype == np.float32
    np.testing.assert_allclose(back, data, rtol=1e-5, atol=1e-3)
    tensor = ours.transform(nm.asarray(data))
    assert tensor.numpy().dtype == np.float32
    np.testing.assert_array_equal(tensor.numpy(), out)


def test_label_encoder_equal():
    y = np.array(["b", "a", "c", "a"])
    ours, ref = P.LabelEncoder(), skp.LabelEncoder()
    np.testing.assert_array_equal(ours.fit_transform(y), ref.fit_transform(y))
    np.testing.assert_array_equal(ours.classes_, ref.classes_)
    np.testing.assert_array_equal(ours.transform(["c", "a"]), ref.transform(["c", "a"]))
    np.testing.assert_array_equal(ours.inverse_transform([2, 0]), ref.inverse_transform([2, 0]))
    with pytest.raises(ValidationError, match="y"):
        ours.transform(["z"])


@pytest.mark.parametrize("kwargs", [{}, {"degree": 3}, {"interaction_only": True},
                                    {"include_bias": False}, {"degree": (2, 3)},
                                    {"degree": 0}])
def test_polynomial_features_equal(X, kwargs):
    data = X[:, :3] / 10.0
    ours = P.PolynomialFeatures(**kwargs).fit(data)
    ref = skp.PolynomialFeatures(**kwargs).fit(data)
    np.testing.assert_array_equal(ours.powers_, ref.powers_)
    np.testing.assert_allclose(ours.transform(data), ref.transform(data), **TOL)
    assert list(ours.get_feature_names_out(["a", "b", "c"])) == \
        list(ref.get_feature_names_out(["a", "b", "c"]))


IMPUTE = [{}, {"strategy": "median"}, {"strategy": "most_frequent"},
          {"strategy": "constant", "fill_value": -1.0}, {"add_indicator": True},
          {"keep_empty_features": True}, {"missing_values": 7.0}]


@pytest.mark.parametrize("kwargs", IMPUTE)
def test_simple_imputer_equal(X_nan, kwargs):
    data = np.round(X_nan, 0)
    data[:, 4] = np.nan  # an all-missing column
    if kwargs.get("missing_values") == 7.0:
        data = np.nan_to_num(data, nan=7.0)  # NaN is not allowed when it is not the marker
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = P.SimpleImputer(**kwargs).fit(data)
        ref = ski.SimpleImputer(**kwargs).fit(data)
        np.testing.assert_allclose(ours.transform(data), ref.transform(data), **TOL)


def test_simple_imputer_strings():
    S = np.array([["a", "x"], ["b", np.nan], [np.nan, "x"], ["a", "y"]], dtype=object)
    for strategy in ["most_frequent", "constant"]:
        ours = P.SimpleImputer(strategy=strategy).fit(S)
        ref = ski.SimpleImputer(strategy=strategy).fit(S)
        assert ours.transform(S).tolist() == ref.transform(S).tolist()
    with pytest.raises(ValidationError, match="strategy"):
        P.SimpleImputer(strategy="mean").fit(S)


def test_preprocessing_save_and_load(tmp_path, X):
    for model in [P.StandardScaler(), P.MinMaxScaler(), P.RobustScaler(),
                  P.PolynomialFeatures(), P.SimpleImputer()]:
        model.fit(X)
        nm.save(model, tmp_path / "p.nmr")
        np.testing.assert_allclose(nm.load(tmp_path / "p.nmr").transform(X), model.transform(X))
    nm.save(P.LabelEncoder().fit(["b", "a"]), tmp_path / "le.nmr")
    assert nm.load(tmp_path / "le.nmr").transform(["a", "b"]).tolist() == [0, 1]


def test_encoders_and_string_imputer_save_and_load(tmp_path):
    encoder = P.OneHotEncoder(sparse_output=False).fit(CATS)
    nm.save(encoder, tmp_path / "ohe.nmr")
    loaded = nm.load(tmp_path / "ohe.nmr")
    np.testing.assert_array_equal(loaded.transform(CATS),
                                  skp.OneHotEncoder(sparse_output=False).fit_transform(CATS))
    np.testing.assert_array_equal(loaded.inverse_transform(loaded.transform(CATS)), CATS)
    S = np.array([["a", "x"], ["b", np.nan], [np.nan, "x"], ["a", "y"]], dtype=object)
    imputer = P.SimpleImputer(strategy="most_frequent").fit(S)
    nm.save(imputer, tmp_path / "imp.nmr")
    assert nm.load(tmp_path / "imp.nmr").transform(S).tolist() == \
        ski.SimpleImputer(strategy="most_frequent").fit_transform(S).tolist()


def test_simple_imputer_keeps_integer_data_integer_as_sklearn():
    A = np.array([[1, 2, -1], [1, -1, -1], [3, 2, -1], [-1, 4, -1]])
    for strategy in ("most_frequent", "constant", "mean", "median"):
        for keep in (False, True):
            kw = dict(strategy=strategy, missing_values=-1, keep_empty_features=keep,
                      add_indicator=True)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # the empty column
                ours = P.SimpleImputer(**kw).fit(A).transform(A)
                ref = ski.SimpleImputer(**kw).fit(A).transform(A)
            assert ours.dtype == ref.dtype, (strategy, keep)
            np.testing.assert_array_equal(ours, ref)
    with pytest.warns(UserWarning, match="without any observed values"):
        P.SimpleImputer(missing_values=-1).fit(A).transform(A)
    with pytest.raises(ValidationError, match="fill_value"):
        P.SimpleImputer(strategy="constant", missing_values=-1, fill_value=-1.5).fit(A)


def test_polynomial_features_without_columns_and_robust_unit_variance_refused(X):
    with pytest.raises(ValidationError, match="degree"):
        P.PolynomialFeatures(0, include_bias=False).fit(X)
    with pytest.raises(ValidationError, match="degree"):
        P.PolynomialFeatures((0, 0), include_bias=False).fit(X)
    with pytest.raises(ValueError):
        skp.PolynomialFeatures(0, include_bias=False).fit(X)
    # scikit-learn returns scale_ = 0 here (norm.ppf(1) is infinite) and transforms to inf
    with pytest.raises(ValidationError, match="quantile_range"):
        P.RobustScaler(quantile_range=(0, 100), unit_variance=True).fit(X)
    ours = P.RobustScaler(quantile_range=(10, 90), unit_variance=True).fit(X)
    ref = skp.RobustScaler(quantile_range=(10, 90), unit_variance=True).fit(X)
    np.testing.assert_allclose(ours.transform(X), ref.transform(X), rtol=1e-12)
    with pytest.raises(ValidationError, match="with_mean"):
        P.StandardScaler(with_mean="yes").fit(X)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("missing", [False, True])
def test_max_abs_scaler_equal_sklearn(X, X_nan, dtype, missing):
    data = (X_nan if missing else X).astype(dtype)
    data[:, 4] = 0.0  # an all-zero column: scale_ 1
    ours, ref = P.MaxAbsScaler().fit(data), skp.MaxAbsScaler().fit(data)
    np.testing.assert_allclose(ours.max_abs_, ref.max_abs_, rtol=0, atol=0)
    np.testing.assert_allclose(ours.scale_, ref.scale_, rtol=0, atol=0)
    assert ours.scale_[4] == 1.0 and ours.n_samples_seen_ == ref.n_samples_seen_ == len(data)
    probe = data[:50] * dtype(1.5)
    out = ours.transform(probe)
    assert out.dtype == ref.transform(probe).dtype == dtype
    np.testing.assert_array_equal(out, ref.transform(probe))  # NaN kept where it was
    back = ours.inverse_transform(ours.transform(data))
    assert back.dtype == dtype
    np.testing.assert_array_equal(back, ref.inverse_transform(ref.transform(data)))
    np.testing.assert_allclose(back, data, rtol=1e-6 if dtype == np.float32 else 1e-14)
    tensor = ours.transform(nm.asarray(probe))
    assert isinstance(tensor, nm.Tensor) and tensor.numpy().dtype == dtype
    np.testing.assert_array_equal(tensor.numpy(), out)
    partial, ref_partial = P.MaxAbsScaler(), skp.MaxAbsScaler()
    for chunk in np.array_split(data, 3):
        partial.partial_fit(chunk)
        ref_partial.partial_fit(chunk)
    np.testing.assert_array_equal(partial.scale_, ours.scale_)
    np.testing.assert_array_equal(partial.transform(data), ours.transform(data))
    assert partial.n_samples_seen_ == ref_partial.n_samples_seen_ == len(data)
    # fit starts again (does not combine with the earlier partial_fit)
    np.testing.assert_array_equal(partial.fit(data[:10]).max_abs_,
                                  skp.MaxAbsScaler().fit(data[:10]).max_abs_)
    with pytest.raises(ShapeError, match=r"X: expected 5 features \(as in fit\), got 2"):
        ours.transform(data[:, :2])
    with pytest.raises(ShapeError, match=r"X: expected 5 features \(as in fit\), got 3"):
        partial.partial_fit(data[:, :3])


@pytest.mark.parametrize("norm", ["l2", "l1", "max"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_normalizer_equal_sklearn(X, norm, dtype):
    data = X.astype(dtype)
    data[3] = 0.0  # a row of zeros stays zero
    ours, ref = P.Normalizer(norm=norm).fit(data), skp.Normalizer(norm=norm).fit(data)
    out, expect = ours.transform(data), ref.transform(data)
    assert out.dtype == expect.dtype == dtype
    tol = {"rtol": 1e-6, "atol": 1e-7} if dtype == np.float32 else TOL
    np.testing.assert_allclose(out, expect, **tol)
    np.testing.assert_array_equal(out[3], 0.0)
    np.testing.assert_array_equal(ours.fit_transform(data), out)
    tensor = ours.transform(nm.asarray(data))
    assert isinstance(tensor, nm.Tensor) and tensor.numpy().dtype == dtype
    np.testing.assert_array_equal(tensor.numpy(), out)
    with pytest.raises(ShapeError, match=r"X: expected 5 features \(as in fit\), got 2"):
        ours.transform(data[:, :2])


def test_normalizer_refuses_bad_norm_and_nan(X, X_nan):
    for bad in ["l3", None, 2]:
        with pytest.raises(ValidationError, match=r"norm: expected one of 'l1', 'l2', 'max', "
                                                  r"got"):
            P.Normalizer(norm=bad).fit(X)
    with pytest.raises(ValueError):
        skp.Normalizer(norm="l3").fit(X)
    fitted = P.Normalizer().fit(X)
    fitted.norm = "l3"
    with pytest.raises(ValidationError, match="norm"):
        fitted.transform(X)
    with pytest.raises(ValueError):
        skp.Normalizer().fit(X_nan)
    with pytest.raises(ValidationError, match="NaN"):
        P.Normalizer().fit(X_nan)
    with pytest.raises(ValidationError, match="NaN"):
        P.Normalizer().fit(X).transform(X_nan)


def test_max_abs_scaler_and_normalizer_save_and_load(tmp_path, X, X_nan):
    for model in [P.MaxAbsScaler().fit(X_nan), P.Normalizer(norm="l1").fit(X),
                  P.Normalizer(norm="max").fit(X)]:
        nm.save(model, tmp_path / "m.nmr")
        loaded = nm.load(tmp_path / "m.nmr")
        assert type(loaded) is type(model)
        data = X_nan if isinstance(model, P.MaxAbsScaler) else X
        np.testing.assert_array_equal(loaded.transform(data), model.transform(data))
    assert nm.registry("models").get("max_abs_scaler") is not None
    assert nm.registry("models").get("normalizer") is not None
