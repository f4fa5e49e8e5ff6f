"""One thread setting: get/set, ``threads``, ``parallel_map`` order, Numba and threadpoolctl."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import numba
import numpy as np
import pytest
from threadpoolctl import threadpool_info

import numeru.core as nm
from numeru.core import parallel
from numeru.core.errors import ValidationError


@pytest.fixture(autouse=True)
def _restore_setting():
    before = nm.get_num_threads()
    yield
    nm.set_num_threads(before)


def _blas_limits() -> set[int]:
    return {p["num_threads"] for p in threadpool_info() if p["user_api"] in ("blas", "openmp")}


@pytest.mark.parametrize("n", [1, 2])
def test_set_num_threads_drives_numba_and_threadpoolctl(n):
    nm.set_num_threads(n)
    assert nm.get_num_threads() == n
    assert numba.get_num_threads() == n
    assert parallel.numba_threads() == n
    limits = _blas_limits()
    assert limits == {n}, threadpool_info()


def test_threads_context_sets_and_restores():
    nm.set_num_threads(2)
    with nm.threads(1):
        assert nm.get_num_threads() == 1
        assert numba.get_num_threads() == 1
        assert _blas_limits() == {1}
    assert nm.get_num_threads() == 2 and numba.get_num_threads() == 2
    with pytest.raises(RuntimeError), nm.threads(1):
        raise RuntimeError("boom")
    assert nm.get_num_threads() == 2


def test_numba_setting_reaches_other_threads_through_numba_threads():
    # Numba's count is per thread; numba_threads() applies the setting in the calling thread.
    nm.set_num_threads(1)
    seen = []

    def worker():
        seen.append(parallel.numba_threads())
        seen.append(numba.get_num_threads())

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert seen == [1, 1]


@pytest.mark.parametrize("n", [1, 2])
def test_parallel_map_returns_results_in_input_order(n):
    nm.set_num_threads(n)

    def slow_square(i):
        time.sleep(0.002 * ((7 * i) % 5))  # later items often finish first
        return i * i

    items = list(range(40))
    assert nm.parallel_map(slow_square, items) == [i * i for i in items]
    assert nm.parallel_map(slow_square, iter(items)) == [i * i for i in items]
    assert nm.parallel_map(slow_square, []) == []


def test_parallel_map_uses_the_pool_and_same_results_for_1_and_2_threads():
    def task(seed):
        # a task doing numerical work with its own generator: same result whatever the pool
        g = nm.random.Generator(seed)
        return float(np.sum(g.normal(size=1000).numpy()))

    results = {}
    names: set[str] = set()

    def tracked(seed):
        names.add(threading.current_thread().name)
        return task(seed)

    for n in (1, 2):
        nm.set_num_threads(n)
        names.clear()
        results[n] = nm.parallel_map(tracked, range(8))
        if n == 2:
            assert any(name.startswith("numeru-pool") for name in names)
        else:
            assert names == {threading.current_thread().name}
    assert results[1] == results[2]
    reference = [float(np.sum(nm.random.Generator(s).normal(size=1000).numpy())) for s in range(8)]
    assert results[1] == reference


def test_parallel_map_nested_and_in_pool_numba_is_single_threaded():
    nm.set_num_threads(2)

    def inner(i):
        return (i, parallel.numba_threads())

    def outer(i):
        return nm.parallel_map(inner, [i, i + 100])

    out = nm.parallel_map(outer, range(4))
    assert [[a for a, _ in pair] for pair in out] == [[i, i + 100] for i in range(4)]
    assert {t for pair in out for _, t in pair} == {1}  # no N x N oversubscription


def test_parallel_map_raises_the_first_error_in_input_order():
    nm.set_num_threads(2)
    done = []

    def task(i):
        if i in (3, 6):
            raise ValueError(f"item {i}")
        done.append(i)
        return i

    with pytest.raises(ValueError, match="item 3"):
        nm.parallel_map(task, range(10))
    assert sorted(done) == [0, 1, 2, 4, 5, 7, 8, 9]  # the other tasks finished


def test_submit_runs_on_the_pool():
    nm.set_num_threads(2)
    assert parallel.submit(lambda a, b: a + b, 2, 3).result() == 5


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2", True, None])
def test_set_num_threads_rejects_bad_values(bad):
    with pytest.raises(ValidationError, match="n: expected a positive integer"):
        nm.set_num_threads(bad)


def test_set_num_threads_accepts_numpy_integers():
    nm.set_num_threads(np.int64(1))
    assert nm.get_num_threads() == 1 and type(nm.get_num_threads()) is int


def test_environment_variable_sets_the_start_value():
    code = ("import numeru.core as nm; from threadpoolctl import threadpool_info; "
            "print(nm.get_num_threads(), sorted({p['num_threads'] for p in threadpool_info() "
            "if p['user_api'] == 'blas'}))")
    env = {"NUMERU_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout.split(maxsplit=1)
    assert out[0] == "1" and out[1].strip() == "[1]"
    bad = subprocess.run([sys.executable, "-c", "import numeru.core"], capture_output=True,
                         text=True, env={**env, "NUMERU_NUM_THREADS": "zero"})
    assert bad.returncode != 0 and "NUMERU_NUM_THREADS: expected a positive integer" in bad.stderr


def test_unchanged_thread_count_does_not_rescan_blas_libraries(monkeypatch):
    import threadpoolctl

    calls = []
    real = threadpoolctl.threadpool_limits
    monkeypatch.setattr(threadpoolctl, "threadpool_limits",
                        lambda **kw: calls.append(kw["limits"]) or real(**kw))
    previous = nm.get_num_threads()
    try:
        nm.set_num_threads(1)
        nm.set_num_threads(2)
        with nm.threads(2):  # unchanged: no scan of the loaded libraries
            pass
        nm.set_num_threads(2)
        assert calls[-1:] == [2] and calls.count(2) == 1, calls
        assert _blas_limits() == {2}
    finally:
        nm.set_num_threads(previous)
