"""Registered CPU kernels agree with the generic implementations; the dispatch table works."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import numeru.core as nm
from numeru.core import dispatch, plugins
from numeru.core.backends import cpu_kernels

FAST = settings(max_examples=30, deadline=None)
# The fixture only lowers a size threshold; the same value is right for every example.
FAST_WITH_FIXTURE = settings(max_examples=30, deadline=None,
                             suppress_health_check=[HealthCheck.function_scoped_fixture])


def _generic(name):
    """The generic implementation of an op over NumPy (what runs without the kernel)."""
    o = dispatch.op(name)
    if o.generic is not None:
        return functools.partial(o.generic, np)
    return getattr(np, o.xp_name)


REDUCTIONS = ("sum", "prod", "max", "min", "any", "all", "mean", "argmax", "argmin")


@pytest.fixture
def numba_kernels(monkeypatch):
    from numeru.core.backends import numba_kernels as module

    monkeypatch.setattr(module, "MIN_SIZE", 1)  # exercise the kernels on small inputs too
    return module


def test_core_registers_its_cpu_kernels():
    kernels = plugins.registry("kernels")
    for name in [*cpu_kernels.KERNELS, *cpu_kernels.NUMBA_KERNELS]:
        assert (name, "cpu") in kernels
        assert dispatch.op(name).resolve(nm.device("cpu").backend)[0] is kernels.get((name, "cpu"))


@FAST
@given(hnp.arrays(st.sampled_from(["float32", "float64", "int32", "bool"]),
                  hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=5)),
       st.data())
def test_numpy_fast_kernels_are_bit_identical_to_generic(a, data):
    axis = data.draw(st.none() | st.integers(-max(a.ndim, 1), max(a.ndim - 1, 0))) if a.ndim \
        else None
    keepdims = data.draw(st.booleans())
    with np.errstate(all="ignore"):
        for name in REDUCTIONS:
            kernel = cpu_kernels.KERNELS[name]
            if name == "mean" and a.dtype.kind not in "fc":
                continue
            got = kernel(a, axis=axis, keepdims=keepdims)
            expected = _generic(name)(a, axis=axis, keepdims=keepdims)
            assert np.asarray(got).dtype == np.asarray(expected).dtype, name
            np.testing.assert_array_equal(got, expected, err_msg=name)
            # out_meta predicts the result, and writing into out gives the same numbers.
            shape, dtype = kernel.out_meta(a, axis=axis, keepdims=keepdims)
            assert (tuple(shape), dtype) == (np.shape(expected), np.asarray(expected).dtype)
            out = np.empty(shape, dtype)
            kernel(a, axis=axis, keepdims=keepdims, out=out)
            np.testing.assert_array_equal(out, expected, err_msg=name)


@FAST
@given(hnp.arrays(st.sampled_from(["int32", "float32", "float64"]),
                  hnp.array_shapes(min_dims=1, max_dims=2, max_side=5),
                  elements=st.integers(-20, 20)),
       st.sampled_from([None, -3, 2.5]), st.sampled_from([None, 4, 7.5]))
def test_clip_kernel_matches_generic_into_out(a, low, high):
    kernel = cpu_kernels.KERNELS["clip"]
    expected = _generic("clip")(a, low, high)
    shape, dtype = kernel.out_meta(a, low, high)
    assert (tuple(shape), dtype) == (expected.shape, expected.dtype)
    out = np.empty(shape, dtype)
    kernel(a, low, high, out=out)
    np.testing.assert_array_equal(out, expected)


@FAST
@given(st.data())
def test_out_writing_kernels_predict_their_result(data):
    """matmul/concat/stack/cumulative_sum: out_meta matches what the generic code returns."""
    dtype = data.draw(st.sampled_from(["int32", "float32", "float64"]))
    batch = data.draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3))
    n, k, m = (data.draw(st.integers(1, 4)) for _ in range(3))
    x1 = data.draw(hnp.arrays(dtype, st.sampled_from([(k,), (*batch, n, k)])))
    x2 = data.draw(hnp.arrays(data.draw(st.sampled_from(["int32", "float64"])),
                              st.sampled_from([(k,), (k, m), (*batch, k, m)])))
    parts = [x1, x1 * 2]
    axis = data.draw(st.sampled_from([None, 0, -1]))
    cases = {"matmul": ((x1, x2), {}), "concat": ((parts,), {"axis": axis}),
             "stack": ((parts,), {"axis": data.draw(st.integers(-x1.ndim - 1, x1.ndim))})}
    if x1.ndim == 1 or axis is not None:
        cases["cumulative_sum"] = ((x1,), {"axis": axis,
                                           "include_initial": data.draw(st.booleans())})
    with np.errstate(all="ignore"):
        for name, (args, params) in cases.items():
            kernel = cpu_kernels.KERNELS[name]
            expected = _generic(name)(*args, **params)
            shape, dtype_ = kernel.out_meta(*args, **params)
            assert (tuple(shape), dtype_) == (expected.shape, expected.dtype), name
            out = np.empty(shape, dtype_)
            kernel(*args, out=out, **params)
            np.testing.assert_array_equal(out, expected, err_msg=name)


@FAST
@given(hnp.arrays(np.int64, hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=3)),
       st.data())
def test_view_kernels_match_generic_and_share_memory(a, data):
    axes = tuple(data.draw(st.permutations(range(a.ndim))))
    ones = tuple(i for i, s in enumerate(a.shape) if s == 1)
    cases = {"reshape": ((a,), {"shape": (-1,), "copy": None}),
             "permute_dims": ((a,), {"axes": axes}),
             "squeeze": ((a,), {"axis": ones})}
    if a.ndim >= 2:
        cases["matrix_transpose"] = ((a,), {})
    for name, (args, params) in cases.items():
        got = cpu_kernels.KERNELS[name](*args, **params)
        expected = _generic(name)(*args, **params)
        np.testing.assert_array_equal(got, expected, err_msg=name)
        assert got.shape == expected.shape and np.shares_memory(got, a), name
    copied = cpu_kernels.KERNELS["reshape"](a, shape=(-1,), copy=True)
    assert not np.shares_memory(copied, a)


@FAST
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)),
       st.data())
def test_getitem_kernel_matches_generic_and_keeps_views(a, data):
    key = data.draw(hnp.basic_indices(a.shape, allow_newaxis=True, allow_ellipsis=True))
    got = cpu_kernels.getitem_kernel(a, key)
    expected = _generic("getitem")(a, key)
    assert type(got) is np.ndarray and type(expected) is np.ndarray
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(got, a[key])
    if got.size:
        assert np.shares_memory(got, a)


@pytest.mark.filterwarnings("ignore:Degrees of freedom")  # one element with correction=1
@FAST_WITH_FIXTURE
@given(hnp.arrays(st.sampled_from(["float32", "float64"]),
                  hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=40),
                  elements=st.floats(-1e3, 1e3, width=32)),
       st.sampled_from([None, -1, "all"]), st.sampled_from([0, 1]), st.booleans())
def test_numba_var_std_agree_with_generic(numba_kernels, a, axis, correction, keepdims):
    if axis == "all":
        axis = tuple(range(a.ndim))
    # The kernel accumulates in float64, so float32 results are compared with a float64
    # reference (NumPy's own float32 result carries more rounding error than ours).
    reference = a.astype(np.float64)
    scale = max(1.0, float(np.abs(reference).max()))
    rtol = 1e-5 if a.dtype == np.float32 else 1e-10
    with np.errstate(all="ignore"):
        for name, atol in (("var", rtol * scale**2), ("std", rtol * scale)):
            got = getattr(numba_kernels, f"{name}_kernel")(a, axis=axis, correction=correction,
                                                           keepdims=keepdims)
            expected = getattr(np, name)(reference, axis=axis, correction=correction,
                                         keepdims=keepdims)
            assert np.asarray(got).dtype == a.dtype and np.shape(got) == expected.shape
            np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)


def test_numba_var_rows_do_not_depend_on_thread_count(numba_kernels):
    a = np.random.default_rng(1).random((64, 300))
    with nm.threads(1):
        one = numba_kernels.var_kernel(a, axis=-1)
    with nm.threads(2):
        two = numba_kernels.var_kernel(a, axis=-1)
    np.testing.assert_array_equal(one, two)
    np.testing.assert_allclose(one, np.var(a, axis=-1), rtol=1e-12)


@FAST_WITH_FIXTURE
@given(hnp.arrays(st.sampled_from(["int8", "int16", "int64", "uint8", "uint32"]),
                  hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=30),
                  elements=st.integers(0, 100)))
def test_numba_unique_agrees_with_generic(numba_kernels, a):
    values = numba_kernels.unique_values_kernel(a)
    # numeru's unique_values is sorted (NumPy 2.3+ may hash and return any order).
    np.testing.assert_array_equal(values, _generic("unique_values")(a))
    np.testing.assert_array_equal(values, np.unique(a))
    assert values.dtype == a.dtype
    for name in ("unique_counts", "unique_inverse", "unique_all"):
        got = getattr(numba_kernels, f"{name}_kernel")(a)
        expected = getattr(np, name)(a)
        assert type(got) is type(expected) and got._fields == expected._fields
        for field, mine, theirs in zip(got._fields, got, expected, strict=True):
            assert mine.dtype == theirs.dtype and mine.shape == theirs.shape, field
            np.testing.assert_array_equal(mine, theirs, err_msg=field)


def test_unique_through_the_namespace_uses_the_kernel_on_large_inputs():
    a = np.random.default_rng(2).integers(-20, 500, size=50_000)
    result = nm.unique_counts(nm.asarray(a))
    expected = np.unique_counts(a)
    np.testing.assert_array_equal(result.values.numpy(), expected.values)
    np.testing.assert_array_equal(result.counts.numpy(), expected.counts)
    inverse = nm.unique_inverse(nm.asarray(a))
    np.testing.assert_array_equal(inverse.values.numpy()[inverse.inverse_indices.numpy()], a)
    x = np.random.default_rng(3).random((100, 400))
    np.testing.assert_allclose(nm.std(nm.asarray(x), axis=1).numpy(), np.std(x, axis=1),
                               rtol=1e-12)


def test_a_registered_kernel_replaces_the_generic_one():
    calls = []

    def fake_kernel(x1, x2):
        calls.append(1)
        return np.add(x1, x2)

    class Plugin:
        @staticmethod
        @nm.plugins.hookspecs.hookimpl
        def register_kernels(register):
            register("nextafter", "cpu", fake_kernel)

    plugins.register(Plugin(), "test-kernel-plugin")
    try:
        result = nm.nextafter(nm.asarray([1.0]), nm.asarray([2.0]))
        assert calls and result.tolist() == [3.0]
    finally:
        plugins.unregister("test-kernel-plugin")
    assert nm.nextafter(nm.asarray([1.0]), nm.asarray([2.0])).tolist() == [
        np.nextafter(1.0, 2.0)]


def test_generic_implementations_run_on_a_strict_array_api_namespace():
    """Ops written against ``xp`` only work on array_api_strict (the example backend)."""
    info = nm.__array_namespace_info__()
    strict = [d for d in info.devices() if d.type == "strict"]
    if not strict:
        pytest.skip("the example backend over array_api_strict is not installed")
    dev = strict[0]
    a = np.arange(1.0, 13.0).reshape(3, 4)
    t = nm.asarray(a, device=dev)
    checks = {
        "add": (t + 1.5, a + 1.5), "mixed": (t * nm.asarray(2, device=dev), a * 2),
        "sum": (nm.sum(t, axis=0), a.sum(0)), "var": (nm.var(t, axis=1), a.var(1)),
        "argsort desc": (nm.argsort(t, axis=1, descending=True), np.argsort(-a, axis=1)),
        "sort desc": (nm.sort(t, descending=True), -np.sort(-a)),
        "diff": (nm.diff(t, axis=1), np.diff(a, axis=1)),
        "isin": (nm.isin(t, nm.asarray([2.0, 5.0], device=dev)), np.isin(a, [2.0, 5.0])),
        "slice": (t[1:, ::2], a[1:, ::2]), "where": (nm.where(t > 6, t, 0.0),
                                                     np.where(a > 6, a, 0.0)),
        "reshape": (nm.reshape(t, (4, 3)), a.reshape(4, 3)),
        # positional-only in the standard (array-api-strict refuses them by keyword)
        "moveaxis": (nm.moveaxis(t, 0, 1), np.moveaxis(a, 0, 1)),
        "tile": (nm.tile(t, (2, 1)), np.tile(a, (2, 1))),
    }
    for name, (got, expected) in checks.items():
        assert got.device is dev, name
        np.testing.assert_allclose(got.to("cpu").numpy(), expected, err_msg=name)
    masked = nm.asarray(a, device=dev)
    masked.masked_fill_(masked > 6, 0.0)
    np.testing.assert_array_equal(masked.to("cpu").numpy(), np.where(a > 6, 0.0, a))


def test_numba_var_keeps_ieee_special_values(numba_kernels):
    for row in ([1.0, np.nan, 3.0], [np.inf, 1.0, 2.0], [-np.inf, np.inf, 0.0]):
        a = np.array(row * 8)
        with np.errstate(all="ignore"):
            np.testing.assert_array_equal(numba_kernels.var_kernel(a), np.var(a))
            np.testing.assert_array_equal(numba_kernels.std_kernel(a.reshape(4, 6), axis=-1),
                                          np.std(a.reshape(4, 6), axis=-1))
    empty_rows = np.ones((3, 0))
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning, match="Degrees of freedom"):
        np.testing.assert_array_equal(numba_kernels.var_kernel(empty_rows, axis=-1),
                                      np.var(empty_rows, axis=-1))


@FAST
@given(st.sampled_from(["int16", "int64", "float64"]).flatmap(
    lambda d: st.tuples(hnp.arrays(d, st.integers(0, 30), elements=st.integers(-20, 20)),
                        hnp.arrays(d, st.integers(0, 10), elements=st.integers(-20, 20)))),
       st.booleans())
def test_isin_kernel_matches_generic(pair, invert):
    x1, x2 = pair
    got = cpu_kernels.KERNELS["isin"](x1, x2, invert=invert)
    np.testing.assert_array_equal(got, _generic("isin")(x1, x2, invert=invert))
    with_nan = np.array([np.nan, 1.0])
    np.testing.assert_array_equal(cpu_kernels.KERNELS["isin"](with_nan, with_nan),
                                  _generic("isin")(with_nan, with_nan))
