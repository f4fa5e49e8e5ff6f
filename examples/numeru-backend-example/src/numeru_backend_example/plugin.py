"""Hook implementations: the ``strict`` backend and one kernel."""

from __future__ import annotations

from typing import Any

from numeru.core.hookspecs import hookimpl


@hookimpl
def register_backends(register: Any) -> None:
    from .backend import StrictBackend

    register(StrictBackend())


def _vecdot(x1: Any, x2: Any, axis: int = -1) -> Any:
    """``vecdot`` as a reduction of a product: the kernel numeru dispatches to on ``strict``."""
    import array_api_strict as xp

    return xp.sum(xp.conj(x1) * x2 if xp.isdtype(x1.dtype, "complex floating") else x1 * x2,
                  axis=axis)


@hookimpl
def register_kernels(register: Any) -> None:
    register("vecdot", "strict", _vecdot)
