"""What a backend provides to numeru.core.

A backend owns one kind of device (its ``name`` is the device type: ``cpu``, ``cuda``, ...) and
one Array API namespace ``xp``. Generic ops are written only against ``xp``; everything else
numeru needs from a backend is on this class. Third-party backends subclass it and register an
instance through the ``register_backends`` hook.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..errors import DeviceError


class Backend:
    #: device type, also the registry name: ``nm.device("<name>:<index>")``
    name: str = ""
    #: the Array API namespace of this backend's arrays
    xp: Any = None
    #: True when ``xp``'s elementwise functions accept ``out=`` (NumPy and CuPy ufuncs do)
    native_out: bool = False
    #: True when operations run on the backend's current device rather than their arrays'
    #: (CuPy launches on ``cupy.cuda.Device()``): with several devices, dispatch then runs
    #: each kernel inside ``use(index)`` of its tensors' device
    ops_use_current_device: bool = False

    # -- availability ------------------------------------------------------------------------
    def unavailable_reason(self) -> str | None:
        """``None`` when usable, else a sentence saying why not (no driver, no GPU, ...)."""
        return None

    def device_count(self) -> int:
        return 1

    def check_index(self, index: int) -> None:
        reason = self.unavailable_reason()
        if reason is not None:
            raise DeviceError(f"device {self.name!r} is unavailable: {reason}")
        count = self.device_count()
        if not 0 <= index < count:
            raise DeviceError(
                f"device: expected {self.name} index in [0, {count}), got {self.name}:{index}"
            )

    @contextlib.contextmanager
    def use(self, index: int) -> Iterator[None]:
        """Make ``index`` the backend's current device inside the block (CuPy: cuda.Device)."""
        yield

    # -- arrays ------------------------------------------------------------------------------
    def asarray(self, obj: Any, dtype: np.dtype | None, index: int, copy: bool | None) -> Any:
        """A backend array from host data (NumPy arrays, nested lists, scalars)."""
        with self.use(index):
            return self.xp.asarray(self.from_numpy_dtype_value(obj, dtype), copy=copy)

    def from_numpy_dtype_value(self, obj: Any, dtype: np.dtype | None) -> Any:
        """Host data converted to ``dtype`` in NumPy before it is handed to ``xp``."""
        return np.asarray(obj, dtype=dtype)

    def empty(self, shape: tuple[int, ...], dtype: np.dtype, index: int) -> Any:
        with self.use(index):
            return self.xp.empty(shape, dtype=self.native_dtype(dtype))

    def zeros(self, shape: tuple[int, ...], dtype: np.dtype, index: int) -> Any:
        with self.use(index):
            return self.xp.zeros(shape, dtype=self.native_dtype(dtype))

    def native_dtype(self, dtype: np.dtype) -> Any:
        """The backend's own dtype object for a numeru (NumPy) dtype."""
        return dtype

    def dtype_of(self, array: Any) -> np.dtype:
        """The numeru (NumPy) dtype of a backend array."""
        return array.dtype

    def device_index(self, array: Any) -> int:
        return 0

    def to_numpy(self, array: Any) -> np.ndarray:
        return np.asarray(array)

    def from_numpy(self, array: np.ndarray, index: int) -> Any:
        return self.asarray(array, None, index, copy=None)

    def wrap_result(self, value: Any) -> Any:
        """Normalise what an ``xp`` function returned into a backend array."""
        return value

    def copy_into(self, dst: Any, src: Any) -> None:
        """Write ``src`` into ``dst`` (same shape after broadcasting), in place."""
        dst[...] = src

    def is_view(self, array: Any) -> bool:
        return False

    def owned(self, array: Any) -> Any:
        """A fresh ``xp`` array as numeru keeps its own allocations (CPU: 64-byte aligned)."""
        return array

    def is_c_contiguous(self, array: Any) -> bool:
        """Whether the array's elements are laid out in C order without gaps."""
        flags = getattr(array, "flags", None)
        return True if flags is None else bool(flags.c_contiguous)

    def data_ptr(self, array: Any) -> int:
        """The address of the array's first element (0 when the backend does not expose it)."""
        for attribute in ("__array_interface__", "__cuda_array_interface__"):
            interface = getattr(array, attribute, None)
            if interface is not None:
                return int(interface["data"][0])
        return 0

    def synchronize(self, index: int) -> None:
        """Wait for queued work on the device (a no-op on the CPU)."""

    def info(self) -> dict[str, Any]:
        """Facts for ``numeru info``."""
        return {}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"
