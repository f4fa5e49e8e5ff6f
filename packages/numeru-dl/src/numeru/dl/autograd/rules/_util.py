"""Helpers shared by the gradient rules."""

from __future__ import annotations

from typing import Any

import numeru.core as nm
from numeru.core.tensor import Tensor


def as_tensor(value: Any, like: Tensor) -> Any:
    """Python scalars stay scalars; host arrays become tensors on ``like``'s device."""
    if isinstance(value, (Tensor, bool, int, float, complex)) or value is None:
        return value
    return nm.asarray(value, device=like.device)


def unbroadcast(g: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Sum ``g`` down to ``shape``: the gradient of broadcasting ``shape`` to ``g.shape``."""
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1)
    if axes:
        g = nm.sum(g, axis=axes, keepdims=True)
    return nm.reshape(g, shape)


def normalize_axes(axis: Any, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = (axis,)
    return tuple(sorted(a % ndim if ndim else 0 for a in axis))


def expand_reduced(g: Tensor, x_shape: tuple[int, ...], axis: Any, keepdims: bool) -> Tensor:
    """Put the reduced axes back into ``g`` (as size 1) so it broadcasts against the input."""
    if keepdims:
        return g
    shape = list(x_shape)
    for a in normalize_axes(axis, len(x_shape)):
        shape[a] = 1
    return nm.reshape(g, tuple(shape))


def count(x_shape: tuple[int, ...], axis: Any) -> int:
    n = 1
    for a in normalize_axes(axis, len(x_shape)):
        n *= x_shape[a]
    return n


def zeros_of(x: Tensor) -> Tensor:
    return nm.zeros(x.shape, dtype=x.dtype, device=x.device)
