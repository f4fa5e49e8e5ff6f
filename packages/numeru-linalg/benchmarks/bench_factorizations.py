"""lu_factor / qr / cholesky / solve at n = 500 and 2000 vs SciPy, 2 threads.

Both sides check their input for NaN/inf (numeru by default, SciPy with check_finite=True,
its default) and both return new arrays.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.linalg as sla
from _timing import THREADS, best_of, header, row
from threadpoolctl import threadpool_limits

import numeru.core as nm
import numeru.linalg as la


def main() -> None:
    print(header("LU / QR / Cholesky / solve, float64", "SciPy"))
    rng = np.random.default_rng(0)
    single = []
    with nm.threads(THREADS), threadpool_limits(THREADS):
        for n in (500, 2000):
            repeats = 7 if n == 500 else 3
            a = rng.standard_normal((n, n))
            spd = a @ a.T + n * np.eye(n)
            b = rng.standard_normal((n, 1))
            ta, ts, tb = nm.asarray(a), nm.asarray(spd), nm.asarray(b)
            cases = [
                ("lu_factor", lambda ta=ta: la.lu_factor(ta), lambda a=a: sla.lu_factor(a)),
                ("qr (reduced)", lambda ta=ta: la.qr(ta), lambda a=a: sla.qr(a, mode="economic")),
                (
                    "cholesky (lower)",
                    lambda ts=ts: la.cholesky(ts),
                    lambda spd=spd: sla.cholesky(spd, lower=True),
                ),
                ("solve", lambda ta=ta, tb=tb: la.solve(ta, tb), lambda a=a, b=b: sla.solve(a, b)),
            ]
            for name, ours_fn, anchor_fn in cases:
                ours, theirs = best_of(ours_fn, anchor_fn, repeats)
                print(row(f"{name} n={n}", ours, theirs, 1.1))
                if n == 500:
                    single.append((f"{name} n={n}", ours_fn, anchor_fn))
    # On a shared machine two threads rarely get two cores; CPU time on one thread compares
    # the work itself.
    print("\n1 thread, CPU time (time.process_time):\n")
    print("| case | numeru (ms) | SciPy (ms) | ratio (numeru/anchor) |\n|---|---:|---:|---:|")
    with nm.threads(1), threadpool_limits(1):
        for case, ours_fn, anchor_fn in single:
            ours, theirs = best_of(ours_fn, anchor_fn, 7, clock=time.process_time)
            print(f"| {case} | {ours * 1e3:.2f} | {theirs * 1e3:.2f} | {ours / theirs:.2f} |")


if __name__ == "__main__":
    main()
