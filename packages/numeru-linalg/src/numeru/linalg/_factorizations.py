"""LU, QR and Cholesky factorizations and the solves that reuse them."""

from __future__ import annotations

from typing import Any

import numpy as np

from numeru.core import errors
from numeru.core.errors import ShapeError
from numeru.core.manipulation import reshape
from numeru.core.tensor import Tensor

from . import _checks, _ops
from ._generic import _device_kw, gather_rows


def lu(
    a: Any,
    /,
    *,
    permute_l: bool = False,
    p_indices: bool = False,
    check_finite: bool = True,
) -> Any:
    """``(P, L, U)`` with ``A = P @ L @ U`` for ``a`` of shape ``(..., M, N)`` (SciPy's ``lu``).

    ``L`` is ``(..., M, K)`` unit lower trapezoidal, ``U`` is ``(..., K, N)`` upper trapezoidal,
    ``K = min(M, N)``; ``P`` is ``(..., M, M)`` in the real dtype of A's precision.
    ``p_indices=True`` gives ``P`` as int32 row indices ``(..., M)`` instead (``A = L[P] @ U``);
    ``permute_l=True`` gives the pair ``(P @ L, U)`` (it takes precedence, as in SciPy).
    """
    a = _checks.matrix(a, "a", finite=check_finite)
    p, low, up = _ops.run(_ops.LU, (a,))
    if not (permute_l or p_indices):
        return _ops.LUResult(p, low, up)
    rows = _row_indices(p)
    if permute_l:
        return (_rows_of(low, rows), up)
    return _ops.LUResult(rows, low, up)


def _row_indices(p: Tensor) -> Tensor:
    """The permutation matrices ``P`` as int32 indices: ``P[..., i, rows[..., i]] == 1``."""
    xp = p.device.backend.xp
    if p.shape[-1] == 0:
        rows = xp.zeros(p.shape[:-1], dtype=xp.int32, **_device_kw(p.data))
    else:
        rows = xp.astype(xp.argmax(p.data, axis=-1), xp.int32)
    return _ops.wrap(rows, p)


def _rows_of(low: Tensor, rows: Tensor) -> Tensor:
    """``low[..., rows, :]`` per matrix of the stack: ``P @ L`` without multiplying by P (a
    product would spread a NaN of L, passed with ``check_finite=False``, over whole columns)."""
    xp = low.device.backend.xp
    return _ops.wrap(gather_rows(xp, low.data, rows.data), low)


def lu_factor(a: Any, /, *, check_finite: bool = True) -> _ops.LUFactorResult:
    """``(LU, pivots)``: LAPACK's packed LU with partial pivoting (SciPy's ``lu_factor``).

    ``pivots`` (int32, 0-based) says that row ``i`` was interchanged with row ``pivots[i]``.
    A singular matrix factors without error; ``lu_solve`` refuses to use it.
    """
    a = _checks.matrix(a, "a", finite=check_finite)
    return _ops.LUFactorResult(*_ops.run(_ops.LU_FACTOR, (a,)))


def _rhs(b: Any, n: int, name: str, func: str, finite: bool) -> tuple[Tensor, bool]:
    """``b`` as a stack of matrices (..., n, K); a 1-D ``b`` is one vector (Array API rule)."""
    b = _checks.floating(_checks.tensor(b, name), name)
    if finite:
        _checks.check_finite(b, name)
    given = b.shape
    vector = b.ndim == 1
    if vector:
        b = reshape(b, (b.shape[0], 1))
    if b.ndim == 0 or b.shape[-2] != n:
        raise errors.expected(
            name,
            f"shape ({n},) or (..., {n}, K) to match the {n}x{n} matrices of {func}",
            _checks.said(f"shape {given}"),
            error=ShapeError,
        )
    return b, vector


def _batches(func: str, a: Tensor, b: Tensor) -> None:
    try:
        np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise ShapeError(
            f"{func}: the stack shapes of a {a.shape[:-2]} and b {b.shape[:-2]} "
            "cannot be broadcast together"
        ) from None


def finish_rhs(x: Tensor, vector: bool, out: Tensor | None, func: str) -> Tensor:
    if vector:
        x = reshape(x, x.shape[:-1])
    return _ops.deliver(x, out, func)


def lu_solve(
    lu_and_piv: tuple[Any, Any],
    b: Any,
    /,
    *,
    trans: Any = 0,
    check_finite: bool = True,
    out: Tensor | None = None,
) -> Tensor:
    """Solve ``op(A) x = b`` from ``lu_factor``'s result; ``trans`` 0/'N', 1/'T', 2/'C'."""
    if not isinstance(lu_and_piv, tuple) or len(lu_and_piv) != 2:
        raise errors.expected("lu_and_piv", "the (LU, pivots) pair lu_factor returns", lu_and_piv)
    lu_, piv = lu_and_piv
    lu_ = _checks.matrix(lu_, "lu", square=True, finite=check_finite)
    piv = _checks.tensor(piv, "piv")
    if piv.shape != (*lu_.shape[:-2], lu_.shape[-1]) or piv.dtype.kind not in "iu":
        raise errors.expected(
            "piv",
            f"integer pivots of shape {(*lu_.shape[:-2], lu_.shape[-1])}",
            _checks.said(f"{piv.dtype} pivots of shape {piv.shape}"),
            error=ShapeError,
        )
    _check_pivots(piv, lu_.shape[-1])
    b, vector = _rhs(b, lu_.shape[-1], "b", "lu_solve", check_finite)
    _batches("lu_solve", lu_, b)
    lu_, b = _checks.common_dtype(lu_, b)
    x = _ops.run(_ops.LU_SOLVE, (lu_, piv, b), {"trans": _checks.trans_code(trans)})
    return finish_rhs(x, vector, out, "lu_solve")


def _check_pivots(piv: Tensor, n: int) -> None:
    """Refuse row indices outside [0, n): LAPACK's getrs would read and write out of bounds."""
    xp = piv.device.backend.xp
    if piv.size == 0 or not bool(xp.any((piv.data < 0) | (piv.data >= n))):
        return
    host = piv.numpy()
    where = tuple(int(i) for i in np.argwhere((host < 0) | (host >= n))[0])
    raise errors.expected(
        "piv",
        f"0-based row indices in [0, {n}) (lu_factor's pivots)",
        _checks.said(f"{host[where]} at index {where}"),
    )


def qr(a: Any, /, *, mode: str = "reduced", check_finite: bool = True) -> Any:
    """Householder QR of ``a`` (..., M, N): ``(Q, R)`` for mode ``"reduced"`` (Q is M x K) or
    ``"complete"`` (Q is M x M); mode ``"r"`` returns R alone (NumPy's convention)."""
    _checks.choice("mode", mode, ("reduced", "complete", "r"))
    a = _checks.matrix(a, "a", finite=check_finite)
    result = _ops.run(_ops.QR, (a,), {"mode": mode})
    return result if mode == "r" else _ops.QRResult(*result)


def cholesky(
    a: Any, /, *, upper: bool = False, check_finite: bool = True, out: Tensor | None = None
) -> Tensor:
    """``L`` with ``A = L L^H`` (or ``U`` with ``A = U^H U`` when ``upper``), from the lower
    triangle of ``a`` (the upper one when ``upper``), as NumPy's ``cholesky`` reads it.

    A matrix that is not positive definite raises ``LinAlgError`` naming the leading minor.
    """
    a = _checks.matrix(a, "a", square=True, finite=check_finite)
    return _ops.run(_ops.CHOLESKY, (a,), {"upper": bool(upper)}, out)


def cho_factor(a: Any, /, *, lower: bool = False, check_finite: bool = True) -> tuple[Tensor, bool]:
    """``(c, lower)`` for ``cho_solve`` (SciPy's ``cho_factor``; here the unused triangle of
    ``c`` is zero)."""
    c = cholesky(a, upper=not lower, check_finite=check_finite)
    return c, bool(lower)


def cho_solve(
    c_and_lower: tuple[Any, bool],
    b: Any,
    /,
    *,
    check_finite: bool = True,
    out: Tensor | None = None,
) -> Tensor:
    """Solve ``A x = b`` from ``cho_factor``'s ``(c, lower)``."""
    if not isinstance(c_and_lower, tuple) or len(c_and_lower) != 2:
        raise errors.expected("c_and_lower", "the (c, lower) pair cho_factor returns", c_and_lower)
    c, lower = c_and_lower
    c = _checks.matrix(c, "c", square=True, finite=check_finite)
    b, vector = _rhs(b, c.shape[-1], "b", "cho_solve", check_finite)
    _batches("cho_solve", c, b)
    c, b = _checks.common_dtype(c, b)
    x = _ops.run(_ops.CHO_SOLVE, (c, b), {"lower": bool(lower)})
    return finish_rhs(x, vector, out, "cho_solve")
