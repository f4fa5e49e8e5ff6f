"""ONNX export of every model, run in onnxruntime on data with NaNs (and categories).

Routing is exact (the trees read double inputs and thresholds); the TreeEnsemble ops output
float32, so values are compared with rtol/atol 1e-6 and labels must be identical.
"""

from __future__ import annotations

import numpy as np
import pytest

import numeru.core as nm
from numeru.core.errors import ValidationError
from numeru.trees import (
    DecisionTreeClassifier,
    DecisionTreeRegressor,
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
    plugin,
)
from numeru.trees._onnx import _category_chain

pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

TOL = {"rtol": 1e-6, "atol": 1e-6}


def _data(seed=0, n=400):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    X[rng.random(X.shape) < 0.15] = np.nan
    y = np.nan_to_num(X[:, 0]) * 2 + np.isnan(X[:, 1]) * 3 + rng.normal(size=n) * 0.1
    y_class = ((np.nan_to_num(X[:, 0]) + np.isnan(X[:, 2]) > 0.3).astype(int)
               + (np.nan_to_num(X[:, 3]) > 1))
    return X, y, y_class


def _categorical_data(seed=1, n=1500):
    """Feature 0: 12 categories, feature 2: 5 categories, feature 1 numeric; 10% NaN."""
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.integers(0, 12, n), rng.normal(size=n),
                         rng.integers(0, 5, n)]).astype(float)
    X[rng.random(X.shape) < 0.1] = np.nan
    effect = np.array([3, -1, 2, 0, 5, -2, 1, 4, -3, 0, 2, 1.0])
    y = (np.where(np.isnan(X[:, 0]), 2.5, effect[np.nan_to_num(X[:, 0]).astype(int)])
         + np.nan_to_num(X[:, 1]) - np.isnan(X[:, 2]) + rng.normal(size=n) * 0.1)
    # test rows: training rows plus values numeru also accepts for a category column:
    # fractions, negatives, unseen and out-of-range categories, and -0.0
    other = np.column_stack([rng.uniform(-3, 15, 300), rng.normal(size=300),
                             rng.uniform(-2, 7, 300)])
    other[:6, 0] = [1e30, -1e30, 11.999, 12.0, -0.0, -0.5]
    return X, y, np.concatenate([X[:300], other])


def _run(model, tmp_path, X_test, **kwargs):
    path = nm.onnx.export(model, tmp_path / "model.onnx", **kwargs)
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    return session, session.run(None, {"X": X_test})


def _check_regressor(model, tmp_path, X_test, dtype=np.float64):
    X_test = X_test.astype(dtype)
    session, (prediction,) = _run(model, tmp_path, X_test, sample_input=X_test[:3])
    assert [o.name for o in session.get_outputs()] == ["variable"]
    assert prediction.shape == (X_test.shape[0],)
    np.testing.assert_allclose(prediction, model.predict(X_test), **TOL)


def _check_classifier(model, tmp_path, X_test, dtype=np.float64):
    X_test = X_test.astype(dtype)
    session, (label, proba) = _run(model, tmp_path, X_test, sample_input=X_test[:3])
    assert [o.name for o in session.get_outputs()] == ["label", "probabilities"]
    np.testing.assert_allclose(proba, model.predict_proba(X_test), **TOL)
    np.testing.assert_array_equal(label, model.predict(X_test))


EXACT_REGRESSORS = [DecisionTreeRegressor(random_state=0),
                    DecisionTreeRegressor(criterion="absolute_error", max_depth=4),
                    RandomForestRegressor(n_estimators=15, random_state=0),
                    ExtraTreesRegressor(n_estimators=15, random_state=0)]
EXACT_CLASSIFIERS = [DecisionTreeClassifier(random_state=0),
                     RandomForestClassifier(n_estimators=15, random_state=0),
                     ExtraTreesClassifier(n_estimators=15, max_depth=6, random_state=0)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("model", EXACT_REGRESSORS, ids=lambda m: type(m).__name__)
def test_exact_regressors_match_with_nans(model, dtype, tmp_path):
    X, y, _ = _data()
    model.fit(X, y)
    X_test, _, _ = _data(seed=5, n=300)
    _check_regressor(model, tmp_path, np.concatenate([X, X_test]), dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("model", EXACT_CLASSIFIERS, ids=lambda m: type(m).__name__)
def test_exact_classifiers_match_with_nans(model, dtype, tmp_path):
    X, _, y_class = _data()
    model.fit(X, np.array(["low", "mid", "high"])[y_class])
    X_test, _, _ = _data(seed=5, n=300)
    _check_classifier(model, tmp_path, np.concatenate([X, X_test]), dtype)


def test_exact_tree_routes_values_next_to_thresholds_as_numeru(tmp_path):
    # numeru reads float32 features: a double just above a threshold can round down onto
    # it. The graph rounds the same way, so every neighbour of every threshold agrees.
    X, y, _ = _data(seed=3)
    model = DecisionTreeRegressor(max_depth=8, random_state=0).fit(X, y)
    tree = model.tree_
    rows = []
    for node in np.flatnonzero(tree.children_left >= 0):
        t = tree.threshold[node]
        if not np.isfinite(t):  # +inf: a split of NaN from the rest
            continue
        for value in (t, np.nextafter(t, np.inf), np.nextafter(t, -np.inf),
                      float(np.float32(t)), float(np.nextafter(np.float32(t), np.float32(1e9))),
                      np.nan):
            row = np.zeros(X.shape[1])
            row[tree.feature[node]] = value
            rows.append(row)
    X_edge = np.array(rows)
    _check_regressor(model, tmp_path, X_edge)
    assert model.tree_.missing_go_to_left.any()  # NaNs learned both directions
    assert not model.tree_.missing_go_to_left[tree.children_left >= 0].all()


def test_integer_and_bool_labels_and_single_class(tmp_path):
    X, _, y_class = _data()
    _check_classifier(RandomForestClassifier(n_estimators=5, random_state=0).fit(
        X, y_class + 10), tmp_path, X)
    _check_classifier(DecisionTreeClassifier(random_state=0).fit(X, y_class > 0), tmp_path, X)
    _check_classifier(DecisionTreeClassifier().fit(X, np.zeros(len(X), int)), tmp_path, X)


@pytest.mark.parametrize("objective", ["squared_error", "poisson", "absolute_error", "huber"])
def test_boosting_regressor_with_categories_and_nans(objective, tmp_path):
    X, y, X_test = _categorical_data()
    if objective == "poisson":
        y = np.exp(y / 4)
    model = GradientBoostingRegressor(n_estimators=20, objective=objective,
                                      categorical_features=[0, 2], max_cat_to_onehot=1,
                                      random_state=0).fit(X, y)
    flat = model._ensemble.flat()
    assert (flat["is_cat"] & flat["default_left"]).any()  # NaN learned left at a set split
    assert (flat["is_cat"] & ~flat["default_left"] & (flat["left"] >= 0)).any()
    for dtype in (np.float64, np.float32):
        _check_regressor(model, tmp_path, X_test, dtype)


def test_boosting_one_hot_categories_and_lossguide(tmp_path):
    X, y, X_test = _categorical_data(seed=2)
    model = GradientBoostingRegressor(n_estimators=15, categorical_features=[0, 2],
                                      grow_policy="lossguide", max_leaves=12, max_depth=0,
                                      random_state=0).fit(X, y)
    _check_regressor(model, tmp_path, X_test)


def test_boosting_binary_classifier_string_labels(tmp_path):
    X, y, X_test = _categorical_data(seed=4)
    labels = np.array(["no", "yes"])[(y > 1.5).astype(int)]
    model = GradientBoostingClassifier(n_estimators=20, categorical_features=[0, 2],
                                       random_state=0).fit(X, labels)
    assert model.n_groups_ == 1
    _check_classifier(model, tmp_path, X_test)
    _check_classifier(model, tmp_path, X_test, np.float32)


def test_boosting_multiclass_classifier(tmp_path):
    X, y, X_test = _categorical_data(seed=5)
    model = GradientBoostingClassifier(n_estimators=10, categorical_features=[0],
                                       max_cat_to_onehot=1, random_state=0).fit(
        X, np.digitize(y, [0.0, 2.0, 4.0]))
    assert model.n_groups_ == 4
    _check_classifier(model, tmp_path, X_test)


def test_a_loaded_model_exports_the_same(tmp_path):
    X, y, X_test = _categorical_data(seed=7)
    model = GradientBoostingRegressor(n_estimators=10, categorical_features=[0, 2],
                                      max_cat_to_onehot=1, random_state=0).fit(X, y)
    nm.save(model, tmp_path / "model.nmr")
    _check_regressor(nm.load(tmp_path / "model.nmr"), tmp_path, X_test)


def test_boosting_numeric_only_with_nans(tmp_path):
    X, y, y_class = _data()
    _check_regressor(GradientBoostingRegressor(n_estimators=20).fit(X, y), tmp_path, X)
    _check_classifier(GradientBoostingClassifier(n_estimators=20).fit(X, y_class), tmp_path, X)


def test_boosting_exports_the_trees_predict_uses_after_early_stopping(tmp_path):
    X, y, _ = _data(seed=6, n=600)
    model = GradientBoostingRegressor(n_estimators=200, learning_rate=0.5,
                                      early_stopping_rounds=3, random_state=0).fit(
        X[:400], y[:400], eval_set=[(X[400:], y[400:])])
    assert model.best_iteration_ is not None
    assert (model.best_iteration_ + 1) < len(model._ensemble)
    _check_regressor(model, tmp_path, X)


def test_category_chain_is_exact_for_every_set():
    # Evaluate the chain as onnxruntime does and compare with numeru's categorical rule.
    rng = np.random.default_rng(0)
    values = np.concatenate([np.arange(-2, 14, 0.25), [np.nan, 1e30, -1e30, -0.0]])
    for _ in range(300):
        count = int(rng.integers(1, 12))
        goes_left = rng.random(count) < rng.random()
        nan_left = bool(rng.integers(2))
        chain = _category_chain(goes_left, nan_left)
        for x in values:
            if np.isnan(x):
                expected = nan_left
            else:
                expected = bool(0 <= x < count and goes_left[int(x)])
            side = None
            for mode, bound, true_left, nan_true in chain:
                hit = (x < bound) if mode == "BRANCH_LT" else (x > bound)
                if hit or (nan_true and np.isnan(x)):
                    side = true_left
                    break
            if side is None:
                side = False  # the last node's false branch: right
            assert side == expected, (goes_left, nan_left, x)


def test_every_model_registers_an_exporter():
    assert set(plugin.EXPORTERS) == set(plugin.MODELS)
    exporters = nm.registry("exporters")
    from numeru.core.catalog import KNOWN

    for name in plugin.MODELS:
        assert exporters.provider(name) == "numeru-trees"
        assert callable(exporters.get(name))
        assert KNOWN["exporters"][name] == "numeru-trees"


def test_low_opset_is_refused(tmp_path):
    X, y, _ = _data()
    with pytest.raises(ValidationError, match="opset: expected 15 or newer"):
        nm.onnx.export(DecisionTreeRegressor(max_depth=2).fit(X, y), tmp_path / "m.onnx",
                       opset=13)
