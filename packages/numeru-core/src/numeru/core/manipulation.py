"""Shape manipulation: reshape, permute_dims, concat, stack, flip, roll, tile, ..."""

from __future__ import annotations

from typing import Any

from . import dispatch
from .tensor import Tensor

_op = dispatch.op


def reshape(x: Tensor, /, shape: tuple[int, ...], *, copy: bool | None = None) -> Tensor:
    return dispatch.apply(_op("reshape"), (x,), {"shape": tuple(shape), "copy": copy})


def permute_dims(x: Tensor, /, axes: tuple[int, ...]) -> Tensor:
    return dispatch.apply(_op("permute_dims"), (x,), {"axes": tuple(axes)})


def matrix_transpose(x: Tensor, /) -> Tensor:
    return dispatch.apply(_op("matrix_transpose"), (x,))


def moveaxis(x: Tensor, source: Any, destination: Any, /) -> Tensor:
    return dispatch.apply(_op("moveaxis"), (x,), {"source": source, "destination": destination})


def concat(arrays: Any, /, *, axis: int | None = 0, out: Tensor | None = None) -> Tensor:
    return dispatch.apply(_op("concat"), (tuple(arrays),), {"axis": axis}, out)


def stack(arrays: Any, /, *, axis: int = 0, out: Tensor | None = None) -> Tensor:
    return dispatch.apply(_op("stack"), (tuple(arrays),), {"axis": axis}, out)


def unstack(x: Tensor, /, *, axis: int = 0) -> tuple[Tensor, ...]:
    return tuple(dispatch.apply(_op("unstack"), (x,), {"axis": axis}))


def squeeze(x: Tensor, /, axis: Any) -> Tensor:
    return dispatch.apply(_op("squeeze"), (x,), {"axis": axis})


def expand_dims(x: Tensor, /, *, axis: int = 0) -> Tensor:
    return dispatch.apply(_op("expand_dims"), (x,), {"axis": axis})


def flip(x: Tensor, /, *, axis: Any = None) -> Tensor:
    return dispatch.apply(_op("flip"), (x,), {"axis": axis})


def roll(x: Tensor, /, shift: Any, *, axis: Any = None) -> Tensor:
    return dispatch.apply(_op("roll"), (x,), {"shift": shift, "axis": axis})


def broadcast_to(x: Tensor, /, shape: tuple[int, ...]) -> Tensor:
    return dispatch.apply(_op("broadcast_to"), (x,), {"shape": tuple(shape)})


def broadcast_arrays(*arrays: Tensor) -> list[Tensor]:
    return list(dispatch.apply(_op("broadcast_arrays"), tuple(arrays)))


def repeat(x: Tensor, repeats: Any, /, *, axis: int | None = None) -> Tensor:
    return dispatch.apply(_op("repeat"), (x, repeats), {"axis": axis})


def tile(x: Tensor, repetitions: tuple[int, ...], /) -> Tensor:
    return dispatch.apply(_op("tile"), (x,), {"reps": tuple(repetitions)})


def take(x: Tensor, indices: Tensor, /, *, axis: int | None = None,
         out: Tensor | None = None) -> Tensor:
    return dispatch.apply(_op("take"), (x, indices), {"axis": axis}, out)
