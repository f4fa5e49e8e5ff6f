"""Vector and matrix norms: ``vector_norm``, ``matrix_norm`` (Array API) and ``norm`` (NumPy)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from numeru.core import errors
from numeru.core.errors import ShapeError
from numeru.core.tensor import Tensor

from . import _checks, _ops

_MATRIX_ORDS = ("fro", "nuc", 1, -1, 2, -2, math.inf, -math.inf)


def _axes(axis: Any, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    normal = []
    for ax in axes:
        if isinstance(ax, bool) or not isinstance(ax, (int, np.integer)) or not -ndim <= ax < ndim:
            raise errors.expected(
                "axis", f"integers in [{-ndim}, {ndim})", axis, error=errors.ValidationError
            )
        normal.append(int(ax) % ndim)
    if len(set(normal)) != len(normal):
        raise errors.expected("axis", "distinct axes", axis)
    return tuple(normal)


def _real_input(x: Any, name: str) -> Tensor:
    return _checks.floating(_checks.tensor(x, name), name)


def _vector_norm_xp(xp: Any, x: Any, axes: tuple[int, ...], keepdims: bool, ord: Any) -> Any:
    mag = xp.abs(x)
    if ord == math.inf:
        return xp.max(mag, axis=axes, keepdims=keepdims)
    if ord == -math.inf:
        return xp.min(mag, axis=axes, keepdims=keepdims)
    if ord == 0:
        return xp.astype(
            xp.sum(xp.astype(mag != 0, mag.dtype), axis=axes, keepdims=keepdims), mag.dtype
        )
    if ord == 1:
        return xp.sum(mag, axis=axes, keepdims=keepdims)
    if ord == 2:
        return xp.sqrt(xp.sum(mag * mag, axis=axes, keepdims=keepdims))
    return xp.sum(mag**ord, axis=axes, keepdims=keepdims) ** (1.0 / ord)


def vector_norm(
    x: Any, /, *, axis: Any = None, keepdims: bool = False, ord: Any = 2, out: Tensor | None = None
) -> Tensor:
    """The ``ord``-norm of vectors along ``axis`` (``None``: all elements as one vector).

    ``ord``: any real p (``sum(|x|^p)^(1/p)``), ``inf`` (max |x|), ``-inf`` (min |x|), 0 (the
    number of non-zero elements). The result has the real dtype of ``x``'s precision.
    """
    x = _real_input(x, "x")
    if isinstance(ord, bool) or not isinstance(ord, (int, float)):
        raise errors.expected("ord", "a real number, inf or -inf", ord)
    axes = _axes(axis, x.ndim)
    xp = x.device.backend.xp
    result = _vector_norm_xp(xp, x.data, axes, bool(keepdims), ord)
    return _ops.deliver(_ops.wrap(result, x), out, "vector_norm")


def _matrix_norm_last2(x: Tensor, ord: Any, keepdims: bool) -> Any:
    """The norm of the matrices in the last two axes of ``x`` (backend array)."""
    xp = x.device.backend.xp
    data = x.data
    if ord == "fro":
        result = xp.sqrt(xp.sum(xp.abs(data) ** 2, axis=(-2, -1)))
    elif ord in ("nuc", 2, -2):
        s = _ops.raw(_ops.SVDVALS, x, data)
        result = (
            xp.sum(s, axis=-1)
            if ord == "nuc"
            else (xp.max(s, axis=-1) if ord == 2 else xp.min(s, axis=-1))
        )
    elif ord in (1, -1):
        col_sums = xp.sum(xp.abs(data), axis=-2)
        result = xp.max(col_sums, axis=-1) if ord == 1 else xp.min(col_sums, axis=-1)
    else:
        row_sums = xp.sum(xp.abs(data), axis=-1)
        result = xp.max(row_sums, axis=-1) if ord == math.inf else xp.min(row_sums, axis=-1)
    if keepdims:
        result = xp.expand_dims(xp.expand_dims(result, axis=-1), axis=-1)
    return result


def matrix_norm(
    x: Any, /, *, keepdims: bool = False, ord: Any = "fro", out: Tensor | None = None
) -> Tensor:
    """The norm of each matrix of ``x`` (..., M, N): ``'fro'``, ``'nuc'`` (sum of singular
    values), 1/-1 (max/min column sum), 2/-2 (largest/smallest singular value), inf/-inf
    (max/min row sum)."""
    x = _real_input(x, "x")
    if x.ndim < 2:
        raise errors.expected(
            "x",
            "a matrix or a stack of matrices (ndim >= 2)",
            _checks.said(f"shape {x.shape}"),
            error=ShapeError,
        )
    if isinstance(ord, bool) or ord not in _MATRIX_ORDS:
        raise errors.expected("ord", "one of 'fro', 'nuc', 1, -1, 2, -2, inf, -inf", ord)
    if ord in ("nuc", 2, -2):
        _checks.check_finite(x, "x")
    return _ops.deliver(
        _ops.wrap(_matrix_norm_last2(x, ord, bool(keepdims)), x), out, "matrix_norm"
    )


def norm(
    x: Any,
    /,
    ord: Any = None,
    axis: Any = None,
    keepdims: bool = False,
    *,
    out: Tensor | None = None,
) -> Tensor:
    """NumPy's ``norm``: a vector norm over one axis, a matrix norm over two, and with
    ``axis=None`` the 2-norm of all elements (``ord=None``) or the norm of a 1-D or 2-D ``x``."""
    from numeru.core.manipulation import permute_dims

    x = _real_input(x, "x")
    if axis is None:
        if ord is None:
            return vector_norm(x, keepdims=keepdims, out=out)
        if x.ndim == 1:
            return vector_norm(x, ord=ord, keepdims=keepdims, out=out)
        if x.ndim == 2:
            return matrix_norm(x, ord=ord, keepdims=keepdims, out=out)
        raise errors.expected(
            "axis", f"an axis or two when ord is given for a tensor of {x.ndim} dimensions", axis
        )
    axes = _axes(axis, x.ndim)
    if len(axes) == 1:
        return vector_norm(x, axis=axes, keepdims=keepdims, ord=2 if ord is None else ord, out=out)
    if len(axes) != 2:
        raise errors.expected("axis", "one axis (vector norm) or two (matrix norm)", axis)
    # The two axes moved last (permute_dims: every backend's namespace has it).
    rest = [i for i in range(x.ndim) if i not in axes]
    moved = permute_dims(x, (*rest, *axes))
    result = matrix_norm(moved, ord="fro" if ord is None else ord, keepdims=keepdims)
    if keepdims:  # the two kept axes of size 1 back where they were
        order = [0] * x.ndim
        for place, src in enumerate((*rest, *axes)):
            order[src] = place
        result = permute_dims(result, tuple(order))
    return _ops.deliver(result, out, "norm")
