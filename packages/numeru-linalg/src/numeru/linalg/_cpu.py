"""CPU kernels: LAPACK through NumPy (batched gufuncs) and SciPy (LU, triangular and Cholesky
solves, GEMM), and the Numba kernels for large stacks of small matrices.

Each function takes and returns NumPy arrays; ``plugin.py`` registers them under the op names
declared in the API modules. Kernel choice (see README, "Kernel choice"): a stack of at least
``SMALL_BATCH`` matrices of order at most ``SMALL_N`` goes to the Numba kernels, where NumPy
would pay one LAPACK call per matrix; everything else goes to LAPACK.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.linalg as sla
from scipy.linalg import blas, lapack

from numeru.core.errors import LinAlgError

from . import _checks

SMALL_N = 16
SMALL_BATCH = 32


def _use_small(a: np.ndarray) -> bool:
    n = a.shape[-1]
    return (
        a.ndim > 2
        and 0 < n <= SMALL_N  # the kernels read work[0, 0] for the dtype: no 0x0 matrices
        and a.shape[-2] == n
        and int(np.prod(a.shape[:-2])) >= SMALL_BATCH
    )


def _small() -> Any:
    from ._kernels import small  # Numba is imported only when a small stack first shows up

    return small


def _stack(a: np.ndarray) -> np.ndarray:
    # An explicit count: -1 is ambiguous when the matrices are empty.
    return a.reshape((int(np.prod(a.shape[:-2])), *a.shape[-2:]))


# -- diagnosis: which matrix of a stack failed, and where --------------------------------------


def _raise_singular(func: str, a: np.ndarray) -> None:
    """After LAPACK refused a stack: find the first singular matrix and its zero pivot."""
    batch = a.shape[:-2]
    stack = _stack(a)
    getrf = lapack.get_lapack_funcs("getrf", (stack,))
    for flat in range(stack.shape[0]):
        _, _, info = getrf(stack[flat])
        if info > 0:
            raise _checks.singular(func, batch, flat, int(info) - 1)
    # NumPy's LAPACK saw an exact zero pivot that SciPy's getrf does not reproduce (a different
    # blocking can round differently): report what is known rather than invent an index.
    raise LinAlgError(f"{func}: a is singular: LAPACK found an exactly zero pivot")


def _raise_not_pd(func: str, a: np.ndarray, lower: bool) -> None:
    batch = a.shape[:-2]
    stack = _stack(a)
    potrf = lapack.get_lapack_funcs("potrf", (stack,))
    for flat in range(stack.shape[0]):
        _, info = potrf(stack[flat], lower=lower, clean=False)
        if info > 0:
            raise _checks.not_positive_definite(func, batch, flat, int(info))
    raise LinAlgError(f"{func}: a is not positive definite (reported by LAPACK)")


def _raise_info(func: str, batch: tuple[int, ...], info: np.ndarray, kind: str) -> None:
    bad = np.flatnonzero(info)
    if bad.size:
        flat = int(bad[0])
        if kind == "singular":
            raise _checks.singular(func, batch, flat, int(info[flat]) - 1)
        raise _checks.not_positive_definite(func, batch, flat, int(info[flat]))


# -- solve, inv, det, slogdet ------------------------------------------------------------------


def solve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a (..., n, n)``, ``b (..., n, k)`` with broadcast batch dimensions."""
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    if a.size == 0 or b.size == 0:  # LAPACK refuses empty matrices
        return np.empty((*batch, *b.shape[-2:]), dtype=np.result_type(a, b))
    if batch and 0 < a.shape[-1] <= SMALL_N and int(np.prod(batch)) >= SMALL_BATCH:
        a_s = _stack(np.broadcast_to(a, (*batch, *a.shape[-2:])))
        b_s = np.array(
            _stack(np.broadcast_to(b, (*batch, *b.shape[-2:]))),
            dtype=np.result_type(a, b),
            order="C",  # the kernels write the solutions into it
        )
        info = _small().solve(np.ascontiguousarray(a_s, dtype=b_s.dtype), b_s)
        _raise_info("solve", batch, info, "singular")
        return b_s.reshape((*batch, *b.shape[-2:]))
    if not batch:
        # gesv directly: scipy.linalg.solve adds a condition estimate we do not report.
        dtype = np.result_type(a, b)
        gesv = lapack.get_lapack_funcs("gesv", (a.astype(dtype, copy=False),))
        _, _, x, info = gesv(a, b)
        if info > 0:
            raise _checks.singular("solve", (), 0, int(info) - 1)
        return x
    try:
        return np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        _raise_singular("solve", np.broadcast_to(a, (*batch, *a.shape[-2:])))
    raise AssertionError("unreachable")


def inv(a: np.ndarray) -> np.ndarray:
    if _use_small(a):
        out, info = _small().inv(_stack(a))
        _raise_info("inv", a.shape[:-2], info, "singular")
        return out.reshape(a.shape)
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        _raise_singular("inv", a)
    raise AssertionError("unreachable")


def det(a: np.ndarray) -> np.ndarray:
    if _use_small(a):
        return _small().det(_stack(a)).reshape(a.shape[:-2])
    return np.asarray(np.linalg.det(a))


def slogdet(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if _use_small(a):
        sign, logabs = _small().slogdet(_stack(a))
        return sign.reshape(a.shape[:-2]), logabs.reshape(a.shape[:-2])
    sign, logabs = np.linalg.slogdet(a)
    return np.asarray(sign), np.asarray(logabs)


# -- LU ----------------------------------------------------------------------------------------


def lu_factor(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """LU with partial pivoting; ``piv`` is LAPACK's row interchanges, 0-based (as SciPy)."""
    if a.size == 0:
        piv = np.empty((*a.shape[:-2], min(a.shape[-2:])), dtype=np.int32)
        return np.empty(a.shape, dtype=a.dtype), piv
    if _use_small(a):
        lu, piv, _ = _small().lu(_stack(a))
        return lu.reshape(a.shape), piv.reshape((*a.shape[:-2], a.shape[-1]))
    if a.ndim == 2:
        lu, piv, _ = lapack.get_lapack_funcs("getrf", (a,))(a)
        return lu, piv
    k = min(a.shape[-2:])
    lu = np.empty(a.shape, dtype=a.dtype)
    piv = np.empty((*a.shape[:-2], k), dtype=np.int32)
    lu_s, piv_s, a_s = _stack(lu), piv.reshape((-1, k)), _stack(a)
    getrf = lapack.get_lapack_funcs("getrf", (a_s,))
    for i in range(a_s.shape[0]):
        lu_s[i], piv_s[i], _ = getrf(a_s[i])
    return lu, piv


def lu(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    # P comes in the real dtype of A's precision, as in SciPy.
    if a.size == 0:  # SciPy gives P of shape (0, 0) for an (M, 0) matrix; P is (M, M)
        m, n = a.shape[-2:]
        k, batch = min(m, n), a.shape[:-2]
        real = np.empty(0, dtype=a.dtype).real.dtype
        p = np.broadcast_to(np.eye(m, dtype=real), (*batch, m, m)).copy()
        return p, np.empty((*batch, m, k), dtype=a.dtype), np.empty((*batch, k, n), a.dtype)
    p, l_, u = sla.lu(a, check_finite=False)
    return p, l_, u


def _zero_diagonal(a: np.ndarray) -> tuple[int, int] | None:
    """(flat batch index, position) of the first exactly-zero diagonal element, or None."""
    if a.size == 0:
        return None
    diag = np.diagonal(a, axis1=-2, axis2=-1).reshape((-1, min(a.shape[-2:])))
    zero = diag == 0
    if not zero.any():
        return None
    flat = int(np.flatnonzero(zero.any(axis=1))[0])
    return flat, int(np.flatnonzero(zero[flat])[0])


def lu_solve(lu_: np.ndarray, piv: np.ndarray, b: np.ndarray, trans: int = 0) -> np.ndarray:
    found = _zero_diagonal(lu_)
    if found is not None:
        raise _checks.singular("lu_solve", lu_.shape[:-2], *found, name="lu")
    batch = np.broadcast_shapes(lu_.shape[:-2], b.shape[:-2])
    dtype = np.result_type(lu_, b)
    if lu_.size == 0 or b.size == 0:
        return np.empty((*batch, *b.shape[-2:]), dtype=dtype)
    getrs = lapack.get_lapack_funcs("getrs", (lu_.astype(dtype, copy=False),))
    if not batch:
        x, _ = getrs(lu_, piv, b.astype(dtype, copy=False), trans=trans)
        return x
    lu_s = _stack(np.broadcast_to(lu_, (*batch, *lu_.shape[-2:])))
    piv_s = np.broadcast_to(piv, (*batch, piv.shape[-1])).reshape((-1, piv.shape[-1]))
    b_s = _stack(np.broadcast_to(b, (*batch, *b.shape[-2:])))
    out = np.empty(b_s.shape, dtype=dtype)
    for i in range(out.shape[0]):
        out[i], _ = getrs(lu_s[i].astype(dtype, copy=False), piv_s[i], b_s[i], trans=trans)
    return out.reshape((*batch, *b.shape[-2:]))


# -- triangular solves -------------------------------------------------------------------------


def solve_triangular(
    a: np.ndarray, b: np.ndarray, lower: bool = False, trans: int = 0, unit_diagonal: bool = False
) -> np.ndarray:
    if not unit_diagonal:
        found = _zero_diagonal(a)
        if found is not None:
            raise _checks.singular_triangular("solve_triangular", a.shape[:-2], *found)
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    kwargs = {"lower": lower, "trans": trans, "unit_diagonal": unit_diagonal, "check_finite": False}
    if not batch:
        return sla.solve_triangular(a, b, **kwargs)
    a_s = _stack(np.broadcast_to(a, (*batch, *a.shape[-2:])))
    b_s = _stack(np.broadcast_to(b, (*batch, *b.shape[-2:])))
    out = np.empty(b_s.shape, dtype=np.result_type(a, b))
    for i in range(out.shape[0]):
        out[i] = sla.solve_triangular(a_s[i], b_s[i], **kwargs)
    return out.reshape((*batch, *b.shape[-2:]))


# -- Cholesky ----------------------------------------------------------------------------------


def cholesky(a: np.ndarray, upper: bool = False) -> np.ndarray:
    if _use_small(a):
        # Read the triangle LAPACK would: the upper one of A is the lower one of A^H.
        src = np.conj(np.swapaxes(a, -1, -2)) if upper else a
        low, info = _small().cholesky(_stack(src))
        _raise_info("cholesky", a.shape[:-2], info, "not_pd")
        low = low.reshape(a.shape)
        return np.conj(np.swapaxes(low, -1, -2)) if upper else low
    if a.size == 0:
        return np.empty(a.shape, dtype=a.dtype)
    if a.ndim == 2:
        c, info = lapack.get_lapack_funcs("potrf", (a,))(a, lower=not upper, clean=True)
        if info > 0:
            raise _checks.not_positive_definite("cholesky", (), 0, int(info))
        return c
    try:
        return np.linalg.cholesky(a, upper=upper)
    except np.linalg.LinAlgError:
        _raise_not_pd("cholesky", a, lower=not upper)
    raise AssertionError("unreachable")


def cho_solve(c: np.ndarray, b: np.ndarray, lower: bool = False) -> np.ndarray:
    found = _zero_diagonal(c)
    if found is not None:
        raise _checks.singular_triangular("cho_solve", c.shape[:-2], *found, name="c")
    batch = np.broadcast_shapes(c.shape[:-2], b.shape[:-2])
    if not batch:
        return sla.cho_solve((c, lower), b, check_finite=False)
    c_s = _stack(np.broadcast_to(c, (*batch, *c.shape[-2:])))
    b_s = _stack(np.broadcast_to(b, (*batch, *b.shape[-2:])))
    out = np.empty(b_s.shape, dtype=np.result_type(c, b))
    for i in range(out.shape[0]):
        out[i] = sla.cho_solve((c_s[i], lower), b_s[i], check_finite=False)
    return out.reshape((*batch, *b.shape[-2:]))


# -- QR, eigen and singular values, least squares ----------------------------------------------


def qr(a: np.ndarray, mode: Any = "reduced") -> Any:
    if a.ndim == 2 and mode != "r":
        # SciPy's QR works on a Fortran copy in place (geqrf + orgqr): no extra transposes.
        q, r = sla.qr(
            a,
            mode="economic" if mode == "reduced" else "full",
            check_finite=False,
            overwrite_a=False,
        )
        return q, r
    return np.linalg.qr(a, mode=mode)


def eigh(a: np.ndarray, uplo: Any = "L") -> tuple[np.ndarray, np.ndarray]:
    w, v = np.linalg.eigh(a, UPLO=uplo)
    return w, v


def eigvalsh(a: np.ndarray, uplo: Any = "L") -> np.ndarray:
    return np.linalg.eigvalsh(a, UPLO=uplo)


def svd(a: np.ndarray, full_matrices: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
    return u, s, vh


def svdvals(a: np.ndarray) -> np.ndarray:
    return np.linalg.svd(a, compute_uv=False)


def lstsq(a: np.ndarray, b: np.ndarray, rcond: float | None = None) -> tuple[Any, ...]:
    """NumPy's ``lstsq`` (gelsd), looped over a stack with the 2-D outputs stacked."""
    if a.ndim == 2 and b.ndim == 2:
        x, res, rank, s = np.linalg.lstsq(a, b, rcond=rcond)
        return x, res, np.asarray(rank, dtype=np.int64), s  # int64, as for stacks
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a_s = _stack(np.broadcast_to(a, (*batch, *a.shape[-2:])))
    b_s = _stack(np.broadcast_to(b, (*batch, *b.shape[-2:])))
    if a_s.shape[0] == 0:  # an empty stack: empty results of the right shapes
        x = np.empty((*batch, a.shape[-1], b.shape[-1]), dtype=np.result_type(a, b))
        real = x.real.dtype
        return (
            x,
            np.empty((0,), dtype=real),
            np.empty(batch, dtype=np.int64),
            np.empty((*batch, min(a.shape[-2:])), dtype=real),
        )
    parts = [np.linalg.lstsq(a_s[i], b_s[i], rcond=rcond) for i in range(a_s.shape[0])]
    x = np.stack([p[0] for p in parts]).reshape((*batch, a.shape[-1], b.shape[-1]))
    # NumPy gives residuals only when every matrix has full rank and M > N; keep that rule.
    if all(p[1].size for p in parts):
        res = np.stack([p[1] for p in parts]).reshape((*batch, b.shape[-1]))
    else:
        res = np.empty((0,), dtype=x.real.dtype)
    rank = np.array([p[2] for p in parts], dtype=np.int64).reshape(batch)
    s = np.stack([p[3] for p in parts]).reshape((*batch, min(a.shape[-2:])))
    return x, res, rank, s


# -- GEMM --------------------------------------------------------------------------------------


def gemm(
    a: np.ndarray,
    b: np.ndarray,
    c: np.ndarray | None = None,
    alpha: Any = 1,
    beta: Any = 0,
    trans_a: int = 0,
    trans_b: int = 0,
) -> np.ndarray | None:
    """C = alpha*op(A)@op(B) + beta*C, in place in ``c`` when it is given (returns None then)."""
    if (
        c is not None
        and c.ndim == 2
        and c.flags.c_contiguous
        and a.ndim == 2
        and b.ndim == 2
        and a.dtype == b.dtype == c.dtype
        # BLAS refuses a leading dimension of 0
        and a.size > 0
        and b.size > 0
        and c.size > 0
    ):
        # Row-major C is column-major C^T: C^T = alpha*op(B)^T op(A)^T + beta*C^T, which BLAS
        # computes in place in the Fortran view c.T without copying any operand.
        # BLAS reads A and B while it writes C: an operand that overlaps c is copied first
        # (NumPy's matmul does the same for out=).
        if np.may_share_memory(a, c):
            a = a.copy()
        if np.may_share_memory(b, c):
            b = b.copy()
        fn = blas.get_blas_funcs("gemm", (c,))
        result = fn(
            alpha, b.T, a.T, beta=beta, c=c.T, trans_a=trans_b, trans_b=trans_a, overwrite_c=True
        )
        if not np.shares_memory(result, c):
            c[...] = result.T
        return None
    op_a, op_b = _op(a, trans_a), _op(b, trans_b)
    if c is None:
        product = np.matmul(op_a, op_b)
        if alpha != 1:
            product *= alpha
        return product
    product = np.matmul(op_a, op_b)
    if beta == 0:
        np.multiply(product, alpha, out=c, casting="unsafe")
    else:
        c *= beta
        c += alpha * product
    return None


def _op(x: np.ndarray, code: int) -> np.ndarray:
    if code == 0:
        return x
    t = np.swapaxes(x, -1, -2)
    return np.conj(t) if code == 2 else t
