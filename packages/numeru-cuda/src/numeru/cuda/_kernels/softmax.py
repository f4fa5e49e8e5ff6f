"""Fused softmax and log-softmax on the GPU, registered under numeru-dl's op names.

``softmax`` and ``log_softmax`` are ops that numeru-dl declares (``numeru.dl.ops.activation``,
``kernel(x, axis=...)``); numeru-cuda registers these kernels for them by name, without
importing numeru-dl, when that distribution is installed (see ``plugin.py``). Cross-entropy in
numeru-dl is ``nll_loss(log_softmax(x))``, so on the GPU its log-softmax runs here; numeru-dl
declares no op of its own for the whole loss, so there is no name to register a fused
cross-entropy kernel under (README, "Kernels").

float32 and float64 run the fused kernel of ``softmax.cu`` (one block per row, the reduced axis
moved last); other dtypes (float16, complex) compute the same max-shifted formula with CuPy's
own functions, as the generic implementation does.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import numpy as np

SOURCE_FILE = "softmax.cu"
MAX_THREADS = 256
MAX_GRID = 65535
_SUFFIX = {np.dtype(np.float32): "f32", np.dtype(np.float64): "f64"}


@functools.cache
def source() -> str:
    return resources.files(__package__).joinpath(SOURCE_FILE).read_text(encoding="utf-8")


@functools.cache
def _module(device_id: int) -> Any:
    import cupy

    with cupy.cuda.Device(device_id):
        module = cupy.RawModule(code=source())
        module.compile()
    return module


def threads_for(cols: int) -> int:
    """Threads per row: the smallest power of two >= cols, from one warp to MAX_THREADS."""
    threads = 32
    while threads < cols and threads < MAX_THREADS:
        threads *= 2
    return threads


def _composed(cupy: Any, x: Any, axis: int, log: bool) -> Any:
    shifted = x - cupy.max(x, axis=axis, keepdims=True)
    if log:
        return shifted - cupy.log(cupy.sum(cupy.exp(shifted), axis=axis, keepdims=True))
    e = cupy.exp(shifted)
    return e / cupy.sum(e, axis=axis, keepdims=True)


def _rows(x: Any, axis: int, log: bool) -> Any:
    import cupy

    suffix = _SUFFIX.get(x.dtype)
    if suffix is None or x.ndim == 0:
        return _composed(cupy, x, axis, log)
    axis = axis % x.ndim
    moved = cupy.ascontiguousarray(cupy.moveaxis(x, axis, -1))
    out = cupy.empty_like(moved)
    cols = moved.shape[-1]
    rows = moved.size // cols if cols else 0
    if rows and cols:
        name = f"nm_{'log_' if log else ''}softmax_{suffix}"
        kernel = _module(cupy.cuda.Device().id).get_function(name)
        kernel((min(rows, MAX_GRID),), (threads_for(cols),),
               (moved, out, np.int64(rows), np.int64(cols)))
    return cupy.moveaxis(out, -1, axis)


def softmax(x: Any, axis: int = -1) -> Any:
    return _rows(x, axis, log=False)


def log_softmax(x: Any, axis: int = -1) -> Any:
    return _rows(x, axis, log=True)


#: op name (declared by numeru-dl) -> kernel
KERNELS = {
    "softmax": "numeru.cuda._kernels.softmax:softmax",
    "log_softmax": "numeru.cuda._kernels.softmax:log_softmax",
}
