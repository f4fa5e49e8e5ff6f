"""Shared by the tests that compile numeru-cuda's ``.cu`` sources as plain C."""

from __future__ import annotations

import ctypes
import shutil
import subprocess
import threading

import pytest

#: CUDA's launch geometry for a C build (``GridLibrary`` runs it): ``threadIdx`` is per OS
#: thread, ``__syncthreads`` a barrier of the block's threads, and function statics stand in
#: for ``__shared__`` memory, one block at a time.
GRID_SHIM = r"""
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <string.h>
#include <pthread.h>
#define NM_EXTERN_C
#define __device__ static
#define __global__
#define __shared__ static
struct nm_dim3 { unsigned int x, y, z; };
static __thread struct nm_dim3 threadIdx;
static struct nm_dim3 blockIdx, blockDim, gridDim;
static pthread_barrier_t nm_barrier;
static int nm_barrier_ready = 0;
#define __syncthreads() ((void)pthread_barrier_wait(&nm_barrier))

void nm_grid_block(unsigned int block, unsigned int threads, unsigned int grid)
{
    if (nm_barrier_ready) pthread_barrier_destroy(&nm_barrier);
    pthread_barrier_init(&nm_barrier, NULL, threads);
    nm_barrier_ready = 1;
    blockIdx.x = block; blockIdx.y = blockIdx.z = 0;
    blockDim.x = threads; blockDim.y = blockDim.z = 1;
    gridDim.x = grid; gridDim.y = gridDim.z = 1;
}

void nm_grid_thread(unsigned int thread)
{
    threadIdx.x = thread; threadIdx.y = threadIdx.z = 0;
}
"""


class GridLibrary:
    """A C build of a kernel source (after ``GRID_SHIM``) run with a CUDA launch geometry: the
    blocks of the grid one after another, the threads of each block as OS threads that meet at
    every ``__syncthreads`` (ctypes releases the GIL during a call, so they run at once)."""

    def __init__(self, library: ctypes.CDLL):
        self.library = library
        library.nm_grid_block.argtypes = [ctypes.c_uint] * 3
        library.nm_grid_thread.argtypes = [ctypes.c_uint]

    def __getattr__(self, name: str):
        return getattr(self.library, name)

    def run(self, name: str, grid: int, threads: int, args: list) -> None:
        for block in range(grid):
            self._block(name, block, grid, threads, args)

    def _block(self, name: str, block: int, grid: int, threads: int, args: list) -> None:
        kernel = getattr(self.library, name)
        self.library.nm_grid_block(block, threads, grid)
        failures: list[BaseException] = []

        def thread(index: int) -> None:
            try:
                self.library.nm_grid_thread(index)
                kernel(*args)
            except BaseException as exc:  # reported below, in the test's thread
                failures.append(exc)

        workers = [threading.Thread(target=thread, args=(i,), daemon=True)
                   for i in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
        assert not any(w.is_alive() for w in workers), (
            f"{name}: block {block} of {grid} never finished: a __syncthreads that not every "
            f"one of its {threads} threads reaches")
        assert not failures, failures


@pytest.fixture(scope="module")
def build_c(tmp_path_factory):
    """``build_c(name, text) -> ctypes.CDLL``: ``text`` (a shim followed by a kernel source)
    compiled as C99 into a shared library, with fused multiply-add and fast math off, as NVRTC
    compiles the same source with ``--fmad=false``. Skips where no C compiler exists."""
    compiler = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if compiler is None:
        pytest.skip("no C compiler (cc, gcc or clang) on this machine")

    def build(name: str, text: str) -> ctypes.CDLL:
        folder = tmp_path_factory.mktemp(name)
        c_file, so_file = folder / f"{name}.c", folder / f"{name}.so"
        c_file.write_text(text, encoding="utf-8")
        command = [compiler, "-std=c99", "-O2", "-ffp-contract=off", "-fno-fast-math", "-Wall",
                   "-Werror", "-Wno-unused-function", "-shared", "-fPIC", "-pthread",
                   str(c_file), "-o", str(so_file), "-lm"]
        result = subprocess.run(command, capture_output=True, text=True)
        assert result.returncode == 0, f"{' '.join(command)}\n{result.stderr}"
        return ctypes.CDLL(str(so_file))

    return build


@pytest.fixture(scope="module")
def build_grid_c(build_c):
    """``build_grid_c(name, text) -> GridLibrary``: ``GRID_SHIM`` followed by ``text``."""

    def build(name: str, text: str) -> GridLibrary:
        return GridLibrary(build_c(name, GRID_SHIM + text))

    return build
