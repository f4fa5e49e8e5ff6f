"""Small data bundled with numeru-dl (no scikit-learn needed at run time)."""

from __future__ import annotations

from importlib import resources

import numpy as np


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 1797 8x8 handwritten digits of the UCI collection (as in scikit-learn).

    Returns ``(images, target)``: images float32 in [0, 1] of shape (1797, 8, 8), target int64.
    """
    with resources.files("numeru.dl.data").joinpath("digits.npz").open("rb") as fh:
        with np.load(fh, allow_pickle=False) as data:
            images = data["images"].astype(np.float32) / 16.0
            target = data["target"].astype(np.int64)
    return images, target
