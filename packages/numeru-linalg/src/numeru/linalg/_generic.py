"""Generic implementations of the numeru.linalg ops, written only against ``xp``.

Dispatch runs these on backends that registered no kernel of their own. Factorizations and
solvers are built on the blocked algorithms of ``_blocked`` (no LAPACK needed); eigenvalue and
singular value decompositions use the namespace's ``linalg`` extension, which the Array API
standard defines for them. Stacks of matrices are handled one matrix at a time.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from numeru.core import errors

from . import _blocked, _checks


def _batch(a: Any) -> tuple[int, ...]:
    return tuple(a.shape[:-2])


def _flat(xp: Any, a: Any, batch: tuple[int, ...]) -> Any:
    """``a`` broadcast to ``batch`` and reshaped to (B, M, N)."""
    full = xp.broadcast_to(a, (*batch, *a.shape[-2:]))
    return xp.reshape(full, (math.prod(batch), *a.shape[-2:]))


def _stacked(xp: Any, parts: list[Any], batch: tuple[int, ...]) -> Any:
    out = xp.stack(parts, axis=0)
    return xp.reshape(out, (*batch, *out.shape[1:]))


def _each(xp: Any, fn: Callable[[int, Any], Any], a: Any) -> Any:
    """Apply ``fn(flat_index, matrix)`` to every matrix of a stack; restack the results."""
    batch = _batch(a)
    if not batch:
        return fn(0, a)
    if math.prod(batch) == 0:
        return _empty_results(xp, fn(0, _stand_in(xp, a)), batch)
    flat = _flat(xp, a, batch)
    results = [fn(i, flat[i, ...]) for i in range(flat.shape[0])]
    if isinstance(results[0], tuple):
        return tuple(_stacked(xp, list(r), batch) for r in zip(*results, strict=True))
    return _stacked(xp, results, batch)


def _each2(xp: Any, fn: Callable[[int, Any, Any], Any], a: Any, b: Any) -> Any:
    batch = np.broadcast_shapes(_batch(a), _batch(b))
    if not batch:
        return fn(0, a, b)
    if math.prod(batch) == 0:
        return _empty_results(xp, fn(0, _stand_in(xp, a), _stand_in(xp, b)), batch)
    fa, fb = _flat(xp, a, batch), _flat(xp, b, batch)
    return _stacked(xp, [fn(i, fa[i, ...], fb[i, ...]) for i in range(fa.shape[0])], batch)


def _stand_in(xp: Any, a: Any) -> Any:
    """One well-conditioned matrix of ``a``'s matrix shape and dtype (the identity's leading
    part): for an empty stack, ``fn`` runs on it once to learn its results' shapes and dtypes."""
    return xp.eye(a.shape[-2], a.shape[-1], dtype=a.dtype, **_device_kw(a))


def _empty_results(xp: Any, one: Any, batch: tuple[int, ...]) -> Any:
    """Empty arrays of ``batch`` + the shapes (and dtypes) of the results in ``one``."""
    if isinstance(one, tuple):
        return tuple(_empty_results(xp, r, batch) for r in one)
    return xp.empty((*batch, *one.shape), dtype=one.dtype, **_device_kw(one))


def _device_kw(a: Any) -> dict[str, Any]:
    device = getattr(a, "device", None)
    return {} if device is None or isinstance(a, np.ndarray) else {"device": device}


def gather_rows(xp: Any, x: Any, rows: Any) -> Any:
    """``x[..., rows[..., i], :]`` for every matrix of a stack (``x`` (..., M, K), integer
    ``rows`` (..., M)), through ``xp.take`` on the flattened stack: the 2023.12 namespaces
    have no ``take_along_axis``."""
    m, k = x.shape[-2:]
    count = math.prod(x.shape[:-2])
    if count * m * k == 0:
        return x
    flat = xp.reshape(x, (count * m, k))
    offsets = xp.arange(0, count * m, m, dtype=xp.int64, **_device_kw(x))
    index = xp.astype(xp.reshape(rows, (count, m)), xp.int64) + xp.expand_dims(offsets, axis=-1)
    return xp.reshape(xp.take(flat, xp.reshape(index, (count * m,)), axis=0), x.shape)


def _piv_array(xp: Any, piv: list[int], like: Any) -> Any:
    return xp.asarray(piv, dtype=xp.int32, **_device_kw(like))


def _common(xp: Any, a: Any, b: Any) -> tuple[Any, Any]:
    dtype = xp.result_type(a.dtype, b.dtype)
    return xp.astype(a, dtype), xp.astype(b, dtype)


# -- LU ----------------------------------------------------------------------------------------


def lu_factor(xp: Any, a: Any) -> tuple[Any, Any]:
    def one(_: int, m: Any) -> tuple[Any, Any]:
        lu_, piv, _info = _blocked.lu_factor(xp, m)
        return lu_, _piv_array(xp, piv, m)

    return _each(xp, one, a)


def _permutation(xp: Any, piv: list[int], m: int, like: Any) -> Any:
    """P (m x m) with A = P L U from LAPACK interchanges."""
    order = list(range(m))
    for i, p in enumerate(piv):
        order[i], order[p] = order[p], order[i]
    real = xp.float32 if like.dtype in (xp.float32, xp.complex64) else xp.float64
    p_host = np.zeros((m, m))
    p_host[order, np.arange(m)] = 1.0  # row order[i] of A is row i of L U
    return xp.asarray(p_host, dtype=real, **_device_kw(like))


def lu(xp: Any, a: Any) -> tuple[Any, Any, Any]:
    def one(_: int, mat: Any) -> tuple[Any, Any, Any]:
        m, n = mat.shape
        k = min(m, n)
        lu_, piv, _info = _blocked.lu_factor(xp, mat)
        low = xp.tril(lu_[:, :k], k=-1) + xp.eye(m, k, dtype=mat.dtype, **_device_kw(mat))
        return _permutation(xp, piv, m, mat), low, xp.triu(lu_[:k, :])

    return _each(xp, one, a)


def _lu_solve_one(xp: Any, lu_: Any, piv: list[int], b: Any, trans: int) -> Any:
    if trans == 0:
        x = _blocked._apply_swaps(xp, b, piv)
        x = _blocked.trsm(xp, lu_, x, lower=True, unit_diagonal=True)
        return _blocked.trsm(xp, lu_, x, lower=False)
    x = _blocked.trsm(xp, lu_, b, lower=False, trans=trans)
    x = _blocked.trsm(xp, lu_, x, lower=True, trans=trans, unit_diagonal=True)
    order = list(range(b.shape[0]))
    for i, p in enumerate(piv):
        order[i], order[p] = order[p], order[i]
    inverse = [0] * len(order)
    for i, o in enumerate(order):
        inverse[o] = i
    index = xp.asarray(inverse, dtype=xp.int64, **_device_kw(b))
    return xp.take(x, index, axis=0)


def _zero_diagonal(xp: Any, a: Any) -> tuple[int, int] | None:
    """(flat batch index, position) of the first exactly-zero diagonal element, or None."""
    zero = _diagonal(xp, a) == 0
    if not bool(xp.any(zero)):
        return None
    flat = xp.reshape(zero, (-1, zero.shape[-1]))
    for i in range(flat.shape[0]):
        for j in range(flat.shape[1]):
            if bool(flat[i, j]):
                return i, j
    return None


def _host_ints(xp: Any, piv: Any) -> list[list[int]]:
    flat = xp.reshape(piv, (math.prod(piv.shape[:-1]), piv.shape[-1]))  # -1 is ambiguous at 0
    if isinstance(flat, np.ndarray):
        return flat.tolist()
    return [[int(flat[i, j]) for j in range(flat.shape[1])] for i in range(flat.shape[0])]


def _diagonal(xp: Any, a: Any) -> Any:
    linalg = getattr(xp, "linalg", None)
    if linalg is not None and hasattr(linalg, "diagonal"):
        return linalg.diagonal(a)
    k = min(a.shape[-2:])
    eye = xp.eye(a.shape[-2], a.shape[-1], dtype=xp.bool, **_device_kw(a))
    picked = xp.where(eye, a, xp.zeros_like(a))
    return xp.sum(picked, axis=-1)[..., :k]


def lu_solve(xp: Any, lu_: Any, piv: Any, b: Any, trans: int = 0) -> Any:
    found = _zero_diagonal(xp, lu_)
    if found is not None:
        raise _checks.singular("lu_solve", _batch(lu_), *found, name="lu")
    lu_, b = _common(xp, lu_, b)
    piv_rows = _host_ints(xp, piv)
    batch = np.broadcast_shapes(_batch(lu_), _batch(b))
    # One pivot row per matrix of the lu stack; where b's batch broadcasts lu, they repeat.
    per = np.broadcast_to(np.arange(len(piv_rows)).reshape(_batch(lu_)), batch).ravel()
    no_swaps = list(range(lu_.shape[-1]))  # for the stand-in matrix of an empty stack

    def one(i: int, m: Any, rhs: Any) -> Any:
        rows = piv_rows[int(per[i])] if per.size else no_swaps
        return _lu_solve_one(xp, m, rows, rhs, trans)

    return _each2(xp, one, lu_, b)


# -- solve, inv, det ---------------------------------------------------------------------------


def _factor_or_raise(
    xp: Any, func: str, batch: tuple[int, ...], flat: int, mat: Any
) -> tuple[Any, list[int]]:
    lu_, piv, info = _blocked.lu_factor(xp, mat)
    if info:
        raise _checks.singular(func, batch, flat, info - 1)
    return lu_, piv


def solve(xp: Any, a: Any, b: Any) -> Any:
    a, b = _common(xp, a, b)
    batch = np.broadcast_shapes(_batch(a), _batch(b))

    def one(i: int, m: Any, rhs: Any) -> Any:
        lu_, piv = _factor_or_raise(xp, "solve", batch, i, m)
        return _lu_solve_one(xp, lu_, piv, rhs, 0)

    return _each2(xp, one, a, b)


def inv(xp: Any, a: Any) -> Any:
    batch = _batch(a)

    def one(i: int, m: Any) -> Any:
        lu_, piv = _factor_or_raise(xp, "inv", batch, i, m)
        eye = xp.eye(m.shape[0], dtype=m.dtype, **_device_kw(m))
        return _lu_solve_one(xp, lu_, piv, eye, 0)

    return _each(xp, one, a)


def _det_parts(xp: Any, m: Any) -> tuple[Any, Any]:
    """(sign or phase, log|det|) of one matrix from its LU factorization."""
    lu_, piv, info = _blocked.lu_factor(xp, m)
    swaps = sum(1 for i, p in enumerate(piv) if p != i)
    diag = _diagonal(xp, lu_)
    complex_ = _blocked._is_complex(xp, m)
    real_dtype = xp.float32 if m.dtype in (xp.float32, xp.complex64) else xp.float64
    if info:
        zero = xp.zeros((), dtype=m.dtype, **_device_kw(m))
        return zero, xp.asarray(-math.inf, dtype=real_dtype, **_device_kw(m))
    mags = xp.abs(diag)
    phase = xp.prod(diag / xp.astype(mags, m.dtype) if complex_ else xp.sign(diag))
    if swaps % 2:
        phase = -phase
    return phase, xp.sum(xp.log(mags))


def det(xp: Any, a: Any) -> Any:
    def one(_: int, m: Any) -> Any:
        phase, logabs = _det_parts(xp, m)
        return phase * xp.astype(xp.exp(logabs), m.dtype)

    return _each(xp, one, a)


def slogdet(xp: Any, a: Any) -> tuple[Any, Any]:
    return _each(xp, lambda _, m: _det_parts(xp, m), a)


# -- triangular and Cholesky -------------------------------------------------------------------


def solve_triangular(
    xp: Any, a: Any, b: Any, lower: bool = False, trans: int = 0, unit_diagonal: bool = False
) -> Any:
    if not unit_diagonal:
        found = _zero_diagonal(xp, a)
        if found is not None:
            raise _checks.singular_triangular("solve_triangular", _batch(a), *found)
    a, b = _common(xp, a, b)
    # Only the named triangle is read, as LAPACK's trtrs does.
    a = xp.tril(a) if lower else xp.triu(a)
    return _each2(
        xp,
        lambda _, m, rhs: _blocked.trsm(
            xp, m, rhs, lower=lower, trans=trans, unit_diagonal=unit_diagonal
        ),
        a,
        b,
    )


def cholesky(xp: Any, a: Any, upper: bool = False) -> Any:
    batch = _batch(a)

    def one(i: int, m: Any) -> Any:
        # Read the triangle LAPACK would: the upper one of A is the lower one of A^H.
        low, info = _blocked.cholesky(xp, _blocked._conj_t(xp, m) if upper else m)
        if info:
            raise _checks.not_positive_definite("cholesky", batch, i, info)
        return _blocked._conj_t(xp, low) if upper else low

    return _each(xp, one, a)


def cho_solve(xp: Any, c: Any, b: Any, lower: bool = False) -> Any:
    found = _zero_diagonal(xp, c)
    if found is not None:
        raise _checks.singular_triangular("cho_solve", _batch(c), *found, name="c")
    c, b = _common(xp, c, b)

    def one(_: int, m: Any, rhs: Any) -> Any:
        low = xp.tril(m) if lower else _blocked._conj_t(xp, xp.triu(m))
        y = _blocked.trsm(xp, low, rhs, lower=True)
        return _blocked.trsm(xp, low, y, lower=True, trans=2)

    return _each2(xp, one, c, b)


# -- QR ----------------------------------------------------------------------------------------


def qr(xp: Any, a: Any, mode: str = "reduced") -> Any:
    return _each(xp, lambda _, m: _blocked.qr(xp, m, mode), a)


# -- spectral: through the namespace's linalg extension ----------------------------------------


def _linalg(xp: Any, name: str) -> Any:
    fn = getattr(getattr(xp, "linalg", None), name, None)
    if fn is None:
        raise errors.DeviceError(
            f"{name}: this backend's namespace has no linalg.{name} and registered no kernel "
            "for it (numeru.linalg computes eigen- and singular value decompositions through "
            "the backend)"
        )
    return fn


def eigh(xp: Any, a: Any, uplo: str = "L") -> tuple[Any, Any]:
    a = _hermitian_from(xp, a, uplo)
    w, v = _linalg(xp, "eigh")(a)
    return w, v


def eigvalsh(xp: Any, a: Any, uplo: str = "L") -> Any:
    return _linalg(xp, "eigvalsh")(_hermitian_from(xp, a, uplo))


def _hermitian_from(xp: Any, a: Any, uplo: str) -> Any:
    """The Hermitian matrix defined by one triangle of ``a`` (as LAPACK's ?heevd reads it)."""
    tri = xp.tril(a) if uplo == "L" else xp.triu(a)
    strict = xp.tril(a, k=-1) if uplo == "L" else xp.triu(a, k=1)
    full = tri + _blocked._conj_t(xp, strict)
    if _blocked._is_complex(xp, a):
        # The diagonal of a Hermitian matrix is real: LAPACK ignores its imaginary part.
        eye = xp.eye(a.shape[-1], dtype=xp.bool, **_device_kw(a))
        full = xp.where(eye, xp.astype(xp.real(full), a.dtype), full)
    return full


def svd(xp: Any, a: Any, full_matrices: bool = True) -> tuple[Any, Any, Any]:
    u, s, vh = _linalg(xp, "svd")(a, full_matrices=full_matrices)
    return u, s, vh


def svdvals(xp: Any, a: Any) -> Any:
    return _linalg(xp, "svdvals")(a)


def lstsq(xp: Any, a: Any, b: Any, rcond: float | None = None) -> tuple[Any, Any, Any, Any]:
    """Minimum-norm least squares through the SVD (what LAPACK's gelsd computes)."""
    a, b = _common(xp, a, b)
    m, n = a.shape[-2:]
    u, s, vh = svd(xp, a, full_matrices=False)
    eps = float(np.finfo(np.float32 if s.dtype == xp.float32 else np.float64).eps)
    if rcond is None:
        cutoff_ratio = eps * max(m, n)
    elif rcond <= 0 or rcond >= 1:
        # LAPACK's dlalsd (NumPy's lstsq) then uses its machine epsilon, dlamch('E'): the unit
        # roundoff, half of NumPy's finfo eps.
        cutoff_ratio = eps / 2
    else:
        cutoff_ratio = rcond
    # An (M, 0) or (0, N) matrix has no singular values (and rank 0): no maximum to take.
    cutoff = cutoff_ratio * xp.max(s, axis=-1, keepdims=True) if s.shape[-1] else s
    keep = s > cutoff
    s_inv = xp.where(keep, 1 / xp.where(keep, s, xp.ones_like(s)), xp.zeros_like(s))
    uhb = xp.matmul(_blocked._conj_t(xp, u), b)
    x = xp.matmul(_blocked._conj_t(xp, vh), xp.astype(s_inv[..., :, None], a.dtype) * uhb)
    rank = xp.sum(xp.astype(keep, xp.int64), axis=-1)
    full_rank = bool(xp.all(rank == n))
    if m > n and full_rank:
        resid = xp.matmul(a, x) - b
        residuals = xp.sum(xp.abs(resid) ** 2, axis=-2)
    else:
        residuals = xp.zeros((0,), dtype=s.dtype, **_device_kw(a))
    return x, residuals, rank, s
