"""Random number throughput: numeru's Philox4x32-10 against NumPy ``Generator(Philox)``.

    python packages/numeru-core/benchmarks/bench_core_random.py

1e7 float64 values per call (the issue's size), uniform and normal, plus float32 and 32-bit
integers for information. Goal: ratio (numeru/anchor) <= 1.5. Each number is the best of several
interleaved repeats (numeru and NumPy alternate, so a busy machine slows both alike).

Thread counts: NumPy's generators are single-threaded by design; numeru runs its Numba kernels on
``nm.get_num_threads()`` threads. The table shows numeru with 1 thread (like for like) and with
the configured count (``BENCH_THREADS``, default: the current setting).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import numpy as np

import numeru.core as nm

N = 10_000_000
THREADS = int(os.environ.get("BENCH_THREADS", str(nm.get_num_threads())))


def best_of(fns: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Best seconds per call of each function, timing them in alternation."""
    best = dict.fromkeys(fns, float("inf"))
    for fn in fns.values():
        fn()  # warm up (Numba compilation or cache load)
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def main() -> None:
    ours = nm.random.Generator(0)
    ref = np.random.Generator(np.random.Philox(0))
    cases = {
        "uniform float64": (lambda: ours.uniform(0.0, 1.0, N), lambda: ref.uniform(0.0, 1.0, N)),
        "normal float64": (lambda: ours.normal(0.0, 1.0, N), lambda: ref.normal(0.0, 1.0, N)),
        "random float32": (lambda: ours.random(N, dtype=np.float32),
                           lambda: ref.random(N, dtype=np.float32)),
        "normal float32": (lambda: ours.normal(0.0, 1.0, N, dtype=np.float32),
                           lambda: ref.standard_normal(N, dtype=np.float32)),
        "integers [0, 1000)": (lambda: ours.integers(0, 1000, N),
                               lambda: ref.integers(0, 1000, N)),
    }
    header = ["case (1e7 values)", "numeru threads", "numeru ms", "numpy Philox ms",
              "ratio (numeru/anchor)"]
    rows = []
    for name, (mine, anchor) in cases.items():
        for threads in sorted({1, THREADS}):
            with nm.threads(threads):
                t = best_of({"numeru": mine, "numpy": anchor}, repeats=7)
            rows.append([name, str(threads), f"{t['numeru'] * 1e3:.1f}",
                         f"{t['numpy'] * 1e3:.1f}", f"{t['numeru'] / t['numpy']:.2f}"])
    print("### RNG throughput: numeru Philox4x32-10 vs NumPy Generator(Philox) (Philox4x64-10)")
    print()
    print(f"numpy {np.__version__}, {os.cpu_count()} CPUs visible; NumPy is single-threaded.")
    print()
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
