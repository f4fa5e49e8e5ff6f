"""GPU benchmarks of numeru's cuda backend, each beside its anchor measured in the same run.

  matmul 8192 x 8192 float32              numeru vs CuPy          goal: ratio <= 1.05
  elementwise add, 1e8 float32            numeru vs CuPy          goal: ratio <= 1.05
  MLP 784-512-512-10, batch 1024, float32,
  forward + backward + Adam step          numeru.dl vs PyTorch    goal: ratio <= 1.5

Times are the best of several runs of a few calls each, the device synchronized around every
measurement. Without a usable GPU the script says why and exits with status 0.
Run: ``python packages/numeru-cuda/benchmarks/bench_cuda.py`` (or ``nox -s bench -- numeru-cuda``).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import numeru.core as nm


def gpu_time(fn: Callable[[], object], synchronize: Callable[[], None], repeats: int = 7,
             number: int = 3) -> float:
    """Best seconds per call of ``fn``, with the GPU idle before and after each measurement."""
    fn()
    synchronize()
    best = float("inf")
    for _ in range(repeats):
        synchronize()
        start = time.perf_counter()
        for _ in range(number):
            fn()
        synchronize()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def _show(seconds: float) -> str:
    return f"{seconds * 1e3:.3f} ms" if seconds >= 1e-3 else f"{seconds * 1e6:.1f} us"


def _pair(name: str, anchor: str, ours: Callable[[], object], theirs: Callable[[], object],
          sync: Callable[[], None]) -> tuple[str, str, float, float]:
    return name, anchor, gpu_time(ours, sync), gpu_time(theirs, sync)


def matmul(cupy: Any, sync: Callable[[], None]) -> tuple[str, str, float, float]:
    rng = np.random.default_rng(0)
    a_host = rng.standard_normal((8192, 8192), dtype=np.float32)
    b_host = rng.standard_normal((8192, 8192), dtype=np.float32)
    a, b = nm.asarray(a_host, device="cuda"), nm.asarray(b_host, device="cuda")
    ca, cb = cupy.asarray(a_host), cupy.asarray(b_host)
    return _pair("matmul 8192^2 float32", "CuPy", lambda: a @ b, lambda: ca @ cb, sync)


def elementwise(cupy: Any, sync: Callable[[], None]) -> tuple[str, str, float, float]:
    x_host = np.random.default_rng(1).standard_normal(100_000_000, dtype=np.float32)
    y_host = x_host[::-1].copy()
    x, y = nm.asarray(x_host, device="cuda"), nm.asarray(y_host, device="cuda")
    cx, cy = cupy.asarray(x_host), cupy.asarray(y_host)
    return _pair("elementwise add 1e8 float32", "CuPy", lambda: x + y, lambda: cx + cy, sync)


def mlp_step(sync: Callable[[], None]) -> list[tuple[str, str, float, float]]:
    try:
        import torch
    except ImportError:
        print("MLP train step: skipped, PyTorch is not installed (it is the anchor)")
        return []
    if not torch.cuda.is_available():
        print("MLP train step: skipped, this PyTorch build has no CUDA")
        return []
    from numeru.dl import nn
    from numeru.dl.nn import functional as F
    from numeru.dl.training import make_optimizer

    ours = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
                         nn.Linear(512, 10))
    theirs = torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.ReLU(),
                                 torch.nn.Linear(512, 512), torch.nn.ReLU(),
                                 torch.nn.Linear(512, 10))
    with torch.no_grad():  # the same initial weights on both sides
        for (_, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters(),
                                  strict=True):
            q.copy_(torch.tensor(p.numpy()))
    ours.to("cuda")
    theirs.to("cuda")
    rng = np.random.default_rng(1)
    x_host = rng.standard_normal((1024, 784), dtype=np.float32)
    y_host = rng.integers(0, 10, 1024)
    xn, yn = nm.asarray(x_host, device="cuda"), nm.asarray(y_host, device="cuda")
    xt, yt = torch.tensor(x_host, device="cuda"), torch.tensor(y_host, device="cuda")
    opt = make_optimizer("adam", ours.parameters(), lr=1e-3)
    topt = torch.optim.Adam(theirs.parameters(), lr=1e-3)

    def step_numeru() -> None:
        opt.zero_grad()
        F.cross_entropy(ours(xn), yn).backward()
        opt.step()

    def step_torch() -> None:
        topt.zero_grad()
        torch.nn.functional.cross_entropy(theirs(xt), yt).backward()
        topt.step()

    def sync_both() -> None:
        sync()
        torch.cuda.synchronize()

    return [("MLP 784-512-512-10 b1024 train step", "PyTorch CUDA",
             gpu_time(step_numeru, sync_both, repeats=10, number=5),
             gpu_time(step_torch, sync_both, repeats=10, number=5))]


def main() -> int:
    reason = nm.registry("backends").get("cuda").unavailable_reason()
    if reason is not None:
        print(f"numeru-cuda benchmarks: no usable GPU, nothing measured ({reason})")
        return 0
    import cupy

    def sync() -> None:
        cupy.cuda.get_current_stream().synchronize()

    props = cupy.cuda.runtime.getDeviceProperties(0)
    name = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
    rows = [matmul(cupy, sync), elementwise(cupy, sync), *mlp_step(sync)]
    print(f"### numeru-cuda on {name} (CuPy {cupy.__version__})\n")
    print("| case | numeru | anchor | anchor time | ratio (numeru/anchor) |")
    print("|---|---|---|---|---|")
    for case, anchor, ours, theirs in rows:
        print(f"| {case} | {_show(ours)} | {anchor} | {_show(theirs)} | {ours / theirs:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
