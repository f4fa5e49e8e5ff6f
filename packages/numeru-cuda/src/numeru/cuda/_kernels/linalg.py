"""numeru-linalg's ops on the GPU: cuBLAS and cuSOLVER through ``cupy.linalg``,
``cupyx.scipy.linalg`` and ``cupy.cublas``.

Registered for the ``cuda`` backend under the op names numeru-linalg declares
(``linalg.solve``, ``linalg.lu_factor``, ...; see ``OPS``), when that distribution is installed;
numeru.linalg itself is never imported. Each kernel has the signature of numeru-linalg's CPU
kernel of the same name (``numeru/linalg/_cpu.py``): backend arrays in, keyword parameters,
backend arrays (or tuples of them) out. numeru.linalg has already promoted dtypes, checked
shapes and refused NaN and infinity before a kernel runs.

cuSOLVER and cuBLAS report singular and indefinite matrices only through an info word that CuPy
does not check by default (``cupyx.errstate(linalg="ignore")``); these kernels have CuPy check
it (``linalg="raise"``: one device-to-host copy per call, as LAPACK's info on the CPU) and raise
the same ``LinAlgError`` as the CPU kernels, naming the matrix of a stack and the zero pivot or
the failing leading minor. Stacks go to CuPy's batched routines where it has them (solve, inv,
det, slogdet, cholesky, qr, eigh, svd) and are looped over otherwise. cuBLAS and cuSOLVER refuse
a leading dimension of 0, so empty matrices never reach them.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, NoReturn

import numpy as np

from numeru.core.errors import LinAlgError

# -- errors: numeru-linalg's CPU kernels raise the same; they live with the error in core --
singular = LinAlgError.singular
singular_triangular = LinAlgError.singular_triangular
not_positive_definite = LinAlgError.not_positive_definite


def first_zero_diagonal(diagonals: np.ndarray) -> tuple[int, int] | None:
    """(flat matrix index, position) of the first exactly zero entry of host ``diagonals``
    (one row per matrix), or None."""
    zero = diagonals.reshape((-1, diagonals.shape[-1])) == 0 if diagonals.size else None
    if zero is None or not zero.any():
        return None
    flat = int(np.flatnonzero(zero.any(axis=1))[0])
    return flat, int(np.flatnonzero(zero[flat])[0])


def first_failing_minor(matrix: np.ndarray) -> int:
    """The order of the first leading minor of a host Hermitian matrix (lower triangle) whose
    Cholesky factorization fails: binary search, as the minors fail from one order on."""
    low, high = 1, matrix.shape[-1]
    while low < high:
        middle = (low + high) // 2
        try:
            np.linalg.cholesky(matrix[:middle, :middle])
            low = middle + 1
        except np.linalg.LinAlgError:
            high = middle
    return low


# -- helpers -----------------------------------------------------------------------------------

def _cupy() -> Any:
    import cupy

    return cupy


def _batch(a: Any) -> tuple[int, ...]:
    return tuple(a.shape[:-2])


def _flat(a: Any, batch: tuple[int, ...]) -> Any:
    cupy = _cupy()
    return cupy.broadcast_to(a, (*batch, *a.shape[-2:])).reshape(
        (math.prod(batch), *a.shape[-2:]))


def _each(fn: Any, *arrays: Any) -> Any:
    """``fn`` on every matrix of broadcast stacks, results restacked (a tuple stays a tuple)."""
    cupy = _cupy()
    batch = tuple(np.broadcast_shapes(*(_batch(a) for a in arrays)))
    if not batch:
        return fn(0, *arrays)
    if math.prod(batch) == 0:  # no matrices: results of the shapes one identity matrix gives
        probe = fn(0, *(cupy.eye(*a.shape[-2:], dtype=a.dtype) for a in arrays))
        parts = probe if isinstance(probe, tuple) else (probe,)
        empty = tuple(cupy.empty((*batch, *p.shape), dtype=p.dtype) for p in parts)
        return empty if isinstance(probe, tuple) else empty[0]
    flats = [_flat(a, batch) for a in arrays]
    results = [fn(i, *(f[i] for f in flats)) for i in range(math.prod(batch))]

    def stack(parts: list[Any]) -> Any:
        out = cupy.stack(parts)
        return out.reshape((*batch, *out.shape[1:]))

    if isinstance(results[0], tuple):
        return tuple(stack(list(r)) for r in zip(*results, strict=True))
    return stack(results)


def _diagonals(a: Any) -> np.ndarray:
    return _cupy().asnumpy(_cupy().diagonal(a, axis1=-2, axis2=-1))


def _raise_singular(func: str, a: Any) -> NoReturn:
    """After CuPy reported a zero pivot: the first matrix whose LU has an exactly zero pivot."""
    from cupyx.scipy import linalg as cla

    batch = _batch(a)
    flat = _flat(a, batch) if batch else a[None]
    for i in range(flat.shape[0]):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # CuPy warns of the zero pivot
            lu, _ = cla.lu_factor(flat[i], check_finite=False)
        found = first_zero_diagonal(_diagonals(lu))
        if found is not None:
            raise singular(func, batch, i, found[1])
    # The batched cuBLAS LU saw a zero pivot that cuSOLVER's getrf does not reproduce (another
    # blocking can round differently): report what is known rather than invent an index.
    raise LinAlgError(f"{func}: a is singular: cuBLAS/cuSOLVER found an exactly zero pivot")


def _checked(func: str, a: Any, call: Any) -> Any:
    """``call()`` (a CuPy LU-based routine on ``a``) with CuPy checking the getrf info words.
    With the default ``linalg="ignore"`` a zero pivot is not reported, and checking the result
    for inf is not enough: cuBLAS does not say what getriBatched (the batched inverse) writes
    for a singular matrix."""
    import cupyx

    try:
        with cupyx.errstate(linalg="raise"):  # CuPy raises numpy.linalg.LinAlgError
            return call()
    except np.linalg.LinAlgError:
        _raise_singular(func, a)


# -- solve, inv, det, slogdet ------------------------------------------------------------------

def solve(a: Any, b: Any) -> Any:
    cupy = _cupy()
    batch = tuple(np.broadcast_shapes(_batch(a), _batch(b)))
    dtype = np.result_type(a.dtype, b.dtype)
    if a.size == 0 or b.size == 0:
        return cupy.empty((*batch, *b.shape[-2:]), dtype=dtype)
    a = cupy.broadcast_to(a, (*batch, *a.shape[-2:])).astype(dtype, copy=False)
    b = cupy.broadcast_to(b, (*batch, *b.shape[-2:])).astype(dtype, copy=False)
    return _checked("solve", a, lambda: cupy.linalg.solve(a, b))


def inv(a: Any) -> Any:
    cupy = _cupy()
    if a.size == 0:
        return cupy.empty(a.shape, dtype=a.dtype)
    return _checked("inv", a, lambda: cupy.linalg.inv(a))


def det(a: Any) -> Any:
    return _cupy().linalg.det(a)


def slogdet(a: Any) -> tuple[Any, Any]:
    sign, logabs = _cupy().linalg.slogdet(a)
    return sign, logabs


# -- LU ----------------------------------------------------------------------------------------

def lu_factor(a: Any) -> tuple[Any, Any]:
    """LU with partial pivoting; ``piv`` 0-based LAPACK interchanges (int32), as SciPy."""
    cupy = _cupy()
    from cupyx.scipy import linalg as cla

    if a.size == 0:
        return (cupy.empty(a.shape, dtype=a.dtype),
                cupy.empty((*a.shape[:-2], min(a.shape[-2:])), dtype=cupy.int32))

    def one(_: int, m: Any) -> tuple[Any, Any]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a zero pivot is not an error here
            lu, piv = cla.lu_factor(m, check_finite=False)
        return cupy.ascontiguousarray(lu), piv.astype(cupy.int32, copy=False)

    return _each(one, a)


def _empty_lu(a: Any) -> tuple[Any, Any, Any]:
    """(P, L, U) of empty matrices: P the identity (M, M) in the real dtype, L (M, 0), U (0, N).
    cuSOLVER's getrf refuses M = 0 and cupyx's row swaps assert K > 0."""
    cupy = _cupy()
    m, n = a.shape[-2:]
    k, batch = min(m, n), _batch(a)
    real = np.empty(0, dtype=a.dtype).real.dtype
    p = cupy.broadcast_to(cupy.eye(m, dtype=real), (*batch, m, m)).copy()
    return (p, cupy.empty((*batch, m, k), dtype=a.dtype),
            cupy.empty((*batch, k, n), dtype=a.dtype))


def lu(a: Any) -> tuple[Any, Any, Any]:
    from cupyx.scipy import linalg as cla

    if a.size == 0:
        return _empty_lu(a)

    def one(_: int, m: Any) -> tuple[Any, Any, Any]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            p, low, up = cla.lu(m, check_finite=False)
        return p, low, up

    return _each(one, a)


def lu_solve(lu_: Any, piv: Any, b: Any, trans: int = 0) -> Any:
    cupy = _cupy()
    from cupyx.scipy import linalg as cla

    found = first_zero_diagonal(_diagonals(lu_)) if lu_.size else None
    if found is not None:
        raise singular("lu_solve", _batch(lu_), *found, name="lu")
    batch = tuple(np.broadcast_shapes(_batch(lu_), _batch(b)))
    dtype = np.result_type(lu_.dtype, b.dtype)
    if lu_.size == 0 or b.size == 0:
        return cupy.empty((*batch, *b.shape[-2:]), dtype=dtype)
    pivots = cupy.broadcast_to(piv, (*batch, piv.shape[-1])).reshape((-1, piv.shape[-1])) \
        if batch else piv

    def one(i: int, m: Any, rhs: Any) -> Any:
        # cuSOLVER's getrs reads int32 pivots and cupyx hands it the array's own buffer:
        # int64 pivots (any integer dtype is accepted) would be read as pairs of int32.
        p = (pivots[i] if batch else pivots).astype(cupy.int32, copy=False)
        return cla.lu_solve((m.astype(dtype, copy=False), p), rhs.astype(dtype, copy=False),
                            trans=trans, check_finite=False)

    return _each(one, lu_, b)


# -- triangular and Cholesky -------------------------------------------------------------------

def _empty_solution(a: Any, b: Any) -> Any:
    """The empty solution of ``a x = b`` when either has no elements (cuBLAS trsm refuses a
    leading dimension of 0)."""
    batch = tuple(np.broadcast_shapes(_batch(a), _batch(b)))
    return _cupy().empty((*batch, *b.shape[-2:]), dtype=np.result_type(a.dtype, b.dtype))


def solve_triangular(a: Any, b: Any, lower: bool = False, trans: int = 0,
                     unit_diagonal: bool = False) -> Any:
    from cupyx.scipy import linalg as cla

    if not unit_diagonal and a.size:
        found = first_zero_diagonal(_diagonals(a))
        if found is not None:
            raise singular_triangular("solve_triangular", _batch(a), *found)
    if a.size == 0 or b.size == 0:
        return _empty_solution(a, b)
    dtype = np.result_type(a.dtype, b.dtype)

    def one(_: int, m: Any, rhs: Any) -> Any:
        return cla.solve_triangular(m.astype(dtype, copy=False), rhs.astype(dtype, copy=False),
                                    trans=trans, lower=lower, unit_diagonal=unit_diagonal,
                                    check_finite=False)

    return _each(one, a, b)


def _hermitian_lower(a: Any) -> Any:
    """The Hermitian matrix that the lower triangle of ``a`` defines (LAPACK reads only it)."""
    cupy = _cupy()
    strict = cupy.tril(a, k=-1)
    return cupy.tril(a) + cupy.conj(cupy.swapaxes(strict, -1, -2))


def cholesky(a: Any, upper: bool = False) -> Any:
    cupy = _cupy()
    import cupyx

    if a.size == 0:
        return cupy.empty(a.shape, dtype=a.dtype)
    # upper: the upper triangle of A is the lower one of A^H
    source = cupy.conj(cupy.swapaxes(a, -1, -2)) if upper else a
    full = _hermitian_lower(source)
    try:
        with cupyx.errstate(linalg="raise"):  # check cuSOLVER's info word
            low = cupy.linalg.cholesky(full)
    except np.linalg.LinAlgError:
        batch = _batch(a)
        host = cupy.asnumpy(full).reshape((-1, *a.shape[-2:]))
        for i, matrix in enumerate(host):
            try:
                np.linalg.cholesky(matrix)
            except np.linalg.LinAlgError:
                raise not_positive_definite("cholesky", batch, i,
                                            first_failing_minor(matrix)) from None
        raise LinAlgError("cholesky: a is not positive definite (reported by cuSOLVER)") \
            from None
    return cupy.conj(cupy.swapaxes(low, -1, -2)) if upper else low


def cho_solve(c: Any, b: Any, lower: bool = False) -> Any:
    """``A x = b`` from a Cholesky factor: ``A = L L^H`` (lower) or ``U^H U`` (upper)."""
    from cupyx.scipy import linalg as cla

    if c.size:
        found = first_zero_diagonal(_diagonals(c))
        if found is not None:
            raise singular_triangular("cho_solve", _batch(c), *found, name="c")
    if c.size == 0 or b.size == 0:
        return _empty_solution(c, b)
    dtype = np.result_type(c.dtype, b.dtype)

    def one(_: int, m: Any, rhs: Any) -> Any:
        m, rhs = m.astype(dtype, copy=False), rhs.astype(dtype, copy=False)
        if lower:
            y = cla.solve_triangular(m, rhs, lower=True, check_finite=False)
            return cla.solve_triangular(m, y, lower=True, trans=2, check_finite=False)
        y = cla.solve_triangular(m, rhs, lower=False, trans=2, check_finite=False)
        return cla.solve_triangular(m, y, lower=False, check_finite=False)

    return _each(one, c, b)


# -- QR, eigen and singular values, least squares ----------------------------------------------

def qr(a: Any, mode: str = "reduced") -> Any:
    return _cupy().linalg.qr(a, mode=mode)


def eigh(a: Any, uplo: str = "L") -> tuple[Any, Any]:
    w, v = _cupy().linalg.eigh(a, UPLO=uplo)
    return w, v


def eigvalsh(a: Any, uplo: str = "L") -> Any:
    return _cupy().linalg.eigvalsh(a, UPLO=uplo)


def svd(a: Any, full_matrices: bool = True) -> tuple[Any, Any, Any]:
    u, s, vh = _cupy().linalg.svd(a, full_matrices=full_matrices)
    return u, s, vh


def svdvals(a: Any) -> Any:
    return _cupy().linalg.svd(a, compute_uv=False)


def lstsq(a: Any, b: Any, rcond: float | None = None) -> tuple[Any, ...]:
    """CuPy's ``lstsq`` (SVD based), looped over a stack, outputs as numeru-linalg's CPU
    kernel gives them (residuals only when every matrix has full rank and M > N)."""
    cupy = _cupy()
    m, n = a.shape[-2:]

    def one(x_a: Any, x_b: Any) -> tuple[Any, Any, Any, Any]:
        x, res, rank, s = cupy.linalg.lstsq(x_a, x_b, rcond=rcond)
        return x, res, cupy.asarray(rank, dtype=cupy.int64), s

    if a.ndim == 2 and b.ndim == 2:
        return one(a, b)
    batch = tuple(np.broadcast_shapes(_batch(a), _batch(b)))
    dtype = np.result_type(a.dtype, b.dtype)
    real = np.empty(0, dtype=dtype).real.dtype
    if math.prod(batch) == 0:
        return (cupy.empty((*batch, n, b.shape[-1]), dtype=dtype), cupy.empty((0,), dtype=real),
                cupy.empty(batch, dtype=cupy.int64), cupy.empty((*batch, min(m, n)), dtype=real))
    fa, fb = _flat(a, batch), _flat(b, batch)
    parts = [one(fa[i], fb[i]) for i in range(fa.shape[0])]
    x = cupy.stack([p[0] for p in parts]).reshape((*batch, n, b.shape[-1]))
    if all(p[1].size for p in parts):
        res = cupy.stack([p[1] for p in parts]).reshape((*batch, b.shape[-1]))
    else:
        res = cupy.empty((0,), dtype=real)
    rank = cupy.stack([p[2] for p in parts]).reshape(batch)
    s = cupy.stack([p[3] for p in parts]).reshape((*batch, min(m, n)))
    return x, res, rank, s


# -- GEMM --------------------------------------------------------------------------------------

_CUBLAS_TRANS = {0: "N", 1: "T", 2: "H"}


def _op(x: Any, code: int) -> Any:
    cupy = _cupy()
    if code == 0:
        return x
    t = cupy.swapaxes(x, -1, -2)
    return cupy.conj(t) if code == 2 else t


def gemm(a: Any, b: Any, c: Any = None, alpha: Any = 1, beta: Any = 0, trans_a: int = 0,
         trans_b: int = 0) -> Any:
    """C = alpha*op(A)@op(B) + beta*C; into ``c`` in place when given (returns None then).

    Two matrices of one BLAS dtype accumulate through cuBLAS GEMM directly in ``c``
    (``cupy.cublas.gemm``); stacks, mixed dtypes and empty operands (cuBLAS refuses a leading
    dimension of 0) go through ``matmul``.
    """
    cupy = _cupy()
    if (c is not None and a.ndim == b.ndim == c.ndim == 2
            and a.dtype == b.dtype == c.dtype and c.dtype.char in "fdFD"
            and a.size and b.size and c.size
            and (c.flags.c_contiguous or c.flags.f_contiguous)):
        from cupy import cublas

        # cuBLAS reads A and B while it writes C: an operand that overlaps c is copied first,
        # as numeru-linalg's CPU kernel does (and NumPy's matmul for out=).
        if cupy.may_share_memory(a, c):
            a = a.copy()
        if cupy.may_share_memory(b, c):
            b = b.copy()
        cublas.gemm(_CUBLAS_TRANS[trans_a], _CUBLAS_TRANS[trans_b], a, b, out=c, alpha=alpha,
                    beta=beta)
        return None
    product = cupy.matmul(_op(a, trans_a), _op(b, trans_b))
    if c is None:
        return product * alpha if alpha != 1 else product
    if beta == 0:
        cupy.multiply(product, alpha, out=c, casting="unsafe")
    else:
        c *= beta
        c += alpha * product
    return None


#: the op names numeru-linalg declares (``linalg.<name>``), each a function of this module
OPS = ("lu_factor", "lu", "lu_solve", "solve", "inv", "det", "slogdet", "solve_triangular",
       "cholesky", "cho_solve", "qr", "eigh", "eigvalsh", "svd", "svdvals", "lstsq", "gemm")
KERNELS = {f"linalg.{name}": f"numeru.cuda._kernels.linalg:{name}" for name in OPS}
