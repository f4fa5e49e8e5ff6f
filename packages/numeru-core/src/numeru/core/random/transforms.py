"""From Philox words to floats, exactly defined, the same bits on every backend.

Bits to floats:
  float64 ``u = (w0 | w1 << 32) >> 11`` times ``2**-53``: 53 random bits, in [0, 1).
  float32 ``u = (w >> 8)`` times ``2**-24``: 24 random bits, in [0, 1).

Normals use the Box-Muller transform on one pair of uniforms per pair of normals (float64: one
Philox block gives two normals; float32: four). ``log``, ``cos`` and ``sin`` are NOT taken from
the backend's math library: libraries differ in the last bit (NumPy's SIMD loops, glibc, CUDA's
libdevice), which would make the same seed give different normals on different backends. They
are computed here from ``+ - * /`` and ``sqrt`` only, which IEEE 754 rounds exactly, with
exact argument reduction on the integers the bits came from, so every backend (and the Numba
kernels, which mirror these formulas operation for operation) computes the same value:

  log(k * 2**-b), k integer in [1, 2**b]: k = 2**e * m with m in [sqrt(1/2), sqrt(2)) found by
  integer shifts; log m = 2 atanh(s), s = (m - 1) / (m + 1), by its series to s**21 (|s| < 0.172,
  truncation < 2**-56 relative); e * ln 2 with ln 2 split in two (fdlibm's ln2_hi, ln2_lo).

  cos/sin(2 pi j * 2**-b), j integer in [0, 2**b): the quadrant q = round(4 j 2**-b) and the
  remainder f in [-1/2, 1/2] are exact integer operations; a = f pi/2 in [-pi/4, pi/4]; the
  Taylor series of cos and sin to a**16 / a**17 (truncation < 2**-57); then rotate by q.

Both are accurate to a few units in the last place (tests compare with NumPy), which is far
below what a statistical test of the normal distribution can see.
"""

from __future__ import annotations

import math
from typing import Any

LN2_HI = 6.93147180369123816490e-01  # fdlibm: ln 2 with the low 32 bits of its mantissa zero
LN2_LO = 1.90821492927058770002e-10  # ln 2 - LN2_HI
SQRT2 = 1.4142135623730951
PI_2 = 1.5707963267948966
# log m = s * sum_n 2 / (2n + 1) * s**(2n)
LOG_COEFFS = tuple(2.0 / (2 * n + 1) for n in range(11))
COS_COEFFS = tuple((-1.0) ** n / math.factorial(2 * n) for n in range(9))
SIN_COEFFS = tuple((-1.0) ** n / math.factorial(2 * n + 1) for n in range(9))
TWO_M53 = 2.0**-53
TWO_M24 = 2.0**-24


def _poly(z: Any, coeffs: tuple[float, ...]) -> Any:
    """Horner's rule, highest coefficient first (the Numba kernels use the same order)."""
    p = z * coeffs[-1] + coeffs[-2]
    for c in coeffs[-3::-1]:
        p = p * z + c
    return p


def log_scaled(xp: Any, k: Any, bits: int) -> Any:
    """``log(k * 2**-bits)`` for a ``uint64`` array ``k`` of integers in ``[1, 2**bits]``."""
    # e = floor(log2 k) by binary search on shifts (k < 2**54, so shifts stay below 64).
    e = xp.zeros_like(k)
    for step in (32, 16, 8, 4, 2, 1):
        trial = e + step
        e = xp.where((k >> trial) != 0, trial, e)
    e_int = xp.astype(e, xp.int64)
    # m = k / 2**e in [1, 2), exactly: move the top bit of k to bit 52.
    left = xp.astype(xp.where(e_int <= 52, 52 - e_int, 0), xp.uint64)
    right = xp.astype(xp.where(e_int > 52, e_int - 52, 0), xp.uint64)
    m = xp.astype((k << left) >> right, xp.float64) * 2.0**-52
    above = m > SQRT2
    m = xp.where(above, m * 0.5, m)
    exponent = (xp.astype(e_int, xp.float64) + xp.astype(above, xp.float64)) - float(bits)
    s = (m - 1.0) / (m + 1.0)
    log_m = s * _poly(s * s, LOG_COEFFS)
    return exponent * LN2_HI + (exponent * LN2_LO + log_m)


def cos_sin_2pi(xp: Any, j: Any, bits: int) -> tuple[Any, Any]:
    """``(cos, sin)`` of ``2 pi j * 2**-bits`` for a ``uint64`` array ``j`` in ``[0, 2**bits)``."""
    shift = bits - 2
    q = (j + (1 << (shift - 1))) >> shift  # nearest quarter turn, 0..4
    f = xp.astype(xp.astype(j, xp.int64) - xp.astype(q << shift, xp.int64), xp.float64)
    a = (f * 2.0**-shift) * PI_2
    z = a * a
    c = _poly(z, COS_COEFFS)
    s = a * _poly(z, SIN_COEFFS)
    quadrant = q & 3
    cos = xp.where(quadrant == 0, c, xp.where(quadrant == 1, -s, xp.where(quadrant == 2, -c, s)))
    sin = xp.where(quadrant == 0, s, xp.where(quadrant == 1, c, xp.where(quadrant == 2, -s, -c)))
    return cos, sin


def box_muller(xp: Any, k: Any, j: Any, bits: int) -> tuple[Any, Any]:
    """Two standard normals from a radius uniform ``k * 2**-bits`` in (0, 1] and an angle one."""
    r = xp.sqrt(-2.0 * log_scaled(xp, k, bits))
    cos, sin = cos_sin_2pi(xp, j, bits)
    return r * cos, r * sin


def pair64(w_low: Any, w_high: Any) -> Any:
    """One 64-bit word from two 32-bit words (held in uint64 arrays)."""
    return w_low | (w_high << 32)


def interleave(xp: Any, parts: list[Any], n: int) -> Any:
    """``[p0[0], p1[0], ..., p0[1], p1[1], ...]`` cut to ``n`` elements."""
    return xp.reshape(xp.stack(parts, axis=1), (-1,))[:n]


def uniform_words(xp: Any, words: tuple[Any, Any, Any, Any], n: int, dtype_name: str) -> Any:
    """``n`` uniforms in [0, 1) of ``dtype_name`` from the words of ``ceil(n / per)`` blocks."""
    x0, x1, x2, x3 = words
    if dtype_name == "float64":
        parts = [xp.astype(pair64(x0, x1) >> 11, xp.float64) * TWO_M53,
                 xp.astype(pair64(x2, x3) >> 11, xp.float64) * TWO_M53]
    else:
        parts = [xp.astype(w >> 8, xp.float32) * TWO_M24 for w in words]
    return interleave(xp, parts, n)


def normal_words(xp: Any, words: tuple[Any, Any, Any, Any], n: int, dtype_name: str) -> Any:
    """``n`` standard normals of ``dtype_name`` (float32 ones computed in float64, then cast)."""
    x0, x1, x2, x3 = words
    if dtype_name == "float64":
        z0, z1 = box_muller(xp, (pair64(x0, x1) >> 11) + 1, pair64(x2, x3) >> 11, 53)
        return interleave(xp, [z0, z1], n)
    za0, za1 = box_muller(xp, (x0 >> 8) + 1, x1 >> 8, 24)
    zb0, zb1 = box_muller(xp, (x2 >> 8) + 1, x3 >> 8, 24)
    return xp.astype(interleave(xp, [za0, za1, zb0, zb1], n), xp.float32)


def per_block(dtype_name: str) -> int:
    """How many uniforms or normals of ``dtype_name`` one Philox block gives."""
    return 2 if dtype_name == "float64" else 4
