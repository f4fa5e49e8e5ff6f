"""``ShuffleSplit``, ``StratifiedShuffleSplit`` and ``GroupKFold`` (scikit-learn's API).

Sizes follow scikit-learn's rules (``ceil`` for a fractional test size, ``floor`` for a
fractional train size, a default test size of 0.1); the stratified allocation is the one
``train_test_split(stratify=...)`` uses. Shuffled splits draw from the splitter's own seed
(split ``i`` from stream ``i``): reproducible for a seed, a different stream than
scikit-learn's. ``GroupKFold`` without shuffling gives exactly scikit-learn's folds.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from numeru.core.errors import ShapeError, expected
from numeru.core.validation import to_numpy

from ._rng import check_seed, fresh_seed, permutation
from ._split import _n_samples, _sizes, _stratified_split

Split = Iterator[tuple[np.ndarray, np.ndarray]]


def _check_n_splits(n_splits: Any, minimum: int) -> int:
    if isinstance(n_splits, bool) or not isinstance(n_splits, (int, np.integer)) or \
            n_splits < minimum:
        raise expected("n_splits", f"an integer >= {minimum}", n_splits)
    return int(n_splits)


def _labels(y: Any, n: int, name: str = "y") -> np.ndarray:
    if y is None:
        raise expected(name, "one label per sample", None)
    labels = np.asarray(to_numpy(y))
    if labels.shape[0] != n:
        raise expected(name, f"{n} labels (one per sample)", labels.shape[0], error=ShapeError)
    return labels


class ShuffleSplit:
    """``n_splits`` independent random train/test splits (samples may repeat across splits)."""

    _default_test_size = 0.1

    def __init__(self, n_splits: int = 10, *, test_size: Any = None, train_size: Any = None,
                 random_state: int | None = None) -> None:
        self.n_splits = _check_n_splits(n_splits, 1)
        self.test_size = test_size
        self.train_size = train_size
        self.random_state = check_seed(random_state)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(n_splits={self.n_splits}, random_state="
                f"{self.random_state}, test_size={self.test_size}, train_size="
                f"{self.train_size})")

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        return self.n_splits

    def _split_seed(self) -> int:
        # An int random_state gives the same splits on every call (scikit-learn's behaviour);
        # None gives new ones each time.
        return fresh_seed() if self.random_state is None else self.random_state

    def split(self, X: Any, y: Any = None, groups: Any = None) -> Split:
        n = _n_samples(X)
        n_train, n_test = _sizes(n, self.test_size, self.train_size, self._default_test_size)
        seed = self._split_seed()
        for i in range(self.n_splits):
            order = permutation(n, seed, i)
            yield order[n_test:n_test + n_train], order[:n_test]


class StratifiedShuffleSplit(ShuffleSplit):
    """Random splits that keep each class's proportion in both sets (multi-label rows count
    as one class per distinct row, as in scikit-learn)."""

    def split(self, X: Any, y: Any = None, groups: Any = None) -> Split:
        n = _n_samples(X)
        labels = _labels(y, n)
        if labels.ndim == 2:
            labels = np.array([" ".join(row.astype(str)) for row in labels])
        n_train, n_test = _sizes(n, self.test_size, self.train_size, self._default_test_size)
        seeds = np.random.SeedSequence(self._split_seed()).generate_state(self.n_splits)
        for i in range(self.n_splits):
            yield _stratified_split(labels, n_train, n_test, int(seeds[i]), name="y")


class GroupKFold:
    """K folds that never split a group; without shuffling the largest groups go first, each
    to the fold with the fewest samples so far (scikit-learn's assignment)."""

    def __init__(self, n_splits: int = 5, *, shuffle: bool = False,
                 random_state: int | None = None) -> None:
        self.n_splits = _check_n_splits(n_splits, 2)
        if not shuffle and random_state is not None:
            raise expected("random_state", "None when shuffle=False (it would have no "
                           "effect)", random_state)
        self.shuffle = bool(shuffle)
        self.random_state = check_seed(random_state)

    def __repr__(self) -> str:
        return (f"GroupKFold(n_splits={self.n_splits}, random_state={self.random_state}, "
                f"shuffle={self.shuffle})")

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        return self.n_splits

    def split(self, X: Any, y: Any = None, groups: Any = None) -> Split:
        n = _n_samples(X)
        group_of = _labels(groups, n, "groups")
        if group_of.ndim != 1:
            raise expected("groups", "a 1-D array (one group label per sample)",
                           f"shape {group_of.shape}", error=ShapeError)
        unique, group_idx = np.unique(group_of, return_inverse=True)
        group_idx = group_idx.reshape(-1)
        if self.n_splits > unique.size:
            raise expected("n_splits", f"at most the number of groups ({unique.size})",
                           self.n_splits)
        if self.shuffle:
            seed = fresh_seed() if self.random_state is None else self.random_state
            shuffled = permutation(unique.size, seed, 0)
            group_to_fold = np.empty(unique.size, dtype=np.int64)
            for k, chunk in enumerate(np.array_split(shuffled, self.n_splits)):
                group_to_fold[chunk] = k
        else:
            per_group = np.bincount(group_idx)
            order = np.argsort(per_group, kind="stable")[::-1]
            per_fold = np.zeros(self.n_splits)
            group_to_fold = np.zeros(unique.size, dtype=np.int64)
            for g in order:
                lightest = int(np.argmin(per_fold))
                per_fold[lightest] += per_group[g]
                group_to_fold[g] = lightest
        folds = group_to_fold[group_idx]
        for k in range(self.n_splits):
            yield np.flatnonzero(folds != k), np.flatnonzero(folds == k)
