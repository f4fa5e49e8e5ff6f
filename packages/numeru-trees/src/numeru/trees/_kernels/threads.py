"""Thread count per kernel call: parallel only when the call has enough work.

Entering a parallel region costs a barrier; on a busy machine a worker that is not scheduled
makes it cost milliseconds, far more than small kernels take. Calls below
``PARALLEL_MIN_WORK`` inner iterations therefore run on the calling thread. Results never
depend on this choice: every kernel reduces in a fixed order.
"""

from __future__ import annotations

import numba

from numeru.core import parallel

PARALLEL_MIN_WORK = 1 << 18


def use_threads_for(work: int) -> int:
    """Set Numba's (thread-local) thread count for the next kernel call; returns the previous
    count, for entry points that must leave the setting as they found it."""
    previous = numba.get_num_threads()
    wanted = parallel.get_num_threads() if work >= PARALLEL_MIN_WORK else 1
    pool = numba.config.NUMBA_NUM_THREADS  # type: ignore[attr-defined]  # set at run time
    numba.set_num_threads(max(1, min(wanted, pool)))
    return previous


def restore_threads(previous: int) -> None:
    numba.set_num_threads(previous)
