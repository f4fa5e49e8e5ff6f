"""The CUDA C sources shipped beside these modules, read once and compiled once per device.

Each ``.cu`` file is the only copy of its kernels: the GPU compiles it with NVRTC (through
``cupy.RawModule``) and the tests compile the same text as plain C, so its arithmetic is
checked on machines without a GPU. CuPy is imported only when a kernel is first needed.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any


@functools.cache
def source(file_name: str) -> str:
    """The text of ``file_name`` in this package."""
    return resources.files(__package__).joinpath(file_name).read_text(encoding="utf-8")


@functools.cache
def _module(file_name: str, options: tuple[str, ...], device_id: int) -> Any:
    import cupy

    with cupy.cuda.Device(device_id):
        module = cupy.RawModule(code=source(file_name), options=options)
        module.compile()
    return module


def kernel(file_name: str, name: str, options: tuple[str, ...] = ()) -> Any:
    """Kernel ``name`` of ``file_name``, compiled with ``options`` for CuPy's current device."""
    import cupy

    return _module(file_name, options, cupy.cuda.Device().id).get_function(name)
