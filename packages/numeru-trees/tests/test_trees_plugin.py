"""Registration by name, config building, the demo section and the package layout."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from sklearn.tree import DecisionTreeRegressor as SkTree

import numeru.core as nm
from numeru.trees import plugin

PACKAGE = Path(__file__).resolve().parents[1]


def test_every_model_is_registered_and_buildable():
    names = set(nm.registry("models").names())
    assert set(plugin.MODELS) <= names
    from numeru.core.catalog import KNOWN

    for name in plugin.MODELS:
        assert KNOWN["models"][name] == "numeru-trees"
    X = np.random.default_rng(0).normal(size=(200, 3))
    y = X[:, 0] ** 2
    model = nm.build({"model": "decision_tree_regressor", "params": {"max_depth": 3}})
    ours = model.fit(X, y).predict(X)
    np.testing.assert_allclose(ours, SkTree(max_depth=3).fit(X.astype(np.float32), y).predict(
        X.astype(np.float32)))


def test_demo_section_runs():
    out = io.StringIO()
    from numeru.trees.demo import section

    section(out)
    text = out.getvalue()
    assert "gradient boosting" in text and "(missing)" in text


def test_tensor_in_tensor_out():
    X = np.random.default_rng(1).normal(size=(100, 2))
    y = (X[:, 0] > 0).astype(np.int64)
    model = nm.build({"model": "gradient_boosting_classifier", "params": {"n_estimators": 3}})
    model.fit(nm.asarray(X), nm.asarray(y))
    pred = model.predict(nm.asarray(X))
    assert isinstance(pred, nm.Tensor)
    np.testing.assert_array_equal(pred.numpy(), model.predict(X))


def test_no_namespace_init_and_no_pickle():
    assert not (PACKAGE / "src" / "numeru" / "__init__.py").exists()
    for path in (PACKAGE / "src").rglob("*.py"):
        text = path.read_text()
        assert "import pickle" not in text and "joblib" not in text, path


def test_plot_tree_draws_every_node_or_names_the_missing_extra():
    from numeru.trees import DecisionTreeClassifier, plot_tree

    X = np.random.default_rng(2).normal(size=(120, 2))
    model = DecisionTreeClassifier(max_depth=2).fit(X, (X[:, 0] > 0).astype(int))
    try:
        import matplotlib
    except ImportError:
        import pytest

        with pytest.raises(ImportError, match="pip install matplotlib"):
            plot_tree(model)
        return
    matplotlib.use("Agg")
    texts = [t for t in plot_tree(model) if t.get_text()]
    assert len(texts) == model.tree_.node_count
