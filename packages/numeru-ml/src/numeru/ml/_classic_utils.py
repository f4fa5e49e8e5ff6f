"""Small helpers shared by the classical estimators (SVM, neighbours, naive Bayes, metrics,
preprocessing): host copies for CPU-only solvers, label encoding, class weights, parameter
checks that raise numeru's errors naming the argument.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from numeru.core.errors import ShapeError, ValidationError, expected


def to_host(a: Any) -> np.ndarray:
    """A NumPy array with the values of ``a`` (a NumPy array, a backend array or a Tensor).

    The solvers that run as Numba kernels (SMO, coordinate descent, KD-tree) work on host
    memory; a GPU input is copied once, explicitly, here.
    """
    if isinstance(a, np.ndarray):
        return a
    if isinstance(a, (list, tuple)):
        return np.asarray(a)
    from numeru.core.estimator import to_numpy

    return to_numpy(a)  # through the array's backend (CuPy, array-api-strict, ...)


def encode_labels(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(classes sorted, y as indices into classes); classes keep y's dtype."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise expected("y", "a 1-d array of labels", f"an array of shape {y.shape}",
                       error=ShapeError)
    classes, y_enc = np.unique(y, return_inverse=True)
    return classes, y_enc.reshape(-1).astype(np.int64)


def class_weights(class_weight: Any, classes: np.ndarray, y_enc: np.ndarray,
                  sample_weight: np.ndarray | None = None) -> np.ndarray:
    """Per-class weights from None, "balanced" or a {label: weight} dict (scikit-learn's rule).

    ``"balanced"`` is ``total / (n_classes * count)``; with ``sample_weight`` the counts and
    the total are weighted (scikit-learn's ``compute_class_weight(..., sample_weight=...)``,
    which LogisticRegression and LinearSVC use; SVC and SGDClassifier count samples).
    """
    n_classes = classes.size
    if class_weight is None:
        return np.ones(n_classes)
    if isinstance(class_weight, str):
        if class_weight != "balanced":
            raise expected("class_weight", 'None, "balanced" or a dict', class_weight)
        weights = None if sample_weight is None else np.asarray(sample_weight, np.float64)
        counts = np.bincount(y_enc, weights=weights, minlength=n_classes).astype(np.float64)
        return counts.sum() / (n_classes * counts)
    if isinstance(class_weight, dict):
        weights = np.ones(n_classes)
        for label, value in class_weight.items():
            hit = np.flatnonzero(classes == label)
            if hit.size == 0:
                raise expected("class_weight", f"labels among {classes.tolist()}", label)
            weights[hit[0]] = float(value)
        return weights
    raise expected("class_weight", 'None, "balanced" or a dict', class_weight)


def check_positive(name: str, value: Any, *, allow_zero: bool = False) -> float:
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if not ok or not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        what = "a non-negative number" if allow_zero else "a positive number"
        raise expected(name, what, value)
    return float(value)


def check_choice(name: str, value: Any, choices: tuple) -> Any:
    if value not in choices:
        raise expected(name, "one of " + ", ".join(repr(c) for c in choices), value)
    return value


def check_int(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise expected(name, f"an integer >= {minimum}", value)
    return int(value)


def seed_of(random_state: Any) -> int:
    """A non-negative integer seed from ``random_state`` (None -> 0, deterministic)."""
    if random_state is None:
        return 0
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        if random_state < 0:
            raise expected("random_state", "None or a non-negative integer", random_state)
        return int(random_state)
    raise expected("random_state", "None or a non-negative integer", random_state)


__all__ = ["ValidationError", "check_choice", "check_int", "check_positive", "class_weights",
           "encode_labels", "seed_of", "to_host"]
