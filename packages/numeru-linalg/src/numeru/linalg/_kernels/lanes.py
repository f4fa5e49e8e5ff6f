"""Stacks of small real matrices, ``LANES`` matrices at a time: one matrix per vector lane.

For a matrix of order up to 16, getf2 on one matrix is a chain of short dependent steps (find
the pivot, swap, divide, update the next column, find the next pivot...), and a scalar kernel
spends most of its time waiting on that chain. These kernels run the same steps on ``LANES``
matrices at once: element (i, j) of the matrices ``t0 .. t0 + LANES - 1`` is one vector, so every
operation is one vector instruction and the chains of the matrices overlap.

Each lane does exactly what getf2 + getrs do on its matrix, in the same order and with the same
rounding (lane-wise IEEE operations, no fused multiply-add): the pivot is the first row of
largest |a_ik| (i?amax), rows are swapped, the multipliers are a_ik * (1 / a_kk), and the
solves are the forward and backward substitutions of trsm. Rows differ per lane, so the row swap
is a select: the pivot row is picked from the rows below by comparing each lane's pivot index,
and the row it leaves takes the old row k. A lane whose column is all zeros (LAPACK's info > 0)
skips the step, as getf2 does: its multipliers are zero.

Only float32/float64: complex matrices use the scalar kernels of ``small``.
"""

from __future__ import annotations

import numpy as np
from numba import carray, njit

from . import simd as V

LANES = 8  # 8 doubles = two AVX2 registers per vector: two independent chains per instruction
NMAX = 16  # largest order
WMAX = 2 * NMAX  # widest augmented row [A | B]
_W_SIZE = NMAX * WMAX * LANES
_ROW_SIZE = WMAX * LANES


@njit(cache=True)
def _at(i, j):  # pragma: no cover - compiled
    """Offset of element (i, j) of the lane-interleaved scratch (``LANES`` values each)."""
    return (i * WMAX + j) * LANES


@njit(cache=True)
def _gather(a, w, t0, count, col):  # pragma: no cover - compiled
    """w[i, col + j] := a[t0 + lane, i, j] per lane; lanes past ``count`` repeat matrix t0."""
    rows, cols = a.shape[1], a.shape[2]
    if count == LANES:  # one vector per element, from LANES consecutive matrices
        size = rows * cols
        for i in range(rows):
            for j in range(cols):
                V.store(w, _at(i, col + j), V.gather(a, t0 * size + i * cols + j, size, LANES))
        return
    for lane in range(LANES):
        src = t0 + lane if lane < count else t0
        for i in range(rows):
            for j in range(cols):
                w[_at(i, col + j) + lane] = a[src, i, j]


@njit(cache=True)
def _step(w, old, k, n, width):  # pragma: no cover - compiled
    """Step k of getf2 on the augmented rows [A | B] (columns k..width-1) of every lane.
    Returns (pivot row, pivot, zero column) per lane."""
    best = V.absolute(V.load(w, _at(k, k), LANES))
    piv_row = V.fill_index(best, k)
    for i in range(k + 1, n):
        v = V.absolute(V.load(w, _at(i, k), LANES))
        bigger = V.greater(v, best)  # strict: the first largest wins, as i?amax
        best = V.select(bigger, v, best)
        piv_row = V.select(bigger, V.fill_index(best, i), piv_row)
    zero = V.equal(best, V.fill(best, 0.0))
    # Row k takes the pivot row; the old row k goes where the pivot row was (in the update).
    for j in range(k, width):
        row_k = V.load(w, _at(k, j), LANES)
        pivot_row = row_k
        for i in range(k + 1, n):
            here = V.equal(piv_row, V.fill_index(piv_row, i))
            pivot_row = V.select(here, V.load(w, _at(i, j), LANES), pivot_row)
        V.store(w, _at(k, j), pivot_row)
        V.store(old, j * LANES, row_k)
    pivot = V.load(w, _at(k, k), LANES)
    recip = V.select(zero, V.fill(pivot, 0.0), V.div(V.fill(pivot, 1.0), pivot))
    for i in range(k + 1, n):
        here = V.equal(piv_row, V.fill_index(piv_row, i))
        below = V.select(here, V.load(old, k * LANES, LANES), V.load(w, _at(i, k), LANES))
        f = V.mul(below, recip)
        for j in range(k + 1, width):
            x = V.select(here, V.load(old, j * LANES, LANES), V.load(w, _at(i, j), LANES))
            V.store(w, _at(i, j), V.sub(x, V.mul(f, V.load(w, _at(k, j), LANES))))
    return piv_row, pivot, zero


@njit(cache=True)
def _factor(w, old, n, width, info):  # pragma: no cover - compiled
    """All n steps; ``info`` (LANES int64) gets LAPACK's info per lane."""
    first = V.fill_index(V.load(w, 0, LANES), 0)
    for k in range(n):
        _, _, zero = _step(w, old, k, n, width)
        new = V.both(zero, V.equal(first, V.fill_index(first, 0)))
        first = V.select(new, V.fill_index(first, k + 1), first)
    V.store(info, 0, first)


@njit(cache=True)
def _back_substitute(w, n, width, out, t0, count):  # pragma: no cover - compiled
    """out[t0 + lane] := U^-1 w[:, n:width] per lane, in trsm's order (divide row k, then
    subtract it from the rows above)."""
    for k in range(n - 1, -1, -1):
        d = V.load(w, _at(k, k), LANES)
        for c in range(n, width):
            V.store(w, _at(k, c), V.div(V.load(w, _at(k, c), LANES), d))
        for i in range(k):
            f = V.load(w, _at(i, k), LANES)
            for c in range(n, width):
                x = V.sub(V.load(w, _at(i, c), LANES), V.mul(f, V.load(w, _at(k, c), LANES)))
                V.store(w, _at(i, c), x)
    k = width - n
    if count == LANES:
        size = n * k
        for i in range(n):
            for c in range(k):
                V.scatter(out, t0 * size + i * k + c, size, V.load(w, _at(i, n + c), LANES))
        return
    for lane in range(count):
        for i in range(n):
            for c in range(k):
                out[t0 + lane, i, c] = w[_at(i, n + c) + lane]


# The scratch lives on the stack: 16 x 32 x 8 elements (32 KiB for float64).


@njit(cache=True, nogil=True)
def solve(a, b, info, start, stop):  # pragma: no cover - compiled
    n, width = a.shape[1], a.shape[1] + b.shape[2]
    w = carray(V.stack_empty(_W_SIZE, a.dtype), (_W_SIZE,))
    old = carray(V.stack_empty(_ROW_SIZE, a.dtype), (_ROW_SIZE,))
    lane_info = np.empty(LANES, dtype=np.int64)
    for t0 in range(start, stop, LANES):
        count = min(LANES, stop - t0)
        _gather(a, w, t0, count, 0)
        _gather(b, w, t0, count, n)
        _factor(w, old, n, width, lane_info)
        for lane in range(count):
            info[t0 + lane] = lane_info[lane]
        _back_substitute(w, n, width, b, t0, count)


@njit(cache=True, nogil=True)
def inv(a, out, info, start, stop):  # pragma: no cover - compiled
    n = a.shape[1]
    w = carray(V.stack_empty(_W_SIZE, a.dtype), (_W_SIZE,))
    old = carray(V.stack_empty(_ROW_SIZE, a.dtype), (_ROW_SIZE,))
    lane_info = np.empty(LANES, dtype=np.int64)
    for t0 in range(start, stop, LANES):
        count = min(LANES, stop - t0)
        _gather(a, w, t0, count, 0)
        zeros = V.fill(V.load(w, 0, LANES), 0.0)
        ones = V.fill(zeros, 1.0)
        for i in range(n):
            for j in range(n):
                V.store(w, _at(i, n + j), ones if i == j else zeros)
        _factor(w, old, n, 2 * n, lane_info)
        for lane in range(count):
            info[t0 + lane] = lane_info[lane]
        _back_substitute(w, n, 2 * n, out, t0, count)


@njit(cache=True, nogil=True)
def det(a, out, start, stop):  # pragma: no cover - compiled
    n = a.shape[1]
    w = carray(V.stack_empty(_W_SIZE, a.dtype), (_W_SIZE,))
    old = carray(V.stack_empty(_ROW_SIZE, a.dtype), (_ROW_SIZE,))
    lane_det = np.empty(LANES, dtype=a.dtype)
    for t0 in range(start, stop, LANES):
        count = min(LANES, stop - t0)
        _gather(a, w, t0, count, 0)
        d = V.fill(V.load(w, 0, LANES), 1.0)
        for k in range(n):
            piv_row, pivot, _ = _step(w, old, k, n, n)
            d = V.mul(d, pivot)
            d = V.select(V.equal(piv_row, V.fill_index(piv_row, k)), d, V.neg(d))
        V.store(lane_det, 0, d)
        for lane in range(count):
            out[t0 + lane] = lane_det[lane]


@njit(cache=True, nogil=True)
def slogdet(a, sign, logabs, start, stop):  # pragma: no cover - compiled
    n = a.shape[1]
    w = carray(V.stack_empty(_W_SIZE, a.dtype), (_W_SIZE,))
    old = carray(V.stack_empty(_ROW_SIZE, a.dtype), (_ROW_SIZE,))
    pivots = np.empty(NMAX * LANES, dtype=a.dtype)
    rows = np.empty(NMAX * LANES, dtype=np.int64)
    lane_info = np.empty(LANES, dtype=np.int64)
    for t0 in range(start, stop, LANES):
        count = min(LANES, stop - t0)
        _gather(a, w, t0, count, 0)
        first = V.fill_index(V.load(w, 0, LANES), 0)
        for k in range(n):
            piv_row, pivot, zero = _step(w, old, k, n, n)
            V.store(pivots, k * LANES, pivot)
            V.store(rows, k * LANES, piv_row)
            new = V.both(zero, V.equal(first, V.fill_index(first, 0)))
            first = V.select(new, V.fill_index(first, k + 1), first)
        V.store(lane_info, 0, first)
        for lane in range(count):
            t = t0 + lane
            if lane_info[lane] != 0:
                sign[t] = 0
                logabs[t] = -np.inf
                continue
            phase = pivots[lane] * 0 + 1
            total = 0.0
            for i in range(n):
                d = pivots[i * LANES + lane]
                mag = abs(d)
                phase *= d / mag
                total += np.log(mag)
                if rows[i * LANES + lane] != i:
                    phase = -phase
            sign[t] = phase
            logabs[t] = total
