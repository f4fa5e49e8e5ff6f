"""Generator distributions against SciPy/NumPy, sampling methods, spawn, state and errors."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import numeru.core as nm
from numeru.core.errors import DeviceError, DTypeError, ShapeError, ValidationError

stats = pytest.importorskip("scipy.stats")  # the reference distributions
requires_strict = pytest.mark.skipif("strict" not in nm.registry("backends"),
                                     reason="the example backend (array-api-strict) is absent")

N = 40_000


def test_random_uniform_against_scipy_and_numpy():
    gen = nm.random.Generator(1)
    for dtype in ("float64", "float32"):
        u = gen.random(N, dtype=dtype)
        assert isinstance(u, nm.Tensor) and u.dtype == np.dtype(dtype) and u.shape == (N,)
        x = u.numpy()
        assert x.min() >= 0.0 and x.max() < 1.0
        assert stats.kstest(x, "uniform").pvalue > 1e-3
        # two-sample test against NumPy's own Philox generator
        ref = np.random.Generator(np.random.Philox(1)).random(N)
        assert stats.ks_2samp(x, ref).pvalue > 1e-3
    v = gen.uniform(-3.0, 5.0, (200, 100)).numpy()
    assert v.shape == (200, 100) and v.min() >= -3.0 and v.max() < 5.0
    assert stats.kstest(v.ravel(), "uniform", args=(-3.0, 8.0)).pvalue > 1e-3


def test_normal_against_scipy():
    gen = nm.random.Generator(2)
    for dtype in ("float64", "float32"):
        z = gen.normal(1.5, 2.0, N, dtype=dtype)
        assert z.dtype == np.dtype(dtype)
        x = z.numpy().astype(np.float64)
        assert stats.kstest(x, "norm", args=(1.5, 2.0)).pvalue > 1e-3
        assert abs(x.mean() - 1.5) < 5 * 2.0 / np.sqrt(N)
        assert abs(x.std() - 2.0) < 0.05
        assert abs(stats.skew(x)) < 0.05 and abs(stats.kurtosis(x)) < 0.1
    ref = np.random.Generator(np.random.Philox(2)).normal(0.0, 1.0, N)
    assert stats.ks_2samp(gen.standard_normal(N).numpy(), ref).pvalue > 1e-3
    # pairs from one block are independent: correlation of even and odd positions is ~0
    z = gen.normal(size=2 * N).numpy()
    assert abs(np.corrcoef(z[0::2], z[1::2])[0, 1]) < 4 / np.sqrt(N)


def test_normal_and_uniform_broadcast_array_parameters():
    gen = nm.random.Generator(3)
    loc = np.array([0.0, 100.0, -50.0])
    z = gen.normal(loc, [1.0, 0.0, 2.0], (2000, 3)).numpy()
    assert z.shape == (2000, 3)
    np.testing.assert_allclose(z.mean(axis=0), loc, atol=0.2)
    np.testing.assert_array_equal(z[:, 1], 100.0)  # scale 0 gives loc exactly
    u = gen.uniform(nm.asarray([0.0, 10.0]), 20.0).numpy()
    assert u.shape == (2,) and 0 <= u[0] < 20 and 10 <= u[1] < 20
    # same stream values as the scalar path: loc + scale * z
    a = nm.random.Generator(4).normal(2.0, 3.0, 10).numpy()
    b = nm.random.Generator(4).normal(np.full(10, 2.0), np.full(10, 3.0)).numpy()
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValidationError, match="size"):
        gen.normal([0.0, 1.0], 1.0, size=(3,))


def test_size_none_gives_a_0d_tensor():
    gen = nm.random.Generator(5)
    for value in (gen.random(), gen.normal(), gen.integers(5), gen.bernoulli(0.5),
                  gen.choice(4)):
        assert isinstance(value, nm.Tensor) and value.shape == ()


@pytest.mark.parametrize("low, high, dtype", [
    (0, 6, "int64"), (-3, 4, "int8"), (0, 255, "uint8"), (10, 10 + 2**32, "int64"),
    (0, 2**33 + 7, "int64"), (0, 2**64 - 1, "uint64"), (-(2**63), 2**63 - 1, "int64")])
def test_integers_range_and_uniformity(low, high, dtype):
    gen = nm.random.Generator(6)
    x = gen.integers(low, high, 20_000, dtype=dtype)
    assert x.dtype == np.dtype(dtype)
    v = x.numpy()
    assert v.min() >= low and v.max() < high
    span = high - low
    if span <= 8:
        counts = np.bincount((v.astype(np.int64) - low), minlength=span)
        assert stats.chisquare(counts).pvalue > 1e-3
    else:  # the top and bottom halves of the range are equally likely
        top = (v.astype(object) - low) >= span // 2
        assert abs(np.mean(top.astype(float)) - 0.5) < 0.02


def test_integers_endpoint_and_high_none():
    gen = nm.random.Generator(7)
    v = gen.integers(1, 6, 5000, endpoint=True).numpy()
    assert set(np.unique(v).tolist()) == {1, 2, 3, 4, 5, 6}
    v = gen.integers(3, size=5000).numpy()
    assert set(np.unique(v).tolist()) == {0, 1, 2}
    full = gen.integers(0, 255, 20_000, dtype="uint8", endpoint=True).numpy()
    assert full.min() == 0 and full.max() == 255
    assert stats.chisquare(np.bincount(full, minlength=256)).pvalue > 1e-3
    assert gen.integers(4, 5, 3).numpy().tolist() == [4, 4, 4]


def test_integers_are_unbiased_for_an_awkward_range():
    # 3 * 2**30 leaves a large rejection zone for a naive modulo (which would favour the lower
    # two thirds 2:1); Lemire's method with rejection gives equal thirds.
    gen = nm.random.Generator(8)
    span = 3 * 2**30
    v = gen.integers(0, span, 60_000).numpy()
    counts = np.bincount(v // 2**30, minlength=3)
    assert stats.chisquare(counts).pvalue > 1e-3


def test_integers_array_bounds():
    gen = nm.random.Generator(9)
    low = np.array([0, 100, -5])
    high = np.array([2, 200, 2**40])
    v = gen.integers(low, high, (1000, 3)).numpy()
    assert v.shape == (1000, 3)
    assert (v >= low).all() and (v < high).all()
    assert set(np.unique(v[:, 0]).tolist()) == {0, 1}
    w = gen.integers(0, [3, 5], endpoint=True).numpy()
    assert w.shape == (2,) and 0 <= w[0] <= 3 and 0 <= w[1] <= 5


def test_integers_errors_name_the_argument():
    gen = nm.random.Generator(10)
    with pytest.raises(ValidationError, match="high"):
        gen.integers(5, 5)
    with pytest.raises(ValidationError, match="high"):
        gen.integers(0, 300, dtype="uint8")
    with pytest.raises(ValidationError, match="low"):
        gen.integers(-1, 10, dtype="uint8")
    with pytest.raises(DTypeError, match="dtype"):
        gen.integers(0, 10, dtype="float64")
    with pytest.raises(ValidationError, match="high"):
        gen.integers([0, 5], [1, 5])


def test_bernoulli():
    gen = nm.random.Generator(11)
    b = gen.bernoulli(0.3, N)
    assert b.dtype == np.dtype(bool)
    assert stats.binomtest(int(b.numpy().sum()), N, 0.3).pvalue > 1e-3
    f = gen.bernoulli([0.0, 1.0, 0.5], (1000, 3), dtype="float32").numpy()
    assert f.dtype == np.float32
    assert (f[:, 0] == 0).all() and (f[:, 1] == 1).all()
    with pytest.raises(ValidationError, match="p"):
        gen.bernoulli(1.5)


def test_permutation_and_shuffle():
    gen = nm.random.Generator(12)
    p = gen.permutation(1000).numpy()
    assert p.dtype == np.int64
    np.testing.assert_array_equal(np.sort(p), np.arange(1000))
    x = np.arange(12.0).reshape(4, 3)
    q = gen.permutation(x, axis=1).numpy()
    np.testing.assert_array_equal(np.sort(q, axis=1), x)
    t = nm.arange(50)
    before = t.numpy().copy()
    gen.shuffle(t)
    assert sorted(t.numpy().tolist()) == before.tolist() and not (t.numpy() == before).all()
    arr = np.arange(20)
    gen.shuffle(arr)
    assert sorted(arr.tolist()) == list(range(20))
    items = list("abcdefgh")
    gen.shuffle(items)
    assert sorted(items) == list("abcdefgh")
    with pytest.raises(DTypeError, match="x"):
        gen.shuffle((1, 2, 3))
    # every position equally likely: first element of permutations of 4 (chi-square)
    firsts = [int(gen.permutation(4).numpy()[0]) for _ in range(2000)]
    assert stats.chisquare(np.bincount(firsts, minlength=4)).pvalue > 1e-3


def test_choice_with_and_without_replacement():
    gen = nm.random.Generator(13)
    p = np.array([0.1, 0.2, 0.3, 0.4])
    v = gen.choice(4, N, p=p).numpy()
    assert stats.chisquare(np.bincount(v, minlength=4), p * N).pvalue > 1e-3
    v = gen.choice(5, N).numpy()
    assert stats.chisquare(np.bincount(v, minlength=5)).pvalue > 1e-3
    s = gen.choice(100, 30, replace=False).numpy()
    assert len(set(s.tolist())) == 30
    a = nm.asarray([[1, 2], [3, 4], [5, 6]])
    rows = gen.choice(a, 2, replace=False).numpy()
    assert rows.shape == (2, 2) and {tuple(r) for r in rows} <= {(1, 2), (3, 4), (5, 6)}
    cols = gen.choice(a, (2, 2), axis=1).numpy()
    assert cols.shape == (3, 2, 2)


def test_small_sample_without_replacement_is_uniform():
    # size <= n / 8 takes the O(size) path: every item equally likely, every position too
    gen = nm.random.Generator(21)
    n, k, rounds = 40, 5, 2000
    samples = np.stack([gen.choice(n, k, replace=False).numpy() for _ in range(rounds)])
    assert all(len(set(row.tolist())) == k for row in samples)
    assert stats.chisquare(np.bincount(samples.ravel(), minlength=n)).pvalue > 1e-3
    assert stats.chisquare(np.bincount(samples[:, 0], minlength=n)).pvalue > 1e-3
    big = gen.choice(10**6, 1000, replace=False).numpy()
    assert len(set(big.tolist())) == 1000 and big.min() >= 0 and big.max() < 10**6


def test_weighted_choice_without_replacement_matches_numpy_distribution():
    # P(first pick = i) = p_i and P(second pick = j) = sum_i p_i p_j / (1 - p_i): compare the
    # frequency of each item in 2-of-4 samples with NumPy's sampler (same distribution).
    p = np.array([0.5, 0.25, 0.15, 0.1])
    gen = nm.random.Generator(14)
    ours = np.zeros(4)
    for _ in range(3000):
        ours[gen.choice(4, 2, replace=False, p=p).numpy()] += 1
    ref_gen = np.random.default_rng(14)
    ref = np.zeros(4)
    for _ in range(3000):
        ref[ref_gen.choice(4, 2, replace=False, p=p)] += 1
    assert stats.chi2_contingency(np.stack([ours, ref])).pvalue > 1e-3


def test_choice_errors():
    gen = nm.random.Generator(15)
    with pytest.raises(ValidationError, match="p"):
        gen.choice(3, p=[0.5, 0.6, 0.1])
    with pytest.raises(ShapeError, match="p"):
        gen.choice(3, p=[0.5, 0.5])
    with pytest.raises(ValidationError, match="size"):
        gen.choice(3, 4, replace=False)
    with pytest.raises(ValidationError, match="size"):
        gen.choice(3, 3, replace=False, p=[0.5, 0.5, 0.0])


def test_determinism_and_call_sequence():
    a, b = nm.random.Generator(16), nm.random.Generator(16)
    np.testing.assert_array_equal(a.normal(size=33).numpy(), b.normal(size=33).numpy())
    np.testing.assert_array_equal(a.integers(0, 9, 7).numpy(), b.integers(0, 9, 7).numpy())
    assert not np.array_equal(nm.random.Generator(17).random(8).numpy(),
                              nm.random.Generator(16).random(8).numpy())
    # draws continue the stream: two halves differ from each other and from the start
    c = nm.random.Generator(16)
    first, second = c.random(8).numpy(), c.random(8).numpy()
    assert not np.array_equal(first, second)


def test_spawn_children_are_deterministic_and_independent():
    parent = nm.random.Generator(18)
    kids = parent.spawn(3)
    again = nm.random.Generator(18).spawn(3)
    for k, k2 in zip(kids, again, strict=True):
        assert k.get_state() == k2.get_state()
    keys = {tuple(k.get_state()["key"]) for k in kids} | {tuple(parent.get_state()["key"])}
    assert len(keys) == 4
    more = parent.spawn(1)[0]  # spawning again gives new children
    assert more.get_state()["key"] not in [k.get_state()["key"] for k in kids]
    streams = [k.normal(size=N).numpy() for k in kids] + [parent.normal(size=N).numpy()]
    corr = np.corrcoef(np.stack(streams))
    assert np.abs(corr[np.triu_indices(4, 1)]).max() < 5 / np.sqrt(N)
    for s in streams:
        assert stats.kstest(s, "norm").pvalue > 1e-3
    # spawning does not move the parent's stream
    a, b = nm.random.Generator(18), nm.random.Generator(18)
    a.spawn(5)
    np.testing.assert_array_equal(a.random(5).numpy(), b.random(5).numpy())


def test_module_level_functions_use_the_seeded_default():
    nm.random.seed(123)
    x = nm.random.normal(size=5).numpy()
    y = nm.random.random(3).numpy()
    nm.random.seed(123)
    np.testing.assert_array_equal(nm.random.normal(size=5).numpy(), x)
    np.testing.assert_array_equal(nm.random.random(3).numpy(), y)
    ref = nm.random.Generator(123)
    np.testing.assert_array_equal(ref.normal(size=5).numpy(), x)
    state = nm.random.get_state()
    z = nm.random.integers(0, 100, 4).numpy()
    nm.random.set_state(state)
    np.testing.assert_array_equal(nm.random.integers(0, 100, 4).numpy(), z)
    assert nm.random.default_rng(ref) is ref
    assert sorted(nm.random.permutation(5).numpy().tolist()) == [0, 1, 2, 3, 4]
    assert nm.random.choice(3, 2).shape == (2,)
    assert nm.random.bernoulli(0.5, 4).shape == (4,)
    assert nm.random.uniform(size=2).shape == (2,)


@requires_strict
def test_devices():
    gen = nm.random.Generator(19, device="strict")
    assert str(gen.device) == "strict:0" and str(gen.random(3).device) == "strict:0"
    follows = nm.random.Generator(19)
    with nm.device("strict"):
        assert str(follows.random(3).device) == "strict:0"
    assert str(follows.random(3).device) == "cpu"
    with pytest.raises(DeviceError, match="loc"):
        gen.normal(nm.asarray([1.0, 2.0]))
    # permutation/shuffle/choice of a Tensor stay on the tensor's device, with the same values
    on_strict = nm.asarray([1.0, 2.0, 3.0, 4.0, 5.0], device="strict")
    on_cpu = nm.asarray([1.0, 2.0, 3.0, 4.0, 5.0])
    for kwargs in ({}, {"replace": False}, {"p": [0.1, 0.2, 0.3, 0.2, 0.2]}):
        a = nm.random.Generator(22).choice(on_strict, 3, **kwargs)
        b = nm.random.Generator(22).choice(on_cpu, 3, **kwargs)
        assert str(a.device) == "strict:0"
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert str(nm.random.Generator(22).permutation(on_strict).device) == "strict:0"
    assert nm.random.Generator(22).choice(0, 0).shape == (0,)


def test_argument_errors():
    with pytest.raises(ValidationError, match="seed"):
        nm.random.Generator(-1)
    with pytest.raises(ValidationError, match="seed"):
        nm.random.Generator(2**64)
    with pytest.raises(ValidationError, match="seed"):
        nm.random.Generator(1.5)
    gen = nm.random.Generator(20)
    with pytest.raises(ValidationError, match="size"):
        gen.random(-1)
    with pytest.raises(ValidationError, match="size"):
        gen.random("big")
    with pytest.raises(DTypeError, match="dtype"):
        gen.random(3, dtype="int32")
    with pytest.raises(ValidationError, match="scale"):
        gen.normal(0.0, -1.0)
    with pytest.raises(ValidationError, match="high - low"):
        gen.uniform(0.0, float("inf"))
    with pytest.raises(ValidationError, match="state"):
        gen.set_state({"key": [1], "counter": [0, 0, 0, 0]})
    with pytest.raises(ValidationError, match="n"):
        gen.spawn(-1)


def test_integers_array_bounds_are_checked_before_any_cast():
    # Bounds used to be cast to int64/uint64 first: -5 became 2**64 - 5 for uint64 and 2**63
    # became -2**63 for int64, so out-of-range bounds passed and gave wrapped values (NumPy
    # raises "low is out of bounds").
    gen = nm.random.Generator(30)
    with pytest.raises(ValidationError, match=r"low: expected values in \[0, "):
        gen.integers(np.array([-5]), np.array([-2]), dtype=np.uint64)
    with pytest.raises(ValidationError, match="low: .*int64.*9223372036854775808"):
        gen.integers(np.array([2**63], np.uint64), np.array([2**63 + 10], np.uint64))
    with pytest.raises(ValidationError, match="low"):
        gen.integers(-1, np.array([5]), dtype=np.uint64)  # was a bare OverflowError
    with pytest.raises(ValidationError, match="high"):
        gen.integers(0, np.array([-2]), dtype=np.uint64)  # was [0, 2**64 - 2) silently
    with pytest.raises(ValidationError, match="high"):
        gen.integers(np.array([0]), 2**63 + 1)
    # bounds at the dtype limits still work, as arrays of any int dtype
    v = gen.integers(np.array([0]), np.array([2**63], np.uint64), 2000).numpy()
    assert v.dtype == np.int64 and v.min() >= 0 and (v >= 2**62).any()
    w = gen.integers(np.array([-128], np.int8), np.array([127], np.int8), 3000, dtype=np.int8,
                     endpoint=True).numpy()
    assert w.dtype == np.int8 and w.min() == -128 and w.max() == 127
    u = gen.integers(np.array([2**64 - 3], np.uint64), 2**64, 500, dtype=np.uint64).numpy()
    assert set(u.tolist()) == {2**64 - 3, 2**64 - 2, 2**64 - 1}


def test_choice_p_sums_to_one_within_its_own_dtype():
    # NumPy's tolerance is sqrt(eps) of p's dtype: a float32 softmax output is accepted.
    gen = nm.random.Generator(31)
    p32 = np.full(3, 1 / 3, dtype=np.float32)  # sums to 1 + 3e-8 in float64
    v = gen.choice(3, 6000, p=p32).numpy()
    assert stats.chisquare(np.bincount(v, minlength=3)).pvalue > 1e-3
    assert gen.choice(3, 2, replace=False, p=nm.asarray(p32)).shape == (2,)
    with pytest.raises(ValidationError, match="sum to 1"):
        gen.choice(3, p=np.array([0.5, 0.5, 0.01], np.float32))
    with pytest.raises(ValidationError, match="sum to 1"):
        gen.choice(3, p=[1 / 3 + 1e-7, 1 / 3, 1 / 3])  # float64 keeps the strict tolerance
    with pytest.raises(ValidationError, match="p: expected an array of real probabilities"):
        gen.choice(3, p=["a", "b", "c"])


def test_shuffle_views_in_place_and_lists_only_along_axis_0():
    gen = nm.random.Generator(32)
    x = nm.arange(24).reshape(4, 6)
    gen.shuffle(x[:, ::2], axis=1)  # a strided Tensor view: only its columns move
    got = x.numpy()
    np.testing.assert_array_equal(got[:, 1::2], np.arange(24).reshape(4, 6)[:, 1::2])
    assert sorted(got[0, ::2].tolist()) == [0, 2, 4]
    assert (got[:, ::2] - got[0, ::2] == np.arange(0, 24, 6)[:, None]).all()  # whole columns
    a = np.arange(24).reshape(4, 6)
    gen.shuffle(a[::-2])  # a reversed, strided NumPy view
    np.testing.assert_array_equal(a[0::2], np.arange(24).reshape(4, 6)[0::2])
    assert sorted(a[1::2, 0].tolist()) == [6, 18]
    items = [1, 2, 3]
    with pytest.raises(ValidationError, match="axis: expected 0 for a list"):
        gen.shuffle(items, axis=1)  # NumPy refuses it too; was silently ignored
    assert items == [1, 2, 3]


def test_uniform_range_must_be_finite_in_the_output_dtype():
    gen = nm.random.Generator(33)
    with pytest.raises(ValidationError, match="high - low"):
        gen.uniform(0.0, [1.0, np.inf])  # was inf in the output (NumPy: OverflowError)
    with pytest.raises(ValidationError, match="high - low"):
        gen.uniform(nm.asarray([np.nan]), 1.0)
    with pytest.raises(ValidationError, match="high - low: .*float32"):
        gen.uniform(0.0, 1e39, 3, dtype=np.float32)  # was inf with an overflow warning
    v = gen.uniform(0.0, 3e38, 1000, dtype=np.float32).numpy()
    assert np.isfinite(v).all() and v.max() > 1e38


def test_uniform_float32_bounds_must_be_finite_in_float32():
    gen = nm.random.Generator(34)
    # a range of 1 but low = 1e39 overflows float32: was inf with an overflow warning (the
    # array path already refused it, its cast giving inf - inf)
    with pytest.raises(ValidationError, match="low: .*float32"):
        gen.uniform(1e39, 1e39 + 1e33, dtype=np.float32)
    with pytest.raises(ValidationError, match="high - low"):
        gen.uniform(np.array([1e39]), 1e39 + 1e33, dtype=np.float32)
    # the same bounds are fine in float64, like NumPy's uniform
    ref = np.random.default_rng(34).uniform(1e39, 1e39 + 1e33, 100)
    ours = gen.uniform(1e39, 1e39 + 1e33, 100).numpy()
    assert ours.min() >= 1e39 and ours.max() <= 1e39 + 1e33
    assert stats.ks_2samp(ours, ref).pvalue > 1e-3


def test_normal_nan_scale_is_refused_for_scalars_and_arrays_alike():
    gen = nm.random.Generator(35)
    with pytest.raises(ValidationError, match="scale"):
        gen.normal(0.0, float("nan"))
    # the array path gave NaN draws silently
    with pytest.raises(ValidationError, match="scale: .*non-negative"):
        gen.normal(0.0, np.array([1.0, np.nan]))
    with pytest.raises(ValidationError, match="scale"):
        gen.normal(nm.zeros(2), nm.asarray([np.nan, 1.0]))
    # like NumPy, a NaN loc or an infinite scale are values, not errors
    ref = np.random.default_rng(35).normal([np.nan, 0.0], [1.0, np.inf])
    ours = gen.normal([np.nan, 0.0], [1.0, np.inf]).numpy()
    assert np.isnan(ours[0]) and np.isnan(ref[0]) and np.isinf(ours[1]) and np.isinf(ref[1])


def test_bernoulli_dtype_is_checked():
    gen = nm.random.Generator(34)
    with pytest.raises(DTypeError, match="dtype: expected a numeru dtype.*'foo'"):
        gen.bernoulli(0.5, 3, dtype="foo")  # was a bare TypeError (float64 via np.dtype(None))
    with pytest.raises(DTypeError, match="dtype"):
        gen.bernoulli(0.5, 3, dtype="U3")
    assert gen.bernoulli(0.5, 3, dtype=nm.int8).dtype == np.int8


def test_state_restores_every_sampling_method_and_orders_are_uniform():
    gen = nm.random.Generator(35)
    gen.normal(size=3)
    state = gen.get_state()

    def draws(g):
        return [g.integers(5, 5 + 3 * 2**30, 999).numpy(),  # rejection redraw rounds
                g.integers([0, 1], [2**40, 7], (5, 2)).numpy(),
                g.choice(50, 5, replace=False).numpy(), g.choice(6, 6, replace=False).numpy(),
                g.choice(4, 3, replace=False, p=[0.4, 0.3, 0.2, 0.1]).numpy(),
                g.permutation(np.arange(12).reshape(3, 4), axis=1).numpy(),
                g.bernoulli([0.2, 0.8], (4, 2)).numpy(), g.spawn(1)[0].random(3).numpy()]

    first = draws(gen)
    gen.set_state(state)
    for a, b in zip(first, draws(gen), strict=True):
        assert a.tobytes() == b.tobytes()
    # all 24 orders of 4 items equally likely; ordered weighted pairs follow sequential
    # sampling's exact probabilities p_i * p_j / (1 - p_i)
    perms = {p: i for i, p in enumerate(itertools.permutations(range(4)))}
    counts = np.zeros(24)
    for _ in range(2400):
        counts[perms[tuple(gen.permutation(4).numpy().tolist())]] += 1
    assert stats.chisquare(counts).pvalue > 1e-3
    p = np.array([0.5, 0.25, 0.15, 0.1])
    pairs = [(i, j) for i in range(4) for j in range(4) if i != j]
    seen = dict.fromkeys(pairs, 0)
    for _ in range(3000):
        i, j = gen.choice(4, 2, replace=False, p=p).numpy().tolist()
        seen[(i, j)] += 1
    expect = np.array([p[i] * p[j] / (1 - p[i]) for i, j in pairs]) * 3000
    assert stats.chisquare([seen[k] for k in pairs], expect).pvalue > 1e-3


def test_integers_stream_is_pinned():
    """The integers of a seed are part of the contract (numeru-cuda draws the same ones):
    values taken before the CPU path stopped copying its result, kept since."""
    gen = nm.random.Generator(2026)
    expected = [
        ((0, 1000, 8), {}, [431, 522, 702, 296, 988, 348, 437, 818]),
        ((-5, 5, 8), {"dtype": np.int8}, [1, 2, 4, 4, 2, 4, 1, 3]),
        ((-2**63, 2**63 - 1, 3), {},
         [-6360246358139448231, -5893116927201806352, -7635339497351124643]),
        ((2**64 - 10, 2**64, 4), {"dtype": np.uint64},
         [2**64 - 1, 2**64 - 1, 2**64 - 10, 2**64 - 8]),
        ((5, 5 + 3 * 2**30, 6), {},  # a range with rejection rounds
         [2596427645, 2820171948, 2247761255, 616552620, 2057976441, 854069334]),
    ]
    for args, kwargs, values in expected:
        got = gen.integers(*args, **kwargs)
        assert got.dtype == np.dtype(kwargs.get("dtype", np.int64))
        assert got.numpy().tolist() == values


@pytest.mark.parametrize("dtype, low, high", [
    (dtype, low, high)
    for dtype in (np.int64, np.int32, np.int8, np.uint8, np.uint64)
    for low, high in ((0, 100), (-50, 50), (0, 1), (-3, 3 * 2**30))
    if np.iinfo(dtype).min <= low and high - 1 <= np.iinfo(dtype).max])
def test_integers_cpu_results_are_writable_and_do_not_depend_on_threads(dtype, low, high):
    with nm.threads(1):
        one = nm.random.Generator(5).integers(low, high, (400, 100), dtype=dtype)
    with nm.threads(2):
        two = nm.random.Generator(5).integers(low, high, (400, 100), dtype=dtype)
    a = one.numpy()
    assert a.dtype == dtype and a.shape == (400, 100) and a.flags.writeable
    assert a.min() >= low and a.max() < high
    np.testing.assert_array_equal(a, two.numpy())
    a[0, 0] = low  # a result is an ordinary writable tensor, whatever buffer it views
    assert one.numpy()[0, 0] == low


@requires_strict
@pytest.mark.parametrize("dtype", [np.int64, np.int16, np.uint64])
def test_integers_are_the_same_on_the_generic_backend(dtype):
    low = 0 if dtype == np.uint64 else -7
    cpu = nm.random.Generator(9).integers(low, 1000, 5000, dtype=dtype).numpy()
    strict = nm.random.Generator(9, device="strict").integers(low, 1000, 5000, dtype=dtype)
    assert strict.dtype == dtype
    np.testing.assert_array_equal(strict.numpy(), cpu)
