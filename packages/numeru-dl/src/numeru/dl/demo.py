"""``numeru demo`` section: train a small CNN on the bundled digits, with a progress bar."""

from __future__ import annotations

import time
from typing import TextIO

import numpy as np

import numeru.core as nm

from . import manual_seed
from .datasets import load_digits
from .models import CNN
from .training import accuracy, fit, make_optimizer


def section(out: TextIO) -> None:
    images, target = load_digits()
    x = images[:, None, :, :]
    order = np.random.Generator(np.random.Philox(0)).permutation(len(x))
    train, test = order[:1400], order[1400:]
    manual_seed(0)
    model = CNN(channels=(8, 16), hidden=32)
    optimizer = make_optimizer("adam", model.parameters(), lr=3e-3)
    n_params = sum(p.size for p in model.parameters())
    out.write(f"numeru.dl: CNN with {n_params} parameters on {len(train)} 8x8 digits\n")
    start = time.perf_counter()
    # One thread: these GEMMs are too small to gain from a second one, and on a busy machine
    # spinning BLAS threads would slow the demo down many times.
    with nm.threads(1):
        fit(model, x[train], target[train], optimizer, epochs=3, batch_size=32, progress=out)
    out.write(f"  test accuracy {accuracy(model, x[test], target[test]):.3f} on {len(test)} "
              f"held-out digits, trained in {time.perf_counter() - start:.1f}s\n")
