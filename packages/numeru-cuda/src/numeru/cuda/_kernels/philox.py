"""The random ops of numeru.core on the GPU: Philox4x32-10 as one CuPy RawModule.

Registered for the ``cuda`` backend under the op names of ``numeru.core.random.ops``
(``random_bits``, ``random_uniform``, ``random_normal``, ``random_lemire``), with the same
keyword signatures as the generic implementations there. The CUDA C source is ``philox.cu``
beside this file, the only copy: the tests compile the same text as plain C and compare its
bits with numeru.core.random, so the arithmetic is checked on machines without a GPU.

Bit identity with the CPU needs IEEE arithmetic without contraction: the module is compiled
with ``--fmad=false`` (NVRTC otherwise fuses ``a * b + c`` into one rounding) and without
``--use_fast_math`` (so division and sqrt are correctly rounded and denormals are kept).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from . import _nvrtc

SOURCE_FILE = "philox.cu"
#: NVRTC options: no fused multiply-add, IEEE division and square root, denormals kept
NVRTC_OPTIONS = ("--fmad=false", "--prec-div=true", "--prec-sqrt=true", "--ftz=false")
THREADS = 256
MAX_GRID = 65535 * 16  # Philox blocks beyond THREADS * MAX_GRID loop inside the kernel
KERNEL_NAMES = ("nm_random_bits", "nm_uniform64", "nm_uniform32", "nm_normal64", "nm_normal32",
                "nm_lemire")


def source() -> str:
    """The CUDA C text of these kernels (read once from the package)."""
    return _nvrtc.source(SOURCE_FILE)


def _kernel(name: str) -> Any:
    return _nvrtc.kernel(SOURCE_FILE, name, NVRTC_OPTIONS)


class Launch(NamedTuple):
    """One kernel call: which kernel, over how many Philox blocks, the outputs it fills
    (size, dtype) and the scalar arguments after them, as NumPy scalars of the C types."""

    kernel: str
    n_blocks: int
    outputs: tuple[tuple[int, str], ...]
    scalars: tuple[Any, ...]


def plan(op_name: str, *, key: tuple[int, int], counter: tuple[int, int],
         **params: Any) -> Launch:
    """The launch that computes op ``op_name`` with the keyword arguments of its generic code.

    Shared by the CuPy kernels below and the tests' C build of the same source, so the
    argument order and C types are checked on machines without a GPU.
    """
    state = (np.uint64(counter[0]), np.uint64(counter[1]), np.uint32(key[0]),
             np.uint32(key[1]))
    if op_name == "random_bits":
        n_blocks = params["n_blocks"]
        return Launch("nm_random_bits", n_blocks, ((4 * n_blocks, "uint32"),),
                      (np.uint64(n_blocks), *state))
    if op_name == "random_lemire":
        n = params["n"]
        return Launch("nm_lemire", -(-n // 4), ((n, "uint64"), (n, "bool")),
                      (np.uint64(n), *state, np.uint64(params["span"]),
                       np.uint64(params["threshold"]), np.uint64(params["offset"])))
    kind = {"random_uniform": "uniform", "random_normal": "normal"}[op_name]
    n, dtype_name = params["n"], params["dtype_name"]
    first, second = ("low", "scale") if kind == "uniform" else ("loc", "scale")
    real = np.float64 if dtype_name == "float64" else np.float32
    per = 2 if dtype_name == "float64" else 4
    return Launch(f"nm_{kind}{dtype_name[-2:]}", -(-n // per), ((n, dtype_name),),
                  (np.uint64(n), *state, real(params.get(first, 0.0)),
                   real(params.get(second, 1.0))))


def geometry(n_blocks: int) -> tuple[int, int]:
    """(blocks, threads a block) of the launch over ``n_blocks`` Philox blocks: one Philox
    block a thread, at most MAX_GRID blocks (the kernels' grid-stride loops do the rest)."""
    return min(-(-n_blocks // THREADS), MAX_GRID), THREADS


def _execute(launch: Launch) -> Any:
    """Run a launch on CuPy's current device; one output array, or a tuple of them."""
    import cupy

    outputs = tuple(cupy.empty(size, dtype=dtype) for size, dtype in launch.outputs)
    if launch.n_blocks > 0:
        grid, threads = geometry(launch.n_blocks)
        _kernel(launch.kernel)((grid,), (threads,), (*outputs, *launch.scalars))
    return outputs[0] if len(outputs) == 1 else outputs


def op_kernel(op_name: str, execute: Callable[[Launch], Any]) -> Callable[..., Any]:
    """The kernel of random op ``op_name`` (keyword arguments as its generic code), running
    each launch through ``execute``."""

    def kernel(**params: Any) -> Any:
        return execute(plan(op_name, **params))

    kernel.__name__ = kernel.__qualname__ = op_name + "_kernel"
    return kernel


OP_NAMES = ("random_bits", "random_uniform", "random_normal", "random_lemire")
bits_kernel = op_kernel("random_bits", _execute)
uniform_kernel = op_kernel("random_uniform", _execute)
normal_kernel = op_kernel("random_normal", _execute)
lemire_kernel = op_kernel("random_lemire", _execute)

#: op name -> kernel, registered for the ``cuda`` backend by numeru.cuda.plugin
KERNELS = {
    "random_bits": "numeru.cuda._kernels.philox:bits_kernel",
    "random_uniform": "numeru.cuda._kernels.philox:uniform_kernel",
    "random_normal": "numeru.cuda._kernels.philox:normal_kernel",
    "random_lemire": "numeru.cuda._kernels.philox:lemire_kernel",
}
