"""The CPU backend: NumPy arrays, 64-byte aligned when numeru allocates them."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._base import Backend

ALIGNMENT = 64


def aligned_empty(shape: tuple[int, ...] | int, dtype: Any) -> np.ndarray:
    """An uninitialised C-contiguous array whose data pointer is a multiple of 64 bytes."""
    dtype = np.dtype(dtype)
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    raw = np.empty(nbytes + ALIGNMENT, dtype=np.uint8)
    start = -raw.ctypes.data % ALIGNMENT
    return raw[start : start + nbytes].view(dtype).reshape(shape)


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
        source = np.asarray(obj, dtype=dtype)
        if copy or source is not obj:  # numeru allocates: give it the aligned buffer
            out = aligned_empty(source.shape, source.dtype)
            out[...] = source
            return out
        return source

    def empty(self, shape: tuple[int, ...], dtype: np.dtype, index: int) -> Any:
        return aligned_empty(shape, dtype)

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
