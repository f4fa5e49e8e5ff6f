"""Pipeline / make_pipeline against sklearn.pipeline, and the ml-classic demo section."""

from __future__ import annotations

import io

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")
from sklearn import naive_bayes as sk_nb  # noqa: E402
from sklearn import pipeline as skpipe  # noqa: E402
from sklearn import preprocessing as skp  # noqa: E402
from sklearn import svm as sk_svm  # noqa: E402
from sklearn.datasets import load_wine  # noqa: E402

import numeru.core as nm  # noqa: E402
from numeru.core.errors import NotFittedError, ValidationError  # noqa: E402
from numeru.ml.naive_bayes import GaussianNB  # noqa: E402
from numeru.ml.pipeline import Pipeline, make_pipeline  # noqa: E402
from numeru.ml.preprocessing import PolynomialFeatures, StandardScaler  # noqa: E402
from numeru.ml.svm import SVC  # noqa: E402


@pytest.fixture(scope="module")
def wine():
    return load_wine(return_X_y=True)


def test_pipeline_matches_sklearn(wine):
    X, y = wine
    ours = make_pipeline(StandardScaler(), SVC(kernel="linear")).fit(X, y)
    ref = skpipe.make_pipeline(skp.StandardScaler(), sk_svm.SVC(kernel="linear")).fit(X, y)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    np.testing.assert_allclose(ours.decision_function(X), ref.decision_function(X), atol=1e-4)
    assert ours.score(X, y) == pytest.approx(ref.score(X, y), abs=1e-12)
    assert list(ours.named_steps) == list(ref.named_steps) == ["standardscaler", "svc"]
    np.testing.assert_array_equal(ours.classes_, ref.classes_)
    assert ours.n_features_in_ == 13


def test_fit_params_routing_passthrough_and_slicing(wine):
    X, y = wine
    w = np.random.default_rng(0).uniform(0.5, 2.0, y.size)
    ours = Pipeline([("scale", StandardScaler()), ("skip", "passthrough"),
                     ("nb", GaussianNB())]).fit(X, y, nb__sample_weight=w)
    ref = skpipe.Pipeline([("scale", skp.StandardScaler()), ("skip", "passthrough"),
                           ("nb", sk_nb.GaussianNB())]).fit(X, y, nb__sample_weight=w)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-10)
    np.testing.assert_allclose(ours[:1].transform(X), ref[:1].transform(X), atol=1e-12)
    assert isinstance(ours["nb"], GaussianNB) and len(ours) == 3
    with pytest.raises(ValidationError, match="fit parameter"):
        ours.fit(X, y, sample_weight=w)


def test_params_and_repeated_names(wine):
    pipe = make_pipeline(StandardScaler(), PolynomialFeatures(), StandardScaler(), SVC())
    assert [name for name, _ in pipe.steps] == ["standardscaler-1", "polynomialfeatures",
                                                "standardscaler-2", "svc"]
    params = pipe.get_params()
    assert params["svc__C"] == 1.0 and params["polynomialfeatures__degree"] == 2
    pipe.set_params(svc__C=5.0, polynomialfeatures=PolynomialFeatures(degree=1))
    assert pipe.named_steps["svc"].C == 5.0
    assert pipe.named_steps["polynomialfeatures"].degree == 1
    with pytest.raises(ValidationError, match="set_params"):
        pipe.set_params(nope=1)
    with pytest.raises(NotFittedError):
        pipe.predict(wine[0])
    with pytest.raises(ValidationError, match="steps"):
        Pipeline([("a", SVC()), ("b", SVC())]).fit(*wine)


def test_pipeline_save_load_and_registry(tmp_path, wine):
    X, y = wine
    pipe = make_pipeline(StandardScaler(), SVC(kernel="linear")).fit(X, y)
    nm.save(pipe, tmp_path / "pipe.nmr")
    loaded = nm.load(tmp_path / "pipe.nmr")
    np.testing.assert_array_equal(loaded.predict(X), pipe.predict(X))
    built = nm.build({"model": "pipeline", "params": {
        "steps": [["scale", StandardScaler()], ["svc", SVC()]]}})
    assert built.fit(X, y).score(X, y) == pytest.approx(
        skpipe.make_pipeline(skp.StandardScaler(), sk_svm.SVC()).fit(X, y).score(X, y),
        abs=0.01)


def test_every_classic_model_is_registered():
    from numeru.ml.plugin import CLASSIC_MODELS

    models = nm.registry("models")
    for name in CLASSIC_MODELS:
        assert models.get(name) is not None


def test_ml_classic_demo_section_runs():
    section = nm.registry("demos").get("ml-classic")
    out = io.StringIO()
    section(out)
    text = out.getvalue()
    for name in ["SVC", "LinearSVC", "k-NN", "GaussianNB"]:
        assert name in text
    # Every model separates the generated classes well; compare with scikit-learn's SVC.
    from numeru.ml._classic_demo import make_blobs3

    X, y = make_blobs3()
    ref = sk_svm.SVC().fit(X[:420], y[:420]).score(X[420:], y[420:])
    ours = SVC().fit(X[:420], y[:420]).score(X[420:], y[420:])
    assert abs(ours - ref) <= 0.01


def test_a_pipeline_is_what_its_final_step_is_as_scikit_learn():
    from sklearn import base, linear_model

    from numeru.core.estimator import is_classifier, is_regressor
    from numeru.ml import LogisticRegression, Ridge

    pairs = ((LogisticRegression(), linear_model.LogisticRegression()),
             (Ridge(), linear_model.Ridge()))
    for mine_last, theirs_last in pairs:
        mine = make_pipeline(StandardScaler(), mine_last)
        theirs = skpipe.make_pipeline(skp.StandardScaler(), theirs_last)
        assert is_classifier(mine) == base.is_classifier(theirs)
        assert is_regressor(mine) == base.is_regressor(theirs)
    assert is_classifier(make_pipeline(StandardScaler(), LogisticRegression()))
    assert not is_classifier(make_pipeline(StandardScaler()))  # a transformer pipeline
