"""What numeru-cuda registers: the ``cuda`` backend (usable or not, it is always listed)."""

from __future__ import annotations

from typing import Any

from numeru.core.hookspecs import hookimpl


@hookimpl
def register_backends(register: Any) -> None:
    from .backend import CUDABackend

    register(CUDABackend())
