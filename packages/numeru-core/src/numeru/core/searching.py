"""Searching and sorting: argmax, argmin, where, nonzero, sort, argsort, searchsorted."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import dispatch
from .errors import NumeruError, OutOfBoundsError, ShapeError, expected
from .statistics import _apply_one
from .tensor import Tensor

_op = dispatch.op


def argmax(x: Tensor, /, *, axis: int | None = None, keepdims: bool = False,
           out: Tensor | None = None) -> Tensor:
    return _apply_one(_op("argmax"), x, {"axis": axis, "keepdims": keepdims}, out)


def argmin(x: Tensor, /, *, axis: int | None = None, keepdims: bool = False,
           out: Tensor | None = None) -> Tensor:
    return _apply_one(_op("argmin"), x, {"axis": axis, "keepdims": keepdims}, out)


def nonzero(x: Tensor, /) -> tuple[Tensor, ...]:
    if getattr(x, "ndim", 1) == 0:  # the standard and NumPy 2 refuse a 0-d input
        raise ShapeError("nonzero: x: expected a tensor of at least one dimension, got shape "
                         "() (reshape it to (1,) first)")
    return tuple(dispatch.apply(_op("nonzero"), (x,)))


def _axis_error(name: str, x: Any, axis: Any, exc: Exception) -> Exception:
    """NumPy's AxisError (or an IndexError of the generic code) for an axis out of range, as
    a ShapeError naming the axis."""
    ndim = getattr(x, "ndim", None)
    if isinstance(exc, NumeruError) or ndim is None or not (
            isinstance(exc, np.exceptions.AxisError)
            or (isinstance(exc, IndexError) and not -ndim <= axis < ndim)):
        return exc
    if ndim == 0:
        return ShapeError(f"{name}: x: expected a tensor of at least one dimension, got "
                          f"shape ()")
    return expected(f"{name}: axis", f"an int in [-{ndim}, {ndim}) for a tensor of shape "
                    f"{x.shape}", axis, error=ShapeError)


def count_nonzero(x: Tensor, /, *, axis: Any = None, keepdims: bool = False,
                  out: Tensor | None = None) -> Tensor:
    return dispatch.apply_one(_op("count_nonzero"), x, {"axis": axis, "keepdims": keepdims},
                              out)


def where(condition: Tensor, x1: Any, x2: Any, /, *, out: Tensor | None = None) -> Tensor:
    """``x1`` where ``condition`` holds, else ``x2``; either may be a Python scalar (weak, as
    in every binary op: it takes the other operand's dtype)."""
    if x1.__class__ is int or x2.__class__ is int:
        _check_int_scalars(x1, x2)
    try:
        return dispatch.apply(_op("where"), (condition, x1, x2), {}, out)
    except ValueError as exc:
        if isinstance(exc, NumeruError) or "broadcast" not in str(exc):
            raise
        shapes = [getattr(v, "shape", ()) for v in (condition, x1, x2)]
        dispatch.broadcast_shape("where", *shapes)  # raises the ShapeError naming them
        raise


def _check_int_scalars(x1: Any, x2: Any) -> None:
    """A Python int beside an integer tensor must fit its dtype (the standard; NumPy's
    ``where`` wraps ``300`` into int8 silently, where ``add`` raises OverflowError)."""
    for name, value, other in (("x1", x1, x2), ("x2", x2, x1)):
        if value.__class__ is int and isinstance(other, Tensor) and other.dtype.kind in "iu":
            dtype = other.dtype
            info = np.iinfo(dtype)
            if not info.min <= value <= info.max:
                raise OutOfBoundsError(f"where: {name}: expected a Python int within the "
                                       f"range of {dtype} (a Python scalar takes the other "
                                       f"operand's dtype, NEP 50), got {value}")


def _argsort_generic(xp: Any, x: Any, axis: int = -1, descending: bool = False,
                     stable: bool = True) -> Any:
    if not descending:
        return xp.argsort(x, axis=axis, stable=stable)
    # Descending and stable: sort the reversed array ascending, then map indices back, so
    # equal elements keep their original order.
    n = x.shape[axis]
    reversed_order = xp.argsort(xp.flip(x, axis=axis), axis=axis, stable=True)
    return xp.flip((n - 1) - reversed_order, axis=axis)


_ARGSORT = _op("argsort", _argsort_generic)


def _sort_generic(xp: Any, x: Any, axis: int = -1, descending: bool = False,
                  stable: bool = True) -> Any:
    if not descending:
        return xp.sort(x, axis=axis, stable=stable)
    # Sorting the reversed array and reversing the result keeps equal elements (-0.0 and 0.0)
    # in their original order, as a stable descending sort must.
    return xp.flip(xp.sort(xp.flip(x, axis=axis), axis=axis, stable=stable), axis=axis)


_SORT = _op("sort", _sort_generic)


def argsort(x: Tensor, /, *, axis: int = -1, descending: bool = False,
            stable: bool = True, out: Tensor | None = None) -> Tensor:
    """Indices that sort ``x`` along ``axis``. NaN counts as the largest value: last ascending
    (NumPy), first with ``descending=True`` (PyTorch); stable both ways."""
    try:
        return dispatch.apply_one(_ARGSORT, x, {"axis": axis, "descending": descending,
                                                "stable": stable}, out)
    except (ValueError, IndexError) as exc:
        raise _axis_error("argsort", x, axis, exc) from None


def sort(x: Tensor, /, *, axis: int = -1, descending: bool = False, stable: bool = True,
         out: Tensor | None = None) -> Tensor:
    """A sorted copy of ``x`` along ``axis``; NaN placed as in ``argsort``."""
    try:
        return dispatch.apply(_SORT, (x,),
                              {"axis": axis, "descending": descending, "stable": stable}, out)
    except (ValueError, IndexError) as exc:
        raise _axis_error("sort", x, axis, exc) from None


def searchsorted(x1: Tensor, x2: Tensor, /, *, side: str = "left",
                 sorter: Tensor | None = None, out: Tensor | None = None) -> Tensor:
    if side not in ("left", "right"):
        raise expected("side", "'left' or 'right'", side)
    if isinstance(x1, Tensor) and x1.ndim != 1:
        raise ShapeError(f"searchsorted: x1: expected a 1-D sorted tensor, got shape "
                         f"{x1.shape}")
    sorter_data = sorter.data if isinstance(sorter, Tensor) else sorter
    return dispatch.apply(_op("searchsorted"), (x1, x2), {"side": side, "sorter": sorter_data},
                          out)
