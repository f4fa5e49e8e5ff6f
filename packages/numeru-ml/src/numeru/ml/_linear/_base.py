"""What the linear models share: centring with sample weights, intercepts, predictions.

Fitted attributes follow the input kind (``to_output``): NumPy in, NumPy out; a Tensor in,
Tensors on its device. Internally the models work on backend arrays (``xp``); ``_backend``
reads a fitted attribute back as one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from numeru.core.errors import ValidationError, expected
from numeru.core.estimator import check_sample_weight, get_namespace, to_output, validate_data
from numeru.core.tensor import Tensor


def backend(value: Any) -> Any:
    """A backend array from a fitted attribute (a NumPy array or a Tensor)."""
    return value.data if isinstance(value, Tensor) else value


def numpy_dtype(array: Any) -> np.dtype:
    """The NumPy dtype of a backend array (its own dtype object may be another library's)."""
    if isinstance(array.dtype, np.dtype):
        return array.dtype
    from numeru.core.validation import _device_of_backend

    return _device_of_backend(array).backend.dtype_of(array)


def like_backend(reference: Any, host: np.ndarray) -> Any:
    """A host result as an array of ``reference``'s backend, device and dtype (the solvers
    that run on the host hand their results back through here)."""
    if isinstance(reference, np.ndarray):
        return host.astype(reference.dtype, copy=False)
    from numeru.core.validation import _device_of_backend

    device = _device_of_backend(reference)
    data = np.array(host, dtype=numpy_dtype(reference), order="C")
    moved = Tensor(data, "cpu").to(device).data
    # Tensor.to currently turns a 0-d array into a 1-d one (np.ascontiguousarray): undo it
    return device.backend.xp.reshape(moved, data.shape) if moved.ndim != data.ndim else moved


def host_output(host: np.ndarray, X_user: Any) -> Any:
    """A host result in the kind of the user's input (a Tensor on its device, else NumPy)."""
    if isinstance(X_user, Tensor):
        data = np.array(host, dtype=X_user.dtype, order="C")
        moved = Tensor(data, "cpu").to(X_user.device)
        if moved.ndim != data.ndim:  # see like_backend
            moved = Tensor(X_user.device.backend.xp.reshape(moved.data, data.shape),
                           X_user.device)
        return moved
    return host


def labels_output(labels: np.ndarray, X_user: Any) -> Any:
    """Predicted labels: a Tensor on X's device for numeric labels and Tensor input, else the
    NumPy array (string labels have no Tensor form)."""
    if isinstance(X_user, Tensor) and labels.dtype.kind in "biuf":
        return host_output(labels, X_user) if labels.dtype.kind == "f" else \
            Tensor(np.array(labels, order="C"), "cpu").to(X_user.device)
    return labels


def check_bool(name: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise expected(name, "True or False", value)
    return bool(value)


def check_number(name: str, value: Any, *, low: float = 0.0, allow_low: bool = True,
                 high: float | None = None) -> float:
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if ok:
        v = float(value)
        ok = np.isfinite(v) and (v >= low if allow_low else v > low) and \
            (high is None or v <= high)
    if not ok:
        bound = f"{'>=' if allow_low else '>'} {low}" + (f" and <= {high}" if high else "")
        raise expected(name, f"a finite number {bound}", value)
    return float(value)


def check_count(name: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise expected(name, f"an integer >= {minimum}", value)
    return int(value)


def preprocess(X: Any, y: Any, fit_intercept: bool, sample_weight: Any = None,
               copy: bool = True) -> tuple[Any, Any, Any, Any, Any]:
    """Centre X and y by their (weighted) means when fitting an intercept.

    Returns ``(X, y, X_offset, y_offset, sample_weight)``: the intercept is then
    ``y_offset - X_offset @ coef`` (scikit-learn's ``_preprocess_data`` without scaling).
    """
    xp = get_namespace(X)
    n, p = X.shape
    if not fit_intercept:
        zeros_x = xp.zeros((p,), dtype=X.dtype)
        zeros_y = xp.zeros(y.shape[1:], dtype=X.dtype)
        return X, y, zeros_x, zeros_y, sample_weight
    if sample_weight is None:
        X_offset = xp.mean(X, axis=0)
        y_offset = xp.mean(y, axis=0)
    else:
        total = xp.sum(sample_weight)
        X_offset = (sample_weight @ X) / total
        y_offset = xp.tensordot(sample_weight, y, axes=1) / total
    return X - X_offset, y - y_offset, X_offset, y_offset, sample_weight


def rescale(X: Any, y: Any, sample_weight: Any) -> tuple[Any, Any]:
    """Multiply rows by sqrt(weight): weighted least squares becomes ordinary least squares."""
    xp = get_namespace(X)
    root = xp.sqrt(sample_weight)
    y_scaled = y * (root[:, None] if y.ndim == 2 else root)
    return X * root[:, None], y_scaled


def prepare_regression(model: Any, X: Any, y: Any, sample_weight: Any, *,
                       dtype: str = "float") -> tuple[Any, Any, Any]:
    """Validate a regression fit: float X, numeric y (1-D or 2-D), weights (or None)."""
    Xb, yb = validate_data(model, X, y, dtype=dtype, y_numeric=True, multi_output=True)
    xp = get_namespace(Xb)
    if yb.dtype != Xb.dtype:
        yb = xp.astype(yb, Xb.dtype)
    if sample_weight is not None:
        sample_weight = check_sample_weight(sample_weight, Xb.shape[0], like=Xb)
    return Xb, yb, sample_weight


class LinearPredictMixin:
    """``predict`` = X @ coef_.T + intercept_, in the namespace of X."""

    coef_: Any
    intercept_: Any

    def _decision(self, X: Any) -> tuple[Any, Any]:
        Xb, _ = validate_data(self, X, reset=False, dtype="float")
        xp = get_namespace(Xb)
        coef = backend(self.coef_)
        intercept = backend(self.intercept_)
        if coef.dtype != Xb.dtype:
            Xb = xp.astype(Xb, coef.dtype)
        if coef.ndim == 1:
            return Xb @ coef + intercept, X
        return Xb @ coef.T + intercept, X

    def predict(self, X: Any) -> Any:
        scores, like = self._decision(X)
        return to_output(self, scores, like=like)


def set_coefficients(model: Any, coef: Any, intercept: Any, X_user: Any, y_ndim: int) -> None:
    """Store coef_ / intercept_ in scikit-learn's shapes, as the user's input kind."""
    if y_ndim == 1:
        coef = coef.reshape(-1) if coef.ndim > 1 else coef
        intercept = intercept.reshape(()) if hasattr(intercept, "reshape") else intercept
        intercept = float(intercept)
        model.coef_ = to_output(model, coef, like=X_user)
        model.intercept_ = intercept
    else:
        model.coef_ = to_output(model, coef, like=X_user)
        # scikit-learn: 0.0 without an intercept, one per target with it
        model.intercept_ = to_output(model, intercept, like=X_user) if getattr(
            model, "fit_intercept", True) else 0.0


__all__ = ["LinearPredictMixin", "ValidationError", "backend", "check_bool", "check_count",
           "check_number", "host_output", "labels_output", "like_backend", "numpy_dtype",
           "prepare_regression", "preprocess", "rescale", "set_coefficients"]
