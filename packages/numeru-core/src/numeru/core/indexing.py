"""Indexing: basic slicing gives views, integer-array and boolean indexing copy.

Keys follow NumPy: ints, slices (negative steps too), ``...``, ``None``, integer tensors and
boolean masks. Tensor parts of a key must live on the indexed tensor's device.
"""

from __future__ import annotations

from typing import Any

from . import dispatch
from .errors import DeviceError, DTypeError, ShapeError
from .tensor import Tensor


def _unwrap_key(x: Tensor, key: Any) -> Any:
    if isinstance(key, tuple):
        return tuple(_unwrap_key(x, k) for k in key)
    if isinstance(key, Tensor):
        if key.device is not x.device:
            raise DeviceError(f"index: expected an index tensor on {x.device}, got one on "
                              f"{key.device}")
        if key.dtype.kind not in "biu":
            raise DTypeError(f"index: expected an integer or boolean tensor, got {key.dtype}")
        return key.data
    if isinstance(key, list):
        return x.device.backend.xp.asarray(key) if x.device.type != "cpu" else _list_key(key)
    return key


def _list_key(key: list[Any]) -> Any:
    import numpy as np

    array = np.asarray(key)
    if array.dtype.kind not in "biu" and array.size:
        raise DTypeError(f"index: expected a list of ints or bools, got {key!r}")
    return array.astype(np.intp) if array.size == 0 else array


def _getitem_generic(xp: Any, x: Any, key: Any) -> Any:
    return x[key]


_GETITEM = dispatch.op("getitem", _getitem_generic)


def getitem(x: Tensor, key: Any) -> Tensor:
    raw = _unwrap_key(x, key)
    try:
        return dispatch.apply(_GETITEM, (x,), {"key": raw})
    except IndexError as exc:
        raise ShapeError(f"index {key!r} out of range for shape {x.shape}: {exc}") from None


def _setitem_generic(xp: Any, x: Any, value: Any, key: Any) -> None:
    x[key] = value


_SETITEM = dispatch.op("setitem", _setitem_generic)


def setitem(x: Tensor, key: Any, value: Any) -> None:
    raw = _unwrap_key(x, key)
    if isinstance(value, Tensor) and value.device is not x.device:
        raise DeviceError(f"setitem: value: expected a tensor on {x.device}, got one on "
                          f"{value.device}")
    try:
        dispatch.apply(_SETITEM, (x, value), {"key": raw})
    except IndexError as exc:
        raise ShapeError(f"index {key!r} out of range for shape {x.shape}: {exc}") from None
    except ValueError as exc:
        shape = getattr(value, "shape", ())
        raise ShapeError(f"setitem: value of shape {tuple(shape)} does not broadcast to the "
                         f"indexed region of a tensor of shape {x.shape}: {exc}") from None


def masked_fill(x: Tensor, mask: Tensor, value: Any) -> Tensor:
    """A copy of ``x`` with ``value`` where ``mask`` is true (mask broadcasts to ``x``)."""
    from .searching import where

    if not isinstance(mask, Tensor) or mask.dtype.kind != "b":
        raise DTypeError(f"masked_fill: mask: expected a boolean tensor, got {mask!r}")
    fill = value if isinstance(value, Tensor) else _scalar_like(x, value)
    return where(mask, fill, x)


def _scalar_like(x: Tensor, value: Any) -> Tensor:
    from .creation import asarray

    return asarray(value, dtype=x.dtype, device=x.device)
