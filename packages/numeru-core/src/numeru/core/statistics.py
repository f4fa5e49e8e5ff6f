"""Reductions and statistics: sum, prod, mean, var, std, min, max, cumulative sums, all, any."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import dispatch
from .errors import ShapeError, expected
from .tensor import Tensor

_op = dispatch.op


def _apply_one(o: dispatch.Op, x: Any, params: dict[str, Any], out: Any = None) -> Any:
    """A reduction, with the namespace's errors about axes and empty inputs in our words."""
    try:
        return dispatch.apply_one(o, x, params, out)
    except ValueError as exc:
        raise _reduction_error(o.name, x, params.get("axis"), exc) from None


def _reduction_error(name: str, x: Any, axis: Any, exc: ValueError) -> Exception:
    """A ShapeError naming the axis (out of range or repeated) or the empty input (no
    identity: max, min, argmax, argmin), else the error as it came."""
    shape = getattr(x, "shape", None)
    text = str(exc)
    if isinstance(exc, np.exceptions.AxisError) or "repeated axis" in text or (
            "duplicate value in 'axis'" in text):
        ndim = len(shape) if shape is not None else "?"
        return expected(f"{name}: axis", f"distinct axes in [-{ndim}, {ndim}) for a tensor of "
                        f"shape {shape}", axis, error=ShapeError)
    if "argument is required" in text and axis is None:  # cumulative_sum/prod of N-D
        return expected(f"{name}: axis", f"an int for a tensor of shape {shape} (None only "
                        f"for one dimension)", axis, error=ShapeError)
    if shape is not None and 0 in shape and ("identity" in text or "empty sequence" in text):
        return ShapeError(f"{name}: x: expected elements along the reduced axes ({name} of "
                          f"nothing is undefined), got shape {shape}")
    return exc


_SUM, _PROD, _MEAN, _VAR, _STD = _op("sum"), _op("prod"), _op("mean"), _op("var"), _op("std")
_MAX, _MIN, _ALL, _ANY = _op("max"), _op("min"), _op("all"), _op("any")
_CUMSUM, _CUMPROD = _op("cumulative_sum"), _op("cumulative_prod")


# The reductions of (axis, keepdims[, dtype]) call ``dispatch.reduce`` inside their own ``try``
# (one Python frame fewer than ``_apply_one``; a ``try`` costs nothing until it raises): they
# are the commonest ops on small tensors, where the call path is most of the time.
_reduce = dispatch.reduce


def sum(x: Tensor, /, *, axis: Any = None, dtype: Any = None, keepdims: bool = False,
        out: Tensor | None = None) -> Tensor:
    try:
        return _reduce(_SUM, x, axis, keepdims, dtype, out)
    except ValueError as exc:
        raise _reduction_error("sum", x, axis, exc) from None


def prod(x: Tensor, /, *, axis: Any = None, dtype: Any = None, keepdims: bool = False,
         out: Tensor | None = None) -> Tensor:
    try:
        return _reduce(_PROD, x, axis, keepdims, dtype, out)
    except ValueError as exc:
        raise _reduction_error("prod", x, axis, exc) from None


def mean(x: Tensor, /, *, axis: Any = None, keepdims: bool = False,
         out: Tensor | None = None) -> Tensor:
    try:
        return _reduce(_MEAN, x, axis, keepdims, out=out)
    except ValueError as exc:
        raise _reduction_error("mean", x, axis, exc) from None


def var(x: Tensor, /, *, axis: Any = None, correction: float = 0.0, keepdims: bool = False,
        out: Tensor | None = None) -> Tensor:
    return _apply_one(_VAR, x, dict(axis=axis, correction=correction, keepdims=keepdims), out)


def std(x: Tensor, /, *, axis: Any = None, correction: float = 0.0, keepdims: bool = False,
        out: Tensor | None = None) -> Tensor:
    return _apply_one(_STD, x, dict(axis=axis, correction=correction, keepdims=keepdims), out)


def max(x: Tensor, /, *, axis: Any = None, keepdims: bool = False,
        out: Tensor | None = None) -> Tensor:
    try:
        return _reduce(_MAX, x, axis, keepdims, out=out)
    except ValueError as exc:
        raise _reduction_error("max", x, axis, exc) from None


def min(x: Tensor, /, *, axis: Any = None, keepdims: bool = False,
        out: Tensor | None = None) -> Tensor:
    try:
        return _reduce(_MIN, x, axis, keepdims, out=out)
    except ValueError as exc:
        raise _reduction_error("min", x, axis, exc) from None


def all(x: Tensor, /, *, axis: Any = None, keepdims: bool = False,
        out: Tensor | None = None) -> Tensor:
    try:
        return _reduce(_ALL, x, axis, keepdims, out=out)
    except ValueError as exc:
        raise _reduction_error("all", x, axis, exc) from None


def any(x: Tensor, /, *, axis: Any = None, keepdims: bool = False,
        out: Tensor | None = None) -> Tensor:
    try:
        return _reduce(_ANY, x, axis, keepdims, out=out)
    except ValueError as exc:
        raise _reduction_error("any", x, axis, exc) from None


def cumulative_sum(x: Tensor, /, *, axis: int | None = None, dtype: Any = None,
                   include_initial: bool = False, out: Tensor | None = None) -> Tensor:
    return _apply_one(_CUMSUM, x, {"axis": axis, "dtype": dtype,
                                  "include_initial": include_initial}, out)


def cumulative_prod(x: Tensor, /, *, axis: int | None = None, dtype: Any = None,
                    include_initial: bool = False, out: Tensor | None = None) -> Tensor:
    return _apply_one(_CUMPROD, x, {"axis": axis, "dtype": dtype,
                                  "include_initial": include_initial}, out)
