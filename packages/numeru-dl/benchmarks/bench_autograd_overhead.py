"""Autograd overhead per op on tiny tensors: numeru.dl vs PyTorch CPU, 2 threads each.

A chain of 100 elementwise ops on 4-element float32 tensors, forward and backward; the time
per op is dominated by bookkeeping (dispatch, graph recording, the backward loop), not math.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
from _common import compare, report

import numeru.core as nm
import numeru.dl  # noqa: F401

OPS = 100


def chain_numeru(x):
    y = x
    for _ in range(OPS // 4):
        y = nm.sin(y * 1.01 + 0.1) * y
    return nm.sum(y)


def chain_torch(x):
    y = x
    for _ in range(OPS // 4):
        y = torch.sin(y * 1.01 + 0.1) * y
    return y.sum()


def measure() -> list[tuple[str, float, float]]:
    data = np.linspace(0.1, 0.4, 4, dtype=np.float32)

    def fwd_numeru():
        chain_numeru(nm.asarray(data, requires_grad=True))

    def fwd_torch():
        chain_torch(torch.tensor(data, requires_grad=True))

    def both_numeru():
        chain_numeru(nm.asarray(data, requires_grad=True)).backward()

    def both_torch():
        chain_torch(torch.tensor(data, requires_grad=True)).backward()

    def plain_numeru():
        chain_numeru(nm.asarray(data))

    def plain_torch():
        with torch.no_grad():
            chain_torch(torch.tensor(data))

    rows = []
    per = OPS + 1
    for name, a, b in [("forward, no grad", plain_numeru, plain_torch),
                       ("forward, recording", fwd_numeru, fwd_torch),
                       ("forward + backward", both_numeru, both_torch)]:
        ours, theirs = compare(a, b, repeats=21, number=10)
        rows.append((f"{name} (per op)", ours / per, theirs / per))
    return rows


def main() -> None:
    report("Autograd overhead per op, 4-element float32 tensors, 2 threads", measure,
           f"A chain of {OPS} elementwise ops plus a sum; time per op.")


if __name__ == "__main__":
    main()
