"""Reductions and statistics: sum, prod, mean, var, std, min, max, cumulative sums, all, any."""

from __future__ import annotations

from typing import Any

from . import dispatch
from .tensor import Tensor

_op = dispatch.op


def _reduce(name: str, x: Tensor, out: Tensor | None, **params: Any) -> Tensor:
    return dispatch.apply(_op(name), (x,), params, out)


def sum(x: Tensor, /, *, axis: Any = None, dtype: Any = None, keepdims: bool = False,  # noqa: A001
        out: Tensor | None = None) -> Tensor:
    return _reduce("sum", x, out, axis=axis, dtype=dtype, keepdims=keepdims)


def prod(x: Tensor, /, *, axis: Any = None, dtype: Any = None, keepdims: bool = False,
         out: Tensor | None = None) -> Tensor:
    return _reduce("prod", x, out, axis=axis, dtype=dtype, keepdims=keepdims)


def mean(x: Tensor, /, *, axis: Any = None, keepdims: bool = False,
         out: Tensor | None = None) -> Tensor:
    return _reduce("mean", x, out, axis=axis, keepdims=keepdims)


def var(x: Tensor, /, *, axis: Any = None, correction: float = 0.0, keepdims: bool = False,
        out: Tensor | None = None) -> Tensor:
    return _reduce("var", x, out, axis=axis, correction=correction, keepdims=keepdims)


def std(x: Tensor, /, *, axis: Any = None, correction: float = 0.0, keepdims: bool = False,
        out: Tensor | None = None) -> Tensor:
    return _reduce("std", x, out, axis=axis, correction=correction, keepdims=keepdims)


def max(x: Tensor, /, *, axis: Any = None, keepdims: bool = False,  # noqa: A001
        out: Tensor | None = None) -> Tensor:
    return _reduce("max", x, out, axis=axis, keepdims=keepdims)


def min(x: Tensor, /, *, axis: Any = None, keepdims: bool = False,  # noqa: A001
        out: Tensor | None = None) -> Tensor:
    return _reduce("min", x, out, axis=axis, keepdims=keepdims)


def all(x: Tensor, /, *, axis: Any = None, keepdims: bool = False,  # noqa: A001
        out: Tensor | None = None) -> Tensor:
    return _reduce("all", x, out, axis=axis, keepdims=keepdims)


def any(x: Tensor, /, *, axis: Any = None, keepdims: bool = False,  # noqa: A001
        out: Tensor | None = None) -> Tensor:
    return _reduce("any", x, out, axis=axis, keepdims=keepdims)


def cumulative_sum(x: Tensor, /, *, axis: int | None = None, dtype: Any = None,
                   include_initial: bool = False, out: Tensor | None = None) -> Tensor:
    return _reduce("cumulative_sum", x, out, axis=axis, dtype=dtype,
                   include_initial=include_initial)


def cumulative_prod(x: Tensor, /, *, axis: int | None = None, dtype: Any = None,
                    include_initial: bool = False, out: Tensor | None = None) -> Tensor:
    return _reduce("cumulative_prod", x, out, axis=axis, dtype=dtype,
                   include_initial=include_initial)
