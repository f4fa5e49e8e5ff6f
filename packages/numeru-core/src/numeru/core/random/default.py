"""The default generator behind the module-level functions (``nm.random.normal(...)``).

It is created on first use from fresh OS entropy, like NumPy's; ``seed(s)`` replaces it with
``Generator(s)``. It follows the default device (``with nm.device(...)``). Models never use it
implicitly: they take ``random_state`` and build their own generator.
"""

from __future__ import annotations

import threading
from typing import Any

from ..tensor import Tensor
from .generator import Generator

_lock = threading.Lock()
_default: Generator | None = None


def get_default_generator() -> Generator:
    """The generator the module-level functions draw from."""
    global _default
    with _lock:
        if _default is None:
            _default = Generator()
        return _default


def seed(seed: Any = None) -> None:
    """Make the default generator ``Generator(seed)`` (None: fresh OS entropy)."""
    global _default
    generator = Generator(seed)
    with _lock:
        _default = generator


def default_rng(seed: Any = None, *, device: Any = None) -> Generator:
    """A new ``Generator`` (NumPy's spelling); a Generator passed as ``seed`` is returned."""
    if isinstance(seed, Generator):
        return seed
    return Generator(seed, device=device)


def get_state() -> dict[str, Any]:
    return get_default_generator().get_state()


def set_state(state: dict[str, Any]) -> None:
    get_default_generator().set_state(state)


def random(size: Any = None, dtype: Any = "float64") -> Tensor:
    return get_default_generator().random(size, dtype)


def uniform(low: Any = 0.0, high: Any = 1.0, size: Any = None, *, dtype: Any = "float64") -> Tensor:
    return get_default_generator().uniform(low, high, size, dtype=dtype)


def normal(loc: Any = 0.0, scale: Any = 1.0, size: Any = None, *, dtype: Any = "float64") -> Tensor:
    return get_default_generator().normal(loc, scale, size, dtype=dtype)


def standard_normal(size: Any = None, dtype: Any = "float64") -> Tensor:
    return get_default_generator().standard_normal(size, dtype)


def integers(low: Any, high: Any = None, size: Any = None, dtype: Any = "int64",
             endpoint: bool = False) -> Tensor:
    return get_default_generator().integers(low, high, size, dtype, endpoint)


def bernoulli(p: Any, size: Any = None, *, dtype: Any = None) -> Tensor:
    return get_default_generator().bernoulli(p, size, dtype=dtype)


def permutation(x: Any, axis: int = 0) -> Tensor:
    return get_default_generator().permutation(x, axis)


def shuffle(x: Any, axis: int = 0) -> None:
    get_default_generator().shuffle(x, axis)


def choice(a: Any, size: Any = None, replace: bool = True, p: Any = None, axis: int = 0,
           shuffle: bool = True) -> Tensor:
    return get_default_generator().choice(a, size, replace, p, axis, shuffle)


def spawn(n: int) -> list[Generator]:
    return get_default_generator().spawn(n)
