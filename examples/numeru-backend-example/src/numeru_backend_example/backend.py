"""The ``strict`` backend: numeru Tensors whose data are array-api-strict arrays."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from numeru.core.backends import Backend
from numeru.core.errors import DTypeError


class StrictBackend(Backend):
    name = "strict"
    native_out = False  # array-api-strict functions take no out=: numeru copies into out

    def __init__(self) -> None:
        import array_api_strict

        self.xp = array_api_strict
        self._devices = [d for d in array_api_strict.__array_namespace_info__().devices()
                         if str(d) in ("array_api_strict.Device('CPU_DEVICE')",
                                       "array_api_strict.Device('device1')",
                                       "array_api_strict.Device('device2')")]
        self._to_native = {np.dtype(name): getattr(array_api_strict, name) for name in (
            "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
            "float32", "float64", "complex64", "complex128")}
        self._from_native = {v: k for k, v in self._to_native.items()}
        self._current = 0

    def device_count(self) -> int:
        return len(self._devices)

    @contextlib.contextmanager
    def use(self, index: int) -> Iterator[None]:
        previous, self._current = self._current, index
        try:
            yield
        finally:
            self._current = previous

    def native_dtype(self, dtype: np.dtype) -> Any:
        try:
            return self._to_native[np.dtype(dtype)]
        except KeyError:
            raise DTypeError(f"dtype: expected a dtype that array-api-strict supports, got "
                             f"{dtype}") from None

    def dtype_of(self, array: Any) -> np.dtype:
        return self._from_native[array.dtype]

    def device_index(self, array: Any) -> int:
        return self._devices.index(array.device)

    def asarray(self, obj: Any, dtype: np.dtype | None, index: int, copy: bool | None) -> Any:
        host = np.asarray(obj, dtype=dtype)
        native = self.native_dtype(host.dtype)
        return self.xp.asarray(host, dtype=native, device=self._devices[index], copy=copy)

    def empty(self, shape: tuple[int, ...], dtype: np.dtype, index: int) -> Any:
        return self.xp.empty(shape, dtype=self.native_dtype(dtype), device=self._devices[index])

    def to_numpy(self, array: Any) -> np.ndarray:
        return np.from_dlpack(array) if array.device == self._devices[0] else np.asarray(
            self.xp.asarray(array, device=self._devices[0]))

    def from_numpy(self, array: np.ndarray, index: int) -> Any:
        return self.asarray(array, None, index, copy=True)

    def copy_into(self, dst: Any, src: Any) -> None:
        dst[...] = src

    def info(self) -> dict[str, Any]:
        return {"namespace": f"array-api-strict {self.xp.__version__}",
                "api version": self.xp.__array_api_version__}
