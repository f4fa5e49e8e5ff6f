"""Scatter ops numeru.dl declares for the gradients of indexing: the adjoints of gather.

Each is a named dispatch op with a generic implementation over the array namespace, so a GPU
backend can register a faster kernel under the same name. ``add.at`` is NumPy's (and CuPy's
``cupyx``) unbuffered scatter-add: duplicate indices add up, which is what gradients need.
"""

from __future__ import annotations

from typing import Any

from numeru.core import dispatch
from numeru.core.errors import DeviceError
from numeru.core.tensor import Tensor


def _is_basic(key: Any) -> bool:
    """Whether an index key is made only of ints, slices, None and Ellipsis (a view)."""
    parts = key if isinstance(key, tuple) else (key,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, slice)) for p in parts)


def _add_at(xp: Any, target: Any, key: Any, values: Any) -> None:
    add = getattr(xp, "add", None)
    at = getattr(add, "at", None)
    if at is None:
        raise DeviceError(f"scatter-add: the array namespace {xp.__name__} has no add.at; "
                          "register a kernel for this op on that backend")
    at(target, key, values)


def _getitem_backward(xp: Any, g: Any, shape: tuple[int, ...], key: Any) -> Any:
    out = xp.zeros(shape, dtype=g.dtype)
    if _is_basic(key):
        out[key] = g
    else:
        _add_at(xp, out, key, g)
    return out


def _index_add(xp: Any, g: Any, index: Any, axis: int, size: int) -> Any:
    """Zeros with ``size`` entries along ``axis``, plus ``g``'s slices added at ``index``."""
    moved = xp.moveaxis(g, axis, 0)
    out = xp.zeros((size, *moved.shape[index.ndim:]), dtype=g.dtype)
    _add_at(xp, out, index, moved)
    return xp.moveaxis(out, 0, axis)


def _take_along_axis(xp: Any, x: Any, indices: Any, axis: int) -> Any:
    return xp.take_along_axis(x, indices, axis=axis)


def _scatter_along_axis(xp: Any, g: Any, indices: Any, axis: int, size: int) -> Any:
    shape = list(g.shape)
    shape[axis] = size
    out = xp.zeros(tuple(shape), dtype=g.dtype)
    grids = list(xp.ix_(*[xp.arange(n) for n in g.shape]))
    grids[axis] = indices
    _add_at(xp, out, tuple(grids), g)
    return out


GETITEM_BACKWARD = dispatch.op("getitem_backward", _getitem_backward)
INDEX_ADD = dispatch.op("index_add", _index_add)
TAKE_ALONG_AXIS = dispatch.op("take_along_axis", _take_along_axis)
SCATTER_ALONG_AXIS = dispatch.op("scatter_along_axis", _scatter_along_axis)


def getitem_backward(g: Tensor, shape: tuple[int, ...], key: Any) -> Tensor:
    return dispatch.apply(GETITEM_BACKWARD, (g,), {"shape": tuple(shape), "key": key})


def index_add(g: Tensor, index: Any, axis: int, size: int) -> Tensor:
    """``zeros`` of ``size`` along ``axis`` with the slices of ``g`` added at ``index``."""
    return dispatch.apply(INDEX_ADD, (g, index), {"axis": axis, "size": int(size)})


def take_along_axis(x: Tensor, indices: Tensor, axis: int) -> Tensor:
    """``x`` gathered along ``axis`` at ``indices`` (NumPy's ``take_along_axis``)."""
    return dispatch.apply(TAKE_ALONG_AXIS, (x, indices), {"axis": axis})


def scatter_along_axis(g: Tensor, indices: Tensor, axis: int, size: int) -> Tensor:
    """The adjoint of ``take_along_axis``: ``g`` added into zeros at ``indices``."""
    return dispatch.apply(SCATTER_ALONG_AXIS, (g, indices), {"axis": axis, "size": int(size)})
