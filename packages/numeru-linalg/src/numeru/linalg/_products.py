"""Products and matrix helpers: gemm, matmul, outer, cross, diagonal, trace, matrix_power,
and the namespace's tensordot, vecdot and matrix_transpose."""

from __future__ import annotations

from typing import Any

import numpy as np

from numeru.core import dispatch, errors
from numeru.core.errors import ShapeError
from numeru.core.linalg_functions import matmul as _core_matmul
from numeru.core.linalg_functions import tensordot as _core_tensordot
from numeru.core.linalg_functions import vecdot as _core_vecdot
from numeru.core.manipulation import matrix_transpose as _core_matrix_transpose
from numeru.core.tensor import Tensor

from . import _checks, _ops

# -- generic implementations -------------------------------------------------------------------


def _op_of(xp: Any, x: Any, code: int) -> Any:
    if code == 0:
        return x
    t = xp.matrix_transpose(x)
    return xp.conj(t) if code == 2 and xp.isdtype(t.dtype, "complex floating") else t


def _gemm_generic(
    xp: Any,
    a: Any,
    b: Any,
    c: Any = None,
    alpha: Any = 1,
    beta: Any = 0,
    trans_a: int = 0,
    trans_b: int = 0,
) -> Any:
    product = xp.matmul(_op_of(xp, a, trans_a), _op_of(xp, b, trans_b))
    if alpha != 1:
        product = alpha * product
    if c is None:
        return product
    c[...] = product if beta == 0 else beta * c + product
    return None


def _cross_generic(xp: Any, x1: Any, x2: Any, axis: int = -1) -> Any:
    x1, x2 = xp.broadcast_arrays(x1, x2)
    a = xp.moveaxis(x1, axis, -1)
    b = xp.moveaxis(x2, axis, -1)
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
    c = xp.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)
    return xp.moveaxis(c, -1, axis)


def _diagonal_generic(xp: Any, x: Any, offset: int = 0) -> Any:
    linalg = getattr(xp, "linalg", None)
    if linalg is not None and hasattr(linalg, "diagonal"):
        return linalg.diagonal(x, offset=offset)
    m, n = x.shape[-2:]
    length = max(0, min(m, n - offset) if offset >= 0 else min(m + offset, n))
    first = max(0, -offset)
    eye = xp.eye(m, n, k=offset, dtype=xp.bool)
    rows = xp.sum(xp.where(eye, x, xp.zeros_like(x)), axis=-1)
    return rows[..., first : first + length]


def _outer_generic(xp: Any, x1: Any, x2: Any) -> Any:
    return xp.reshape(x1, (-1, 1)) * xp.reshape(x2, (1, -1))


def _trace_generic(xp: Any, x: Any, offset: int = 0, dtype: Any = None) -> Any:
    return xp.sum(_diagonal_generic(xp, x, offset), axis=-1, dtype=dtype)


def _matrix_power_generic(xp: Any, x: Any, n: int = 1) -> Any:
    """x^n for n >= 0 by repeated squaring (negative n arrive as inv(x) ** -n)."""
    size = x.shape[-1]
    result = None
    base = x
    while n:
        if n & 1:
            result = base if result is None else xp.matmul(result, base)
        n >>= 1
        if n:
            base = xp.matmul(base, base)
    if result is None:
        eye = (
            xp.eye(size, dtype=x.dtype)
            if xp is np
            else xp.eye(size, dtype=x.dtype, device=x.device)
        )
        return xp.broadcast_to(eye, x.shape) * xp.ones_like(x)
    return result


GEMM = dispatch.op("linalg.gemm", _gemm_generic)
CROSS = dispatch.op("linalg.cross", _cross_generic)
DIAGONAL = dispatch.op("linalg.diagonal", _diagonal_generic)
OUTER = dispatch.op("linalg.outer", _outer_generic)
TRACE = dispatch.op("linalg.trace", _trace_generic)
MATRIX_POWER = dispatch.op("linalg.matrix_power", _matrix_power_generic)

# -- public functions --------------------------------------------------------------------------


def _trans_flag(name: str, value: Any) -> int:
    codes = {False: 0, True: 1, "N": 0, "T": 1, "C": 2}
    if value not in codes or (not isinstance(value, (bool, str))):
        raise errors.expected(
            name, "False/'N', True/'T' (transpose) or 'C' (conjugate transpose)", value
        )
    return codes[value]


_SCALAR_KINDS = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def _scalar_fits(name: str, value: Any, dtype: np.dtype) -> Any:
    """``alpha``/``beta`` as a Python number, which must be of a kind the product's dtype
    holds: a complex one needs complex operands, a fractional one floating operands (NumPy's
    same-kind rule for ``c *= beta``); BLAS would drop the imaginary part silently."""
    if isinstance(value, (bool, int, float, complex, np.number, np.bool_)):
        kind = np.asarray(value).dtype.kind
        if _SCALAR_KINDS[kind] <= _SCALAR_KINDS.get(dtype.kind, 3):
            # Python scalars: a NumPy one would turn an array of another namespace into NumPy.
            return value.item() if isinstance(value, np.generic) else value
        raise errors.expected(
            name,
            f"a number of a kind the product's dtype {dtype} holds",
            _checks.said(f"{value!r} ({np.asarray(value).dtype})"),
            error=errors.DTypeError,
        )
    raise errors.expected(name, "a Python or NumPy number", value, error=errors.DTypeError)


def gemm(
    a: Any,
    b: Any,
    c: Tensor | None = None,
    *,
    alpha: Any = 1,
    beta: Any = 0,
    trans_a: Any = False,
    trans_b: Any = False,
) -> Tensor:
    """BLAS GEMM: ``C = alpha * op(A) @ op(B) + beta * C``, written into ``c`` in place.

    With ``c=None`` a new tensor is returned (``beta`` is then ignored). ``op`` is the identity,
    the transpose (``True``/``'T'``) or the conjugate transpose (``'C'``). Stacks broadcast as
    in ``matmul``; ``c`` must have the product's shape and dtype.
    """
    a = _checks.tensor(a, "a")
    b = _checks.tensor(b, "b")
    code_a, code_b = _trans_flag("trans_a", trans_a), _trans_flag("trans_b", trans_b)
    for name, t in (("a", a), ("b", b)):
        if t.ndim < 2:
            raise errors.expected(
                name,
                "a matrix or a stack of matrices (ndim >= 2)",
                _checks.said(f"shape {t.shape}"),
                error=ShapeError,
            )
    ka = a.shape[-2] if code_a else a.shape[-1]
    kb = b.shape[-1] if code_b else b.shape[-2]
    if ka != kb:
        raise ShapeError(
            f"gemm: inner dimensions of op(a) and op(b) differ: {ka} and {kb} "
            f"(a {a.shape}, trans_a={trans_a!r}; b {b.shape}, trans_b={trans_b!r})"
        )
    dtype = np.result_type(a.dtype, b.dtype)
    alpha = _scalar_fits("alpha", alpha, dtype)
    beta = _scalar_fits("beta", beta, dtype)
    params = {"alpha": alpha, "beta": beta, "trans_a": code_a, "trans_b": code_b}
    if c is None:
        return _ops.run(GEMM, (a, b), params)
    if not isinstance(c, Tensor):
        raise errors.expected(
            "c", "a Tensor to accumulate into, or None", c, error=errors.DTypeError
        )
    m = a.shape[-1] if code_a else a.shape[-2]
    n = b.shape[-2] if code_b else b.shape[-1]
    try:
        batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise ShapeError(
            f"gemm: stack shapes of a {a.shape[:-2]} and b {b.shape[:-2]} cannot "
            "be broadcast together"
        ) from None
    expected_shape = (*batch, m, n)
    if c.shape != expected_shape:
        raise errors.expected(
            "c",
            _checks.said(f"shape {expected_shape}"),
            _checks.said(f"shape {c.shape}"),
            error=ShapeError,
        )
    if c.dtype != dtype:
        raise errors.expected(
            "c",
            f"dtype {dtype} (the product's)",
            _checks.said(f"dtype {c.dtype}"),
            error=errors.DTypeError,
        )
    _ops.run(GEMM, (a, b, c), params)
    return c


def matmul(x1: Any, x2: Any, /, *, out: Tensor | None = None) -> Tensor:
    """The matrix product (the namespace's ``matmul``; BLAS through NumPy on the CPU)."""
    return _core_matmul(_checks.tensor(x1, "x1"), _checks.tensor(x2, "x2"), out=out)


def tensordot(x1: Any, x2: Any, /, *, axes: Any = 2, out: Tensor | None = None) -> Tensor:
    result = _core_tensordot(_checks.tensor(x1, "x1"), _checks.tensor(x2, "x2"), axes=axes)
    return _ops.deliver(result, out, "tensordot")


def vecdot(x1: Any, x2: Any, /, *, axis: int = -1, out: Tensor | None = None) -> Tensor:
    result = _core_vecdot(_checks.tensor(x1, "x1"), _checks.tensor(x2, "x2"), axis=axis)
    return _ops.deliver(result, out, "vecdot")


def matrix_transpose(x: Any, /) -> Tensor:
    x = _checks.tensor(x, "x")
    if x.ndim < 2:
        raise errors.expected("x", "ndim >= 2", _checks.said(f"shape {x.shape}"), error=ShapeError)
    return _core_matrix_transpose(x)


def cross(x1: Any, x2: Any, /, *, axis: int = -1, out: Tensor | None = None) -> Tensor:
    """The cross product of 3-element vectors along ``axis`` (other dimensions broadcast)."""
    x1, x2 = _checks.tensor(x1, "x1"), _checks.tensor(x2, "x2")
    for name, t in (("x1", x1), ("x2", x2)):
        if t.ndim == 0 or not -t.ndim <= axis < t.ndim or t.shape[axis] != 3:
            raise errors.expected(
                name,
                f"size 3 along axis {axis}",
                _checks.said(f"shape {t.shape}"),
                error=ShapeError,
            )
    return _ops.run(CROSS, (x1, x2), {"axis": axis}, out)


def diagonal(x: Any, /, *, offset: int = 0, out: Tensor | None = None) -> Tensor:
    x = _checks.tensor(x, "x")
    if x.ndim < 2:
        raise errors.expected("x", "ndim >= 2", _checks.said(f"shape {x.shape}"), error=ShapeError)
    return _ops.run(DIAGONAL, (x,), {"offset": int(offset)}, out)


def trace(x: Any, /, *, offset: int = 0, dtype: Any = None, out: Tensor | None = None) -> Tensor:
    x = _checks.tensor(x, "x")
    if x.ndim < 2:
        raise errors.expected("x", "ndim >= 2", _checks.said(f"shape {x.shape}"), error=ShapeError)
    params: dict[str, Any] = {"offset": int(offset)}
    if dtype is not None:
        params["dtype"] = x.device.backend.native_dtype(np.dtype(dtype))
    return _ops.run(TRACE, (x,), params, out)


def outer(x1: Any, x2: Any, /, *, out: Tensor | None = None) -> Tensor:
    x1, x2 = _checks.tensor(x1, "x1"), _checks.tensor(x2, "x2")
    for name, t in (("x1", x1), ("x2", x2)):
        if t.ndim != 1:
            raise errors.expected(
                name, "a 1-D tensor", _checks.said(f"shape {t.shape}"), error=ShapeError
            )
    return _ops.run(OUTER, (x1, x2), None, out)


def matrix_power(x: Any, n: int, /, *, out: Tensor | None = None) -> Tensor:
    """``x`` multiplied by itself ``n`` times (``n < 0``: the inverse's power; ``n = 0``: I)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise errors.expected("n", "an integer power", n)
    x = _checks.tensor(x, "x")
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise errors.expected(
            "x", "square matrices (..., N, N)", _checks.said(f"shape {x.shape}"), error=ShapeError
        )
    if n < 0:
        from ._solvers import inv

        x = inv(x)
    return _ops.run(MATRIX_POWER, (x,), {"n": abs(int(n))}, out)
