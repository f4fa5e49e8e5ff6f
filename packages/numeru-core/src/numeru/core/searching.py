"""Searching and sorting: argmax, argmin, where, nonzero, sort, argsort, searchsorted."""

from __future__ import annotations

from typing import Any

from . import dispatch
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
    return tuple(dispatch.apply(_op("nonzero"), (x,)))


def count_nonzero(x: Tensor, /, *, axis: Any = None, keepdims: bool = False,
                  out: Tensor | None = None) -> Tensor:
    return dispatch.apply_one(_op("count_nonzero"), x, {"axis": axis, "keepdims": keepdims},
                              out)


def where(condition: Tensor, x1: Any, x2: Any, /, *, out: Tensor | None = None) -> Tensor:
    return dispatch.apply(_op("where"), (condition, x1, x2), {}, out)


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
    return dispatch.apply_one(_ARGSORT, x,
                              {"axis": axis, "descending": descending, "stable": stable}, out)


def sort(x: Tensor, /, *, axis: int = -1, descending: bool = False, stable: bool = True,
         out: Tensor | None = None) -> Tensor:
    """A sorted copy of ``x`` along ``axis``; NaN placed as in ``argsort``."""
    return dispatch.apply(_SORT, (x,),
                          {"axis": axis, "descending": descending, "stable": stable}, out)


def searchsorted(x1: Tensor, x2: Tensor, /, *, side: str = "left",
                 sorter: Tensor | None = None, out: Tensor | None = None) -> Tensor:
    if side not in ("left", "right"):
        from .errors import expected

        raise expected("side", "'left' or 'right'", side)
    sorter_data = sorter.data if isinstance(sorter, Tensor) else sorter
    return dispatch.apply(_op("searchsorted"), (x1, x2), {"side": side, "sorter": sorter_data},
                          out)
