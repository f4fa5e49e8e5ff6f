"""numeru.core Tensor ops against NumPy (and PyTorch CPU), measured in the same run.

    python packages/numeru-core/benchmarks/bench_core_ops.py

Three tables: large elementwise ops and reductions (1e6 float64, goal ratio <= 1.05), per-op
overhead on 1-element tensors (goal: at or below PyTorch), and the Numba kernels against the
NumPy functions they replace. Times are the best of several interleaved repeats and the ratio
column divides them; a second column gives the median of the per-repeat ratios (numeru and its
anchor alternate, so a busy machine slows both alike within a repeat), as a check on noise;
the small-op table also gives the ratio of the best process CPU times, which leave out the time
spent waiting for a core. All libraries use the same thread count.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable

import numpy as np

import numeru.core as nm

THREADS = int(os.environ.get("BENCH_THREADS", "1"))


def best_of(fns: dict[str, Callable[[], object]], number: int, repeats: int) -> dict[str, float]:
    """Seconds per call of each function: the best of ``repeats`` timings taken in alternation.

    Also ``ratio:<name>``: the median over repeats of (the first function's time / ``name``'s
    time in the same repeat), i.e. numeru/anchor. On a shared machine load comes and goes; a
    ratio taken within one repeat sees the same load on both sides, a check on the ratio of
    the best times. And ``cpu:<name>``: the best process CPU time per call, which excludes the
    time the process waits for a core (the larger part of the noise on a shared machine).
    """
    names = list(fns)
    best = dict.fromkeys(names, float("inf"))
    best_cpu = dict.fromkeys(names, float("inf"))
    ratios: dict[str, list[float]] = {name: [] for name in names[1:]}
    for fn in fns.values():
        fn()  # warm up (compilation, caches)
    for repeat in range(repeats):
        order = names if repeat % 2 == 0 else names[::-1]  # neither side always goes first
        took = {}
        for name in order:
            fn = fns[name]
            cpu_start = time.process_time()
            start = time.perf_counter()
            for _ in range(number):
                fn()
            took[name] = (time.perf_counter() - start) / number
            best_cpu[name] = min(best_cpu[name], (time.process_time() - cpu_start) / number)
            best[name] = min(best[name], took[name])
        for name in names[1:]:
            ratios[name].append(took[names[0]] / took[name])
    result: dict[str, float] = dict(best)
    for name, values in ratios.items():
        result[f"ratio:{name}"] = statistics.median(values)
    for name, value in best_cpu.items():
        result[f"cpu:{name}"] = value
    return result


def table(title: str, header: list[str], rows: list[list[str]]) -> str:
    lines = [f"### {title}", "", "| " + " | ".join(header) + " |",
             "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def large_ops() -> str:
    rng = np.random.default_rng(0)
    x, y = rng.random(1_000_000), rng.random(1_000_000)
    a, b = nm.asarray(x), nm.asarray(y)
    cases = {
        "add": (lambda: a + b, lambda: x + y),
        "multiply": (lambda: a * b, lambda: x * y),
        "exp": (lambda: nm.exp(a), lambda: np.exp(x)),
        "sum": (lambda: nm.sum(a), lambda: np.sum(x)),
    }
    rows = []
    for name, (mine, anchor) in cases.items():
        t = best_of({"numeru": mine, "numpy": anchor}, number=20, repeats=40)
        rows.append([name, f"{t['numeru'] * 1e6:.1f}", f"{t['numpy'] * 1e6:.1f}",
                     f"{t['numeru'] / t['numpy']:.3f}", f"{t['ratio:numpy']:.3f}"])
    return table("1e6 float64 through Tensor vs NumPy (goal <= 1.05)",
                 ["op", "numeru (us)", "numpy (us)", "ratio (numeru/anchor)",
                  "median per-repeat ratio"], rows)


def small_ops() -> str:
    try:
        import torch
    except ImportError:  # pragma: no cover - the table says so
        torch = None
    x, y, z = np.array([1.5]), np.array([2.5]), np.empty(1)
    a, b, c = nm.asarray(x), nm.asarray(y), nm.empty(1)
    if torch is not None:
        torch.set_num_threads(THREADS)
        p, q = torch.tensor([1.5], dtype=torch.float64), torch.tensor([2.5], dtype=torch.float64)
        r = torch.empty(1, dtype=torch.float64)
    cases = {
        "a + b": (lambda: a + b, lambda: x + y, (lambda: p + q) if torch else None),
        "a * 2.0": (lambda: a * 2.0, lambda: x * 2.0, (lambda: p * 2.0) if torch else None),
        "exp(a)": (lambda: nm.exp(a), lambda: np.exp(x), (lambda: torch.exp(p)) if torch else None),
        "sum(a)": (lambda: nm.sum(a), lambda: np.sum(x), (lambda: torch.sum(p)) if torch else None),
        "a.sum()": (lambda: a.sum(), lambda: x.sum(), (lambda: p.sum()) if torch else None),
        "a[0]": (lambda: a[0], lambda: x[0, ...], (lambda: p[0]) if torch else None),
        "a.add_(b)": (lambda: a.add_(b), lambda: np.add(x, y, out=x),
                      (lambda: p.add_(q)) if torch else None),
        "add(a, b, out=c)": (lambda: nm.add(a, b, out=c), lambda: np.add(x, y, out=z),
                             (lambda: torch.add(p, q, out=r)) if torch else None),
    }
    rows = []
    for name, (mine, anchor, theirs) in cases.items():
        fns = {"numeru": mine, "numpy": anchor}
        if theirs is not None:
            fns["torch"] = theirs
        t = best_of(fns, number=10_000, repeats=15)
        torch_us = f"{t['torch'] * 1e6:.2f}" if "torch" in t else "n/a"
        torch_ratio = f"{t['numeru'] / t['torch']:.2f}" if "torch" in t else "n/a"
        torch_median = f"{t['ratio:torch']:.2f}" if "torch" in t else "n/a"
        torch_cpu = f"{t['cpu:numeru'] / t['cpu:torch']:.2f}" if "torch" in t else "n/a"
        rows.append([name, f"{t['numeru'] * 1e6:.2f}", f"{t['numpy'] * 1e6:.2f}", torch_us,
                     f"{t['numeru'] / t['numpy']:.2f}", torch_ratio, torch_median, torch_cpu])
    return table("Per-op overhead on 1-element float64 tensors (goal: at or below PyTorch)",
                 ["op", "numeru (us)", "numpy (us)", "torch (us)",
                  "ratio (numeru/numpy)", "ratio (numeru/anchor=torch)",
                  "median per-repeat ratio vs torch", "CPU-time ratio vs torch"], rows)


def numba_kernels() -> str:
    rng = np.random.default_rng(1)
    flat = rng.random(1_000_000)
    rows2d = rng.random((1_000, 1_000))
    ints = rng.integers(-100, 10_000, size=1_000_000)
    tf, tr, ti = nm.asarray(flat), nm.asarray(rows2d), nm.asarray(ints)
    cases = {
        "var, 1e6 float64, all": (lambda: nm.var(tf), lambda: np.var(flat)),
        "std, 1000x1000, axis=-1": (lambda: nm.std(tr, axis=-1), lambda: np.std(rows2d, axis=-1)),
        "unique_counts, 1e6 int64 in [-100, 1e4)": (lambda: nm.unique_counts(ti),
                                                    lambda: np.unique_counts(ints)),
        "unique_inverse, same": (lambda: nm.unique_inverse(ti), lambda: np.unique_inverse(ints)),
    }
    rows = []
    for name, (mine, anchor) in cases.items():
        t = best_of({"numeru": mine, "numpy": anchor}, number=3, repeats=7)
        rows.append([name, f"{t['numeru'] * 1e3:.2f}", f"{t['numpy'] * 1e3:.2f}",
                     f"{t['numeru'] / t['numpy']:.3f}"])
    return table("Numba kernels vs the NumPy functions they replace",
                 ["op", "numeru (ms)", "numpy (ms)", "ratio (numeru/anchor)"], rows)


def main() -> None:
    nm.set_num_threads(THREADS)
    import platform

    print(f"numeru-core ops benchmark: numpy {np.__version__}, {THREADS} thread(s), "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs\n")
    print(large_ops())
    print(small_ops())
    print(numba_kernels())


if __name__ == "__main__":
    main()
