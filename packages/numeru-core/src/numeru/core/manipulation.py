"""Shape manipulation: reshape, permute_dims, concat, stack, flip, roll, tile, ..."""

from __future__ import annotations

from typing import Any

from . import dispatch
from .errors import NumeruError, ShapeError
from .tensor import Tensor

_op = dispatch.op


def _shape_error(name: str, exc: ValueError, *inputs: Any) -> Exception:
    """NumPy's ValueError about shapes or axes, as a ShapeError that shows the input shapes."""
    if isinstance(exc, NumeruError):
        return exc
    shapes = ", ".join(str(getattr(t, "shape", "?")) for t in inputs)
    return ShapeError(f"{name}: {exc} (input shapes: {shapes})")


def reshape(x: Tensor, /, shape: tuple[int, ...], *, copy: bool | None = None) -> Tensor:
    try:
        return dispatch.apply_one(_op("reshape"), x, {"shape": tuple(shape), "copy": copy})
    except ValueError as exc:
        raise _shape_error("reshape", exc, x) from None


def permute_dims(x: Tensor, /, axes: tuple[int, ...]) -> Tensor:
    try:
        return dispatch.apply_one(_op("permute_dims"), x, {"axes": tuple(axes)})
    except ValueError as exc:
        raise _shape_error("permute_dims", exc, x) from None


def matrix_transpose(x: Tensor, /) -> Tensor:
    try:
        return dispatch.apply_one(_op("matrix_transpose"), x, {})
    except ValueError as exc:
        raise _shape_error("matrix_transpose", exc, x) from None


# The Array API takes these arguments positionally only (NumPy also takes them by keyword,
# array-api-strict does not), so the generic code passes them by position.
def _moveaxis(xp: Any, x: Any, source: Any, destination: Any) -> Any:
    return xp.moveaxis(x, source, destination)


def _tile(xp: Any, x: Any, reps: tuple[int, ...]) -> Any:
    return xp.tile(x, reps)


def moveaxis(x: Tensor, source: Any, destination: Any, /) -> Tensor:
    try:
        return dispatch.apply_one(_op("moveaxis", _moveaxis), x,
                                  {"source": source, "destination": destination})
    except ValueError as exc:
        raise _shape_error("moveaxis", exc, x) from None


def concat(arrays: Any, /, *, axis: int | None = 0, out: Tensor | None = None) -> Tensor:
    arrays = tuple(arrays)
    try:
        return dispatch.apply(_op("concat"), (arrays,), {"axis": axis}, out)
    except ValueError as exc:
        raise _shape_error("concat", exc, *arrays) from None


def stack(arrays: Any, /, *, axis: int = 0, out: Tensor | None = None) -> Tensor:
    arrays = tuple(arrays)
    try:
        return dispatch.apply(_op("stack"), (arrays,), {"axis": axis}, out)
    except ValueError as exc:
        raise _shape_error("stack", exc, *arrays) from None


def unstack(x: Tensor, /, *, axis: int = 0) -> tuple[Tensor, ...]:
    try:
        return tuple(dispatch.apply(_op("unstack"), (x,), {"axis": axis}))
    except ValueError as exc:
        raise _shape_error("unstack", exc, x) from None


def squeeze(x: Tensor, /, axis: Any) -> Tensor:
    axes = axis if isinstance(axis, tuple) else (axis,)
    for a in axes:
        if not -x.ndim <= a < x.ndim:
            raise ShapeError(f"squeeze: axis: expected an axis of a {x.ndim}-D tensor, got {a}")
        if x.shape[a] != 1:
            raise ShapeError(f"squeeze: axis {a}: expected size 1, got size {x.shape[a]} "
                             f"(shape {x.shape})")
    return dispatch.apply_one(_op("squeeze"), x, {"axis": axis})


def expand_dims(x: Tensor, /, axis: int = 0) -> Tensor:
    try:
        return dispatch.apply_one(_op("expand_dims"), x, {"axis": axis})
    except ValueError as exc:
        raise _shape_error("expand_dims", exc, x) from None


def flip(x: Tensor, /, *, axis: Any = None) -> Tensor:
    try:
        return dispatch.apply_one(_op("flip"), x, {"axis": axis})
    except ValueError as exc:
        raise _shape_error("flip", exc, x) from None


def roll(x: Tensor, /, shift: Any, *, axis: Any = None, out: Tensor | None = None) -> Tensor:
    try:
        return dispatch.apply_one(_op("roll"), x, {"shift": shift, "axis": axis}, out)
    except ValueError as exc:
        raise _shape_error("roll", exc, x) from None


def broadcast_to(x: Tensor, /, shape: tuple[int, ...]) -> Tensor:
    try:
        return dispatch.apply_one(_op("broadcast_to"), x, {"shape": tuple(shape)})
    except ValueError as exc:
        raise _shape_error("broadcast_to", exc, x) from None


def broadcast_arrays(*arrays: Tensor) -> list[Tensor]:
    try:
        return list(dispatch.apply(_op("broadcast_arrays"), tuple(arrays)))
    except ValueError as exc:
        raise _shape_error("broadcast_arrays", exc, *arrays) from None


def repeat(x: Tensor, repeats: Any, /, *, axis: int | None = None,
           out: Tensor | None = None) -> Tensor:
    try:
        return dispatch.apply(_op("repeat"), (x, repeats), {"axis": axis}, out)
    except ValueError as exc:
        raise _shape_error("repeat", exc, x) from None


def tile(x: Tensor, repetitions: tuple[int, ...], /, *, out: Tensor | None = None) -> Tensor:
    try:
        return dispatch.apply_one(_op("tile", _tile), x, {"reps": tuple(repetitions)}, out)
    except ValueError as exc:
        raise _shape_error("tile", exc, x) from None


def take(x: Tensor, indices: Tensor, /, *, axis: int | None = None,
         out: Tensor | None = None) -> Tensor:
    try:
        return dispatch.apply(_op("take"), (x, indices), {"axis": axis}, out)
    except ValueError as exc:
        raise _shape_error("take", exc, x) from None


def take_along_axis(x: Tensor, indices: Tensor, /, *, axis: int = -1,
                    out: Tensor | None = None) -> Tensor:
    """Pick ``x``'s elements at ``indices`` along ``axis`` (Array API 2024.12)."""
    try:
        return dispatch.apply(_op("take_along_axis"), (x, indices), {"axis": axis}, out)
    except ValueError as exc:
        raise _shape_error("take_along_axis", exc, x) from None


def _diff_generic(xp: Any, x: Any, axis: int = -1, n: int = 1, prepend: Any = None,
                  append: Any = None) -> Any:
    parts = [p for p in (prepend, x, append) if p is not None]
    if len(parts) > 1:
        x = xp.concat(parts, axis=axis)
    for _ in range(n):
        length = x.shape[axis]
        head = [slice(None)] * x.ndim
        tail = [slice(None)] * x.ndim
        head[axis], tail[axis] = slice(1, length), slice(0, length - 1)
        x = x[tuple(head)] - x[tuple(tail)]
    return x


_DIFF = _op("diff", _diff_generic)


def diff(x: Tensor, /, *, axis: int = -1, n: int = 1, prepend: Tensor | None = None,
         append: Tensor | None = None, out: Tensor | None = None) -> Tensor:
    """The ``n``-th forward difference along ``axis`` (Array API 2024.12)."""
    if n < 0:
        from .errors import expected

        raise expected("n", "a non-negative int", n)
    return dispatch.apply(_DIFF, (x,),
                          {"axis": axis, "n": n, "prepend": _data(x, prepend),
                           "append": _data(x, append)}, out)


def _data(x: Tensor, value: Any) -> Any:
    if isinstance(value, Tensor):
        if value.device is not x.device:
            raise dispatch._mixed(x, value)
        return value.data
    return value


def broadcast_shapes(*shapes: tuple[int, ...]) -> tuple[int, ...]:
    """The shape ``shapes`` broadcast to; a mismatch raises ``ShapeError`` naming them all."""
    return tuple(dispatch.broadcast_shape("broadcast_shapes", *shapes))
