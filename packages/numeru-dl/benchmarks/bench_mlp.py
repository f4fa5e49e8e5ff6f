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
from _common import compare, report

import numeru.core as nm
import numeru.dl as dl
from numeru.dl import nn
from numeru.dl.training import make_optimizer

BATCH = 128


def build() -> tuple[nn.Module, torch.nn.Module]:
    ours = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
                         nn.Linear(512, 10))
    theirs = torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.ReLU(),
                                 torch.nn.Linear(512, 512), torch.nn.ReLU(),
                                 torch.nn.Linear(512, 10))
    with torch.no_grad():
        for (_, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters(),
                                  strict=True):
            q.copy_(torch.tensor(p.numpy()))
    return ours, theirs


def measure() -> list[tuple[str, float, float]]:
    r = np.random.default_rng(0)
    x = r.standard_normal((BATCH, 784)).astype(np.float32)
    y = r.integers(0, 10, BATCH)
    ours, theirs = build()
    xn, yn, xt, yt = nm.asarray(x), nm.asarray(y), torch.tensor(x), torch.tensor(y)
    opt = make_optimizer("adam", ours.parameters(), lr=1e-3)
    topt = torch.optim.Adam(theirs.parameters(), lr=1e-3)

    def infer_numeru():
        with dl.no_grad():
            ours(xn)

    def infer_torch():
        with torch.no_grad():
            theirs(xt)

    def fb_numeru():
        ours.zero_grad()
        nn.functional.cross_entropy(ours(xn), yn).backward()

    def fb_torch():
        theirs.zero_grad()
        torch.nn.functional.cross_entropy(theirs(xt), yt).backward()

    def step_numeru():
        fb_numeru()
        opt.step()

    def step_torch():
        fb_torch()
        topt.step()

    return [("forward (inference)", *compare(infer_numeru, infer_torch)),
            ("forward + backward", *compare(fb_numeru, fb_torch)),
            ("forward + backward + Adam", *compare(step_numeru, step_torch))]


def main() -> None:
    report("MLP 784-512-512-10, batch 128, float32, 2 threads", measure)


if __name__ == "__main__":
    main()
