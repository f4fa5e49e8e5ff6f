"""The CPU backend: NumPy arrays, 64-byte aligned when numeru allocates them."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._base import Backend

ALIGNMENT = 64


def aligned_empty(shape: tuple[int, ...] | int, dtype: Any, *, zeroed: bool = False) -> np.ndarray:
    """An uninitialised (or zeroed) C-contiguous array whose data starts on a 64-byte boundary.

    ``zeroed=True`` gets the memory from ``calloc`` (through ``np.zeros``), so a large zero
    buffer costs no write pass, as with ``np.zeros``.
    """
    dtype = np.dtype(dtype)
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    nbytes = math.prod(shape) * dtype.itemsize
    raw = (np.zeros if zeroed else np.empty)(nbytes + ALIGNMENT, dtype=np.uint8)
    start = -raw.ctypes.data % ALIGNMENT
    return np.ndarray(shape, dtype, buffer=raw, offset=start)


class CPUBackend(Backend):
    name = "cpu"
    xp = np
    native_out = True

    def asarray(self, obj: Any, dtype: np.dtype | None, index: int, copy: bool | None) -> Any:
        if copy is False:
            result = np.asarray(obj, dtype=dtype)
            if isinstance(obj, np.ndarray) and not np.shares_memory(result, obj):
                from ..errors import ValidationError

                raise ValidationError(
                    f"copy: expected a conversion without copying, but {obj.dtype} -> "
                    f"{result.dtype} needs a copy"
                )
            return result
        if isinstance(obj, np.ndarray) and dtype is not None and obj.dtype != dtype:
            # A conversion: cast straight into the aligned buffer (one pass, not two).
            out = aligned_empty(obj.shape, dtype)
            np.copyto(out, obj, casting="unsafe")
            return out
        source = np.asarray(obj, dtype=dtype)
        if copy or source is not obj:  # numeru allocates: give it the aligned buffer
            out = aligned_empty(source.shape, source.dtype)
            out[...] = source
            return out
        return source

    def empty(self, shape: tuple[int, ...], dtype: np.dtype, index: int) -> Any:
        return aligned_empty(shape, dtype)

    def zeros(self, shape: tuple[int, ...], dtype: np.dtype, index: int) -> Any:
        return aligned_empty(shape, dtype, zeroed=True)

    def owned(self, array: Any) -> Any:
        if array.ctypes.data % ALIGNMENT == 0 and array.flags.c_contiguous:
            return array
        out = aligned_empty(array.shape, array.dtype)
        out[...] = array
        return out

    def is_view(self, array: Any) -> bool:
        return array.base is not None

    def data_ptr(self, array: Any) -> int:
        return int(array.ctypes.data)

    def to_numpy(self, array: Any) -> np.ndarray:
        return array

    def from_numpy(self, array: np.ndarray, index: int) -> Any:
        return array

    def wrap_result(self, value: Any) -> Any:
        # NumPy returns scalars from 0-d operations; a Tensor always holds an ndarray.
        return value if type(value) is np.ndarray else np.asarray(value)

    def copy_into(self, dst: Any, src: Any) -> None:
        np.copyto(dst, src, casting="unsafe")

    def info(self) -> dict[str, Any]:
        from threadpoolctl import threadpool_info

        blas = [f"{p['internal_api']} {p['version']} ({p['num_threads']} threads)"
                for p in threadpool_info() if p.get("user_api") == "blas"]
        return {"blas": ", ".join(blas) or "unknown"}
