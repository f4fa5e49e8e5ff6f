"""DataLoader throughput against torch.utils.data.DataLoader on an in-memory TensorDataset.

Run: python packages/numeru-ml/benchmarks/bench_ml_dataloader.py [--rows N] [--cols P]
One epoch of shuffled batches, each batch touched (summed) so lazy work is counted; best of
--repeat epochs, same thread count for both (torch: num_workers=0, its default and fastest
for in-memory tensors). Prints a markdown table.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

import numeru.core as nm
from numeru.ml.data import DataLoader, TensorDataset


def epoch_time(loader, repeat: int, touch) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for xb, yb in loader:
            touch(xb, yb)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--cols", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    threads = nm.get_num_threads()
    torch.set_num_threads(threads)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(args.rows, args.cols)).astype(np.float32)
    y = rng.integers(0, 10, size=args.rows)
    ours_ds = TensorDataset(nm.asarray(X), nm.asarray(y))
    theirs_ds = torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(y))
    print(f"One shuffled epoch over {args.rows:,} x {args.cols} float32, {threads} threads "
          f"(best of {args.repeat})\n")
    print("| batch size | numeru (samples/s) | torch (samples/s) | ratio (numeru/anchor) |")
    print("|---|---|---|---|")
    for batch_size in (32, 256, 1024):
        ours = DataLoader(ours_ds, batch_size=batch_size, shuffle=True, seed=0)
        theirs = torch.utils.data.DataLoader(theirs_ds, batch_size=batch_size, shuffle=True)
        t_ours = epoch_time(ours, args.repeat, lambda a, b: float(a.data[0, 0]))
        t_theirs = epoch_time(theirs, args.repeat, lambda a, b: float(a[0, 0]))
        # ratio of times (lower is better), reported with the throughputs
        print(f"| {batch_size} | {args.rows / t_ours:,.0f} | {args.rows / t_theirs:,.0f} | "
              f"{t_ours / t_theirs:.2f} |")


if __name__ == "__main__":
    main()
