"""``__array_namespace_info__()``: what the namespace supports, as the Array API 2023.12 asks."""

from __future__ import annotations

from typing import Any

from . import dtypes
from .devices import Device, get_default_device
from .devices import device as _device


class NamespaceInfo:
    """Capabilities, devices and dtypes of ``numeru.core``."""

    def capabilities(self) -> dict[str, Any]:
        # Boolean indexing and data-dependent shapes (nonzero, unique_*) both work.
        return {"boolean indexing": True, "data-dependent shapes": True}

    def default_device(self) -> Device:
        return get_default_device()

    def devices(self) -> list[Device]:
        from .plugins import registry

        found: list[Device] = []
        backends = registry("backends")
        for name in backends.names():
            backend = backends.get(name)
            if backend.unavailable_reason() is None:
                found.extend(_device(name, i) for i in range(backend.device_count()))
        return found

    def default_dtypes(self, *, device: Any = None) -> dict[str, Any]:
        real = dtypes.get_default_dtype()
        return {"real floating": real,
                "complex floating": dtypes.complex64 if real.itemsize < 8 else dtypes.complex128,
                "integral": dtypes.int64, "indexing": dtypes.int64}

    def dtypes(self, *, device: Any = None, kind: Any = None) -> dict[str, Any]:
        return {name: d for name, d in dtypes.BY_NAME.items()
                if kind is None or dtypes.isdtype(d, kind)}


def __array_namespace_info__() -> NamespaceInfo:
    return NamespaceInfo()
