"""Numba kernels for large stacks of small matrices (order <= 16).

NumPy's stacked ``solve``/``inv``/``det`` call LAPACK once per matrix, and for a 3x3 matrix the
call costs far more than the arithmetic. These kernels run the whole stack in one compiled
loop, in parallel over the matrices, with the same algorithm as LAPACK's getf2/potf2 (partial
pivoting on |re| + |im|, as i?amax does), so that pivots and results agree with LAPACK's.

Real (float32/float64) solve, inv, det and slogdet run ``lanes``: the same steps on eight
matrices at a time, one per vector lane, which hides the latency of getf2's dependent steps.
The scalar kernels here serve complex matrices, ``lu`` and ``cholesky``.

Each entry point returns an ``info`` array (0 for success, LAPACK's info otherwise) instead of
raising, so the caller can name the first failing matrix of the stack.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from numeru.core.parallel import get_num_threads, parallel_map

from . import lanes


@njit(cache=True, inline="always")
def _lu_one(m, piv):  # pragma: no cover - compiled
    """getf2 on one square matrix in place; returns LAPACK's info."""
    n = m.shape[0]
    info = 0
    for k in range(n):
        p = k
        best = abs(m[k, k].real) + abs(m[k, k].imag)
        for i in range(k + 1, n):
            v = abs(m[i, k].real) + abs(m[i, k].imag)
            if v > best:
                best = v
                p = i
        piv[k] = p
        if best == 0.0:
            if info == 0:
                info = k + 1
            continue
        if p != k:
            for j in range(n):
                tmp = m[k, j]
                m[k, j] = m[p, j]
                m[p, j] = tmp
        inv = 1.0 / m[k, k]
        for i in range(k + 1, n):
            m[i, k] *= inv
            f = m[i, k]
            if f != 0:
                for j in range(k + 1, n):
                    m[i, j] -= f * m[k, j]
    return info


@njit(cache=True, inline="always")
def _lu_solve_one(m, piv, b):  # pragma: no cover - compiled
    """b := A^-1 b from the LU of A (b is n x k, overwritten)."""
    n, k = b.shape
    for r in range(n):
        p = piv[r]
        if p != r:
            for c in range(k):
                tmp = b[r, c]
                b[r, c] = b[p, c]
                b[p, c] = tmp
    if k <= 2:
        # Few right-hand sides: one column at a time, as dot products.
        for c in range(k):
            for i in range(n):
                s = b[i, c]
                for j in range(i):
                    s -= m[i, j] * b[j, c]
                b[i, c] = s
            for i in range(n - 1, -1, -1):
                s = b[i, c]
                for j in range(i + 1, n):
                    s -= m[i, j] * b[j, c]
                b[i, c] = s / m[i, i]
        return
    # Many (the inverse): row-oriented, so that the innermost loop runs along a row of b
    # (contiguous, vectorised), as LAPACK's trsm does.
    for i in range(n):
        for j in range(i):
            f = m[i, j]
            for c in range(k):
                b[i, c] -= f * b[j, c]
    for i in range(n - 1, -1, -1):
        for j in range(i + 1, n):
            f = m[i, j]
            for c in range(k):
                b[i, c] -= f * b[j, c]
        d = m[i, i]
        for c in range(k):
            b[i, c] /= d


@njit(cache=True, inline="always")
def _copy(src, dst):  # pragma: no cover - compiled
    # Explicit loops: Numba's slice assignment costs more than the copy for tiny matrices.
    for i in range(src.shape[0]):
        for j in range(src.shape[1]):
            dst[i, j] = src[i, j]


# Each kernel handles the matrices [start, stop) with one scratch matrix and pivot vector, and
# releases the GIL: the wrappers split a stack into one contiguous range per thread and run the
# ranges on numeru's shared task pool (plain nogil kernels compile in a fraction of the time
# ``parallel=True`` ones take, and follow the same thread setting).


@njit(cache=True, inline="always")
def _eliminate(m, n):  # pragma: no cover - compiled
    """Gaussian elimination with partial pivoting on the augmented [A | B] (n x (n + k)): A
    becomes U and B becomes L^-1 P B, the same operations in the same order as getf2 followed
    by the forward substitution, in one pass (the rank-1 updates run along whole rows).
    Returns LAPACK's info."""
    width = m.shape[1]
    info = 0
    for k in range(n):
        p = k
        best = abs(m[k, k].real) + abs(m[k, k].imag)
        for i in range(k + 1, n):
            v = abs(m[i, k].real) + abs(m[i, k].imag)
            if v > best:
                best = v
                p = i
        if best == 0.0:
            if info == 0:
                info = k + 1
            continue
        if p != k:
            for j in range(width):
                tmp = m[k, j]
                m[k, j] = m[p, j]
                m[p, j] = tmp
        inv = 1.0 / m[k, k]
        for i in range(k + 1, n):
            f = m[i, k] * inv
            m[i, k] = f
            for j in range(k + 1, width):
                m[i, j] -= f * m[k, j]
    return info


@njit(cache=True, nogil=True)
def _solve(a, b, info, start, stop):  # pragma: no cover - compiled
    n, k = a.shape[1], b.shape[2]
    work = np.empty((n, n + k), dtype=a.dtype)
    for t in range(start, stop):
        for i in range(n):
            for j in range(n):
                work[i, j] = a[t, i, j]
            for c in range(k):
                work[i, n + c] = b[t, i, c]
        info[t] = _eliminate(work, n)
        if info[t] != 0:
            continue
        for c in range(n, n + k):  # back substitution with U
            for i in range(n - 1, -1, -1):
                s = work[i, c]
                for j in range(i + 1, n):
                    s -= work[i, j] * work[j, c]
                work[i, c] = s / work[i, i]
        for i in range(n):
            for c in range(k):
                b[t, i, c] = work[i, n + c]


@njit(cache=True, nogil=True)
def _inv(a, out, info, start, stop):  # pragma: no cover - compiled
    n = a.shape[1]
    work = np.empty((n, n), dtype=a.dtype)
    piv = np.empty(n, dtype=np.int64)
    for t in range(start, stop):
        _copy(a[t], work)
        info[t] = _lu_one(work, piv)
        inverse = out[t]
        for i in range(n):
            for j in range(n):
                inverse[i, j] = 0
            inverse[i, i] = 1
        if info[t] == 0:
            _lu_solve_one(work, piv, inverse)


@njit(cache=True, nogil=True)
def _lu(a, lu, piv, info, start, stop):  # pragma: no cover - compiled
    for t in range(start, stop):
        _copy(a[t], lu[t])
        info[t] = _lu_one(lu[t], piv[t])


@njit(cache=True, nogil=True)
def _slogdet(a, sign, logabs, start, stop):  # pragma: no cover - compiled
    n = a.shape[1]
    work = np.empty((n, n), dtype=a.dtype)
    piv = np.empty(n, dtype=np.int64)
    for t in range(start, stop):
        _copy(a[t], work)
        if _lu_one(work, piv) != 0:
            sign[t] = 0
            logabs[t] = -np.inf
            continue
        phase = work[0, 0] * 0 + 1
        total = 0.0
        for i in range(n):
            d = work[i, i]
            mag = abs(d)
            phase *= d / mag
            total += np.log(mag)
            if piv[i] != i:
                phase = -phase
        sign[t] = phase
        logabs[t] = total


@njit(cache=True, nogil=True)
def _det(a, out, start, stop):  # pragma: no cover - compiled
    n = a.shape[1]
    work = np.empty((n, n), dtype=a.dtype)
    piv = np.empty(n, dtype=np.int64)
    for t in range(start, stop):
        _copy(a[t], work)
        _lu_one(work, piv)
        d = work[0, 0] * 0 + 1
        for i in range(n):
            d *= work[i, i]
            if piv[i] != i:
                d = -d
        out[t] = d


@njit(cache=True, nogil=True)
def _cholesky(a, out, info, start, stop):  # pragma: no cover - compiled
    """potf2 (lower) reading the lower triangle of each matrix; ``out`` gets L (zero above)."""
    n = a.shape[1]
    for t in range(start, stop):
        info[t] = 0
        low = out[t]
        for i in range(n):
            for j in range(n):
                low[i, j] = 0
        for j in range(n):
            d = a[t, j, j].real
            for k in range(j):
                d -= (low[j, k] * np.conj(low[j, k])).real
            if not d > 0.0:
                info[t] = j + 1
                break
            root = np.sqrt(d)
            low[j, j] = root
            for i in range(j + 1, n):
                s = a[t, i, j]
                for k in range(j):
                    s -= low[i, k] * np.conj(low[j, k])
                low[i, j] = s / root


# Below this many matrices per thread, splitting costs more than it saves.
MIN_PER_THREAD = 512


def _run(kernel, count: int, *arrays) -> None:
    """``kernel(*arrays, start, stop)`` over [0, count), one contiguous range per thread."""
    parts = max(1, min(get_num_threads(), count // MIN_PER_THREAD))
    if parts == 1:
        kernel(*arrays, 0, count)
        return
    bounds = [count * i // parts for i in range(parts + 1)]
    parallel_map(lambda i: kernel(*arrays, bounds[i], bounds[i + 1]), range(parts))


def _real(a: np.ndarray, width: int = 0) -> bool:
    """The lane kernels take it: float32/float64, order <= NMAX, augmented rows <= WMAX (their
    scratch is a fixed-size stack array)."""
    n = a.shape[1]
    return a.dtype in (np.float32, np.float64) and n <= lanes.NMAX and n + width <= lanes.WMAX


def solve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Overwrite ``b`` (B, n, k) with the solutions of ``a`` (B, n, n); returns info."""
    info = np.empty(a.shape[0], dtype=np.int64)
    kernel = lanes.solve if _real(a, b.shape[2]) else _solve
    work = np.ascontiguousarray(b)
    _run(kernel, a.shape[0], np.ascontiguousarray(a), work, info)
    if work is not b:
        b[...] = work
    return info


def inv(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    out = np.empty(a.shape, dtype=a.dtype)
    info = np.empty(a.shape[0], dtype=np.int64)
    _run(lanes.inv if _real(a) else _inv, a.shape[0], np.ascontiguousarray(a), out, info)
    return out, info


def lu(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(LU, 0-based int32 pivots, info) per matrix, as LAPACK's getrf gives them."""
    out = np.empty(a.shape, dtype=a.dtype)
    piv = np.empty(a.shape[:2], dtype=np.int64)
    info = np.empty(a.shape[0], dtype=np.int64)
    _run(_lu, a.shape[0], np.ascontiguousarray(a), out, piv, info)
    return out, piv.astype(np.int32), info


def det(a: np.ndarray) -> np.ndarray:
    out = np.empty(a.shape[0], dtype=a.dtype)
    _run(lanes.det if _real(a) else _det, a.shape[0], np.ascontiguousarray(a), out)
    return out


def slogdet(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    sign = np.empty(a.shape[0], dtype=a.dtype)
    logabs = np.empty(a.shape[0], dtype=a.real.dtype)
    kernel = lanes.slogdet if _real(a) else _slogdet
    _run(kernel, a.shape[0], np.ascontiguousarray(a), sign, logabs)
    return sign, logabs


def cholesky(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    out = np.empty(a.shape, dtype=a.dtype)
    info = np.empty(a.shape[0], dtype=np.int64)
    _run(_cholesky, a.shape[0], np.ascontiguousarray(a), out, info)
    return out, info
