"""Every classifier refuses continuous targets, as scikit-learn's ("Unknown label type")."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.linear_model
import sklearn.naive_bayes
import sklearn.neighbors
import sklearn.svm

import numeru.ml as ml
from numeru.core.errors import ValidationError

PAIRS = [
    ("LogisticRegression", sklearn.linear_model.LogisticRegression),
    ("SGDClassifier", sklearn.linear_model.SGDClassifier),
    ("LinearSVC", sklearn.svm.LinearSVC),
    ("SVC", sklearn.svm.SVC),
    ("KNeighborsClassifier", sklearn.neighbors.KNeighborsClassifier),
    ("RadiusNeighborsClassifier", sklearn.neighbors.RadiusNeighborsClassifier),
    ("GaussianNB", sklearn.naive_bayes.GaussianNB),
    ("MultinomialNB", sklearn.naive_bayes.MultinomialNB),
    ("ComplementNB", sklearn.naive_bayes.ComplementNB),
    ("BernoulliNB", sklearn.naive_bayes.BernoulliNB),
    ("CategoricalNB", sklearn.naive_bayes.CategoricalNB),
]

X = np.abs(np.random.default_rng(0).standard_normal((30, 3))).round()  # fits every model


@pytest.mark.parametrize(("name", "reference"), PAIRS)
def test_classifier_refuses_continuous_targets_as_scikit_learn(name, reference):
    continuous = X[:, 0] + 0.25
    with pytest.raises(ValueError, match="Unknown label type"):
        reference().fit(X, continuous)
    with pytest.raises(ValidationError, match="y: expected class labels.*continuous values"):
        getattr(ml, name)().fit(X, continuous)
    whole = (X[:, 0] > 0).astype(np.float64)  # floats holding whole numbers are labels
    np.testing.assert_array_equal(getattr(ml, name)().fit(X, whole).classes_,
                                  reference().fit(X, whole).classes_)


def test_partial_fit_refuses_continuous_targets():
    with pytest.raises(ValidationError, match="y: expected class labels"):
        ml.SGDClassifier().partial_fit(X, X[:, 0] + 0.5, classes=[0.5, 1.5])
