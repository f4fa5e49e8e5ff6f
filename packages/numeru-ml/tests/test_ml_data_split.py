"""train_test_split, KFold and StratifiedKFold against scikit-learn (a review's findings)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn import model_selection as skms

from numeru.core.errors import ValidationError
from numeru.ml.data import KFold, StratifiedKFold, train_test_split


def test_stratified_split_also_stratifies_a_partial_train_set() -> None:
    # train_size + test_size < n: scikit-learn gives each class its share of the train set
    # too (before, the train set was a random draw from what the test set left).
    y = np.repeat([0, 1, 2], [20, 12, 8])  # shares 10/6/4 and 5/3/2, no rounding ties
    for seed in range(5):
        ours = train_test_split(y, stratify=y, train_size=0.5, test_size=0.25,
                                random_state=seed)
        ref = skms.train_test_split(y, stratify=y, train_size=0.5, test_size=0.25,
                                    random_state=seed)
        for a, b in zip(ours, ref, strict=True):
            np.testing.assert_array_equal(np.bincount(a, minlength=3),
                                          np.bincount(b, minlength=3))


def test_two_fractions_summing_above_one_are_refused() -> None:
    x = np.arange(3)
    with pytest.raises(ValueError, match="The sum of test_size and train_size"):
        skms.train_test_split(x, test_size=0.5, train_size=0.66, shuffle=False)
    with pytest.raises(ValidationError, match=r"test_size \+ train_size: expected at most 1"):
        train_test_split(x, test_size=0.5, train_size=0.66, shuffle=False)


def test_stratified_kfold_warns_and_refuses_as_sklearn() -> None:
    X, y = np.zeros((12, 1)), np.array([0] * 10 + [1] * 2)
    for splitter in (StratifiedKFold(3), skms.StratifiedKFold(3)):
        with pytest.warns(UserWarning, match="least populated class in y has only 2 members"):
            list(splitter.split(X, y))
    y_cont = np.linspace(0, 1, 12)
    with pytest.raises(ValueError, match="continuous"):
        list(skms.StratifiedKFold(3).split(X, y_cont))
    with pytest.raises(ValidationError, match="y: expected class labels"):
        list(StratifiedKFold(3).split(X, y_cont))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        list(StratifiedKFold(2).split(X, y))  # every class fills every fold: no warning


def test_random_state_without_shuffle_is_refused() -> None:
    with pytest.raises(ValueError, match="no effect since shuffle is False"):
        skms.KFold(3, random_state=0)
    for cls in (KFold, StratifiedKFold):
        with pytest.raises(ValidationError, match="random_state: expected None when shuffle"):
            cls(3, random_state=0)
