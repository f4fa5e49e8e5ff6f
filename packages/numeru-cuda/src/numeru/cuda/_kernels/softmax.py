"""Fused softmax, log-softmax and cross-entropy on the GPU, registered under numeru-dl's op
names.

``softmax``, ``log_softmax`` (``kernel(x, axis=...)``, ``numeru.dl.ops.activation``) and
``cross_entropy`` with ``cross_entropy_backward`` (``numeru.dl.ops.loss``) are ops that
numeru-dl declares; numeru-cuda registers these kernels for them by name, without importing
numeru-dl, when that distribution is installed (see ``plugin.py``).

float32 and float64 run the fused kernels of ``softmax.cu`` (one block per row, the reduced or
class axis moved last). For softmax, other dtypes (float16, complex) compute the same
max-shifted formula with CuPy's own functions, as the generic implementation does; the
cross-entropy kernels compute float16 in float32 and other dtypes in float64, and return the
input's dtype for float16.

The host code is written against an array module ``xp`` and a ``launch`` function, so that the
tests run it unchanged with NumPy and ``softmax.cu`` compiled as C, and check the arguments it
passes against the kernels' parameters as NVRTC compiles them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _nvrtc

SOURCE_FILE = "softmax.cu"
MAX_THREADS = 256
MAX_GRID = 65535
_SUFFIX = {np.dtype(np.float32): "f32", np.dtype(np.float64): "f64"}


def source() -> str:
    """The CUDA C text of these kernels (read once from the package)."""
    return _nvrtc.source(SOURCE_FILE)


def threads_for(cols: int) -> int:
    """Threads per row: the smallest power of two >= cols, from one warp to MAX_THREADS."""
    threads = 32
    while threads < cols and threads < MAX_THREADS:
        threads *= 2
    return threads


def _composed(xp: Any, x: Any, axis: int, log: bool) -> Any:
    shifted = x - xp.max(x, axis=axis, keepdims=True)
    if log:
        return shifted - xp.log(xp.sum(xp.exp(shifted), axis=axis, keepdims=True))
    e = xp.exp(shifted)
    return e / xp.sum(e, axis=axis, keepdims=True)


def softmax_rows(xp: Any, launch: Any, x: Any, axis: int, log: bool) -> Any:
    """Softmax (or log-softmax) of ``x`` along ``axis``, through the fused row kernel for float32
    and float64; ``launch(name, rows, cols, args)`` runs kernel ``name`` of softmax.cu over
    ``rows`` rows of ``cols`` values."""
    suffix = _SUFFIX.get(x.dtype)
    if suffix is None or x.ndim == 0:
        return _composed(xp, x, axis, log)
    axis = axis % x.ndim
    moved = xp.ascontiguousarray(xp.moveaxis(x, axis, -1))
    out = xp.empty_like(moved)
    cols = moved.shape[-1]
    rows = moved.size // cols if cols else 0
    if rows and cols:
        launch(f"nm_{'log_' if log else ''}softmax_{suffix}", rows, cols,
               (moved, out, np.int64(rows), np.int64(cols)))
    return xp.moveaxis(out, -1, axis)


def _gpu_launch(name: str, rows: int, cols: int, args: tuple[Any, ...]) -> None:
    kernel = _nvrtc.kernel(SOURCE_FILE, name)
    kernel((min(rows, MAX_GRID),), (threads_for(cols),), args)


def softmax(x: Any, axis: int = -1) -> Any:
    import cupy

    return softmax_rows(cupy, _gpu_launch, x, axis, log=False)


def log_softmax(x: Any, axis: int = -1) -> Any:
    import cupy

    return softmax_rows(cupy, _gpu_launch, x, axis, log=True)


# -- cross-entropy ---------------------------------------------------------------------------------

def _compute_dtype(dtype: Any) -> Any:
    """The dtype the kernels compute in: float32/float64 as they are, float16 in float32."""
    if dtype in _SUFFIX:
        return dtype
    return np.dtype(np.float32) if dtype == np.float16 else np.dtype(np.float64)


def _class_rows(xp: Any, x: Any, target: Any, weight: Any, compute: Any) -> tuple[Any, ...]:
    """Logits as contiguous (rows, C) (the class axis moved last), int64 targets (rows,) in the
    same order, and the class weights (ones without weights)."""
    c = x.shape[1]
    moved = xp.moveaxis(x, 1, -1) if x.ndim > 2 else x
    rows = xp.ascontiguousarray(moved, dtype=compute).reshape(-1, c)
    t = xp.ascontiguousarray(target, dtype=np.int64).reshape(-1)
    w = xp.ones(c, dtype=compute) if weight is None else xp.ascontiguousarray(weight,
                                                                               dtype=compute)
    return rows, t, w


def _scalar(value: float, compute: Any) -> Any:
    return compute.type(value)


def cross_entropy_rows(xp: Any, launch: Any, x: Any, target: Any, weight: Any, *,
                       ignore_index: int, reduction: str, label_smoothing: float) -> Any:
    """The ``cross_entropy`` op's result through the fused kernel; ``launch(name, rows, cols,
    args)`` runs kernel ``name`` of softmax.cu over ``rows`` rows of ``cols`` classes."""
    compute = _compute_dtype(x.dtype)
    rows, t, w = _class_rows(xp, x, target, weight, compute)
    n, c = rows.shape
    losses = xp.empty(n, dtype=compute)
    wt = xp.empty(n, dtype=compute)
    if n:
        launch(f"nm_cross_entropy_{_SUFFIX[compute]}", n, c,
               (rows, t, w, losses, wt, np.int64(n), np.int64(c), np.int64(ignore_index),
                _scalar(label_smoothing, compute)))
    if reduction == "none":
        out = losses.reshape(target.shape)
    elif reduction == "sum":
        out = xp.sum(losses)
    else:
        out = xp.sum(losses) / xp.sum(wt)
    return out.astype(x.dtype, copy=False) if x.dtype.kind == "f" else out


def cross_entropy_backward_rows(xp: Any, launch: Any, x: Any, target: Any, weight: Any, g: Any,
                                *, ignore_index: int, reduction: str,
                                label_smoothing: float) -> Any:
    """The ``cross_entropy_backward`` op's result through the fused kernel (see above)."""
    compute = _compute_dtype(x.dtype)
    rows, t, w = _class_rows(xp, x, target, weight, compute)
    n, c = rows.shape
    if reduction == "none":
        scale, stride = xp.ascontiguousarray(g, dtype=compute).reshape(-1), 1
    else:
        scale, stride = xp.asarray(g, dtype=compute).reshape(1), 0
        if reduction == "mean":
            used = t != ignore_index
            picked = w[xp.where(used, t, 0)]
            scale = scale / xp.sum(xp.where(used, picked, xp.zeros((), dtype=compute)))
    dx = xp.empty((n, c), dtype=compute)
    if n:
        launch(f"nm_cross_entropy_backward_{_SUFFIX[compute]}", n, c,
               (rows, t, w, scale, np.int64(stride), dx, np.int64(n), np.int64(c),
                np.int64(ignore_index), _scalar(label_smoothing, compute)))
    moved_shape = (x.shape[0], *x.shape[2:], c)
    dx = dx.reshape(moved_shape)
    if x.ndim > 2:
        dx = xp.moveaxis(dx, -1, 1)
    return dx.astype(x.dtype, copy=False) if x.dtype.kind == "f" else dx


def cross_entropy(x: Any, target: Any, weight: Any, *, ignore_index: int, reduction: str,
                  label_smoothing: float) -> Any:
    import cupy

    return cross_entropy_rows(cupy, _gpu_launch, x, target, weight, ignore_index=ignore_index,
                              reduction=reduction, label_smoothing=label_smoothing)


def cross_entropy_backward(x: Any, target: Any, weight: Any, g: Any, *, ignore_index: int,
                           reduction: str, label_smoothing: float) -> Any:
    import cupy

    return cross_entropy_backward_rows(cupy, _gpu_launch, x, target, weight, g,
                                       ignore_index=ignore_index, reduction=reduction,
                                       label_smoothing=label_smoothing)


#: op name (declared by numeru-dl) -> kernel
KERNELS = {
    "softmax": "numeru.cuda._kernels.softmax:softmax",
    "log_softmax": "numeru.cuda._kernels.softmax:log_softmax",
    "cross_entropy": "numeru.cuda._kernels.softmax:cross_entropy",
    "cross_entropy_backward": "numeru.cuda._kernels.softmax:cross_entropy_backward",
}
