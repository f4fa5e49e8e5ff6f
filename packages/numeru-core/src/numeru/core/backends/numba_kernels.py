"""Numba kernels of the CPU backend, for the cases where NumPy is slow.

* ``var`` / ``std``: NumPy makes three passes and allocates a temporary the size of the input
  (mean, ``x - mean``, square, sum). The kernel makes two passes with no temporary, rows in
  parallel for ``axis=-1`` (each row is summed by one thread, in a fixed order, so the result
  does not depend on the thread count).
* ``unique_values`` / ``unique_counts`` / ``unique_inverse`` / ``unique_all`` on integer tensors
  whose value range is small relative to their size: NumPy sorts (O(n log n)); the kernel counts
  (O(n + range)), which gives the same sorted values, first indices, inverse and counts.

Every kernel falls back to NumPy for what it does not cover (other dtypes, other axes, small
inputs where Numba's call overhead would dominate), so it can be registered for the op as a
whole. Tests compare each kernel with the generic implementation on random inputs.
This module imports numba; core's plugin registers it by reference so numba loads on first use.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

from ..parallel import numba_threads

# Below this many elements NumPy is faster than a call into a Numba kernel.
MIN_SIZE = 1 << 14
# Counting is used when the value range is at most this multiple of the element count.
MAX_RANGE_RATIO = 4

# ``reassoc`` lets LLVM keep several partial sums in SIMD lanes (about 10x faster than a serial
# sum); the order is fixed at compile time, so results do not vary from call to call. NaN and
# infinity keep their IEEE meaning (no ``nnan``/``ninf`` flags).
_FASTMATH = {"reassoc", "contract", "nsz", "arcp"}


@numba.njit(cache=True, nogil=True, error_model="numpy", fastmath=_FASTMATH)
def _sum(x: Any) -> float:
    total = 0.0
    for j in range(x.shape[0]):
        total += x[j]
    return total


@numba.njit(cache=True, nogil=True, error_model="numpy", fastmath=_FASTMATH)
def _sq_dev(x: Any, mean: float) -> float:
    total = 0.0
    for j in range(x.shape[0]):
        d = x[j] - mean
        total += d * d
    return total


@numba.njit(cache=True, nogil=True, error_model="numpy", fastmath=_FASTMATH)
def _var_flat(x: Any, correction: float) -> float:
    n = x.shape[0]
    return _sq_dev(x, _sum(x) / n) / max(n - correction, 0.0)


@numba.njit(cache=True, parallel=True, error_model="numpy", fastmath=_FASTMATH)
def _var_rows(x: Any, correction: float, out: Any) -> None:
    rows, n = x.shape
    for r in numba.prange(rows):
        row = x[r]
        out[r] = _sq_dev(row, _sum(row) / n) / max(n - correction, 0.0)


def _fast_var(x: Any, axis: Any, correction: float, keepdims: bool) -> Any:
    """The variance by the kernels, or None when this case is left to NumPy."""
    if (x.dtype not in (np.float32, np.float64) or x.size < MIN_SIZE or x.ndim == 0
            or not x.flags.c_contiguous or not isinstance(correction, (int, float))):
        return None
    items = axis if isinstance(axis, tuple) else (axis,)
    if axis is not None and not all(isinstance(a, int) and -x.ndim <= a < x.ndim
                                    for a in items):
        return None  # an axis out of range (or not an int): NumPy raises its AxisError
    if axis is None or (isinstance(axis, tuple) and sorted(a % x.ndim for a in axis)
                        == list(range(x.ndim))):
        value = _var_flat(x.reshape(-1), float(correction))
        result = np.asarray(value, dtype=x.dtype)
        return result.reshape((1,) * x.ndim) if keepdims else result
    last = axis if isinstance(axis, int) else (axis[0] if len(axis) == 1 else None)
    if last is None or last % x.ndim != x.ndim - 1 or x.shape[-1] == 0:
        return None
    rows = x.reshape(-1, x.shape[-1])
    out = np.empty(rows.shape[0], dtype=np.float64)
    numba_threads()
    _var_rows(rows, float(correction), out)
    shape = x.shape[:-1] + ((1,) if keepdims else ())
    return out.astype(x.dtype, copy=False).reshape(shape)


def var_kernel(x: Any, axis: Any = None, correction: float = 0.0, keepdims: bool = False) -> Any:
    found = _fast_var(x, axis, correction, keepdims)
    if found is None:
        return np.var(x, axis=axis, correction=correction, keepdims=keepdims)
    return found


def std_kernel(x: Any, axis: Any = None, correction: float = 0.0, keepdims: bool = False) -> Any:
    found = _fast_var(x, axis, correction, keepdims)
    if found is None:
        return np.std(x, axis=axis, correction=correction, keepdims=keepdims)
    return np.sqrt(found)


# -- unique by counting ---------------------------------------------------------------------

@numba.njit(cache=True, nogil=True, error_model="numpy", fastmath=_FASTMATH)
def _count(x: Any, low: int, size: int) -> Any:
    counts = np.zeros(size, dtype=np.int64)
    for i in range(x.shape[0]):
        counts[x[i] - low] += 1
    return counts


@numba.njit(cache=True, nogil=True, error_model="numpy", fastmath=_FASTMATH)
def _count_first(x: Any, low: int, size: int) -> Any:
    counts = np.zeros(size, dtype=np.int64)
    first = np.full(size, -1, dtype=np.int64)
    for i in range(x.shape[0]):
        k = x[i] - low
        if counts[k] == 0:
            first[k] = i
        counts[k] += 1
    return counts, first


@numba.njit(cache=True, nogil=True, error_model="numpy", fastmath=_FASTMATH)
def _ranks(x: Any, low: int, present: Any) -> Any:
    rank = np.cumsum(present) - 1
    inverse = np.empty(x.shape[0], dtype=np.int64)
    for i in range(x.shape[0]):
        inverse[i] = rank[x[i] - low]
    return inverse


def _counting_range(x: Any) -> tuple[int, int] | None:
    """(low, size) of the values when counting beats sorting, else None."""
    # uint64 is left to NumPy: its difference with an int64 offset is a float in Numba.
    if x.dtype.kind not in "iu" or x.dtype == np.uint64 or x.size < MIN_SIZE:
        return None
    low, high = int(x.min()), int(x.max())
    size = high - low + 1
    if size > MAX_RANGE_RATIO * x.size:
        return None
    return low, size


def _flat(x: Any) -> Any:
    return np.ascontiguousarray(x).reshape(-1)


def _values(x: Any, low: int, present: Any) -> Any:
    return (np.flatnonzero(present) + low).astype(x.dtype)


def unique_values_kernel(x: Any) -> Any:
    found = _counting_range(x)
    if found is None:
        return np.sort(np.unique_values(x))  # sorted, as the generic implementation
    low, size = found
    counts = _count(_flat(x), low, size)
    return _values(x, low, counts > 0)


def unique_counts_kernel(x: Any) -> Any:
    found = _counting_range(x)
    if found is None:
        return np.unique_counts(x)
    low, size = found
    counts = _count(_flat(x), low, size)
    present = counts > 0
    return _RESULTS["counts"](_values(x, low, present), counts[present])


def unique_inverse_kernel(x: Any) -> Any:
    found = _counting_range(x)
    if found is None:
        return np.unique_inverse(x)
    low, size = found
    flat = _flat(x)
    present = _count(flat, low, size) > 0
    inverse = _ranks(flat, low, present.astype(np.int64)).reshape(x.shape)
    return _RESULTS["inverse"](_values(x, low, present), inverse.astype(np.intp, copy=False))


def unique_all_kernel(x: Any) -> Any:
    found = _counting_range(x)
    if found is None:
        return np.unique_all(x)
    low, size = found
    flat = _flat(x)
    counts, first = _count_first(flat, low, size)
    present = counts > 0
    inverse = _ranks(flat, low, present.astype(np.int64)).reshape(x.shape)
    return _RESULTS["all"](_values(x, low, present), first[present].astype(np.intp),
                           inverse.astype(np.intp, copy=False), counts[present])


# NumPy's own result named tuples, so fast and generic results have the same type and fields.
_probe = np.arange(2)
_RESULTS: dict[str, Any] = {"counts": type(np.unique_counts(_probe)),
                             "inverse": type(np.unique_inverse(_probe)),
                             "all": type(np.unique_all(_probe))}
