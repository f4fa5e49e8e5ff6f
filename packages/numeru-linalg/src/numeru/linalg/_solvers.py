"""Linear solves, inverses and determinants."""

from __future__ import annotations

import numbers
from typing import Any

from numeru.core import errors
from numeru.core.errors import ShapeError
from numeru.core.manipulation import reshape
from numeru.core.tensor import Tensor

from . import _checks, _ops
from ._factorizations import _batches, _rhs, finish_rhs


def solve(a: Any, b: Any, /, *, check_finite: bool = True, out: Tensor | None = None) -> Tensor:
    """``x`` with ``a @ x = b``; ``a`` is (..., N, N), ``b`` is (N,) or (..., N, K) with
    broadcast stack dimensions (the Array API rule). A singular matrix raises ``LinAlgError``
    naming its batch index and zero pivot."""
    a = _checks.matrix(a, "a", square=True, finite=check_finite)
    b, vector = _rhs(b, a.shape[-1], "b", "solve", check_finite)
    _batches("solve", a, b)
    a, b = _checks.common_dtype(a, b)
    return finish_rhs(_ops.run(_ops.SOLVE, (a, b)), vector, out, "solve")


def solve_triangular(
    a: Any,
    b: Any,
    /,
    *,
    lower: bool = False,
    trans: Any = 0,
    unit_diagonal: bool = False,
    check_finite: bool = True,
    out: Tensor | None = None,
) -> Tensor:
    """``x`` with ``op(a) @ x = b`` for triangular ``a`` (only the ``lower``/upper triangle is
    read; SciPy's ``solve_triangular``). A zero on the diagonal raises ``LinAlgError``."""
    a = _checks.matrix(a, "a", square=True, finite=check_finite)
    b, vector = _rhs(b, a.shape[-1], "b", "solve_triangular", check_finite)
    _batches("solve_triangular", a, b)
    a, b = _checks.common_dtype(a, b)
    params = {
        "lower": bool(lower),
        "trans": _checks.trans_code(trans),
        "unit_diagonal": bool(unit_diagonal),
    }
    return finish_rhs(
        _ops.run(_ops.SOLVE_TRIANGULAR, (a, b), params), vector, out, "solve_triangular"
    )


def inv(a: Any, /, *, check_finite: bool = True, out: Tensor | None = None) -> Tensor:
    """The inverse of each matrix of ``a`` (..., N, N); singular ones raise ``LinAlgError``."""
    a = _checks.matrix(a, "a", square=True, finite=check_finite)
    return _ops.run(_ops.INV, (a,), None, out)


def det(a: Any, /, *, check_finite: bool = True, out: Tensor | None = None) -> Tensor:
    """The determinant of each matrix of ``a`` (..., N, N) (0 for a singular one)."""
    a = _checks.matrix(a, "a", square=True, finite=check_finite)
    return _ops.run(_ops.DET, (a,), None, out)


def slogdet(a: Any, /, *, check_finite: bool = True) -> _ops.SlogdetResult:
    """``(sign, logabsdet)`` of each matrix; a singular one gives ``(0, -inf)``. For complex
    matrices ``sign`` is the unit-modulus phase, as in NumPy."""
    a = _checks.matrix(a, "a", square=True, finite=check_finite)
    return _ops.SlogdetResult(*_ops.run(_ops.SLOGDET, (a,)))


def lstsq(
    a: Any, b: Any, /, *, rcond: float | None = None, check_finite: bool = True
) -> _ops.LstsqResult:
    """Minimum-norm least-squares solution of ``a @ x = b`` (NumPy's ``lstsq``, LAPACK gelsd).

    ``(solution, residuals, rank, singular_values)``: singular values below
    ``rcond * max(S)`` count as zero (``rcond=None`` uses ``eps * max(M, N)``, and, as LAPACK,
    ``rcond <= 0`` or ``rcond >= 1`` uses LAPACK's unit roundoff, ``eps / 2``); ``residuals``
    are the squared 2-norms of the columns of ``b - a @ x`` when every matrix has full rank
    and M > N, else empty. Stacks are accepted (rank and residuals gain the stack shape).
    """
    a = _checks.matrix(a, "a", finite=check_finite)
    b = _checks.floating(_checks.tensor(b, "b"), "b")
    if check_finite:
        _checks.check_finite(b, "b")
    given = b.shape
    vector = b.ndim == 1
    if vector:
        b = reshape(b, (b.shape[0], 1))
    if b.ndim < 2 or b.shape[-2] != a.shape[-2]:
        raise errors.expected(
            "b",
            f"shape ({a.shape[-2]},) or (..., {a.shape[-2]}, K) to match a of shape {a.shape}",
            _checks.said(f"shape {given}"),
            error=ShapeError,
        )
    _batches("lstsq", a, b)
    if rcond is not None and (isinstance(rcond, bool) or not isinstance(rcond, numbers.Real)):
        raise errors.expected("rcond", "a float or None", rcond)
    a, b = _checks.common_dtype(a, b)
    params = {"rcond": None if rcond is None else float(rcond)}
    x, residuals, rank, s = _ops.run(_ops.LSTSQ, (a, b), params)
    if vector:
        x = reshape(x, x.shape[:-1])  # residuals keep their trailing 1, as NumPy's do
    return _ops.LstsqResult(x, residuals, rank, s)
