"""Indexing: basic slicing gives views, integer-array and boolean indexing copy.

Keys follow NumPy: ints, slices (negative steps too), ``...``, ``None``, integer tensors and
boolean masks. Tensor parts of a key must live on the indexed tensor's device.

Basic keys (ints, slices, ``...``, ``None``) always give a view, also when every axis is
indexed by an int: ``x[0, 1]`` is a 0-d tensor sharing ``x``'s memory (PyTorch's rule; NumPy
would return a detached scalar), so ``x[0, 1].fill_(5)`` writes into ``x``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import dispatch
from .errors import (
    DeviceError,
    DTypeError,
    IndexOutOfRangeError,
    NumeruError,
    ShapeError,
    ValidationError,
)
from .tensor import Tensor

_BASIC = (int, slice, type(None), type(Ellipsis))


def _is_basic(key: Any) -> bool:
    if key.__class__ in _BASIC_SET:
        return True
    if key.__class__ is tuple:
        return all(k.__class__ in _BASIC_SET for k in key)
    return False


_BASIC_SET = frozenset(_BASIC)


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
    if isinstance(key, (bool, np.bool_)):
        return key
    if isinstance(key, np.ndarray) and x.device.type != "cpu":
        raise DeviceError(f"index: expected an index on {x.device}, got a NumPy array")
    return key


def _list_key(key: list[Any]) -> Any:
    array = np.asarray(key)
    if array.dtype.kind not in "biu" and array.size:
        raise DTypeError(f"index: expected a list of ints or bools, got {key!r}")
    return array.astype(np.intp) if array.size == 0 else array


def _getitem_generic(xp: Any, x: Any, key: Any) -> Any:
    result = x[key]
    if type(result) is not type(x) and _is_basic(key):
        # NumPy gives a detached scalar for a full integer index; ``...`` keeps a 0-d view.
        result = x[(*key, Ellipsis) if isinstance(key, tuple) else (key, Ellipsis)]
    return result


_GETITEM = dispatch.op("getitem", _getitem_generic)


def getitem(x: Tensor, key: Any) -> Tensor:
    """``x[key]``: a view for basic keys, a copy for integer-array and boolean keys."""
    raw = key if _is_basic(key) else _unwrap_key(x, key)
    try:
        return dispatch.apply_one(_GETITEM, x, {"key": raw})
    except IndexError as exc:
        raise IndexOutOfRangeError(f"index {_show(key)}: out of range for shape {x.shape}: "
                                   f"{exc}") from None


def _show(key: Any) -> str:
    text = repr(key)
    return text if len(text) <= 80 else text[:77] + "..."


def _setitem_generic(xp: Any, x: Any, value: Any, key: Any) -> None:
    x[key] = value


_SETITEM = dispatch.op("setitem", _setitem_generic)


def setitem(x: Tensor, key: Any, value: Any) -> None:
    """``x[key] = value`` in place; ``value`` broadcasts to the indexed region."""
    raw = key if _is_basic(key) else _unwrap_key(x, key)
    if isinstance(value, Tensor) and value.device is not x.device:
        raise DeviceError(f"setitem: value: expected a tensor on {x.device}, got one on "
                          f"{value.device}")
    try:
        dispatch.apply(_SETITEM, (x, value), {"key": raw})
    except IndexError as exc:
        raise IndexOutOfRangeError(f"index {_show(key)}: out of range for shape {x.shape}: "
                                   f"{exc}") from None
    except ValueError as exc:
        raise setitem_error(x, value, exc) from None


def setitem_error(x: Tensor, value: Any, exc: ValueError) -> Exception:
    """NumPy's ValueError from ``x[key] = value`` as numeru's error: a ``ShapeError`` when
    ``value`` does not fit the indexed region, a ``ValidationError`` naming ``value`` when it
    does not convert to ``x``'s dtype (NaN or infinity into an integer tensor)."""
    if isinstance(exc, NumeruError):
        return exc
    text = str(exc)
    if "read-only" in text:  # e.g. a view of a read-only NumPy array or of an mmap load
        return ValidationError(f"setitem: x: expected a writable tensor, got a read-only one "
                               f"of shape {x.shape} (copy it first: x = x.copy())")
    if "convert" in text and "broadcast" not in text:
        shown = value.dtype if isinstance(value, Tensor) else repr(value)
        return ValidationError(f"setitem: value: expected values that convert to the "
                               f"tensor's dtype {x.dtype}, got {shown} ({text})")
    shape = tuple(getattr(value, "shape", np.shape(value)))
    return ShapeError(f"setitem: value of shape {shape} does not broadcast to the "
                      f"indexed region of a tensor of shape {x.shape}: {text}")


def _check_mask(x: Tensor, mask: Any, name: str) -> None:
    if not isinstance(mask, Tensor) or mask.dtype.kind != "b":
        got = mask.dtype if isinstance(mask, Tensor) else type(mask).__name__
        raise DTypeError(f"{name}: mask: expected a boolean tensor, got {got}")
    dispatch.broadcast_shape(name, mask.shape, x.shape)
    if dispatch.broadcast_shape(name, mask.shape, x.shape) != x.shape:
        raise ShapeError(f"{name}: mask of shape {mask.shape} must broadcast to the tensor's "
                         f"shape {x.shape}")


def masked_fill(x: Tensor, mask: Tensor, value: Any, *, out: Tensor | None = None) -> Tensor:
    """A copy of ``x`` with ``value`` where ``mask`` is true (mask broadcasts to ``x``)."""
    from .searching import where

    _check_mask(x, mask, "masked_fill")
    fill = value if isinstance(value, Tensor) else _scalar_like(x, value)
    return where(mask, fill, x, out=out)


def _masked_fill_generic(xp: Any, x: Any, mask: Any, value: Any) -> None:
    # Standard-only: a boolean key of the tensor's full shape selects the elements to write.
    x[xp.broadcast_to(mask, x.shape)] = value


_MASKED_FILL_ = dispatch.op("masked_fill_", _masked_fill_generic)


def masked_fill_(x: Tensor, mask: Tensor, value: Any) -> None:
    """Write ``value`` (a scalar or one-element tensor) into ``x`` where ``mask`` is true."""
    _check_mask(x, mask, "masked_fill_")
    if isinstance(value, Tensor):
        if value.size != 1:
            raise ShapeError(f"masked_fill_: value: expected a scalar or a one-element tensor, "
                             f"got shape {value.shape}")
        value = value.item()
    dispatch.apply(_MASKED_FILL_, (x, mask, value))


def _scalar_like(x: Tensor, value: Any) -> Tensor:
    from .creation import asarray

    return asarray(value, dtype=x.dtype, device=x.device)
