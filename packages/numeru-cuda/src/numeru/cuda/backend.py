"""The ``cuda`` backend: numeru Tensors whose data are CuPy arrays.

Importing this module never imports CuPy: a machine without CuPy, a driver or a GPU can import
numeru.cuda, and ``numeru info`` then says why the backend is unavailable. The first real use
(``nm.device("cuda")``) checks availability and raises ``DeviceError`` with that reason.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from typing import Any

import numpy as np

from numeru.core.backends import Backend
from numeru.core.errors import DTypeError

INSTALL_HINT = "pip install 'numeru-cuda[cuda12]' (or [cuda13] for CUDA 13 drivers)"
KDL_CUDA = 2  # DLPack device type of CUDA memory


@functools.cache
def _probe() -> tuple[Any, Any, str | None]:
    """(cupy, Array API namespace over cupy, reason it is unusable or None), once."""
    try:
        import cupy
    except ImportError as exc:
        return None, None, f"CuPy is not installed ({exc}); {INSTALL_HINT}"
    except Exception as exc:  # a broken CUDA install raises other errors at import
        return None, None, f"CuPy failed to import: {type(exc).__name__}: {exc}"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # CUDARuntimeError without a driver or device
        return cupy, None, f"no CUDA device or driver: {exc}"
    if count < 1:
        return cupy, None, "no CUDA device found"
    import array_api_compat.cupy as xp

    return cupy, xp, None


class CUDABackend(Backend):
    name = "cuda"
    native_out = True
    dlpack_device_type = KDL_CUDA

    @property
    def xp(self) -> Any:  # type: ignore[override]
        return self._ready()[1]

    @property
    def cupy(self) -> Any:
        return self._ready()[0]

    def _ready(self) -> tuple[Any, Any]:
        cupy, xp, reason = _probe()
        if reason is not None:
            from numeru.core.errors import DeviceError

            raise DeviceError(f"device 'cuda' is unavailable: {reason}")
        return cupy, xp

    def unavailable_reason(self) -> str | None:
        return _probe()[2]

    def device_count(self) -> int:
        return int(self.cupy.cuda.runtime.getDeviceCount())

    @contextlib.contextmanager
    def use(self, index: int) -> Iterator[None]:
        with self.cupy.cuda.Device(index):
            yield

    def native_dtype(self, dtype: np.dtype) -> Any:
        if dtype.name == "bfloat16":
            raise DTypeError("dtype: expected a dtype CuPy supports, got bfloat16 (CuPy has "
                             "no bfloat16 arrays; use float16 or float32 on cuda)")
        return dtype

    def asarray(self, obj: Any, dtype: np.dtype | None, index: int, copy: bool | None) -> Any:
        cupy = self.cupy
        with cupy.cuda.Device(index):
            if isinstance(obj, cupy.ndarray) and obj.device.id == index:
                return cupy.array(obj, dtype=dtype, copy=bool(copy)) if (
                    copy or dtype is not None) else obj
            host = np.asarray(obj, dtype=dtype)
            self.native_dtype(host.dtype)
            return cupy.asarray(host)

    def empty(self, shape: tuple[int, ...], dtype: np.dtype, index: int) -> Any:
        with self.cupy.cuda.Device(index):
            return self.cupy.empty(shape, dtype=self.native_dtype(dtype))

    def device_index(self, array: Any) -> int:
        return int(array.device.id)

    def to_numpy(self, array: Any) -> np.ndarray:
        return self.cupy.asnumpy(array)

    def from_numpy(self, array: np.ndarray, index: int) -> Any:
        return self.asarray(array, None, index, copy=True)

    def from_dlpack(self, obj: Any) -> Any:
        return self.cupy.from_dlpack(obj)

    def copy_into(self, dst: Any, src: Any) -> None:
        dst[...] = src

    def synchronize(self, index: int) -> None:
        with self.cupy.cuda.Device(index):
            self.cupy.cuda.get_current_stream().synchronize()

    def info(self) -> dict[str, Any]:
        cupy = self.cupy
        facts: dict[str, Any] = {"cupy": cupy.__version__,
                                 "cuda runtime": cupy.cuda.runtime.runtimeGetVersion()}
        pool = cupy.get_default_memory_pool()
        for index in range(self.device_count()):
            props = cupy.cuda.runtime.getDeviceProperties(index)
            name = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
            with cupy.cuda.Device(index):
                free, total = cupy.cuda.runtime.memGetInfo()
            facts[f"cuda:{index}"] = (f"{name}, {(total - free) / 2**30:.2f} of "
                                      f"{total / 2**30:.2f} GiB in use")
        facts["memory pool"] = (f"{pool.used_bytes() / 2**20:.1f} MiB used of "
                                f"{pool.total_bytes() / 2**20:.1f} MiB held")
        return facts
