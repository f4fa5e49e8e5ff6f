"""Checks of the tree models' hyper-parameters; each error names the parameter."""

from __future__ import annotations

import math
import numbers

import numpy as np

from numeru.core.errors import expected


def is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def is_real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_int(name, value, low, *, allow_none=False, high=None):
    if value is None and allow_none:
        return None
    if not is_int(value) or value < low or (high is not None and value > high):
        bound = f"in [{low}, {high}]" if high is not None else f">= {low}"
        raise expected(name, f"an int {bound}" + (" or None" if allow_none else ""), value)
    return int(value)


def check_real(name, value, low, high, *, low_open=False, high_open=False):
    ok = is_real(value) and math.isfinite(value)
    if ok:
        ok = (value > low if low_open else value >= low) and (
            value < high if high_open else value <= high)
    if not ok:
        lb = "(" if low_open else "["
        hb = ")" if high_open else "]"
        raise expected(name, f"a number in {lb}{low}, {high}{hb}", value)
    return float(value)


def resolve_min_samples(name, value, n_samples, minimum, *, high_open=False):
    """An int count >= minimum, or a fraction of the samples (scikit-learn's rule; its
    ``min_samples_leaf`` fraction excludes 1.0, ``high_open``)."""
    if is_int(value):
        return check_int(name, value, minimum)
    if is_real(value) and 0.0 < value and (value < 1.0 if high_open else value <= 1.0):
        return max(minimum, int(math.ceil(value * n_samples)))
    bound = "1)" if high_open else "1]"
    raise expected(name, f"an int >= {minimum} or a float in (0, {bound}", value)


def resolve_max_features(value, n_features) -> int:
    if value is None:
        return n_features
    if value == "sqrt":
        return max(1, int(math.sqrt(n_features)))
    if value == "log2":
        return max(1, int(math.log2(n_features)))
    if is_int(value):
        if value >= 1:  # above n_features means every feature, as in scikit-learn 1.9
            return int(value)
        raise expected("max_features", "an int >= 1", value)
    if is_real(value) and 0.0 < value <= 1.0:
        return max(1, int(value * n_features))
    raise expected("max_features", "None, 'sqrt', 'log2', an int or a float in (0, 1]", value)


def class_weights(class_weight, y_encoded, classes, multiplicity=None,
                  present_only=False) -> np.ndarray:
    """Per-sample multipliers for ``class_weight`` ('balanced', a dict or None).

    'balanced' gives class c the weight n / (n_classes * count(c)), counting each sample
    ``multiplicity`` times (sample weights for a forest's 'balanced', bootstrap counts for
    its 'balanced_subsample'). With ``present_only`` n_classes counts the classes present
    (count > 0), as scikit-learn's 'balanced_subsample' does.
    """
    if class_weight is None:
        return np.ones(y_encoded.shape[0])
    n_classes = classes.shape[0]
    if class_weight in ("balanced", "balanced_subsample"):
        counts = np.bincount(y_encoded, weights=multiplicity, minlength=n_classes)
        n_counted = int(np.count_nonzero(counts)) if present_only else n_classes
        per_class = counts.sum() / (n_counted * np.maximum(counts, 1e-300))
    elif isinstance(class_weight, dict):
        per_class = np.ones(n_classes)
        lookup = {c.item() if hasattr(c, "item") else c: i for i, c in enumerate(classes)}
        for label, weight in class_weight.items():
            key = label.item() if hasattr(label, "item") else label
            if key not in lookup:
                raise expected("class_weight", f"keys among the classes {classes.tolist()}",
                               label)
            per_class[lookup[key]] = float(weight)
    else:
        raise expected("class_weight", "None, 'balanced' or a dict {class: weight}",
                       class_weight)
    return per_class[y_encoded]
