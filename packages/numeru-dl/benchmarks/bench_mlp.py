"""MLP 784-512-512-10, batch 128, float32: forward + backward + Adam step, vs PyTorch CPU.

Both sides use 2 threads (``--threads N`` changes it) and the same initial weights; the
optimizer is numeru.ml.optim's Adam against torch.optim.Adam. Inference runs under no_grad
on both sides.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
from _common import compare_training, report

from numeru.dl import nn

BATCH = 128


def build() -> tuple[nn.Module, torch.nn.Module]:
    ours = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
                         nn.Linear(512, 10))
    theirs = torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.ReLU(),
                                 torch.nn.Linear(512, 512), torch.nn.ReLU(),
                                 torch.nn.Linear(512, 10))
    return ours, theirs


def measure() -> list[tuple[str, float, float]]:
    r = np.random.default_rng(0)
    x = r.standard_normal((BATCH, 784)).astype(np.float32)
    ours, theirs = build()
    return compare_training(ours, theirs, x, r.integers(0, 10, BATCH))


def main() -> None:
    report("MLP 784-512-512-10, batch 128, float32, 2 threads", measure)


if __name__ == "__main__":
    main()
