"""100,000 stacked 3x3 and 8x8 solve / inv / det vs NumPy's stacked linalg, 2 threads.

numeru picks its Numba kernels for these stacks (order <= 16, at least 32 matrices); NumPy
calls LAPACK once per matrix.
"""

from __future__ import annotations

import time

import numpy as np
from _timing import THREADS, best_of, header, row
from threadpoolctl import threadpool_limits

import numeru.core as nm
import numeru.linalg as la


def main() -> None:
    count = 100_000
    print(header(f"{count:,} stacked small matrices, float64", "NumPy"))
    rng = np.random.default_rng(0)
    single = []
    with nm.threads(THREADS), threadpool_limits(THREADS):
        for n in (3, 8):
            a = rng.standard_normal((count, n, n))  # random: pivoting happens, as in use
            b = rng.standard_normal((count, n, 1))
            ta, tb = nm.asarray(a), nm.asarray(b)
            cases = [
                (
                    "solve",
                    lambda ta=ta, tb=tb: la.solve(ta, tb),
                    lambda a=a, b=b: np.linalg.solve(a, b),
                ),
                ("inv", lambda ta=ta: la.inv(ta), lambda a=a: np.linalg.inv(a)),
                ("det", lambda ta=ta: la.det(ta), lambda a=a: np.linalg.det(a)),
            ]
            for name, ours_fn, anchor_fn in cases:
                ours, theirs = best_of(ours_fn, anchor_fn, 15)
                print(row(f"{name} {n}x{n}", ours, theirs, 0.33))
                single.append((f"{name} {n}x{n}", ours_fn, anchor_fn))
    # On a shared machine two threads rarely get two cores; CPU time on one thread measures
    # the kernels themselves (NumPy's stacked loop is single-threaded either way).
    print("\n1 thread, CPU time (time.process_time):\n")
    print("| case | numeru (ms) | NumPy (ms) | ratio (numeru/anchor) |\n|---|---:|---:|---:|")
    with nm.threads(1), threadpool_limits(1):
        for case, ours_fn, anchor_fn in single:
            ours, theirs = best_of(ours_fn, anchor_fn, 9, clock=time.process_time)
            print(f"| {case} | {ours * 1e3:.2f} | {theirs * 1e3:.2f} | {ours / theirs:.2f} |")


if __name__ == "__main__":
    main()
