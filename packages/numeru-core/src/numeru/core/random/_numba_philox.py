"""Numba fast path of the random ops on the CPU: the same bits as ``philox.py``/``transforms.py``.

Each kernel is one loop over chunks of 1024 Philox blocks (``prange``: chunks go to threads).
Inside a chunk the rounds run over four word arrays and each later stage (radius, angle,
output) is one simple loop, so LLVM vectorizes them; the generic code instead makes dozens of
passes over memory. Every formula repeats the generic one operation for operation, in the same
order and on the same types (Numba without ``fastmath`` neither fuses multiply-adds nor
reorders), so the results are identical bit for bit; tests check it. Blocks are independent, so
the result does not depend on how the chunks are split over threads.

Registered as the ``cpu`` kernels of ``random_bits``, ``random_uniform``, ``random_normal`` and
``random_lemire`` by numeru-core's plugin, as ``"module:function"`` strings, so Numba is
imported on first use. Outputs are 64-byte aligned, like every buffer numeru creates.
"""
from __future__ import annotations

import types
from typing import Any

import numpy as np
from numba import njit, prange

from ..backends.cpu import aligned_empty
from ..parallel import numba_threads
from . import transforms as _t
from .philox import M0 as _M0_INT
from .philox import M1 as _M1_INT
from .philox import W0 as _W0_INT
from .philox import W1 as _W1_INT

# Typed constants: Numba turns uint64-with-int64 arithmetic into float64, so every integer that
# meets a uint64 here is a uint64 itself.
_U = np.uint64
M0, M1, W0, W1 = _U(_M0_INT), _U(_M1_INT), _U(_W0_INT), _U(_W1_INT)
MASK32 = _U(0xFFFFFFFF)
ZERO, ONE, S8, S11, S32 = _U(0), _U(1), _U(8), _U(11), _U(32)
LOG_C = _t.LOG_COEFFS
COS_C = _t.COS_COEFFS
SIN_C = _t.SIN_COEFFS
LN2_HI, LN2_LO, SQRT2, PI_2 = _t.LN2_HI, _t.LN2_LO, _t.SQRT2, _t.PI_2
TWO_M53, TWO_M52, TWO_M51, TWO_M22 = _t.TWO_M53, 2.0**-52, 2.0**-51, 2.0**-22
TWO_M24_F32 = np.float32(_t.TWO_M24)
# error_model="numpy": no ZeroDivisionError branch after each division, which would keep loops
# from vectorizing (no division here can have a zero divisor).
jit = njit(cache=True, error_model="numpy")


@jit
def _philox_chunk(start, m, c_lo, c_hi, k0, k1):
    """Words of blocks ``start .. start + m - 1`` as four arrays (one per word).

    Rounds run over whole arrays so that LLVM vectorizes them (32x32 -> 64-bit multiplies are
    one SIMD instruction): about three times faster than one block at a time.
    """
    x0 = np.empty(m, np.uint64)
    x1 = np.empty(m, np.uint64)
    x2 = np.empty(m, np.uint64)
    x3 = np.empty(m, np.uint64)
    for i in range(m):
        lo = c_lo + _U(start + i)
        hi = c_hi + (ONE if lo < c_lo else ZERO)  # carry into the high 64 bits
        x0[i] = lo & MASK32
        x1[i] = lo >> S32
        x2[i] = hi & MASK32
        x3[i] = hi >> S32
    for _ in range(10):
        for i in range(m):
            p0 = x0[i] * M0
            p1 = x2[i] * M1
            y1 = x1[i]
            y3 = x3[i]
            x0[i] = ((p1 >> S32) ^ y1) ^ k0
            x1[i] = p1 & MASK32
            x2[i] = ((p0 >> S32) ^ y3) ^ k1
            x3[i] = p0 & MASK32
        k0 = (k0 + W0) & MASK32
        k1 = (k1 + W1) & MASK32
    return x0, x1, x2, x3


# Horner's rule written out (a loop over a tuple is not unrolled into vector code), in the
# order of transforms._poly: p = z * c[-1] + c[-2], then p = p * z + c[i] downwards.
L0, L1, L2, L3, L4, L5, L6, L7, L8, L9, L10 = LOG_C
C0, C1, C2, C3, C4, C5, C6, C7, C8 = COS_C
N0, N1, N2, N3, N4, N5, N6, N7, N8 = SIN_C


@jit
def _log_poly(z):
    p = z * L10 + L9
    p = p * z + L8
    p = p * z + L7
    p = p * z + L6
    p = p * z + L5
    p = p * z + L4
    p = p * z + L3
    p = p * z + L2
    p = p * z + L1
    return p * z + L0


@jit
def _cos_poly(z):
    p = z * C8 + C7
    p = p * z + C6
    p = p * z + C5
    p = p * z + C4
    p = p * z + C3
    p = p * z + C2
    p = p * z + C1
    return p * z + C0


@jit
def _sin_poly(z):
    p = z * N8 + N7
    p = p * z + N6
    p = p * z + N5
    p = p * z + N4
    p = p * z + N3
    p = p * z + N2
    p = p * z + N1
    return p * z + N0


@jit
def _radius(k, bits):
    """``sqrt(-2 log(k 2**-bits))`` as transforms.log_scaled + box_muller compute it."""
    e = ZERO
    trial = e + _U(32)
    e = trial if (k >> trial) != ZERO else e
    trial = e + _U(16)
    e = trial if (k >> trial) != ZERO else e
    trial = e + _U(8)
    e = trial if (k >> trial) != ZERO else e
    trial = e + _U(4)
    e = trial if (k >> trial) != ZERO else e
    trial = e + _U(2)
    e = trial if (k >> trial) != ZERO else e
    trial = e + _U(1)
    e = trial if (k >> trial) != ZERO else e
    e_int = np.int64(e)
    left = _U(52 - e_int) if e_int <= 52 else ZERO
    right = _U(e_int - 52) if e_int > 52 else ZERO
    m = np.float64((k << left) >> right) * TWO_M52
    above = m > SQRT2
    m = m * 0.5 if above else m
    exponent = (np.float64(e_int) + (1.0 if above else 0.0)) - np.float64(bits)
    s = (m - 1.0) / (m + 1.0)
    log_m = s * _log_poly(s * s)
    return np.sqrt(-2.0 * (exponent * LN2_HI + (exponent * LN2_LO + log_m)))


@jit
def _cos_sin(j, bits):
    """``(cos, sin)(2 pi j 2**-bits)`` as transforms.cos_sin_2pi computes them."""
    shift = bits - 2
    q = (j + _U(1 << (shift - 1))) >> _U(shift)
    f = np.float64(np.int64(j) - np.int64(q << _U(shift)))
    a = (f * (TWO_M51 if bits == 53 else TWO_M22)) * PI_2
    z = a * a
    c = _cos_poly(z)
    s = a * _sin_poly(z)
    quadrant = q & _U(3)
    cos = c if quadrant == 0 else (-s if quadrant == 1 else (-c if quadrant == 2 else s))
    sin = s if quadrant == 0 else (c if quadrant == 1 else (-s if quadrant == 2 else -c))
    return cos, sin


CHUNK = 1024  # blocks per task: the four word arrays of a chunk (32 KiB) stay in L1


def _bits(out, c_lo, c_hi, k0, k1):
    n_blocks = out.shape[0] // 4
    for chunk in prange((n_blocks + CHUNK - 1) // CHUNK):
        start = chunk * CHUNK
        m = min(CHUNK, n_blocks - start)
        x0, x1, x2, x3 = _philox_chunk(start, m, c_lo, c_hi, k0, k1)
        for i in range(m):
            b = 4 * (start + i)
            out[b] = np.uint32(x0[i])
            out[b + 1] = np.uint32(x1[i])
            out[b + 2] = np.uint32(x2[i])
            out[b + 3] = np.uint32(x3[i])


@jit
def _u53(low_word, high_word):
    return np.float64((low_word | (high_word << S32)) >> S11) * TWO_M53


@jit
def _u24(word):
    return np.float32(word >> S8) * TWO_M24_F32


def _uniform64(out, c_lo, c_hi, k0, k1, low, scale):
    n = out.shape[0]
    n_blocks = (n + 1) // 2
    for chunk in prange((n_blocks + CHUNK - 1) // CHUNK):
        start = chunk * CHUNK
        m = min(CHUNK, n_blocks - start)
        x0, x1, x2, x3 = _philox_chunk(start, m, c_lo, c_hi, k0, k1)
        full = min(m, n // 2 - start)  # blocks whose both values are inside ``out``
        for i in range(full):
            out[2 * (start + i)] = low + scale * _u53(x0[i], x1[i])
            out[2 * (start + i) + 1] = low + scale * _u53(x2[i], x3[i])
        if full < m:  # the last block of an odd ``n``: its first value only
            out[2 * (start + full)] = low + scale * _u53(x0[full], x1[full])


def _uniform32(out, c_lo, c_hi, k0, k1, low, scale):
    n = out.shape[0]
    n_blocks = (n + 3) // 4
    for chunk in prange((n_blocks + CHUNK - 1) // CHUNK):
        start = chunk * CHUNK
        m = min(CHUNK, n_blocks - start)
        x0, x1, x2, x3 = _philox_chunk(start, m, c_lo, c_hi, k0, k1)
        for i in range(m):
            b = 4 * (start + i)
            out[b] = low + scale * _u24(x0[i])
            if b + 1 < n:
                out[b + 1] = low + scale * _u24(x1[i])
            if b + 2 < n:
                out[b + 2] = low + scale * _u24(x2[i])
            if b + 3 < n:
                out[b + 3] = low + scale * _u24(x3[i])


def _normal64(out, c_lo, c_hi, k0, k1, loc, scale):
    n = out.shape[0]
    n_blocks = (n + 1) // 2
    for chunk in prange((n_blocks + CHUNK - 1) // CHUNK):
        start = chunk * CHUNK
        m = min(CHUNK, n_blocks - start)
        x0, x1, x2, x3 = _philox_chunk(start, m, c_lo, c_hi, k0, k1)
        radius = np.empty(m)  # one simple loop per stage: each one vectorizes
        for i in range(m):
            radius[i] = _radius(((x0[i] | (x1[i] << S32)) >> S11) + ONE, 53)
        full = min(m, n // 2 - start)
        for i in range(full):
            cos, sin = _cos_sin((x2[i] | (x3[i] << S32)) >> S11, 53)
            out[2 * (start + i)] = loc + scale * (radius[i] * cos)
            out[2 * (start + i) + 1] = loc + scale * (radius[i] * sin)
        if full < m:  # the last block of an odd ``n``: its first value only
            cos, sin = _cos_sin((x2[full] | (x3[full] << S32)) >> S11, 53)
            out[2 * (start + full)] = loc + scale * (radius[full] * cos)


def _normal32(out, c_lo, c_hi, k0, k1, loc, scale):
    n = out.shape[0]
    n_blocks = (n + 3) // 4
    for chunk in prange((n_blocks + CHUNK - 1) // CHUNK):
        start = chunk * CHUNK
        m = min(CHUNK, n_blocks - start)
        x0, x1, x2, x3 = _philox_chunk(start, m, c_lo, c_hi, k0, k1)
        radius_a = np.empty(m)
        radius_b = np.empty(m)
        for i in range(m):
            radius_a[i] = _radius((x0[i] >> S8) + ONE, 24)
            radius_b[i] = _radius((x2[i] >> S8) + ONE, 24)
        full = min(m, n // 4 - start)
        for i in range(full):
            cos_a, sin_a = _cos_sin(x1[i] >> S8, 24)
            cos_b, sin_b = _cos_sin(x3[i] >> S8, 24)
            b = 4 * (start + i)
            out[b] = loc + scale * np.float32(radius_a[i] * cos_a)
            out[b + 1] = loc + scale * np.float32(radius_a[i] * sin_a)
            out[b + 2] = loc + scale * np.float32(radius_b[i] * cos_b)
            out[b + 3] = loc + scale * np.float32(radius_b[i] * sin_b)
        if full < m:  # the last block: the values of it that are inside ``out``
            cos_a, sin_a = _cos_sin(x1[full] >> S8, 24)
            cos_b, sin_b = _cos_sin(x3[full] >> S8, 24)
            b = 4 * (start + full)
            out[b] = loc + scale * np.float32(radius_a[full] * cos_a)
            if b + 1 < n:
                out[b + 1] = loc + scale * np.float32(radius_a[full] * sin_a)
            if b + 2 < n:
                out[b + 2] = loc + scale * np.float32(radius_b[full] * cos_b)


@jit
def _lemire_one(values, accepted, at, word, span, threshold, offset):
    product = word * span
    values[at] = (product >> S32) + offset
    accepted[at] = (product & MASK32) >= threshold


def _lemire(values, accepted, c_lo, c_hi, k0, k1, span, threshold, offset):
    n = values.shape[0]
    n_blocks = (n + 3) // 4
    for chunk in prange((n_blocks + CHUNK - 1) // CHUNK):
        start = chunk * CHUNK
        m = min(CHUNK, n_blocks - start)
        x0, x1, x2, x3 = _philox_chunk(start, m, c_lo, c_hi, k0, k1)
        full = min(m, n // 4 - start)  # blocks whose four values are all inside ``values``
        for i in range(full):
            b = 4 * (start + i)
            _lemire_one(values, accepted, b, x0[i], span, threshold, offset)
            _lemire_one(values, accepted, b + 1, x1[i], span, threshold, offset)
            _lemire_one(values, accepted, b + 2, x2[i], span, threshold, offset)
            _lemire_one(values, accepted, b + 3, x3[i], span, threshold, offset)
        if full < m:  # the last block: the values of it that are inside ``values``
            b = 4 * (start + full)
            _lemire_one(values, accepted, b, x0[full], span, threshold, offset)
            if b + 1 < n:
                _lemire_one(values, accepted, b + 1, x1[full], span, threshold, offset)
            if b + 2 < n:
                _lemire_one(values, accepted, b + 2, x2[full], span, threshold, offset)


# Each kernel compiled twice: parallel for large draws, serial for small ones, where waking
# the thread pool costs more than the work (milliseconds on a busy machine). prange is range in
# the serial build, so both builds compute the same values.
PARALLEL_MIN_BLOCKS = 8 * CHUNK


def _renamed(fn: Any, suffix: str) -> Any:
    """A copy of ``fn`` under another name: Numba's cache keys files by function name, so the
    two builds of one function need two names to be cached side by side."""
    copy = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__ + suffix)
    copy.__qualname__ = fn.__qualname__ + suffix
    return copy


_KERNELS = {fn.__name__: (jit(_renamed(fn, "_serial")),
                          njit(cache=True, parallel=True, error_model="numpy")(
                              _renamed(fn, "_parallel")))
            for fn in (_bits, _uniform64, _uniform32, _normal64, _normal32, _lemire)}


def _run(name: str, n_blocks: int, *args: Any) -> None:
    serial, parallel = _KERNELS[name]
    if n_blocks >= PARALLEL_MIN_BLOCKS and numba_threads() > 1:
        parallel(*args)
    else:
        serial(*args)


def _args(key: tuple[int, int], counter: tuple[int, int]) -> tuple[Any, ...]:
    return _U(counter[0]), _U(counter[1]), _U(key[0]), _U(key[1])


def bits_kernel(*, key: tuple[int, int], counter: tuple[int, int], n_blocks: int) -> np.ndarray:
    out = aligned_empty(4 * n_blocks, np.uint32)
    if n_blocks:
        _run("_bits", n_blocks, out, *_args(key, counter))
    return out


def uniform_kernel(*, key: tuple[int, int], counter: tuple[int, int], n: int, dtype_name: str,
                   low: float = 0.0, scale: float = 1.0) -> np.ndarray:
    out = aligned_empty(n, dtype_name)
    if n:
        if dtype_name == "float64":
            _run("_uniform64", (n + 1) // 2, out, *_args(key, counter), float(low), float(scale))
        else:
            _run("_uniform32", (n + 3) // 4, out, *_args(key, counter), np.float32(low),
                 np.float32(scale))
    return out


def normal_kernel(*, key: tuple[int, int], counter: tuple[int, int], n: int, dtype_name: str,
                  loc: float = 0.0, scale: float = 1.0) -> np.ndarray:
    out = aligned_empty(n, dtype_name)
    if n:
        if dtype_name == "float64":
            _run("_normal64", (n + 1) // 2, out, *_args(key, counter), float(loc), float(scale))
        else:
            _run("_normal32", (n + 3) // 4, out, *_args(key, counter), np.float32(loc),
                 np.float32(scale))
    return out


def lemire_kernel(*, key: tuple[int, int], counter: tuple[int, int], n: int, span: int,
                  threshold: int, offset: int) -> tuple[np.ndarray, np.ndarray]:
    values = aligned_empty(n, np.uint64)
    accepted = aligned_empty(n, np.bool_)
    if n:
        _run("_lemire", (n + 3) // 4, values, accepted, *_args(key, counter), _U(span),
             _U(threshold), _U(offset))
    return values, accepted
