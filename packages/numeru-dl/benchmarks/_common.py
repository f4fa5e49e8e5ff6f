"""Timing helpers shared by the benchmark scripts (not a benchmark itself)."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import Any


def compare(ours: Callable[[], object], theirs: Callable[[], object], repeats: int = 15,
            number: int = 3) -> tuple[float, float]:
    """Best per-call times of two functions measured in alternation, so that load from other
    processes on a shared machine hits both sides alike. ``--cpu-time`` on the command line
    measures process CPU time instead of wall time (robust on a loaded machine; meaningful
    with ``--threads 1``, where no thread spins)."""
    clock = time.process_time if "--cpu-time" in sys.argv else time.perf_counter
    ours()
    theirs()
    best = [float("inf"), float("inf")]
    for _ in range(repeats):
        for side, fn in enumerate((ours, theirs)):
            start = clock()
            for _ in range(number):
                fn()
            best[side] = min(best[side], (clock() - start) / number)
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


def threads_from_argv(default: int = 2) -> int:
    """``--threads N`` on the command line (both libraries use N threads)."""
    args = sys.argv[1:]
    if "--threads" in args:
        return int(args[args.index("--threads") + 1])
    return default


def report(title: str, measure: Callable[[], list[tuple[str, float, float]]],
           note: str = "") -> None:
    """Set the thread count on both sides, then print the table twice: with the default
    allocator, then after ``numeru.dl.keep_freed_memory()`` (which applies to both libraries
    in this process)."""
    import torch

    import numeru.core as nm
    import numeru.dl

    n = threads_from_argv()
    nm.set_num_threads(n)
    torch.set_num_threads(n)
    title = title.replace("2 threads", f"{n} thread{'s' if n > 1 else ''}")
    if "--cpu-time" in sys.argv:
        title += ", process CPU time"
    print(table(title, measure(), note))
    print()
    if numeru.dl.keep_freed_memory():
        print(table(title + ", after numeru.dl.keep_freed_memory()", measure(), note))


def compare_training(ours: Any, theirs: Any, x: Any, y: Any) -> list[tuple[str, float, float]]:
    """Time inference, forward+backward and forward+backward+Adam of a numeru.dl module beside
    a torch module holding the same weights, on the same batch (``x`` float32, ``y`` labels)."""
    import torch

    import numeru.core as nm
    import numeru.dl as dl
    from numeru.dl import nn
    from numeru.dl.training import make_optimizer

    with torch.no_grad():
        for (_, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters(),
                                  strict=True):
            q.copy_(torch.tensor(p.numpy()))
    xn, yn, xt, yt = nm.asarray(x), nm.asarray(y), torch.tensor(x), torch.tensor(y)
    opt = make_optimizer("adam", ours.parameters(), lr=1e-3)
    topt = torch.optim.Adam(theirs.parameters(), lr=1e-3)

    def infer_numeru() -> None:
        with dl.no_grad():
            ours(xn)

    def infer_torch() -> None:
        with torch.no_grad():
            theirs(xt)

    def fb_numeru() -> None:
        ours.zero_grad()
        nn.functional.cross_entropy(ours(xn), yn).backward()

    def fb_torch() -> None:
        theirs.zero_grad()
        torch.nn.functional.cross_entropy(theirs(xt), yt).backward()

    def step_numeru() -> None:
        fb_numeru()
        opt.step()

    def step_torch() -> None:
        fb_torch()
        topt.step()

    return [("forward (inference)", *compare(infer_numeru, infer_torch)),
            ("forward + backward", *compare(fb_numeru, fb_torch)),
            ("forward + backward + Adam", *compare(step_numeru, step_torch))]
