"""What numeru-core itself registers: the CPU backend, its kernels, the CLI and a demo section.

The built-in plugin is registered the same way third-party ones are, only without an entry point.
"""

from __future__ import annotations

from typing import Any

from .hookspecs import hookimpl


@hookimpl
def register_backends(register: Any) -> None:
    from .backends.cpu import CPUBackend

    register(CPUBackend())


@hookimpl
def register_commands(register: Any) -> None:
    from .cli import BUILTIN_COMMANDS

    for name, command in BUILTIN_COMMANDS.items():
        register(name, command)
    register("inspect", "numeru.core.nmr._inspect:COMMAND")  # .nmr files


@hookimpl
def register_demos(register: Any) -> None:
    register("core", "numeru.core.demo:core_section")
    register("artifacts", "numeru.core.nmr._demo:artifacts_section")  # .nmr save/inspect/load


@hookimpl
def register_kernels(register: Any) -> None:
    # NumPy fast paths (ufunc reductions without np.sum's Python wrapper). Numba kernels are
    # registered by reference ("module:function") so numba is imported on first use only.
    from .backends.cpu_kernels import KERNELS, NUMBA_KERNELS

    for op_name, kernel in {**KERNELS, **NUMBA_KERNELS}.items():
        register(op_name, "cpu", kernel)
    # Philox random numbers: Numba kernels with the same bits as the generic code (random/ops.py)
    from .random.ops import NUMBA_KERNELS as RANDOM_KERNELS

    for op_name, kernel in RANDOM_KERNELS.items():
        register(op_name, "cpu", kernel)
