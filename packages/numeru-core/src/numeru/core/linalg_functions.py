"""The linear-algebra functions of the main namespace: matmul, tensordot, vecdot."""

from __future__ import annotations

from typing import Any

from . import dispatch
from .errors import ShapeError
from .manipulation import _shape_error
from .tensor import Tensor

_op = dispatch.op


def matmul(x1: Tensor, x2: Tensor, /, *, out: Tensor | None = None) -> Tensor:
    # Nested lists (``[[1, 0], [0, 1]] @ t``) become tensors first, as NumPy converts them.
    if isinstance(x1, (list, tuple)):
        x1 = Tensor._from_host(x1, getattr(x2, "device", None))
    if isinstance(x2, (list, tuple)):
        x2 = Tensor._from_host(x2, getattr(x1, "device", None))
    a_shape, b_shape = getattr(x1, "shape", None), getattr(x2, "shape", None)
    if a_shape is not None and b_shape is not None and a_shape and b_shape:
        k1 = a_shape[-1]
        k2 = b_shape[-2] if len(b_shape) > 1 else b_shape[0]
        if k1 != k2:
            raise ShapeError(f"matmul: inner dimensions differ: {a_shape} @ {b_shape}")
    try:
        return dispatch.apply(_op("matmul"), (x1, x2), {}, out)
    except ValueError as exc:  # 0-d operands, batch shapes that do not broadcast
        raise _shape_error("matmul", exc, x1, x2) from None


def tensordot(x1: Tensor, x2: Tensor, /, *, axes: Any = 2, out: Tensor | None = None) -> Tensor:
    try:
        return dispatch.apply(_op("tensordot"), (x1, x2), {"axes": axes}, out)
    except ValueError as exc:  # contracted axes of different sizes
        raise _shape_error("tensordot", exc, x1, x2) from None


def vecdot(x1: Tensor, x2: Tensor, /, *, axis: int = -1, out: Tensor | None = None) -> Tensor:
    try:
        return dispatch.apply(_op("vecdot"), (x1, x2), {"axis": axis}, out)
    except ValueError as exc:  # AxisError, contracted axes of different sizes, 0-d operands
        raise _shape_error("vecdot", exc, x1, x2) from None
