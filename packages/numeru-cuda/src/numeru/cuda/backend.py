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
from numeru.core.errors import DTypeError, ValidationError

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
        driver = cupy.cuda.runtime.driverGetVersion()  # 0 when no driver (libcuda) is found
    except Exception:
        driver = None
    if driver == 0:
        return cupy, None, ("no NVIDIA driver is installed (libcuda not found); CUDA tensors "
                            "need a GPU and its driver")
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
    ops_use_current_device = True  # CuPy launches on cupy.cuda.Device(), not the arrays'
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
        if dtype is not None:
            self.native_dtype(dtype)  # bfloat16 is refused in our words, not CuPy's
        with cupy.cuda.Device(index):
            if isinstance(obj, cupy.ndarray):
                return self._from_cupy(obj, dtype, index, copy)
            if copy is False:
                raise ValidationError(f"copy: expected data already on cuda:{index} for "
                                      f"copy=False, got {type(obj).__name__} in host memory "
                                      f"(moving it to the GPU is a copy)")
            host = np.asarray(obj, dtype=dtype)
            self.native_dtype(host.dtype)
            return cupy.asarray(host)

    @staticmethod
    def _from_cupy(obj: Any, dtype: np.dtype | None, index: int, copy: bool | None) -> Any:
        """A CuPy array as an array of ``dtype`` on device ``index`` (the current one), copied
        only when asked or needed. Not ``cupy.array(obj, copy=...)``: since CuPy 14 its
        ``copy=False`` means "never copy" and raises ValueError on a dtype conversion, and
        NumPy cannot read a CuPy array of another device (CuPy refuses implicit conversion)."""
        moved = obj.device.id != index
        convert = dtype is not None and obj.dtype != dtype
        if copy is False and (moved or convert):
            target = obj.dtype if dtype is None else dtype
            raise ValidationError(
                f"copy: expected a conversion without copying, but {obj.dtype} on cuda:"
                f"{obj.device.id} -> {target} on cuda:{index} needs a copy")
        if moved:
            obj = obj.copy()  # ndarray.copy copies onto the current device from any device
        if convert:
            return obj.astype(dtype, copy=False)
        return obj.copy() if copy and not moved else obj

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
