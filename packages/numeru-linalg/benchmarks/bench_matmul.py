"""matmul 2048 x 2048 float64: numeru.linalg.matmul / gemm vs NumPy's matmul, 2 threads."""

from __future__ import annotations

import numpy as np
from _timing import THREADS, best_of, header, row
from threadpoolctl import threadpool_limits

import numeru.core as nm
import numeru.linalg as la


def main() -> None:
    n = 2048
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    ta, tb = nm.asarray(a), nm.asarray(b)
    out = nm.empty((n, n), dtype=nm.float64)
    np_out = np.empty((n, n))
    print(header(f"matmul {n}x{n} float64", "NumPy"))
    with nm.threads(THREADS), threadpool_limits(THREADS):
        ours, theirs = best_of(lambda: la.matmul(ta, tb), lambda: a @ b, 5)
        print(row("matmul", ours, theirs, 1.05))
        ours, theirs = best_of(
            lambda: la.matmul(ta, tb, out=out), lambda: np.matmul(a, b, out=np_out), 5
        )
        print(row("matmul out=", ours, theirs, 1.05))
        ours, theirs = best_of(
            lambda: la.gemm(ta, tb, out, alpha=1.0, beta=0.0),
            lambda: np.matmul(a, b, out=np_out),
            5,
        )
        print(row("gemm in place", ours, theirs, 1.05))


if __name__ == "__main__":
    main()
