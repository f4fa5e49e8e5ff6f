"""``interpolate``: PyTorch's resampling of (N, C, L) and (N, C, H, W) inputs, modes
``nearest``, ``nearest-exact``, ``linear`` (3-D) and ``bilinear`` (4-D).

Source indices and weights are computed once per axis on the host, in the arithmetic of
PyTorch's CPU kernels (float32 index math for the nearest modes, the input's precision for the
linear ones), then applied with ``take`` along each axis: the last axis first, as PyTorch's
kernel nests its sums, so a 2-D bilinear output is
``wh0 * (ww0 x00 + ww1 x01) + wh1 * (ww0 x10 + ww1 x11)``. ``take``'s rule (a scatter-add)
gives the gradient, duplicates adding up; no loop runs over pixels.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import numeru.core as nm
from numeru.core.errors import DTypeError, ShapeError, expected
from numeru.core.tensor import Tensor

from ._common import tensor

_MODES = ("nearest", "nearest-exact", "linear", "bilinear")
_SPATIAL = {"linear": 1, "bilinear": 2}


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _is_real(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


def _per_axis(value: Any, dims: int, name: str, check: Any, what: str) -> tuple[Any, ...]:
    if isinstance(value, (tuple, list)):
        if len(value) != dims or not all(check(v) for v in value):
            raise expected(name, f"{what} or a sequence of {dims} of them (one per spatial "
                           "axis)", value)
        return tuple(value)
    if not check(value):
        raise expected(name, f"{what} or a sequence of {dims} of them", value)
    return (value,) * dims


def _sizes(x: Tensor, size: Any, scale_factor: Any, recompute_scale_factor: Any
           ) -> tuple[tuple[int, ...], tuple[float | None, ...]]:
    """Output sizes and the scales the kernels use (None: input size / output size)."""
    dims = x.ndim - 2
    if size is not None and scale_factor is not None:
        raise expected("scale_factor", "None when size is given (only one of them)",
                       scale_factor)
    if size is not None:
        if recompute_scale_factor:
            raise expected("recompute_scale_factor", "None or False with an explicit size",
                           recompute_scale_factor)
        out = tuple(int(v) for v in _per_axis(size, dims, "size", _is_int, "an int"))
        scales: tuple[float | None, ...] = (None,) * dims
    elif scale_factor is not None:
        factors = tuple(float(v) for v in _per_axis(
            scale_factor, dims, "scale_factor", _is_real, "a positive number"))
        if not all(math.isfinite(f) and f > 0 for f in factors):
            raise expected("scale_factor", "positive finite numbers", scale_factor)
        # PyTorch's output size: int(input size * factor), in double precision.
        out = tuple(int(math.floor(n * f)) for n, f in zip(x.shape[2:], factors, strict=True))
        scales = (None,) * dims if recompute_scale_factor else factors
    else:
        raise expected("size", "an output size when scale_factor is None (one of them)", None)
    if min(out) <= 0 or min(x.shape[2:]) <= 0:
        raise expected("size", f"output sizes above 0 for input of spatial size "
                       f"{tuple(x.shape[2:])}", out, error=ShapeError)
    return out, scales


def _nearest_index(n_in: int, n_out: int, scale: float | None, exact: bool) -> np.ndarray:
    """PyTorch's ``nearest_idx`` / ``nearest_exact_idx``: float32 index arithmetic."""
    i = np.arange(n_out)
    if not exact and n_out == n_in:
        return i
    if not exact and n_out == 2 * n_in:
        return i >> 1
    s = np.float32(1.0 / scale) if scale else np.float32(n_in) / np.float32(n_out)
    if exact:  # floorf((i + 0.5) * scale): a double product, rounded to float
        src = (np.float64(s) * (i + 0.5)).astype(np.float32)
    else:
        src = i.astype(np.float32) * s
    return np.minimum(np.floor(src).astype(np.int64), n_in - 1)


def _linear_weights(n_in: int, n_out: int, scale: float | None, align_corners: bool,
                    dtype: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Indices ``i0, i1`` and weights ``l0, l1`` of PyTorch's ``compute_source_index_and_lambda``
    (the opmath type: float64 for float64 inputs, float32 otherwise)."""
    op: Any = np.float64 if dtype == np.float64 else np.float32
    i = np.arange(n_out)
    if align_corners:
        ratio = op(n_in - 1) / op(n_out - 1) if n_out > 1 else op(0.0)
        src = ratio * i.astype(op)
    else:
        ratio = op(1.0 / scale) if scale else op(n_in) / op(n_out)
        src = np.maximum(ratio * (i.astype(op) + op(0.5)) - op(0.5), op(0.0))
    # floorf, as PyTorch's guard_index_and_lambda (a float floor even for double inputs).
    i0 = np.minimum(np.floor(src.astype(np.float32)).astype(np.int64), n_in - 1)
    l1 = np.clip(src - i0.astype(op), op(0.0), op(1.0)).astype(op)
    i1 = i0 + (i0 < n_in - 1)
    return i0, i1, (op(1.0) - l1).astype(op), l1


def _lerp(x: Tensor, axis: int, n_out: int, scale: float | None, align_corners: bool
          ) -> Tensor:
    n_in = x.shape[axis]
    if n_in == n_out:  # PyTorch copies an axis whose size does not change
        return x
    i0, i1, l0, l1 = _linear_weights(n_in, n_out, scale, align_corners, x.dtype)
    shape = (n_out,) + (1,) * (x.ndim - 1 - axis)

    def weights(v: np.ndarray) -> Tensor:
        return nm.asarray(v.astype(x.dtype).reshape(shape), device=x.device)

    def gather(v: np.ndarray) -> Tensor:
        return nm.take(x, nm.asarray(v, device=x.device), axis=axis)

    return gather(i0) * weights(l0) + gather(i1) * weights(l1)


def interpolate(input: Any, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resample the spatial axes of (N, C, L) or (N, C, H, W) ``input`` to ``size`` or by
    ``scale_factor`` (PyTorch's arguments and results; with a ``scale_factor`` and no
    ``recompute_scale_factor`` the kernels use 1 / factor as PyTorch, else in / out)."""
    x = tensor(input)
    if mode not in _MODES:
        raise expected("mode", "'nearest', 'nearest-exact', 'linear' or 'bilinear'", mode)
    if mode in ("nearest", "nearest-exact"):
        if align_corners is not None:
            raise expected("align_corners", f"None for mode {mode!r} (only the interpolating "
                           "modes take it)", align_corners)
    elif align_corners is None:
        align_corners = False
    elif not isinstance(align_corners, bool):
        raise expected("align_corners", "a bool or None", align_corners)
    if antialias is not False:
        raise expected("antialias", "False (numeru has no anti-aliased resampling)", antialias)
    if x.ndim not in (3, 4):
        raise expected("input", "a 3-D (N, C, L) or 4-D (N, C, H, W) tensor", x.shape,
                       error=ShapeError)
    if mode in _SPATIAL and x.ndim - 2 != _SPATIAL[mode]:
        want = "3-D (N, C, L)" if mode == "linear" else "4-D (N, C, H, W)"
        raise expected("input", f"a {want} tensor for mode {mode!r}", x.shape, error=ShapeError)
    out, scales = _sizes(x, size, scale_factor, recompute_scale_factor)
    y = x
    if mode in _SPATIAL:
        if x.dtype.kind != "f":
            raise expected("input", f"a floating-point tensor for mode {mode!r}", x.dtype,
                           error=DTypeError)
        for axis in reversed(range(2, x.ndim)):  # the last axis innermost, as PyTorch
            y = _lerp(y, axis, out[axis - 2], scales[axis - 2], bool(align_corners))
    else:
        exact = mode == "nearest-exact"
        for axis in reversed(range(2, x.ndim)):
            n_in, n_out = y.shape[axis], out[axis - 2]
            if n_in != n_out or exact:
                index = _nearest_index(n_in, n_out, scales[axis - 2], exact)
                y = nm.take(y, nm.asarray(index, device=x.device), axis=axis)
    return nm.positive(x) if y is x else y  # a new tensor, as PyTorch, even when unchanged
