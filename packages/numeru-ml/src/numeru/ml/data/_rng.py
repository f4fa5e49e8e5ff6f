"""Random permutations for shuffling, from a seed and a stream number (the epoch).

The same (seed, stream) always gives the same permutation, so a DataLoader's order is a
pure function of its seed and the epoch: runs are reproducible and resumable. numeru's own
counter-based generator (``numeru.core.random.Generator``) is used when it is available;
otherwise NumPy's PCG64 seeded with (seed, stream) (never NumPy's global state).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from numeru.core.errors import expected


def check_seed(seed: Any) -> int | None:
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise expected("seed", "None or a non-negative integer", seed)
    return int(seed)


def fresh_seed() -> int:
    return int(np.random.SeedSequence().generate_state(1)[0])


def permutation(n: int, seed: int, stream: int) -> np.ndarray:
    """A permutation of ``range(n)`` determined by ``seed`` and ``stream``."""
    try:
        from numeru.core.random import Generator  # type: ignore[attr-defined]
    except ImportError:  # the core generator is not available: NumPy's PCG64, seeded here
        return np.random.default_rng([seed, stream]).permutation(n)
    from numeru.core.validation import to_numpy

    generator = Generator(seed).spawn(stream + 1)[stream]
    return np.asarray(to_numpy(generator.permutation(n)), dtype=np.int64)
