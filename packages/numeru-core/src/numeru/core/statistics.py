"""Reductions and statistics: sum, prod, mean, var, std, min, max, cumulative sums, all, any."""

from __future__ import annotations

from typing import Any

from . import dispatch
from .tensor import Tensor

_op = dispatch.op
_apply_one = dispatch.apply_one
_SUM, _PROD, _MEAN, _VAR, _STD = _op("sum"), _op("prod"), _op("mean"), _op("var"), _op("std")
_MAX, _MIN, _ALL, _ANY = _op("max"), _op("min"), _op("all"), _op("any")
_CUMSUM, _CUMPROD = _op("cumulative_sum"), _op("cumulative_prod")


def sum(x: Tensor, /, *, axis: Any = None, dtype: Any = None, keepdims: bool = False,
        out: Tensor | None = None) -> Tensor:
    return _apply_one(_SUM, x, {"axis": axis, "dtype": dtype, "keepdims": keepdims}, out)


def prod(x: Tensor, /, *, axis: Any = None, dtype: Any = None, keepdims: bool = False,
         out: Tensor | None = None) -> Tensor:
    return _apply_one(_PROD, x, {"axis": axis, "dtype": dtype, "keepdims": keepdims}, out)


def mean(x: Tensor, /, *, axis: Any = None, keepdims: bool = False,
         out: Tensor | None = None) -> Tensor:
    return _apply_one(_MEAN, x, {"axis": axis, "keepdims": keepdims}, out)


def var(x: Tensor, /, *, axis: Any = None, correction: float = 0.0, keepdims: bool = False,
        out: Tensor | None = None) -> Tensor:
    return _apply_one(_VAR, x, dict(axis=axis, correction=correction, keepdims=keepdims), out)


def std(x: Tensor, /, *, axis: Any = None, correction: float = 0.0, keepdims: bool = False,
        out: Tensor | None = None) -> Tensor:
    return _apply_one(_STD, x, dict(axis=axis, correction=correction, keepdims=keepdims), out)


def max(x: Tensor, /, *, axis: Any = None, keepdims: bool = False,
        out: Tensor | None = None) -> Tensor:
    return _apply_one(_MAX, x, {"axis": axis, "keepdims": keepdims}, out)


def min(x: Tensor, /, *, axis: Any = None, keepdims: bool = False,
        out: Tensor | None = None) -> Tensor:
    return _apply_one(_MIN, x, {"axis": axis, "keepdims": keepdims}, out)


def all(x: Tensor, /, *, axis: Any = None, keepdims: bool = False,
        out: Tensor | None = None) -> Tensor:
    return _apply_one(_ALL, x, {"axis": axis, "keepdims": keepdims}, out)


def any(x: Tensor, /, *, axis: Any = None, keepdims: bool = False,
        out: Tensor | None = None) -> Tensor:
    return _apply_one(_ANY, x, {"axis": axis, "keepdims": keepdims}, out)


def cumulative_sum(x: Tensor, /, *, axis: int | None = None, dtype: Any = None,
                   include_initial: bool = False, out: Tensor | None = None) -> Tensor:
    return _apply_one(_CUMSUM, x, {"axis": axis, "dtype": dtype,
                                  "include_initial": include_initial}, out)


def cumulative_prod(x: Tensor, /, *, axis: int | None = None, dtype: Any = None,
                    include_initial: bool = False, out: Tensor | None = None) -> Tensor:
    return _apply_one(_CUMPROD, x, {"axis": axis, "dtype": dtype,
                                  "include_initial": include_initial}, out)
