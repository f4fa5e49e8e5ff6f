"""NumPy fast paths of the CPU backend, registered as kernels under the generic ops' names.

The generic implementations call the Array API functions of NumPy (``np.sum``, ``np.mean``),
which go through Python wrappers that cost about a microsecond per call. These kernels call the
ufunc reductions underneath directly, with the same arguments NumPy's wrappers pass, so results
are bit-for-bit those of NumPy (tests check it) at about half the per-call cost.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..dtypes import bfloat16 as _BF16
from ..dtypes import result_type
from ..elementwise import clip_arrays as _clip_arrays

# Typed as Any: NumPy's stubs do not know the positional (axis, dtype, out, keepdims) form.
_add_reduce: Any = np.add.reduce
_mul_reduce: Any = np.multiply.reduce
_max_reduce: Any = np.maximum.reduce
_min_reduce: Any = np.minimum.reduce
_or_reduce: Any = np.logical_or.reduce
_and_reduce: Any = np.logical_and.reduce
_true_divide: Any = np.true_divide
_vecdot: Any = np.vecdot
_ndarray = np.ndarray
_asarray = np.asarray  # a 0-d result comes back as a NumPy scalar; a Tensor holds an array


def reduced_shape(shape: tuple[int, ...], axis: Any, keepdims: bool) -> tuple[int, ...]:
    """The shape of a reduction of ``shape`` over ``axis`` (None: every axis)."""
    ndim = len(shape)
    if axis is None:
        axes = set(range(ndim))
    else:
        items = axis if isinstance(axis, tuple) else (axis,)
        axes = {int(a) % ndim if ndim else int(a) for a in items}
    if keepdims:
        return tuple(1 if i in axes else s for i, s in enumerate(shape))
    return tuple(s for i, s in enumerate(shape) if i not in axes)


def _sum_dtype(x: Any, dtype: Any) -> np.dtype:
    """NumPy's (and the standard's) accumulator: small integers and bool widen to 64 bits."""
    if dtype is not None:
        return np.dtype(dtype)
    d = x.dtype
    if d.kind in "bi" and (d.itemsize < 8 or d.kind == "b"):
        return np.dtype(np.int64)
    if d.kind == "u" and d.itemsize < 8:
        return np.dtype(np.uint64)
    return d


def _array_out() -> Any:
    """``...`` where NumPy (2.3 and later) takes ``out=...``: a reduction to 0-d then returns a
    0-d array instead of a scalar that ``asarray`` would have to wrap (a third of a small sum's
    cost); None on older NumPy."""
    try:
        _add_reduce(np.zeros(1), None, None, out=...)
    except TypeError:
        return None
    return ...


_ARRAY_OUT = _array_out()
# The keyword forms below are used only where they are the cheap ones: NumPy parses
# ``keepdims=False`` as a keyword far more slowly than ``out=...``.


def sum_kernel(x: Any, axis: Any = None, dtype: Any = None, keepdims: bool = False,
               out: Any = None) -> Any:
    if out is None and not keepdims:
        r = _add_reduce(x, axis, dtype, out=_ARRAY_OUT)
    else:
        r = _add_reduce(x, axis, dtype, out, keepdims)
    return r if r.__class__ is _ndarray else _asarray(r)


def prod_kernel(x: Any, axis: Any = None, dtype: Any = None, keepdims: bool = False,
                out: Any = None) -> Any:
    if out is None and not keepdims:
        r = _mul_reduce(x, axis, dtype, out=_ARRAY_OUT)
    else:
        r = _mul_reduce(x, axis, dtype, out, keepdims)
    return r if r.__class__ is _ndarray else _asarray(r)


def max_kernel(x: Any, axis: Any = None, keepdims: bool = False, out: Any = None) -> Any:
    if out is None and not keepdims:
        r = _max_reduce(x, axis, None, out=_ARRAY_OUT)
    else:
        r = _max_reduce(x, axis, None, out, keepdims)
    return r if r.__class__ is _ndarray else _asarray(r)


def min_kernel(x: Any, axis: Any = None, keepdims: bool = False, out: Any = None) -> Any:
    if out is None and not keepdims:
        r = _min_reduce(x, axis, None, out=_ARRAY_OUT)
    else:
        r = _min_reduce(x, axis, None, out, keepdims)
    return r if r.__class__ is _ndarray else _asarray(r)


def any_kernel(x: Any, axis: Any = None, keepdims: bool = False, out: Any = None) -> Any:
    return _or_reduce(x, axis, bool, out, keepdims)


def all_kernel(x: Any, axis: Any = None, keepdims: bool = False, out: Any = None) -> Any:
    return _and_reduce(x, axis, bool, out, keepdims)


def mean_kernel(x: Any, axis: Any = None, keepdims: bool = False, out: Any = None) -> Any:
    # NumPy accumulates float16 in float32 and integers in float64; leave those to np.mean.
    if x.dtype.kind not in "fc" or x.dtype.itemsize < 4:
        return np.mean(x, axis=axis, keepdims=keepdims, out=out)
    total = _add_reduce(x, axis, None, out, keepdims)
    count = x.size // max(total.size, 1) if x.size else 0
    if total.__class__ is _ndarray:
        return _true_divide(total, count, out=total, casting="unsafe")
    return total.dtype.type(total / count)


def argmax_kernel(x: Any, axis: Any = None, keepdims: bool = False, out: Any = None) -> Any:
    return x.argmax(axis=axis, keepdims=keepdims, out=out)


def argmin_kernel(x: Any, axis: Any = None, keepdims: bool = False, out: Any = None) -> Any:
    return x.argmin(axis=axis, keepdims=keepdims, out=out)


def clip_kernel(x: Any, min: Any = None, max: Any = None, out: Any = None) -> Any:
    return _clip_arrays(np, x, min, max, out)  # np.clip, plus bfloat16 and no bounds


def matmul_kernel(x1: Any, x2: Any, out: Any = None) -> Any:
    result = np.matmul(x1, x2, out=out)
    if out is None and (x1.dtype is _BF16 or x2.dtype is _BF16) and result.dtype != _BF16:
        # ml_dtypes computes bfloat16 products in float32; the standard keeps the input dtype
        # (numeru's table: bfloat16 with bool/int8/uint8 stays bfloat16, on either side).
        expected = result_type(x1.dtype, x2.dtype)
        if result.dtype != expected:
            result = np.asarray(result).astype(expected)
    return result


def vecdot_kernel(x1: Any, x2: Any, axis: int = -1) -> Any:
    result = _vecdot(x1, x2, axis=axis)
    if _BF16 in (x1.dtype, x2.dtype):
        expected = result_type(x1.dtype, x2.dtype)
        if result.dtype != expected:
            result = np.asarray(result).astype(expected)
    return result


def concat_kernel(arrays: Any, axis: Any = 0, out: Any = None) -> Any:
    return np.concat(arrays, axis=axis, out=out)


def stack_kernel(arrays: Any, axis: int = 0, out: Any = None) -> Any:
    return np.stack(arrays, axis=axis, out=out)


def cumulative_sum_kernel(x: Any, axis: Any = None, dtype: Any = None,
                          include_initial: bool = False, out: Any = None) -> Any:
    return np.cumulative_sum(x, axis=axis, dtype=dtype, out=out,
                             include_initial=include_initial)


# ``out_meta(x, **params) -> (shape, dtype)`` lets dispatch check ``out=`` before a kernel that
# writes into it (``accepts_out``) runs, so no temporary result is made. ``None`` means "cannot
# tell": dispatch then computes the result and copies it into ``out`` after the same checks.
def _writes_into_out(kernel: Any, meta: Any) -> None:
    """Mark ``kernel`` as writing into ``out=`` itself, with its result predictor."""
    kernel.accepts_out = True
    kernel.out_meta = meta


def _valid_axes(ndim: int, axis: Any) -> bool:
    """Whether ``axis`` (None, an int or a tuple of ints) names distinct axes of ``ndim``."""
    if axis is None:
        return True
    if axis.__class__ is int:
        return -ndim <= axis < ndim
    items = axis if isinstance(axis, tuple) else (axis,)
    if not all(isinstance(a, (int, np.integer)) and -ndim <= a < ndim for a in items):
        return False
    return len({int(a) % ndim for a in items}) == len(items)


def _reduce_meta(dtype_of: Any) -> Any:
    def meta(x: Any, axis: Any = None, keepdims: bool = False, **params: Any) -> Any:
        if not _valid_axes(x.ndim, axis):
            return None  # NumPy's AxisError from the kernel, not a misleading out= error
        return reduced_shape(x.shape, axis, keepdims), dtype_of(x, params.get("dtype"))

    return meta


def _clip_meta(x: Any, min: Any = None, max: Any = None) -> Any:
    bounds = [b for b in (min, max) if b is not None]
    shape = np.broadcast_shapes(x.shape, *(np.shape(b) for b in bounds))
    if any(getattr(p, "dtype", None) == _BF16 for p in (x, *bounds)):
        return shape, result_type(*(b if isinstance(b, (bool, int, float, complex)) else b.dtype
                                    for b in (x, *bounds)))
    return shape, np.result_type(x, *bounds)


for _kernel, _dtype_rule in [
        (sum_kernel, _sum_dtype), (prod_kernel, _sum_dtype),
        (max_kernel, lambda x, d: x.dtype), (min_kernel, lambda x, d: x.dtype),
        (any_kernel, lambda x, d: np.dtype(bool)), (all_kernel, lambda x, d: np.dtype(bool)),
        (argmax_kernel, lambda x, d: np.dtype(np.intp)),
        (argmin_kernel, lambda x, d: np.dtype(np.intp))]:
    _writes_into_out(_kernel, _reduce_meta(_dtype_rule))
_writes_into_out(mean_kernel, _reduce_meta(
    lambda x, d: x.dtype if x.dtype.kind in "fc" else np.dtype(np.float64)))
_writes_into_out(clip_kernel, _clip_meta)


def _matmul_meta(x1: Any, x2: Any) -> Any:
    try:
        dtype = np.matmul.resolve_dtypes((x1.dtype, x2.dtype, None))[-1]
    except (TypeError, ValueError):
        return None  # no loop for these dtypes: the generic path decides
    if _BF16 in (x1.dtype, x2.dtype):
        dtype = result_type(x1.dtype, x2.dtype)
    a = x1.shape if x1.ndim > 1 else (1, *x1.shape)
    b = x2.shape if x2.ndim > 1 else (*x2.shape, 1)
    if x1.ndim == 0 or x2.ndim == 0 or a[-1] != b[-2]:
        return None  # let NumPy raise its own error through the generic path
    shape = (*np.broadcast_shapes(a[:-2], b[:-2]), a[-2], b[-1])
    if x1.ndim == 1:
        shape = shape[:-2] + shape[-1:]
    if x2.ndim == 1:
        shape = shape[:-1]
    return shape, dtype


def _concat_meta(arrays: Any, axis: Any = 0) -> Any:
    if not arrays:
        return None
    dtype = np.result_type(*arrays)
    if axis is None:
        return (sum(a.size for a in arrays),), dtype
    first = arrays[0].shape
    if not first:
        return None
    ax = axis % len(first)
    total = sum(a.shape[ax] for a in arrays if a.ndim == len(first))
    return (*first[:ax], total, *first[ax + 1:]), dtype


def _stack_meta(arrays: Any, axis: int = 0) -> Any:
    if not arrays:
        return None
    first = arrays[0].shape
    ax = axis % (len(first) + 1)
    return (*first[:ax], len(arrays), *first[ax:]), np.result_type(*arrays)


def _cumulative_sum_meta(x: Any, axis: Any = None, dtype: Any = None,
                         include_initial: bool = False) -> Any:
    if axis is None and x.ndim != 1:
        return None  # NumPy's error, through the generic path
    ax = 0 if axis is None else axis % max(x.ndim, 1)
    shape = list(x.shape)
    if include_initial and shape:
        shape[ax] += 1
    return tuple(shape), _sum_dtype(x, dtype)


for _kernel, _meta in [(matmul_kernel, _matmul_meta), (concat_kernel, _concat_meta),
                       (stack_kernel, _stack_meta),
                       (cumulative_sum_kernel, _cumulative_sum_meta)]:
    _writes_into_out(_kernel, _meta)


# Views through ndarray's own methods: NumPy's module functions add a Python wrapper layer.
def reshape_kernel(x: Any, shape: Any, copy: Any = None) -> Any:
    if copy is None:
        return x.reshape(shape)
    return np.reshape(x, shape, copy=copy)


def permute_dims_kernel(x: Any, axes: Any) -> Any:
    return x.transpose(axes)


def matrix_transpose_kernel(x: Any) -> Any:
    if x.ndim < 2:
        return np.matrix_transpose(x)  # NumPy's error for fewer than two axes
    return x.swapaxes(-1, -2)


def squeeze_kernel(x: Any, axis: Any) -> Any:
    return x.squeeze(axis)


def isin_kernel(x1: Any, x2: Any, invert: bool = False) -> Any:
    # NumPy picks a lookup table for integers of a small range (O(n)) and sorting otherwise.
    return np.isin(x1, x2, invert=invert)


def getitem_kernel(x: Any, key: Any) -> Any:
    if key.__class__ is int and x.ndim == 1:
        return x[key, ...]  # the 0-d view directly (x[key] would be a detached scalar)
    result = x[key]
    if result.__class__ is not _ndarray:
        # A full integer index gives a detached NumPy scalar; ``...`` keeps a 0-d view.
        result = x[(*key, Ellipsis) if key.__class__ is tuple else (key, Ellipsis)]
    return result


KERNELS = {
    "getitem": getitem_kernel,
    "reshape": reshape_kernel,
    "permute_dims": permute_dims_kernel,
    "matrix_transpose": matrix_transpose_kernel,
    "squeeze": squeeze_kernel,
    "isin": isin_kernel,
    "sum": sum_kernel,
    "prod": prod_kernel,
    "max": max_kernel,
    "min": min_kernel,
    "any": any_kernel,
    "all": all_kernel,
    "mean": mean_kernel,
    "argmax": argmax_kernel,
    "argmin": argmin_kernel,
    "clip": clip_kernel,
    "matmul": matmul_kernel,
    "vecdot": vecdot_kernel,
    "concat": concat_kernel,
    "stack": stack_kernel,
    "cumulative_sum": cumulative_sum_kernel,
}

# Numba kernels, by reference: the module imports numba, so it loads on the first call only.
NUMBA_KERNELS = {
    name: f"numeru.core.backends.numba_kernels:{name}_kernel"
    for name in ("var", "std", "unique_values", "unique_counts", "unique_inverse", "unique_all")
}
