"""Timing helpers shared by the benchmark scripts (not a benchmark itself)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable


def compare(ours: Callable[[], object], theirs: Callable[[], object], repeats: int = 15,
            number: int = 3) -> tuple[float, float]:
    """Best per-call times of two functions measured in alternation, so that load from other
    processes on a shared machine hits both sides alike."""
    ours()
    theirs()
    best = [float("inf"), float("inf")]
    for _ in range(repeats):
        for side, fn in enumerate((ours, theirs)):
            start = time.perf_counter()
            for _ in range(number):
                fn()
            best[side] = min(best[side], (time.perf_counter() - start) / number)
    return best[0], best[1]


def _show(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.2f} us"
    return f"{seconds * 1e3:.3f} ms"


def table(title: str, rows: list[tuple[str, float, float]], note: str = "") -> str:
    lines = [f"### {title}", ""]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    note = (note + " " if note else "") + f"Load average when the table was printed: {load:.1f}."
    lines += [note, ""]
    lines += ["| case | numeru | torch | ratio (numeru/anchor) |", "|---|---|---|---|"]
    for name, ours, theirs in rows:
        lines.append(f"| {name} | {_show(ours)} | {_show(theirs)} | {ours / theirs:.2f} |")
    return "\n".join(lines)


def report(title: str, measure: Callable[[], list[tuple[str, float, float]]],
           note: str = "") -> None:
    """Print the table twice: with the default allocator, then after
    ``numeru.dl.keep_freed_memory()`` (which applies to both libraries in this process)."""
    import numeru.dl

    print(table(title, measure(), note))
    print()
    if numeru.dl.keep_freed_memory():
        print(table(title + ", after numeru.dl.keep_freed_memory()", measure(), note))
