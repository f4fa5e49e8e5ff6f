"""Splitting data: ``train_test_split``, ``KFold``, ``StratifiedKFold`` (scikit-learn's API).

Fold assignment without shuffling is exactly scikit-learn's; shuffled splits draw from the
splitter's own generator (reproducible for a seed, a different stream than scikit-learn's).
Outputs keep the input kind: NumPy arrays, Tensors (same device) or lists.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

from numeru.core.errors import ShapeError, expected
from numeru.core.tensor import Tensor
from numeru.core.validation import to_numpy

from ._rng import check_seed, fresh_seed, permutation


def _n_samples(a: Any) -> int:
    if isinstance(a, Tensor) or hasattr(a, "shape"):
        return int(a.shape[0])
    return len(a)


def _take(a: Any, idx: np.ndarray) -> Any:
    if isinstance(a, Tensor):
        if a.device.type == "cpu":
            return Tensor(np.take(a.data, idx, axis=0), a.device)
        index = Tensor(np.asarray(idx, dtype=np.int64), "cpu").to(a.device).data
        return Tensor(a.device.backend.xp.take(a.data, index, axis=0), a.device)
    if hasattr(a, "iloc"):  # pandas
        return a.iloc[idx]
    if hasattr(a, "shape"):
        return a[idx]
    return [a[int(i)] for i in idx]


def _sizes(n: int, test_size: Any, train_size: Any,
           default_test: float = 0.25) -> tuple[int, int]:
    def count(name: str, value: Any, ceil: bool) -> int | None:
        if value is None:
            return None
        if isinstance(value, float):
            if not 0 < value < 1:
                raise expected(name, "a float in (0, 1) or an int in [1, n_samples)", value)
            return math.ceil(value * n) if ceil else math.floor(value * n)
        if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and \
                0 < value < n:
            return int(value)
        raise expected(name, f"a float in (0, 1) or an int in [1, {n})", value)

    asked_test = count("test_size", test_size, True)
    asked_train = count("train_size", train_size, False)
    if isinstance(test_size, float) and isinstance(train_size, float) and \
            test_size + train_size > 1:
        raise expected("test_size + train_size", "at most 1 for two fractions",
                       test_size + train_size)
    if asked_test is None and asked_train is None:
        asked_test = math.ceil(default_test * n)
    n_test = asked_test if asked_test is not None else n - (asked_train or 0)
    n_train = asked_train if asked_train is not None else n - n_test
    if n_train + n_test > n or n_train == 0 or n_test == 0:
        raise expected("test_size/train_size", f"sizes that fit in {n} samples and leave both "
                       "sets non-empty", (train_size, test_size))
    return n_train, n_test


def train_test_split(*arrays: Any, test_size: Any = None, train_size: Any = None,
                     random_state: int | None = None, shuffle: bool = True,
                     stratify: Any = None) -> list[Any]:
    """``[a_train, a_test, b_train, b_test, ...]`` with scikit-learn's size rules."""
    if not arrays:
        raise expected("arrays", "at least one array", "none")
    n = _n_samples(arrays[0])
    for i, a in enumerate(arrays):
        if _n_samples(a) != n:
            raise expected(f"arrays[{i}]", f"{n} samples (as arrays[0])", _n_samples(a),
                           error=ShapeError)
    n_train, n_test = _sizes(n, test_size, train_size)
    seed = check_seed(random_state)
    seed = fresh_seed() if seed is None else seed
    if not shuffle:
        if stratify is not None:
            raise expected("stratify", "None when shuffle=False", "labels")
        train, test = np.arange(n_train), np.arange(n_train, n_train + n_test)
    elif stratify is None:
        order = permutation(n, seed, 0)
        test, train = order[:n_test], order[n_test:n_test + n_train]
    else:
        train, test = _stratified_split(np.asarray(to_numpy(stratify)), n_train, n_test, seed)
    out: list[Any] = []
    for a in arrays:
        out.extend([_take(a, train), _take(a, test)])
    return out


def _approximate_mode(counts: np.ndarray, n_draws: int, seed: int,
                      stream: int) -> np.ndarray:
    """scikit-learn's per-class allocation of ``n_draws`` samples: each class's share rounded
    down, the rest to the largest remainders (ties in a random order drawn from the seed)."""
    continuous = counts / counts.sum() * n_draws
    floored = np.floor(continuous).astype(np.int64)
    need = int(n_draws - floored.sum())
    if need > 0:
        shuffled = permutation(counts.size, seed, stream)
        order = shuffled[np.argsort(-(continuous - floored)[shuffled], kind="stable")]
        floored[order[:need]] += 1
    return floored


def _stratified_split(y: np.ndarray, n_train: int, n_test: int, seed: int,
                      name: str = "stratify") -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's StratifiedShuffleSplit allocation: the train set takes each class's
    share of ``n_train`` first, then the test set its share of ``n_test`` from what is left,
    so both sets are stratified (also when they do not cover all the samples)."""
    classes, y_idx = np.unique(y, return_inverse=True)
    y_idx = y_idx.reshape(-1)
    counts = np.bincount(y_idx)
    if counts.min() < 2:
        raise expected(name, "at least 2 members in every class", int(counts.min()))
    for name, size in (("test_size", n_test), ("train_size", n_train)):
        if size < classes.size:  # a stratified set holds every class (scikit-learn's rule)
            raise expected(name, f"a set of at least {classes.size} samples (one per class)",
                           size)
    n_k = classes.size
    train_per_class = _approximate_mode(counts, n_train, seed, n_k + 2)
    test_per_class = _approximate_mode(counts - train_per_class, n_test, seed, n_k + 3)
    train, test = [], []
    for k in range(n_k):
        members = np.flatnonzero(y_idx == k)
        members = members[permutation(members.size, seed, k + 1)]
        train.append(members[:train_per_class[k]])
        test.append(members[train_per_class[k]:train_per_class[k] + test_per_class[k]])
    train_all = np.concatenate(train)
    test_all = np.concatenate(test)
    return (train_all[permutation(train_all.size, seed, 0)],
            test_all[permutation(test_all.size, seed, n_k + 1)])


class KFold:
    """K consecutive folds (shuffled first when asked); the first n % k folds get one more."""

    def __init__(self, n_splits: int = 5, *, shuffle: bool = False,
                 random_state: int | None = None) -> None:
        if isinstance(n_splits, bool) or not isinstance(n_splits, int) or n_splits < 2:
            raise expected("n_splits", "an integer >= 2", n_splits)
        if not shuffle and random_state is not None:
            raise expected("random_state", "None when shuffle=False (it would have no "
                           "effect)", random_state)
        self.n_splits = n_splits
        self.shuffle = bool(shuffle)
        self.random_state = check_seed(random_state)

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        return self.n_splits

    def _test_folds(self, n: int, y: Any) -> np.ndarray:
        order = permutation(n, self._seed(), 0) if self.shuffle else np.arange(n)
        sizes = np.full(self.n_splits, n // self.n_splits)
        sizes[: n % self.n_splits] += 1
        folds = np.empty(n, dtype=np.int64)
        folds[order] = np.repeat(np.arange(self.n_splits), sizes)
        return folds

    def _seed(self) -> int:
        if self.random_state is None:
            self.random_state = fresh_seed()
        return self.random_state

    def split(self, X: Any, y: Any = None, groups: Any = None) -> Iterator[tuple[np.ndarray,
                                                                                np.ndarray]]:
        n = _n_samples(X)
        if n < self.n_splits:
            raise expected("X", f"at least n_splits={self.n_splits} samples", n,
                           error=ShapeError)
        folds = self._test_folds(n, y)
        for k in range(self.n_splits):
            yield np.flatnonzero(folds != k), np.flatnonzero(folds == k)


class StratifiedKFold(KFold):
    """Folds that keep each class's proportion; without shuffling, scikit-learn's exact
    assignment (classes in order of first appearance, dealt round-robin)."""

    def split(self, X: Any, y: Any = None, groups: Any = None) -> Iterator[tuple[np.ndarray,
                                                                                np.ndarray]]:
        if y is None:
            raise expected("y", "class labels to stratify on", None)
        yield from super().split(X, y, groups)

    def _test_folds(self, n: int, y: Any) -> np.ndarray:
        labels = np.asarray(to_numpy(y))
        if labels.shape[0] != n:
            raise expected("y", f"{n} labels (one per sample)", labels.shape[0],
                           error=ShapeError)
        if labels.dtype.kind in "fc" and (not np.isfinite(labels).all() or
                                          np.any(labels != np.round(labels))):
            raise expected("y", "class labels (integers or strings), not continuous values",
                           f"dtype {labels.dtype} with non-integer values")
        _, first_index, inverse = np.unique(labels, return_index=True, return_inverse=True)
        _, class_order = np.unique(first_index, return_inverse=True)
        encoded = class_order[inverse.reshape(-1)]
        n_classes = first_index.shape[0]
        class_counts = np.bincount(encoded)
        if class_counts.max() < self.n_splits:
            raise expected("n_splits", "at most the size of the largest class",
                           self.n_splits)
        if class_counts.min() < self.n_splits:
            warnings.warn(f"The least populated class in y has only {class_counts.min()} "
                          f"members, which is less than n_splits={self.n_splits}.",
                          UserWarning, stacklevel=4)
        ordered = np.sort(encoded)
        allocation = np.asarray([np.bincount(ordered[i::self.n_splits], minlength=n_classes)
                                 for i in range(self.n_splits)])
        folds = np.empty(n, dtype=np.int64)
        for k in range(n_classes):
            for_class = np.arange(self.n_splits).repeat(allocation[:, k])
            if self.shuffle:
                for_class = for_class[permutation(for_class.size, self._seed(), k)]
            folds[encoded == k] = for_class
        return folds
