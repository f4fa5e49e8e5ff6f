"""What numeru-cuda registers: the ``cuda`` backend (usable or not, it is always listed) and
its kernels, by op name.

Kernels are given as ``"module:function"`` strings, resolved on the first op that runs on a
CUDA device; the kernel modules import CuPy only inside their functions. The random kernels
serve numeru-core's ops. The softmax kernels serve ops that numeru-dl declares and the linalg
kernels ops that numeru-linalg declares: those are registered only when that distribution is
installed, found by its name in the installed metadata (``importlib.metadata``), never by
importing it.
"""

from __future__ import annotations

import importlib
import importlib.metadata
from typing import Any

from numeru.core.hookspecs import hookimpl

BACKEND = "cuda"
#: the kernel modules (each with a ``KERNELS`` table: op name -> "module:function") and the
#: distribution whose ops they serve (None: numeru-core, always present)
KERNEL_MODULES = {
    "numeru.cuda._kernels.philox": None,
    "numeru.cuda._kernels.softmax": "numeru-dl",
    "numeru.cuda._kernels.linalg": "numeru-linalg",
}


def installed(distribution: str) -> bool:
    """Whether ``distribution`` is installed (its metadata is found; nothing is imported)."""
    try:
        importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def kernel_table() -> dict[str, str]:
    """op name -> ``"module:function"`` of every kernel this plugin registers for ``cuda``."""
    table: dict[str, str] = {}
    for module, distribution in KERNEL_MODULES.items():
        if distribution is None or installed(distribution):
            table.update(importlib.import_module(module).KERNELS)
    return table


@hookimpl
def register_backends(register: Any) -> None:
    from .backend import CUDABackend

    register(CUDABackend())


@hookimpl
def register_kernels(register: Any) -> None:
    for op_name, reference in kernel_table().items():
        register(op_name, BACKEND, reference)
