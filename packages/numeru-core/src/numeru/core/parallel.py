"""One thread setting for everything numeru runs in parallel.

``set_num_threads(n)`` drives Numba's worker threads, the BLAS/OpenMP pools (through
threadpoolctl) and the shared task pool behind ``parallel_map``. Results never depend on the
number of threads: ``parallel_map`` returns results in input order, and packages that reduce
across tasks do so in a fixed order.

The setting is process-wide (as threadpoolctl's and the BLAS libraries' are): ``with
nm.threads(n):`` is meant for the main thread, not for concurrent threads that want different
counts. It starts at ``NUMERU_NUM_THREADS`` when set, else the CPUs this process may run on.
"""

from __future__ import annotations

import contextlib
import operator
import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any, TypeVar

from .errors import expected

T = TypeVar("T")
R = TypeVar("R")

_lock = threading.RLock()
_pool: ThreadPoolExecutor | None = None
_pool_size = 0
_blas_limiter: Any = None
_blas_applied: int | None = None  # the count the BLAS pools were last limited to


def _initial() -> int:
    text = os.environ.get("NUMERU_NUM_THREADS")
    if text:
        try:
            value = int(text)
        except ValueError:
            raise expected("NUMERU_NUM_THREADS", "a positive integer", text) from None
        if value >= 1:
            return value
        raise expected("NUMERU_NUM_THREADS", "a positive integer", text)
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else (os.cpu_count() or 1))


_PREFIX = "numeru-pool"
_num_threads = _initial()


def get_num_threads() -> int:
    """The number of threads numeru uses (Numba, BLAS/OpenMP and the task pool)."""
    return _num_threads


def set_num_threads(n: int) -> None:
    """Use ``n`` threads for Numba kernels, BLAS/OpenMP and ``parallel_map``."""
    global _num_threads
    try:
        valid = not isinstance(n, bool) and operator.index(n) >= 1
    except TypeError:
        valid = False
    if not valid:
        raise expected("n", "a positive integer number of threads", n)
    n = operator.index(n)
    with _lock:
        _num_threads = n
        _apply_numba()
        if _blas_applied != n:
            _apply_blas()


def _in_pool_worker() -> bool:
    return threading.current_thread().name.startswith(_PREFIX)


def _apply_numba() -> int:
    """Tell Numba (only if some module already imported it: importing it costs ~0.3 s).

    Numba's thread count is per calling thread, so this runs in the thread that is about to
    launch a kernel (see ``numba_threads``). Inside a task of the shared pool it is 1: the pool
    already keeps every thread busy, and N tasks each starting N Numba threads would
    oversubscribe the cores N times. Numba cannot go above ``NUMBA_NUM_THREADS`` (its pool size,
    fixed when it starts: the number of CPUs unless that variable says otherwise).
    """
    wanted = 1 if _in_pool_worker() else _num_threads
    numba = sys.modules.get("numba")
    if numba is None:
        return wanted
    applied = min(wanted, numba.config.NUMBA_NUM_THREADS)
    if numba.get_num_threads() != applied:
        numba.set_num_threads(applied)
    return applied


def _apply_blas() -> None:
    """Limit the BLAS/OpenMP pools. threadpoolctl scans the process's loaded libraries on
    every call (about a millisecond), so ``set_num_threads`` calls this only when the count
    changes: ``with nm.threads(n)`` around every predict would otherwise cost more than a
    small prediction. A library loaded later is limited at the next change of the count."""
    global _blas_limiter, _blas_applied
    from threadpoolctl import threadpool_limits

    _blas_limiter = threadpool_limits(limits=_num_threads)
    _blas_applied = _num_threads


def numba_threads() -> int:
    """Call right before running a Numba ``parallel=True`` kernel; returns the thread count
    the kernel will use (the setting; 1 inside a ``parallel_map`` task)."""
    import numba  # noqa: F401 - the caller is about to run a kernel: Numba is needed anyway

    return _apply_numba()


@contextlib.contextmanager
def threads(n: int) -> Iterator[None]:
    """``with nm.threads(n):`` use ``n`` threads inside the block, then restore the setting."""
    previous = get_num_threads()
    set_num_threads(n)
    try:
        yield
    finally:
        set_num_threads(previous)


def _executor() -> ThreadPoolExecutor:
    """The shared pool, resized when the setting changed (running tasks finish in the old one)."""
    global _pool, _pool_size
    with _lock:
        if _pool is None or _pool_size != _num_threads:
            if _pool is not None:
                _pool.shutdown(wait=False)
            _pool = ThreadPoolExecutor(max_workers=_num_threads, thread_name_prefix=_PREFIX)
            _pool_size = _num_threads
        return _pool


def parallel_map(fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """``[fn(item) for item in items]`` on the shared task pool, results in input order.

    With one thread, or one item, it runs inline. An exception in any task is raised here
    (the first in input order) after the other tasks finish.
    """
    work = list(items)
    if _num_threads == 1 or len(work) <= 1 or _in_pool_worker():
        # Inline too when called from a pool thread: nested waits could exhaust the pool.
        return [fn(item) for item in work]
    pool = _executor()
    futures = [pool.submit(fn, item) for item in work]
    wait(futures)
    return [f.result() for f in futures]


def submit(fn: Callable[..., R], *args: Any) -> Any:
    """Run ``fn(*args)`` on the shared task pool; returns a ``concurrent.futures.Future``."""
    return _executor().submit(fn, *args)


if os.environ.get("NUMERU_NUM_THREADS"):
    # An explicit request limits the BLAS/OpenMP pools from the start (threadpoolctl costs a few
    # milliseconds, paid only when the variable is set; Numba is told before each kernel).
    _apply_blas()
