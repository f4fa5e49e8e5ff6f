"""Naive Bayes models against scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")
from sklearn import naive_bayes as sk_nb  # noqa: E402
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

import numeru.core as nm  # noqa: E402
from numeru.core.errors import ValidationError  # noqa: E402
from numeru.ml import naive_bayes as nb  # noqa: E402

LOADERS = {"iris": load_iris, "wine": load_wine, "breast_cancer": load_breast_cancer,
           "digits": load_digits}


@pytest.mark.parametrize("name", list(LOADERS))
def test_gaussian_nb_matches_sklearn(name):
    X, y = LOADERS[name](return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
    ours = nb.GaussianNB().fit(X_train, y_train)
    ref = sk_nb.GaussianNB().fit(X_train, y_train)
    np.testing.assert_allclose(ours.theta_, ref.theta_, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours.var_, ref.var_, rtol=1e-10)
    np.testing.assert_allclose(ours.class_prior_, ref.class_prior_, atol=1e-15)
    np.testing.assert_allclose(ours.epsilon_, ref.epsilon_, rtol=1e-12)
    np.testing.assert_allclose(ours.predict_log_proba(X_test), ref.predict_log_proba(X_test),
                               rtol=1e-8, atol=1e-8)
    np.testing.assert_array_equal(ours.predict(X_test), ref.predict(X_test))
    assert abs(ours.score(X_test, y_test) - ref.score(X_test, y_test)) <= 0.01


def test_gaussian_nb_priors_weights_and_partial_fit():
    X, y = load_iris(return_X_y=True)
    w = np.random.default_rng(0).uniform(0.1, 3.0, y.size)
    ours = nb.GaussianNB(priors=[0.2, 0.3, 0.5], var_smoothing=1e-3).fit(X, y, sample_weight=w)
    ref = sk_nb.GaussianNB(priors=[0.2, 0.3, 0.5], var_smoothing=1e-3).fit(X, y,
                                                                            sample_weight=w)
    np.testing.assert_allclose(ours.var_, ref.var_, rtol=1e-12)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-12)
    order = np.random.default_rng(1).permutation(y.size)
    ours, ref = nb.GaussianNB(), sk_nb.GaussianNB()
    for chunk in np.array_split(order, 4):
        ours.partial_fit(X[chunk], y[chunk], classes=[0, 1, 2])
        ref.partial_fit(X[chunk], y[chunk], classes=[0, 1, 2])
    np.testing.assert_allclose(ours.theta_, ref.theta_, rtol=1e-12)
    np.testing.assert_allclose(ours.var_, ref.var_, rtol=1e-10)
    np.testing.assert_allclose(ours.predict_log_proba(X), ref.predict_log_proba(X), atol=1e-8)
    with pytest.raises(ValidationError, match="classes"):
        nb.GaussianNB().partial_fit(X, y)
    with pytest.raises(ValidationError, match="y"):
        ours.partial_fit(X[:2], [0, 7])
    with pytest.raises(ValidationError, match="priors"):
        nb.GaussianNB(priors=[0.5, 0.6, 0.1]).fit(X, y)


DISCRETE = [("MultinomialNB", {}), ("MultinomialNB", {"alpha": 0.3, "fit_prior": False}),
            ("ComplementNB", {}), ("ComplementNB", {"norm": True}),
            ("BernoulliNB", {"binarize": 4.0}), ("BernoulliNB", {"alpha": 2.0}),
            ("CategoricalNB", {}), ("CategoricalNB", {"min_categories": 20})]


@pytest.mark.parametrize("name,kwargs", DISCRETE)
def test_discrete_nb_match_sklearn_on_digits(name, kwargs):
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
    if name == "CategoricalNB":
        X_test = np.minimum(X_test, X_train.max(axis=0))  # categories seen in fit only
    ours = getattr(nb, name)(**kwargs).fit(X_train, y_train)
    ref = getattr(sk_nb, name)(**kwargs).fit(X_train, y_train)
    np.testing.assert_allclose(ours.predict_log_proba(X_test), ref.predict_log_proba(X_test),
                               rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal(ours.predict(X_test), ref.predict(X_test))


def test_discrete_nb_partial_fit_weights_and_class_prior():
    X, y = load_digits(return_X_y=True)
    w = np.random.default_rng(0).uniform(0.5, 2.0, y.size)
    prior = np.full(10, 0.1)
    for name in ["MultinomialNB", "BernoulliNB", "ComplementNB"]:
        ours = getattr(nb, name)(class_prior=prior)
        ref = getattr(sk_nb, name)(class_prior=prior)
        for chunk in np.array_split(np.arange(y.size), 3):
            ours.partial_fit(X[chunk], y[chunk], classes=np.arange(10), sample_weight=w[chunk])
            ref.partial_fit(X[chunk], y[chunk], classes=np.arange(10), sample_weight=w[chunk])
        np.testing.assert_allclose(ours.predict_log_proba(X), ref.predict_log_proba(X),
                                   rtol=1e-9, atol=1e-9)
    with pytest.raises(ValidationError, match="non-negative"):
        nb.MultinomialNB().fit(-X, y)


def test_nb_save_load_and_tensors(tmp_path):
    X, y = load_iris(return_X_y=True)
    for model in [nb.GaussianNB(), nb.MultinomialNB(), nb.CategoricalNB()]:
        data = X if not isinstance(model, nb.CategoricalNB) else np.round(X).astype(int)
        model.fit(data, y)
        nm.save(model, tmp_path / "nb.nmr")
        loaded = nm.load(tmp_path / "nb.nmr")
        np.testing.assert_allclose(loaded.predict_proba(data), model.predict_proba(data))
    out = nb.GaussianNB().fit(nm.asarray(X), nm.asarray(y)).predict_proba(nm.asarray(X))
    assert isinstance(out, nm.Tensor)
    np.testing.assert_allclose(out.numpy(), sk_nb.GaussianNB().fit(X, y).predict_proba(X),
                               atol=1e-12)


@pytest.mark.parametrize("name", ["MultinomialNB", "ComplementNB", "BernoulliNB",
                                  "CategoricalNB"])
def test_small_alpha_without_force_alpha_warns_and_clips_as_sklearn(name):
    rng = np.random.default_rng(0)
    X = rng.integers(0, 4, size=(30, 5)).astype(float)
    y = rng.integers(0, 3, 30)
    with pytest.warns(UserWarning, match="alpha too small"):
        ours = getattr(nb, name)(alpha=0.0, force_alpha=False).fit(X, y)
    with pytest.warns(UserWarning, match="alpha too small"):
        ref = getattr(sk_nb, name)(alpha=0.0, force_alpha=False).fit(X, y)
    np.testing.assert_allclose(ours.predict_log_proba(X), ref.predict_log_proba(X),
                               rtol=1e-10)


def test_categorical_nb_min_categories_is_validated():
    X = np.array([[0, 1], [1, 2], [2, 0]])
    for bad in (0, -1, [3], [2.5, 3], "many"):
        with pytest.raises(ValidationError, match="min_categories"):
            nb.CategoricalNB(min_categories=bad).fit(X, [0, 1, 1])
    ours = nb.CategoricalNB(min_categories=[4, 5]).fit(X, [0, 1, 1])
    ref = sk_nb.CategoricalNB(min_categories=[4, 5]).fit(X, [0, 1, 1])
    np.testing.assert_array_equal(ours.n_categories_, ref.n_categories_)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), rtol=1e-12)
