"""Set functions: unique_all, unique_counts, unique_inverse, unique_values."""

from __future__ import annotations

from typing import Any

from . import dispatch
from .tensor import Tensor

_op = dispatch.op


def unique_all(x: Tensor, /) -> Any:
    return dispatch.apply(_op("unique_all"), (x,))


def unique_counts(x: Tensor, /) -> Any:
    return dispatch.apply(_op("unique_counts"), (x,))


def unique_inverse(x: Tensor, /) -> Any:
    return dispatch.apply(_op("unique_inverse"), (x,))


def _unique_values_generic(xp: Any, x: Any) -> Any:
    # Sorted, like the other unique_* results (NumPy 2.3+ may hash and return any order).
    return xp.sort(xp.unique_values(x))


_UNIQUE_VALUES = _op("unique_values", _unique_values_generic)


def unique_values(x: Tensor, /, *, out: Tensor | None = None) -> Tensor:
    """The distinct values of ``x``, sorted ascending (NaNs last)."""
    return dispatch.apply_one(_UNIQUE_VALUES, x, {}, out)


def _isin_generic(xp: Any, x1: Any, x2: Any, invert: bool = False) -> Any:
    # Sort the test values once, then binary-search every element of x1 among them.
    values = xp.sort(xp.reshape(x2, (-1,)))
    if values.shape[0] == 0:
        found = xp.zeros(x1.shape, dtype=xp.bool)
    else:
        flat = xp.reshape(x1, (-1,))
        pos = xp.searchsorted(values, flat)
        pos = xp.clip(pos, 0, values.shape[0] - 1)
        found = xp.reshape(xp.take(values, pos) == flat, x1.shape)
    return xp.logical_not(found) if invert else found


_ISIN = _op("isin", _isin_generic)


def isin(x1: Tensor, x2: Tensor, /, *, invert: bool = False,
         out: Tensor | None = None) -> Tensor:
    """Whether each element of ``x1`` occurs in ``x2`` (Array API 2024.12)."""
    return dispatch.apply(_ISIN, (x1, x2), {"invert": invert}, out)
