"""What numeru-linalg registers with numeru.core: its CPU kernels and a demo section.

Kernels are given as ``"module:attribute"`` strings, so importing this module stays cheap
(SciPy and Numba load on first use). A GPU package registers its own kernels under the same
op names (``linalg.solve``, ``linalg.lu_factor``, ...).
"""

from __future__ import annotations

from typing import Any

from numeru.core.hookspecs import hookimpl

# op name -> function in numeru.linalg._cpu
CPU_KERNELS = (
    "lu_factor",
    "lu",
    "lu_solve",
    "solve",
    "inv",
    "det",
    "slogdet",
    "solve_triangular",
    "cholesky",
    "cho_solve",
    "qr",
    "eigh",
    "eigvalsh",
    "svd",
    "svdvals",
    "lstsq",
    "gemm",
)


@hookimpl
def register_kernels(register: Any) -> None:
    for name in CPU_KERNELS:
        register(f"linalg.{name}", "cpu", f"numeru.linalg._cpu:{name}")


@hookimpl
def register_demos(register: Any) -> None:
    register("linalg", "numeru.linalg.demo:section")
