"""Random numbers for numeru.dl (initialisation, dropout): one counter-based Philox stream.

``numeru.dl.manual_seed(s)`` reseeds it. Every draw is made in float64 on the host and cast,
so the same seed gives the same parameters on every device and dtype. NumPy's global RNG is
never touched.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from numeru.core.errors import expected

_lock = threading.Lock()
_generator = np.random.Generator(np.random.Philox(0))


def manual_seed(seed: int) -> None:
    """Reseed numeru.dl's default generator (parameter init, dropout masks)."""
    global _generator
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise expected("seed", "a non-negative integer", seed)
    with _lock:
        _generator = np.random.Generator(np.random.Philox(int(seed)))


def generator(seed: Any = None) -> np.random.Generator:
    """The default generator, or a new one for an explicit ``seed`` (int or Generator)."""
    if seed is None:
        return _generator
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise expected("generator", "None, a non-negative int seed or a numpy.random.Generator",
                       seed)
    return np.random.Generator(np.random.Philox(int(seed)))


def uniform(shape: tuple[int, ...], low: float, high: float, gen: Any = None) -> np.ndarray:
    with _lock:
        return generator(gen).uniform(low, high, size=shape)


def normal(shape: tuple[int, ...], mean: float, std: float, gen: Any = None) -> np.ndarray:
    with _lock:
        return generator(gen).normal(mean, std, size=shape)
