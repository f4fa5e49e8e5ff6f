"""Shape manipulation: reshape, permute_dims, concat, stack, flip, roll, tile, ..."""

from __future__ import annotations

import operator
from typing import Any

from . import dispatch
from .errors import DTypeError, NumeruError, ShapeError
from .tensor import Tensor

_op = dispatch.op


def _shape_error(name: str, exc: ValueError, *inputs: Any) -> Exception:
    """NumPy's ValueError about shapes or axes, as a ShapeError that shows the input shapes."""
    if isinstance(exc, NumeruError):
        return exc
    shapes = ", ".join(str(getattr(t, "shape", "?")) for t in inputs)
    text = str(exc).removeprefix(f"{name}: ")  # gufuncs name themselves already
    return ShapeError(f"{name}: {text} (input shapes: {shapes})")


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
    if len({a % x.ndim for a in axes}) < len(axes):
        raise ShapeError(f"squeeze: axis: expected distinct axes, got {axis}")
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
    except TypeError as exc:  # float repeats: NumPy casts only integers ("safe")
        if isinstance(exc, NumeruError):
            raise
        got = getattr(repeats, "dtype", type(repeats).__name__)
        raise DTypeError(f"repeat: repeats: expected an int or an integer tensor, got {got}"
                         ) from None
    except ValueError as exc:
        raise _shape_error("repeat", exc, x) from None


def tile(x: Tensor, repetitions: tuple[int, ...], /, *, out: Tensor | None = None) -> Tensor:
    try:
        return dispatch.apply_one(_op("tile", _tile), x, {"reps": tuple(repetitions)}, out)
    except ValueError as exc:
        raise _shape_error("tile", exc, x) from None


def take(x: Tensor, indices: Tensor, /, *, axis: int | None = None,
         out: Tensor | None = None) -> Tensor:
    _check_indices("take", indices)
    try:
        return dispatch.apply(_op("take"), (x, indices), {"axis": axis}, out)
    except IndexError as exc:
        raise _index_error("take", exc, x, axis) from None
    except TypeError as exc:
        raise _indices_dtype_error("take", indices, exc) from None
    except ValueError as exc:
        raise _shape_error("take", exc, x) from None


def take_along_axis(x: Tensor, indices: Tensor, /, *, axis: int = -1,
                    out: Tensor | None = None) -> Tensor:
    """Pick ``x``'s elements at ``indices`` along ``axis`` (Array API 2024.12)."""
    _check_indices("take_along_axis", indices)
    try:
        return dispatch.apply(_op("take_along_axis"), (x, indices), {"axis": axis}, out)
    except IndexError as exc:
        raise _index_error("take_along_axis", exc, x, axis) from None
    except TypeError as exc:
        raise _indices_dtype_error("take_along_axis", indices, exc) from None
    except ValueError as exc:
        raise _shape_error("take_along_axis", exc, x) from None


def _check_indices(name: str, indices: Any) -> None:
    """Indices must be integers (the standard; NumPy refuses floats too, in its own words)."""
    dtype = getattr(indices, "dtype", None)
    if isinstance(indices, Tensor) and dtype is not None and dtype.kind not in "iu":
        raise DTypeError(f"{name}: indices: expected an integer tensor, got {dtype}")


def _index_error(name: str, exc: IndexError, x: Any, axis: Any) -> Exception:
    """NumPy's IndexError for an index past the end, as IndexOutOfRangeError (a ShapeError
    that is also an IndexError) naming the indices, the axis and the shape."""
    from .errors import IndexOutOfRangeError

    if isinstance(exc, NumeruError):
        return exc
    if isinstance(exc, ValueError):  # NumPy's AxisError is an IndexError and a ValueError
        return _shape_error(name, exc, x)
    where = "the flattened x" if axis is None else f"axis {axis} of x"
    return IndexOutOfRangeError(f"{name}: indices: expected values in [-n, n), n the size of "
                                f"{where} (shape {x.shape}), got an index out of range "
                                f"({exc})")


def _indices_dtype_error(name: str, indices: Any, exc: TypeError) -> Exception:
    if isinstance(exc, NumeruError):
        return exc
    got = getattr(indices, "dtype", type(indices).__name__)
    return DTypeError(f"{name}: indices: expected integers, got {got} ({exc})")


def _diff_generic(xp: Any, x: Any, axis: int = -1, n: int = 1, prepend: Any = None,
                  append: Any = None) -> Any:
    parts = [p for p in (prepend, x, append) if p is not None]
    if len(parts) > 1:
        x = xp.concat(parts, axis=axis)
    # NumPy's rule: booleans differ where they are not equal (there is no bool subtraction).
    step = xp.not_equal if x.dtype == xp.bool else xp.subtract
    for _ in range(n):
        length = x.shape[axis]
        head = [slice(None)] * x.ndim
        tail = [slice(None)] * x.ndim
        head[axis], tail[axis] = slice(1, length), slice(0, length - 1)
        x = step(x[tuple(head)], x[tuple(tail)])
    return x


def _diff_edge(xp: Any, value: Any, x: Any, axis: int) -> Any:
    """``prepend``/``append`` as NumPy takes them: a scalar (or 0-d array) is broadcast to
    ``x``'s shape with one element along ``axis`` (so the op's params always hold arrays)."""
    if value is None:
        return None
    value = xp.asarray(value)
    if value.ndim == 0:
        shape = list(x.shape)
        shape[axis] = 1
        value = xp.broadcast_to(value, tuple(shape))
    return value


_DIFF = _op("diff", _diff_generic)


def diff(x: Tensor, /, *, axis: int = -1, n: int = 1, prepend: Any = None,
         append: Any = None, out: Tensor | None = None) -> Tensor:
    """The ``n``-th forward difference along ``axis`` (Array API 2024.12).

    As NumPy: ``prepend``/``append`` may be scalars (broadcast to one slice along ``axis``),
    and a bool tensor gives ``x[i + 1] != x[i]``.
    """
    from .errors import expected

    if not isinstance(n, int) or n < 0:
        raise expected("n", "a non-negative int", n)
    ndim = x.ndim
    if ndim == 0:
        raise ShapeError("diff: x: expected a tensor of at least one dimension, got shape ()")
    try:
        axis = operator.index(axis)
    except TypeError:
        raise expected("diff: axis", "an int", axis, error=ShapeError) from None
    if not -ndim <= axis < ndim:
        raise expected("diff: axis", f"an int in [-{ndim}, {ndim}) for a tensor of shape "
                       f"{x.shape}", axis, error=ShapeError)
    xp = x.device.backend.xp
    edges = [_diff_edge(xp, _data(x, e), x.data, axis) for e in (prepend, append)]
    try:
        return dispatch.apply(_DIFF, (x,), {"axis": axis, "n": n, "prepend": edges[0],
                                            "append": edges[1]}, out)
    except ValueError as exc:
        raise _shape_error("diff", exc, x, *(e for e in (prepend, append) if e is not None)
                           ) from None


def _data(x: Tensor, value: Any) -> Any:
    if isinstance(value, Tensor):
        if value.device is not x.device:
            raise dispatch._mixed(x, value)
        return value.data
    return value


def broadcast_shapes(*shapes: tuple[int, ...]) -> tuple[int, ...]:
    """The shape ``shapes`` broadcast to; a mismatch raises ``ShapeError`` naming them all."""
    return tuple(dispatch.broadcast_shape("broadcast_shapes", *shapes))
