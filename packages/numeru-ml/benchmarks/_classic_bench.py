"""Shared timing helpers for the classical-model benchmarks (best of several repeats)."""

from __future__ import annotations

import time


def best_of(fn, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def table(title: str, rows: list[tuple[str, float, float]], threads: int, note: str = "") -> str:
    lines = [f"### {title} ({threads} threads{'; ' + note if note else ''})", "",
             "| case | numeru (s) | scikit-learn (s) | ratio (numeru/anchor) |",
             "|---|---:|---:|---:|"]
    for name, ours, ref in rows:
        lines.append(f"| {name} | {ours:.4f} | {ref:.4f} | {ours / ref:.2f} |")
    return "\n".join(lines)
