"""Shared timing for the numeru-linalg benchmarks: best of interleaved repeats."""

from __future__ import annotations

import platform
import time
from collections.abc import Callable
from typing import Any

THREADS = 2


def best_of(
    fn: Callable[[], Any],
    anchor: Callable[[], Any],
    repeats: int,
    clock: Callable[[], float] = time.perf_counter,
) -> tuple[float, float]:
    """(best numeru seconds, best anchor seconds), alternating the two so that load changes on
    a shared machine hit both alike. One untimed warm-up call each (JIT compilation)."""
    fn()
    anchor()
    ours, theirs = [], []
    for _ in range(repeats):
        start = clock()
        fn()
        ours.append(clock() - start)
        start = clock()
        anchor()
        theirs.append(clock() - start)
    return min(ours), min(theirs)


def header(title: str, anchor: str) -> str:
    import numpy as np
    import scipy

    return (
        f"### {title}\n\n{platform.processor() or platform.machine()}, {THREADS} threads, "
        f"NumPy {np.__version__}, SciPy {scipy.__version__}\n\n"
        f"| case | numeru (ms) | {anchor} (ms) | ratio (numeru/anchor) | goal |\n"
        "|---|---:|---:|---:|---:|"
    )


def row(case: str, ours: float, theirs: float, goal: float) -> str:
    ratio = ours / theirs
    mark = "" if ratio <= goal else " (missed)"
    return f"| {case} | {ours * 1e3:.2f} | {theirs * 1e3:.2f} | {ratio:.2f}{mark} | <= {goal} |"
