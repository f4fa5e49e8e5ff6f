"""In-place sort of (float32 value, sample index) pairs: the inner loop of the exact splitter.

Sorting the pairs directly (as scikit-learn does) avoids ``argsort`` followed by indirect
gathers. Measured on this machine (ns per element, random normal float32): numba's argsort
plus the gathers costs 45-120, a comparison introsort 35-140, an LSD radix sort on the value's
bits 9-18 from 64 elements up. So: insertion sort for tiny ranges, radix sort with 8-bit
digits (256-bucket histograms are cheap to clear and scan) for small ones and 11-bit digits
(three passes) for large ones; a pass is skipped when every key shares its digit, common in
deep nodes whose values span a narrow range. Values must not be NaN (the splitter moves NaNs
out first). Radix sort is stable; the order among equal values never changes a split.
"""

from __future__ import annotations

import numpy as np
from numba import njit

INSERTION_MAX = 40  # insertion sort beats a radix sort's histograms below ~48
RADIX_WIDE_MIN = 1024  # 11-bit digits (3 passes) pay off once the 2048-bucket histograms do


@njit(cache=True)
def _insertion(x, s, lo, hi):  # pragma: no cover - numba
    for i in range(lo + 1, hi):
        v = x[i]
        t = s[i]
        j = i - 1
        while j >= lo and x[j] > v:
            x[j + 1] = x[j]
            s[j + 1] = s[j]
            j -= 1
        x[j + 1] = v
        s[j + 1] = t


@njit(cache=True)
def _radix(x, s, lo, hi, digit_bits, keys, keys_tmp, s_tmp, hist):  # pragma: no cover - numba
    """LSD radix sort of x[lo:hi] (with s) on order-preserving uint32 keys of the float bits,
    ``digit_bits`` bits per pass (the last pass takes what is left)."""
    n = hi - lo
    n_passes = (32 + digit_bits - 1) // digit_bits
    buckets = 1 << digit_bits
    mask = np.uint32(buckets - 1)
    bits = x[lo:hi].view(np.uint32)
    hist[:n_passes, :buckets] = 0
    for i in range(n):
        b = np.uint32(bits[i])
        # negative floats: flip every bit; positive: flip the sign bit -> unsigned order
        k = np.uint32(~b if (b >> np.uint32(31)) != np.uint32(0) else b | np.uint32(0x80000000))
        keys[i] = k
        for d in range(n_passes):
            hist[d, (k >> np.uint32(d * digit_bits)) & mask] += 1
    src_k = keys
    src_s = s[lo:hi]
    dst_k = keys_tmp
    dst_s = s_tmp
    moved = False  # whether the sorted data sits in the scratch buffers
    for d in range(n_passes):
        shift = np.uint32(d * digit_bits)
        row = hist[d]
        if row[(src_k[0] >> shift) & mask] == n:
            continue  # every key has the same digit: the pass would not move anything
        total = 0
        for b in range(buckets):
            c = row[b]
            row[b] = total
            total += c
        for i in range(n):
            k = src_k[i]
            b = (k >> shift) & mask
            p = row[b]
            row[b] = p + 1
            dst_k[p] = k
            dst_s[p] = src_s[i]
        src_k, dst_k = dst_k, src_k
        src_s, dst_s = dst_s, src_s
        moved = not moved
    out_s = s[lo:hi]
    for i in range(n):
        k = src_k[i]  # back to float bits: the inverse of the key transform
        k = ~k if (k >> np.uint32(31)) == np.uint32(0) else k & np.uint32(0x7FFFFFFF)
        bits[i] = np.uint32(k)
        if moved:
            out_s[i] = src_s[i]


@njit(cache=True)
def sort_pairs(x, s, lo, hi, keys, keys_tmp, s_tmp, hist):  # pragma: no cover - numba
    """Sort ``x[lo:hi]`` ascending in place, applying the same permutation to ``s[lo:hi]``.

    ``keys``, ``keys_tmp`` (uint32) and ``s_tmp`` (like ``s``) hold at least ``hi - lo``
    entries; ``hist`` is (4, 2048) int64. ``x`` must be float32 and free of NaN.
    """
    n = hi - lo
    if n <= INSERTION_MAX:
        _insertion(x, s, lo, hi)
    elif n < RADIX_WIDE_MIN:
        _radix(x, s, lo, hi, 8, keys, keys_tmp, s_tmp, hist)
    else:
        _radix(x, s, lo, hi, 11, keys, keys_tmp, s_tmp, hist)
