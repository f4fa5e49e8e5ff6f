"""Seeds for the linear models' stochastic solvers (SAG, SGD shuffling).

A model never touches NumPy's global RNG: each fit draws from its own generator built from
``random_state`` (None: fresh entropy; an int: reproducible).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from numeru.core.errors import expected


def generator(random_state: Any) -> np.random.Generator:
    if random_state is None or (isinstance(random_state, (int, np.integer))
                                and not isinstance(random_state, bool) and random_state >= 0):
        return np.random.default_rng(random_state)
    if isinstance(random_state, np.random.Generator):
        return random_state
    raise expected("random_state", "None, a non-negative int or a numpy Generator",
                   random_state)


def seed_from(random_state: Any) -> int:
    """A 31-bit seed for a Numba kernel."""
    return int(generator(random_state).integers(0, 2 ** 31 - 1))
