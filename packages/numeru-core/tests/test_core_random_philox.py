"""Philox4x32-10 bits: Random123 known answers, generic vs Numba, thread counts, backends."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numeru.core as nm
from numeru.core.random import ops
from numeru.core.random import transforms as T
from numeru.core.random._numba_philox import (
    bits_kernel,
    lemire_kernel,
    normal_kernel,
    uniform_kernel,
)
from numeru.core.random.philox import KNOWN_ANSWERS, blocks, philox_rounds

KAT = KNOWN_ANSWERS  # Random123's known answers for Philox4x32-10


# The example backend (array-api-strict) is installed by the whole-tree test session; a lone
# numeru-core install does not have it.
requires_strict = pytest.mark.skipif("strict" not in nm.registry("backends"),
                                     reason="the example backend (array-api-strict) is absent")


def _counter_pair(words):
    return words[0] | words[1] << 32, words[2] | words[3] << 32


@pytest.mark.parametrize("counter, key, expected", KAT)
def test_known_answers_generic(counter, key, expected):
    x = [np.array([w], dtype=np.uint64) for w in counter]
    assert [int(v[0]) for v in philox_rounds(np, *x, key)] == list(expected)


@pytest.mark.parametrize("counter, key, expected", KAT)
def test_known_answers_numba_kernel(counter, key, expected):
    words = bits_kernel(key=key, counter=_counter_pair(counter), n_blocks=1)
    assert words.dtype == np.uint32
    assert words.tolist() == list(expected)


@pytest.mark.parametrize("device", ["cpu", pytest.param("strict", marks=requires_strict)])
@pytest.mark.parametrize("counter, key, expected", KAT)
def test_known_answers_through_generator(device, counter, key, expected):
    state = {"key": list(key), "counter": list(counter)}
    gen = nm.random.Generator.from_state(state, device=device)
    raw = gen.random_raw(4)
    assert str(raw.device).startswith(device) and raw.dtype == np.uint32
    assert raw.numpy().tolist() == list(expected)
    # the counter advanced by one block (mod 2**128)
    after = sum(w << (32 * i) for i, w in enumerate(gen.get_state()["counter"]))
    assert after == (sum(w << (32 * i) for i, w in enumerate(counter)) + 1) % 2**128


def _python_philox(counter: int, key: tuple[int, int]) -> list[int]:
    """Random123's philox4x32-10 on Python ints, independent of the array code."""
    x = [(counter >> (32 * i)) & 0xFFFFFFFF for i in range(4)]
    k0, k1 = key
    for _ in range(10):
        p0, p1 = 0xD2511F53 * x[0], 0xCD9E8D57 * x[2]
        x = [(p1 >> 32) ^ x[1] ^ k0, p1 & 0xFFFFFFFF, (p0 >> 32) ^ x[3] ^ k1, p0 & 0xFFFFFFFF]
        k0, k1 = (k0 + 0x9E3779B9) & 0xFFFFFFFF, (k1 + 0xBB67AE85) & 0xFFFFFFFF
    return x


@pytest.mark.parametrize("start", [0, 2**64 - 3, 2**128 - 2, 2**96 + 2**32 - 1])
def test_counter_carries_across_words(start):
    key = (0x01234567, 0x89ABCDEF)
    expected = [w for b in range(5) for w in _python_philox((start + b) % 2**128, key)]
    counter = (start & (2**64 - 1), start >> 64)
    x = blocks(np, key, counter, 5)
    generic = np.stack(x, axis=1).reshape(-1).tolist()
    assert generic == expected
    assert bits_kernel(key=key, counter=counter, n_blocks=5).tolist() == expected


# up to 40001 values: past PARALLEL_MIN_BLOCKS, so both the serial and the parallel builds run
@settings(max_examples=60, deadline=None)
@given(key=st.tuples(st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1)),
       start=st.integers(0, 2**128 - 1), n_blocks=st.integers(0, 9))
def test_any_key_and_counter_match_the_python_reference(key, start, n_blocks):
    expected = [w for b in range(n_blocks) for w in _python_philox((start + b) % 2**128, key)]
    counter = (start & (2**64 - 1), start >> 64)
    assert ops._bits_generic(np, key=key, counter=counter, n_blocks=n_blocks).tolist() == expected
    assert bits_kernel(key=key, counter=counter, n_blocks=n_blocks).tolist() == expected


@settings(max_examples=40, deadline=None)
@given(low=st.integers(-(2**63), 2**63 - 1), span=st.integers(1, 2**64), size=st.integers(0, 40),
       seed=st.integers(0, 2**64 - 1))
def test_integers_stay_in_range_for_any_bounds(low, span, size, seed):
    high = min(low + span, 2**63)  # exclusive, within int64
    values = nm.random.Generator(seed).integers(low, high, size).numpy()
    assert values.dtype == np.int64 and values.shape == (size,)
    assert all(low <= int(v) < high for v in values)


CASES = [0, 1, 2, 3, 4, 5, 7, 1023, 2048, 4099, 5000, 40001]


@pytest.mark.parametrize("n", CASES)
def test_numba_bits_equal_generic(n):
    key, counter = (0xDEADBEEF, 0x12345678), (2**64 - 1000, 5)
    generic = ops._bits_generic(np, key=key, counter=counter, n_blocks=n)
    assert generic.dtype == np.uint32
    np.testing.assert_array_equal(bits_kernel(key=key, counter=counter, n_blocks=n), generic)


@pytest.mark.parametrize("dtype_name", ["float64", "float32"])
@pytest.mark.parametrize("n", CASES)
def test_numba_floats_equal_generic_bit_for_bit(n, dtype_name):
    key, counter = (7, 0xFFFFFFFF), (2**64 - 700, 2**64 - 1)
    for kernel, generic, params in (
            (uniform_kernel, ops._uniform_generic, {"low": -3.25, "scale": 7.5}),
            (normal_kernel, ops._normal_generic, {"loc": 0.5, "scale": 2.5})):
        fast = kernel(key=key, counter=counter, n=n, dtype_name=dtype_name, **params)
        slow = generic(np, key=key, counter=counter, n=n, dtype_name=dtype_name, **params)
        assert fast.dtype == slow.dtype == np.dtype(dtype_name)
        assert fast.tobytes() == slow.tobytes()


@pytest.mark.parametrize("span", [1, 2, 7, 1000, 3 * 2**30, 2**32])
@pytest.mark.parametrize("n", [0, 1, 5, 4099, 40001])
def test_numba_lemire_equals_generic(n, span):
    key, counter = (3, 4), (2**64 - 2, 0)
    params = {"span": span, "threshold": (2**32 - span) % span, "offset": 2**64 - 17}
    fast = lemire_kernel(key=key, counter=counter, n=n, **params)
    slow = ops._lemire_generic(np, key=key, counter=counter, n=n, **params)
    for a, b in zip(fast, slow, strict=True):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    words = ops._bits_generic(np, key=key, counter=counter, n_blocks=-(-n // 4))[:n]
    product = words.astype(object) * span  # Python ints: the definition, without uint64 tricks
    assert [int(v) for v in fast[0]] == [(p >> 32) + 2**64 - 17 & (2**64 - 1) for p in product]
    assert fast[1].tolist() == [p % 2**32 >= params["threshold"] for p in product]


def test_float_conversion_is_exactly_defined():
    key, counter = (11, 22), (33, 44)
    w = ops._bits_generic(np, key=key, counter=counter, n_blocks=3).astype(np.uint64)
    u64 = uniform_kernel(key=key, counter=counter, n=6, dtype_name="float64")
    pairs = (w[0::2] | (w[1::2] << np.uint64(32))) >> np.uint64(11)
    np.testing.assert_array_equal(u64, pairs.astype(np.float64) / 2.0**53)
    u32 = uniform_kernel(key=key, counter=counter, n=12, dtype_name="float32")
    np.testing.assert_array_equal(u32, (w >> np.uint64(8)).astype(np.float32) / np.float32(2**24))


def test_deterministic_math_is_accurate():
    rng = np.random.default_rng(0)  # reference inputs only
    k = rng.integers(1, 2**53 + 1, size=20000, dtype=np.uint64)
    k[:3] = [1, 2**53, 2**52]
    got = T.log_scaled(np, k, 53)
    expected = np.log(k.astype(np.float64) * 2.0**-53)
    np.testing.assert_allclose(got, expected, rtol=1e-15, atol=0)  # a few ulp
    assert got[1] == 0.0 and got[2] == -np.log(2.0)
    j = rng.integers(0, 2**53, size=20000, dtype=np.uint64)
    cos, sin = T.cos_sin_2pi(np, j, 53)
    theta = 2 * np.pi * (j.astype(np.float64) * 2.0**-53)
    np.testing.assert_allclose(cos, np.cos(theta), rtol=0, atol=2e-15)
    np.testing.assert_allclose(sin, np.sin(theta), rtol=0, atol=2e-15)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_results_do_not_depend_on_the_thread_count(dtype):
    draws = {}
    for n_threads in (1, 2):
        with nm.threads(n_threads):
            gen = nm.random.Generator(2024)
            # sizes past PARALLEL_MIN_BLOCKS: with 2 threads the parallel kernels run
            draws[n_threads] = [gen.random(40001, dtype=dtype).numpy(),
                                gen.normal(1.0, 3.0, 40001, dtype=dtype).numpy(),
                                gen.integers(0, 1000, 40001).numpy(),
                                gen.permutation(20000).numpy(),
                                gen.random_raw(40001).numpy()]
    for one, two in zip(draws[1], draws[2], strict=True):
        assert one.tobytes() == two.tobytes()


def test_cpu_kernel_is_registered_and_used():
    cpu = nm.device("cpu")
    for op in (ops.RANDOM_BITS, ops.RANDOM_UNIFORM, ops.RANDOM_NORMAL):
        assert op.kernel(cpu).__module__ == "numeru.core.random._numba_philox"


@requires_strict
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_same_bits_through_the_example_backend(dtype):
    seeded = {d: nm.random.Generator(99, device=d) for d in ("cpu", "strict")}
    for name, args, kwargs in [
            ("random", (1001,), {"dtype": dtype}),
            ("uniform", (-2.0, 5.0, (7, 13)), {"dtype": dtype}),
            ("normal", (3.0, 0.5, 999), {"dtype": dtype}),
            ("normal", ([0.0, 10.0], [1.0, 2.0], (5, 2)), {"dtype": dtype}),
            ("integers", (-50, 50, 777), {}),
            ("integers", (0, 2**40, 77), {}),
            ("integers", (5, 5 + 3 * 2**30, 5000), {}),  # a quarter rejected: redraw rounds
            ("integers", ([0, 7], [3 * 2**30, 2**35], (300, 2)), {}),
            ("bernoulli", (0.3, 100), {}),
            ("permutation", (257,), {}),
            ("choice", (10, 20), {}),
            ("choice", (1000, 50), {"replace": False}),  # the O(size) path
            ("choice", (10, 5), {"replace": False}),  # the permutation path
            ("choice", ([1.0, 2.0, 4.0], 9), {"p": [0.2, 0.3, 0.5]}),
            ("choice", (6, 4), {"replace": False, "p": [0.1, 0.2, 0.3, 0.2, 0.1, 0.1]}),
            ("random_raw", (37,), {})]:
        cpu = getattr(seeded["cpu"], name)(*args, **kwargs)
        strict = getattr(seeded["strict"], name)(*args, **kwargs)
        assert str(strict.device) == "strict:0"
        assert cpu.dtype == strict.dtype
        assert cpu.numpy().tobytes() == strict.numpy().tobytes(), name
    assert seeded["cpu"].get_state() == seeded["strict"].get_state()


def test_state_is_json_safe_and_restores_exactly():
    gen = nm.random.Generator(5)
    gen.normal(size=11)
    state = json.loads(json.dumps(gen.get_state()))
    expected = gen.random(20).numpy()
    restored = nm.random.Generator.from_state(state)
    np.testing.assert_array_equal(restored.random(20).numpy(), expected)
    other = nm.random.Generator(0)
    other.state = state
    np.testing.assert_array_equal(other.random(20).numpy(), expected)
