"""LeNet-5 on 28x28 inputs, batch 64, float32: forward + backward + Adam, vs PyTorch CPU.

conv 1->6 5x5 pad 2, ReLU, max pool 2; conv 6->16 5x5, ReLU, max pool 2; 400-120-84-10.
Both sides use 2 threads (``--threads N`` changes it) and the same initial weights.
Inference runs under no_grad.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
from _common import compare_training, report

from numeru.dl import nn


def lenet(mod: Any) -> Any:
    """LeNet-5 built from ``mod`` (``numeru.dl.nn`` or ``torch.nn``)."""
    return mod.Sequential(mod.Conv2d(1, 6, 5, padding=2), mod.ReLU(), mod.MaxPool2d(2),
                          mod.Conv2d(6, 16, 5), mod.ReLU(), mod.MaxPool2d(2), mod.Flatten(),
                          mod.Linear(400, 120), mod.ReLU(), mod.Linear(120, 84), mod.ReLU(),
                          mod.Linear(84, 10))


def measure() -> list[tuple[str, float, float]]:
    r = np.random.default_rng(0)
    x = r.standard_normal((64, 1, 28, 28)).astype(np.float32)
    return compare_training(lenet(nn), lenet(torch.nn), x, r.integers(0, 10, 64))


def main() -> None:
    report("LeNet-5, 28x28, batch 64, float32, 2 threads", measure)


if __name__ == "__main__":
    main()
