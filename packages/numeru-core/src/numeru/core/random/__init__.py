"""numeru.core.random: counter-based Philox4x32-10 random numbers, the same bits on every backend.

``nm.random.Generator(seed, device=None)``; module-level functions use a default generator that
``nm.random.seed(s)`` replaces.
"""

from .default import (
    bernoulli,
    choice,
    default_rng,
    get_default_generator,
    get_state,
    integers,
    normal,
    permutation,
    random,
    seed,
    set_state,
    shuffle,
    spawn,
    standard_normal,
    uniform,
)
from .generator import BIT_GENERATOR, Generator

__all__ = [
    "BIT_GENERATOR", "Generator", "bernoulli", "choice", "default_rng", "get_default_generator",
    "get_state", "integers", "normal", "permutation", "random", "seed", "set_state", "shuffle",
    "spawn", "standard_normal", "uniform",
]
