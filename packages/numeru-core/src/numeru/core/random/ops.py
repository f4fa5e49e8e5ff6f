"""The random ops as dispatch ops: one generic implementation over ``xp``, fast kernels by name.

Four ops produce everything the generator draws:

  ``random_bits(key, counter, n_blocks)``           -> uint32 words, 4 per block
  ``random_uniform(key, counter, n, dtype_name, low, scale)``  -> ``low + scale * u``
  ``random_normal(key, counter, n, dtype_name, loc, scale)``   -> ``loc + scale * z``
  ``random_lemire(key, counter, n, span, threshold, offset)``   -> bounded integers, accepted

They take no tensor inputs (only the key, the counter and sizes), so ``run`` looks the kernel up
for the generator's device and calls it directly. The CPU kernels (Numba) are registered under
these names through numeru-core's ``register_kernels`` hook, like any other backend kernel; a
backend without a kernel (array-api-strict, or CuPy until numeru-cuda registers one) runs the
generic code, which gives the same bits.
"""

from __future__ import annotations

from typing import Any

from .. import dispatch
from ..devices import Device
from . import transforms
from .philox import blocks


def _bits_generic(xp: Any, *, key: tuple[int, int], counter: tuple[int, int],
                  n_blocks: int) -> Any:
    words = blocks(xp, key, counter, n_blocks)
    flat = xp.reshape(xp.stack(words, axis=1), (-1,))
    return xp.astype(flat, xp.uint32)


def _uniform_generic(xp: Any, *, key: tuple[int, int], counter: tuple[int, int], n: int,
                     dtype_name: str, low: float = 0.0, scale: float = 1.0) -> Any:
    per = transforms.per_block(dtype_name)
    u = transforms.uniform_words(xp, blocks(xp, key, counter, -(-n // per)), n, dtype_name)
    return low + scale * u


def _normal_generic(xp: Any, *, key: tuple[int, int], counter: tuple[int, int], n: int,
                    dtype_name: str, loc: float = 0.0, scale: float = 1.0) -> Any:
    per = transforms.per_block(dtype_name)
    z = transforms.normal_words(xp, blocks(xp, key, counter, -(-n // per)), n, dtype_name)
    return loc + scale * z


def _lemire_generic(xp: Any, *, key: tuple[int, int], counter: tuple[int, int], n: int,
                    span: int, threshold: int, offset: int) -> tuple[Any, Any]:
    words = transforms.interleave(xp, list(blocks(xp, key, counter, -(-n // 4))), n)
    return lemire(words, span, threshold, offset)


def lemire(words: Any, span: Any, threshold: Any, offset: Any) -> tuple[Any, Any]:
    """Lemire's multiply-shift on 32-bit ``words``: ``(offset + value, accepted)``.

    ``value = (w * span) >> 32`` is exactly uniform on ``[0, span)`` over the accepted words,
    those with ``(w * span) mod 2**32 >= threshold = (2**32 - span) mod span``. ``offset`` is
    added mod 2**64 (the lower bound, as uint64 two's complement).
    """
    product = words * span  # < 2**64: span <= 2**32
    return (product >> 32) + offset, (product & 0xFFFFFFFF) >= threshold


RANDOM_BITS = dispatch.op("random_bits", _bits_generic)
RANDOM_LEMIRE = dispatch.op("random_lemire", _lemire_generic)
RANDOM_UNIFORM = dispatch.op("random_uniform", _uniform_generic)
RANDOM_NORMAL = dispatch.op("random_normal", _normal_generic)

#: the Numba kernels numeru-core's plugin registers for the ``cpu`` backend
NUMBA_KERNELS = {
    "random_bits": "numeru.core.random._numba_philox:bits_kernel",
    "random_uniform": "numeru.core.random._numba_philox:uniform_kernel",
    "random_normal": "numeru.core.random._numba_philox:normal_kernel",
    "random_lemire": "numeru.core.random._numba_philox:lemire_kernel",
}


def run(op: dispatch.Op, device: Device, **params: Any) -> Any:
    """The backend array ``op`` produces on ``device`` (its kernel, else the generic code)."""
    backend = device.backend
    with backend.use(device.index):
        result = op.kernel(device)(**params)

    def placed(array: Any) -> Any:
        if backend.device_index(array) != device.index:  # generic code used the default device
            return backend.from_numpy(backend.to_numpy(array), device.index)
        return array

    return tuple(map(placed, result)) if isinstance(result, tuple) else placed(result)
