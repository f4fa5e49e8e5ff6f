"""Tensor methods that mirror the namespace functions, and the in-place methods ending in ``_``.

``x.sum(axis=0)`` is ``nm.sum(x, axis=0)``; ``x.exp_()`` writes ``exp(x)`` into ``x``'s buffer.
The methods are written on ``_Methods`` and copied onto ``Tensor`` by ``install`` (called from
``numeru.core.__init__``) because they need the namespace modules, which themselves import
``tensor.py``: keeping them here avoids an import cycle and keeps ``tensor.py`` about the data.

Where NumPy and PyTorch disagree on a method, numeru follows the Array API / NumPy meaning and
says so (``repeat`` repeats elements like ``np.repeat``; PyTorch's ``repeat`` is ``tile``).
Where only PyTorch has the name (``unsqueeze``, ``permute``, ``clamp_``, ``masked_fill_``), the
PyTorch meaning is used. Reductions take ``axis`` (positionally too) and accept ``dim`` as an
alias, so code written for either library reads naturally.
"""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Any

import numpy as np

from . import (
    creation,
    dispatch,
    elementwise,
    indexing,
    linalg_functions,
    manipulation,
    searching,
    statistics,
)
from .dtypes import bfloat16 as _BF16
from .dtypes import dtype as _as_dtype
from .errors import DTypeError, ShapeError, ValidationError, expected
from .tensor import Tensor

_SETITEM = indexing._SETITEM
_reduce = dispatch.reduce
_reduction_error = statistics._reduction_error
_SUM, _MEAN, _MAX, _MIN = statistics._SUM, statistics._MEAN, statistics._MAX, statistics._MIN


def _axis(axis: Any, dim: Any) -> Any:
    if dim is None:
        return axis
    if axis is not None:
        raise ValidationError("axis and dim: expected one of them, got both")
    return dim


def _shape_args(shape: tuple[Any, ...]) -> tuple[int, ...]:
    """``reshape(2, 3)`` and ``reshape((2, 3))`` both mean the shape (2, 3); one integer-like
    argument (``np.int64(4)``, a 0-d integer tensor) is a 1-D shape."""
    if len(shape) == 1 and not isinstance(shape[0], int):
        try:
            return (operator.index(shape[0]),)
        except TypeError:
            return tuple(shape[0])
    return tuple(shape)


if TYPE_CHECKING:  # the methods run on Tensors; tell the type checker so
    _Base = Tensor
else:
    _Base = object


class _Methods(_Base):
    # -- reductions and statistics ----------------------------------------------------------
    # The commonest reductions call dispatch directly (one Python layer less per call), with
    # the namespace functions' error messages.
    def sum(self, axis: Any = None, *, dtype: Any = None, keepdims: bool = False,
            out: Any = None, dim: Any = None) -> Tensor:
        if dim is not None:
            axis = _axis(axis, dim)
        try:
            return _reduce(_SUM, self, axis, keepdims, dtype, out)
        except ValueError as exc:
            raise _reduction_error("sum", self, axis, exc) from None

    def prod(self, axis: Any = None, *, dtype: Any = None, keepdims: bool = False,
             out: Any = None, dim: Any = None) -> Tensor:
        return statistics.prod(self, axis=_axis(axis, dim), dtype=dtype, keepdims=keepdims,
                               out=out)

    def mean(self, axis: Any = None, *, keepdims: bool = False, out: Any = None,
             dim: Any = None) -> Tensor:
        if dim is not None:
            axis = _axis(axis, dim)
        try:
            return _reduce(_MEAN, self, axis, keepdims, out=out)
        except ValueError as exc:
            raise _reduction_error("mean", self, axis, exc) from None

    def var(self, axis: Any = None, *, correction: float = 0.0, keepdims: bool = False,
            out: Any = None, dim: Any = None) -> Tensor:
        return statistics.var(self, axis=_axis(axis, dim), correction=correction,
                              keepdims=keepdims, out=out)

    def std(self, axis: Any = None, *, correction: float = 0.0, keepdims: bool = False,
            out: Any = None, dim: Any = None) -> Tensor:
        return statistics.std(self, axis=_axis(axis, dim), correction=correction,
                              keepdims=keepdims, out=out)

    def max(self, axis: Any = None, *, keepdims: bool = False, out: Any = None,
            dim: Any = None) -> Tensor:
        if dim is not None:
            axis = _axis(axis, dim)
        try:
            return _reduce(_MAX, self, axis, keepdims, out=out)
        except ValueError as exc:
            raise _reduction_error("max", self, axis, exc) from None

    def min(self, axis: Any = None, *, keepdims: bool = False, out: Any = None,
            dim: Any = None) -> Tensor:
        if dim is not None:
            axis = _axis(axis, dim)
        try:
            return _reduce(_MIN, self, axis, keepdims, out=out)
        except ValueError as exc:
            raise _reduction_error("min", self, axis, exc) from None

    def all(self, axis: Any = None, *, keepdims: bool = False, out: Any = None,
            dim: Any = None) -> Tensor:
        return statistics.all(self, axis=_axis(axis, dim), keepdims=keepdims, out=out)

    def any(self, axis: Any = None, *, keepdims: bool = False, out: Any = None,
            dim: Any = None) -> Tensor:
        return statistics.any(self, axis=_axis(axis, dim), keepdims=keepdims, out=out)

    def argmax(self, axis: Any = None, *, keepdims: bool = False, dim: Any = None) -> Tensor:
        return searching.argmax(self, axis=_axis(axis, dim), keepdims=keepdims)

    def argmin(self, axis: Any = None, *, keepdims: bool = False, dim: Any = None) -> Tensor:
        return searching.argmin(self, axis=_axis(axis, dim), keepdims=keepdims)

    def cumsum(self, axis: Any = None, *, dtype: Any = None, out: Any = None,
               dim: Any = None) -> Tensor:
        return statistics.cumulative_sum(self, axis=_axis(axis, dim), dtype=dtype, out=out)

    def cumprod(self, axis: Any = None, *, dtype: Any = None, out: Any = None,
                dim: Any = None) -> Tensor:
        return statistics.cumulative_prod(self, axis=_axis(axis, dim), dtype=dtype, out=out)

    def count_nonzero(self, axis: Any = None, *, keepdims: bool = False) -> Tensor:
        return searching.count_nonzero(self, axis=axis, keepdims=keepdims)

    # -- shape -------------------------------------------------------------------------------
    def reshape(self, *shape: Any, copy: bool | None = None) -> Tensor:
        return manipulation.reshape(self, _shape_args(shape), copy=copy)

    def view(self, *shape: Any) -> Tensor:
        """``reshape`` that never copies (a ``ShapeError`` when the layout does not allow it).

        ``x.view(dtype)`` (PyTorch's other meaning) reinterprets the same bytes as ``dtype``,
        e.g. ``t.view(nm.int16)`` to hand bfloat16 bits to a DLPack consumer; a dtype of
        another item size rescales the (contiguous) last axis, as in PyTorch and NumPy.
        """
        if len(shape) == 1 and _is_dtype(shape[0]):
            return dispatch.apply_one(_VIEW_AS, self, {"dtype": _as_dtype(shape[0])})
        try:
            return manipulation.reshape(self, _shape_args(shape), copy=False)
        except ValueError as exc:
            raise ShapeError(f"view: shape {_shape_args(shape)} needs a copy of a tensor of "
                             f"shape {self.shape} and its strides; use reshape: {exc}") from None

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Collapse axes ``start_dim..end_dim`` into one (a view when the layout allows)."""
        shape = self.shape
        if not shape:
            return manipulation.reshape(self, (1,))
        ndim = len(shape)
        for name, value in (("start_dim", start_dim), ("end_dim", end_dim)):
            if not -ndim <= value < ndim:
                raise expected(f"flatten: {name}", f"an axis of a {ndim}-D tensor", value,
                               error=ShapeError)
        start, end = start_dim % ndim, end_dim % ndim
        if start > end:
            raise expected("flatten: start_dim", f"an axis at or before end_dim={end_dim} "
                           f"(shape {shape})", start_dim, error=ShapeError)
        size = 1
        for s in shape[start:end + 1]:
            size *= s
        return manipulation.reshape(self, (*shape[:start], size, *shape[end + 1:]))

    def ravel(self) -> Tensor:
        return manipulation.reshape(self, (-1,))

    def permute_dims(self, axes: Any) -> Tensor:
        return manipulation.permute_dims(self, tuple(axes))

    def permute(self, *dims: Any) -> Tensor:
        return manipulation.permute_dims(self, _shape_args(dims))

    def transpose(self, *axes: Any) -> Tensor:
        """No argument: reverse the axes. Two axes: swap them (PyTorch). More: a permutation."""
        axes = _shape_args(axes) if axes else ()
        if not axes:
            return manipulation.permute_dims(self, tuple(range(self.ndim))[::-1])
        if len(axes) == 2 and self.ndim != 2:
            return self.swapaxes(*axes)
        if len(axes) == 2:
            a, b = (ax % 2 for ax in axes)
            return self if a == b else manipulation.permute_dims(self, (1, 0))
        return manipulation.permute_dims(self, axes)

    def swapaxes(self, axis1: int, axis2: int) -> Tensor:
        order = list(range(self.ndim))
        order[axis1], order[axis2] = order[axis2], order[axis1]
        return manipulation.permute_dims(self, tuple(order))

    def moveaxis(self, source: Any, destination: Any) -> Tensor:
        return manipulation.moveaxis(self, source, destination)

    movedim = moveaxis

    def squeeze(self, axis: Any = None, *, dim: Any = None) -> Tensor:
        """Drop ``axis`` (it must have size 1); with no axis, every axis of size 1."""
        axis = _axis(axis, dim)
        if axis is None:
            axis = tuple(i for i, s in enumerate(self.shape) if s == 1)
        return manipulation.squeeze(self, axis)

    def unsqueeze(self, dim: int) -> Tensor:
        return manipulation.expand_dims(self, axis=dim)

    def expand_dims(self, axis: int = 0) -> Tensor:
        return manipulation.expand_dims(self, axis=axis)

    def flip(self, axis: Any = None, *, dim: Any = None) -> Tensor:
        return manipulation.flip(self, axis=_axis(axis, dim))

    def roll(self, shift: Any, axis: Any = None, *, dim: Any = None) -> Tensor:
        return manipulation.roll(self, shift, axis=_axis(axis, dim))

    def broadcast_to(self, shape: Any) -> Tensor:
        return manipulation.broadcast_to(self, tuple(shape))

    def expand(self, *sizes: Any) -> Tensor:
        """PyTorch ``expand``: broadcast to ``sizes``, where -1 keeps that axis's size."""
        sizes = _shape_args(sizes)
        lead = len(sizes) - self.ndim
        if lead < 0:
            raise expected("sizes", f"at least {self.ndim} sizes", sizes, error=ShapeError)
        shape = tuple(self.shape[i - lead] if s == -1 and i >= lead else s
                      for i, s in enumerate(sizes))
        return manipulation.broadcast_to(self, shape)

    def repeat(self, repeats: Any, axis: int | None = None) -> Tensor:
        """Repeat each element (``np.repeat``); PyTorch's ``repeat`` is ``tile``."""
        return manipulation.repeat(self, repeats, axis=axis)

    def tile(self, *repetitions: Any) -> Tensor:
        return manipulation.tile(self, _shape_args(repetitions))

    def take(self, indices: Any, axis: int | None = None) -> Tensor:
        return manipulation.take(self, indices, axis=axis)

    # -- searching, sorting, selection -------------------------------------------------------
    def sort(self, axis: int = -1, *, descending: bool = False, stable: bool = True) -> Tensor:
        """The sorted tensor (the Array API ``sort``; NumPy's method sorts in place)."""
        return searching.sort(self, axis=axis, descending=descending, stable=stable)

    def argsort(self, axis: int = -1, *, descending: bool = False,
                stable: bool = True) -> Tensor:
        return searching.argsort(self, axis=axis, descending=descending, stable=stable)

    def nonzero(self) -> tuple[Tensor, ...]:
        return searching.nonzero(self)

    def where(self, condition: Any, other: Any) -> Tensor:
        """PyTorch ``x.where(cond, y)``: ``x`` where ``cond`` holds, else ``y``."""
        return searching.where(condition, self, other)

    def masked_fill(self, mask: Any, value: Any) -> Tensor:
        return indexing.masked_fill(self, mask, value)

    def masked_fill_(self, mask: Any, value: Any) -> Tensor:
        """Write ``value`` where ``mask`` (broadcast to this shape) is true, in place."""
        indexing.masked_fill_(self, mask, value)
        return self

    def matmul(self, other: Any, *, out: Any = None) -> Tensor:
        return linalg_functions.matmul(self, other, out=out)

    # -- copies, in-place writes, autograd fields -------------------------------------------
    def copy(self) -> Tensor:
        """A copy in a new (64-byte aligned on the CPU) C-contiguous buffer."""
        return creation.asarray(self, copy=True)

    clone = copy

    def contiguous(self) -> Tensor:
        """This tensor if C-contiguous, else a C-contiguous copy."""
        return self if self.device.backend.is_c_contiguous(self.data) else self.copy()

    def is_contiguous(self) -> bool:
        return bool(self.device.backend.is_c_contiguous(self.data))

    def data_ptr(self) -> int:
        """The address of the first element (to check that two tensors share a buffer)."""
        return int(self.device.backend.data_ptr(self.data))

    def detach(self) -> Tensor:
        """A new tensor sharing this one's data, with no autograd fields set."""
        return dispatch._wrap(self.data, self.device)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Mark this tensor as needing gradients (numeru-dl records the ops that use it)."""
        if requires_grad and self.dtype.kind not in "fc" and self.dtype != _BF16:
            raise expected("requires_grad", "a floating or complex tensor", self.dtype,
                           error=DTypeError)
        if not requires_grad and self.grad_fn is not None:
            raise expected("requires_grad", "True for a non-leaf tensor (use detach())",
                           requires_grad)
        self.requires_grad = bool(requires_grad)
        return self

    def fill_(self, value: Any) -> Tensor:
        value = _scalar(value)
        try:
            dispatch.apply(_SETITEM, (self, value), {"key": Ellipsis})
        except ValueError as exc:  # NaN into an integer tensor: name the value
            raise indexing.setitem_error(self, value, exc) from None
        except TypeError as exc:  # a complex value into a real tensor
            if isinstance(exc, DTypeError):
                raise
            raise expected("fill_: value", f"a number that converts to {self.dtype}", value,
                           error=DTypeError) from None
        return self

    def zero_(self) -> Tensor:
        return self.fill_(0)

    def copy_(self, src: Any) -> Tensor:
        """Write ``src`` (broadcast to this shape, cast to this dtype) into this tensor."""
        src_shape = _shape_of(src)
        if src_shape is not None and dispatch.broadcast_shape(
                "copy_", src_shape, self.shape) != self.shape:
            raise expected("copy_: src", f"a shape that broadcasts to {self.shape} (PyTorch's "
                           "rule)", src_shape, error=ShapeError)
        indexing.setitem(self, Ellipsis, src)
        return self

    def clip(self, min: Any = None, max: Any = None, *, out: Any = None) -> Tensor:
        return elementwise.clip(self, min, max, out=out)

    clamp = clip

    def clip_(self, min: Any = None, max: Any = None) -> Tensor:
        return elementwise.clip(self, min, max, out=self)

    clamp_ = clip_

    def round(self, decimals: int = 0, *, out: Any = None) -> Tensor:
        return elementwise.round(self, decimals=decimals, out=out)

    def round_(self, decimals: int = 0) -> Tensor:
        return elementwise.round(self, decimals=decimals, out=self)

    def type_as(self, other: Tensor) -> Tensor:
        return creation.astype(self, other.dtype, copy=False)


def _view_as_generic(xp: Any, x: Any, dtype: Any) -> Any:
    """The same memory as ``dtype`` (NumPy/CuPy ``view``); a new item size rescales the last axis.

    As in PyTorch and NumPy: a smaller item splits each element along the last axis, a larger
    one joins them, which needs that axis contiguous and its byte length a multiple of the new
    item size; a 0-d tensor keeps its item size.
    """
    old, new = x.dtype.itemsize, dtype.itemsize
    if old != new:
        if x.ndim == 0:
            raise expected("view: dtype", f"a dtype of {old} bytes like {x.dtype} (a 0-d "
                           "tensor has no last axis to rescale)", dtype, error=DTypeError)
        last = x.shape[-1]
        if last > 1 and x.strides[-1] != old:
            raise expected("view: tensor", f"a contiguous last axis to view {x.dtype} as "
                           f"{dtype}", f"a last-axis stride of {x.strides[-1]} bytes",
                           error=ShapeError)
        if (last * old) % new:
            raise expected("view: tensor", f"a last axis of a multiple of {new} bytes to view "
                           f"{x.dtype} as {dtype}", f"shape {x.shape} ({last * old} bytes)",
                           error=ShapeError)
    return x.view(dtype)


_VIEW_AS = dispatch.op("view_as_dtype", _view_as_generic)


def _is_dtype(value: Any) -> bool:
    return not isinstance(value, (int, tuple, list)) and (
        isinstance(value, (np.dtype, str)) or (isinstance(value, type)
                                               and issubclass(value, np.generic)))


def _shape_of(value: Any) -> tuple[int, ...] | None:
    """The shape ``value`` has as an array (None when that is for ``asarray`` to decide)."""
    shape = getattr(value, "shape", None)
    if shape is not None:
        return tuple(shape)
    if isinstance(value, (list, tuple)):
        try:
            return np.shape(value)
        except ValueError:  # ragged: setitem names it
            return None
    return ()


def _scalar(value: Any) -> Any:
    if isinstance(value, Tensor):
        if value.size != 1:
            raise expected("value", "a scalar or a one-element tensor", value.shape,
                           error=ShapeError)
        return value.item()
    if isinstance(value, (bool, int, float, complex)) or (
            isinstance(value, (np.generic, np.ndarray)) and value.ndim == 0
            and (value.dtype.kind in "biufc" or value.dtype == _BF16)):
        return value
    raise expected("value", "a number or a one-element tensor (as PyTorch's fill_)",
                   value, error=DTypeError)


def _unary_method(name: str) -> tuple[Any, Any]:
    o = dispatch.op(name)
    unary = dispatch.unary

    def method(self: Tensor, *, out: Any = None) -> Tensor:
        return unary(o, self, out)

    def inplace(self: Tensor) -> Tensor:
        return unary(o, self, self)

    method.__doc__ = f"``nm.{name}(x)``."
    inplace.__doc__ = f"``nm.{name}(x)`` written into ``x`` (its dtype must be the result's)."
    return method, inplace


def _binary_method(name: str) -> tuple[Any, Any]:
    o = dispatch.op(name)
    binary, binary_inplace = dispatch.binary, dispatch.binary_inplace

    def method(self: Tensor, other: Any, *, out: Any = None) -> Tensor:
        return binary(o, self, other, out)

    def inplace(self: Tensor, other: Any) -> Tensor:
        return binary_inplace(o, self, other)

    method.__doc__ = f"``nm.{name}(x, other)``."
    inplace.__doc__ = (f"``nm.{name}(x, other)`` written into ``x`` (the result may cast to "
                       "x's dtype within its kind, as in NumPy and PyTorch).")
    return method, inplace


def _add_scaled(name: str) -> tuple[Any, Any]:
    """``add``/``sub`` with PyTorch's ``alpha`` (``x.add_(y, alpha=0.5)`` is x += 0.5 * y)."""
    o = dispatch.op(name)
    binary, binary_inplace = dispatch.binary, dispatch.binary_inplace

    def method(self: Tensor, other: Any, *, alpha: Any = None, out: Any = None) -> Tensor:
        return binary(o, self, other if alpha is None else other * alpha, out)

    def inplace(self: Tensor, other: Any, *, alpha: Any = None) -> Tensor:
        return binary_inplace(o, self, other if alpha is None else other * alpha)

    return method, inplace


# PyTorch spellings of namespace functions, as methods.
_ALIASES = {"sub": "subtract", "mul": "multiply", "div": "divide", "neg": "negative",
            "eq": "equal", "ne": "not_equal", "lt": "less", "le": "less_equal",
            "gt": "greater", "ge": "greater_equal", "true_divide": "divide",
            "arctan2": "atan2", "absolute": "abs"}


def install(cls: type) -> None:
    """Copy the methods onto ``cls`` (``Tensor``); run once at ``import numeru.core``."""
    for name, value in vars(_Methods).items():
        if not name.startswith("__"):
            setattr(cls, name, value)
    made: dict[str, tuple[Any, Any]] = {}
    for name in (*elementwise.UNARY, "reciprocal"):
        made[name] = _unary_method(name)
    for name in elementwise.BINARY:
        made[name] = _binary_method(name)
    made["add"], made["subtract"] = _add_scaled("add"), _add_scaled("subtract")
    for alias, target in _ALIASES.items():
        made[alias] = made[target]
    for name, (method, inplace) in made.items():
        if name in ("real", "imag"):
            # Properties, as on NumPy arrays and PyTorch tensors.
            setattr(cls, name, property(method, doc=f"``nm.{name}(x)``."))
            continue
        setattr(cls, name, method)
        setattr(cls, name + "_", inplace)
