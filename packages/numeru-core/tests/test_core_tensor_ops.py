"""Elementwise ops, broadcasting, promotion, reductions and out= against NumPy."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import numeru.core as nm
from numeru.core.errors import DeviceError, DTypeError, ShapeError

NUMERIC = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
           "float16", "float32", "float64", "complex64", "complex128"]
ALL_DTYPES = [*NUMERIC, "bfloat16"]
FAST = settings(max_examples=40, deadline=None)


def _np_dtype(name: str) -> np.dtype:
    return np.dtype(ml_dtypes.bfloat16) if name == "bfloat16" else np.dtype(name)


@pytest.mark.parametrize("name", ALL_DTYPES)
def test_every_dtype_round_trips_through_a_tensor(name):
    source = np.arange(6).reshape(2, 3).astype(_np_dtype(name))
    t = nm.asarray(source)
    assert t.dtype == source.dtype
    assert t.shape == (2, 3)
    np.testing.assert_array_equal(t.numpy(), source)
    copied = nm.asarray(source, copy=True)
    assert copied.data.ctypes.data % 64 == 0  # numeru's own buffers are 64-byte aligned
    np.testing.assert_array_equal(copied.numpy(), source)
    assert nm.zeros((3,), dtype=name).dtype == source.dtype
    assert nm.asarray(t.tolist(), dtype=name).dtype == source.dtype


def test_creation_functions_match_numpy_and_are_aligned():
    for t, ref in [(nm.zeros((3, 5)), np.zeros((3, 5))),
                   (nm.ones(7, dtype=nm.int32), np.ones(7, np.int32)),
                   (nm.full((2, 2), 3.5), np.full((2, 2), 3.5)),
                   (nm.eye(3, 4, k=1), np.eye(3, 4, k=1)),
                   (nm.arange(1, 10, 2), np.arange(1, 10, 2)),
                   (nm.linspace(0, 1, 5), np.linspace(0, 1, 5))]:
        np.testing.assert_array_equal(t.numpy(), ref)
        assert t.dtype == ref.dtype
    for t in (nm.zeros((33,)), nm.empty((5, 7), dtype=nm.float32), nm.ones((3,), dtype=nm.int8),
              nm.arange(17), nm.linspace(0, 1, 9), nm.eye(5), nm.full((3,), 2.0),
              nm.zeros_like(nm.ones(3)), nm.asarray([1, 2, 3])):
        assert t.data.ctypes.data % 64 == 0


@pytest.mark.parametrize("a", NUMERIC)
@pytest.mark.parametrize("b", NUMERIC)
def test_promotion_matches_numpy_2(a, b):
    x, y = nm.ones(2, dtype=a), nm.ones(2, dtype=b)
    expected = np.result_type(np.dtype(a), np.dtype(b))
    assert nm.result_type(a, b) == expected
    assert (x + y).dtype == expected
    assert (x * y).dtype == expected


@pytest.mark.parametrize("name", NUMERIC)
def test_python_scalars_are_weak(name):
    x = nm.ones(3, dtype=name)
    for scalar in (1, True):
        assert (x + scalar).dtype == (np.ones(3, dtype=name) + scalar).dtype
    if np.dtype(name).kind in "fc":
        assert (x * 2.5).dtype == np.dtype(name)
        assert (2.5 - x).dtype == np.dtype(name)


BF16_TABLE = {"bool": "bfloat16", "int8": "bfloat16", "uint8": "bfloat16", "int16": "float32",
              "uint16": "float32", "int32": "float64", "int64": "float64", "uint32": "float64",
              "uint64": "float64", "float16": "float32", "bfloat16": "bfloat16",
              "float32": "float32", "float64": "float64", "complex64": "complex64",
              "complex128": "complex128"}


@pytest.mark.parametrize("other", sorted(BF16_TABLE))
def test_bfloat16_promotion_table(other):
    bf = nm.asarray([1.5, 2.0], dtype=nm.bfloat16)
    y = nm.asarray([1, 1], dtype=other)
    expected = _np_dtype(BF16_TABLE[other])
    assert nm.result_type(nm.bfloat16, other) == expected
    result = bf + y
    assert result.dtype == expected
    np.testing.assert_allclose(result.numpy().astype(np.complex128), [2.5, 3.0])
    assert (bf * 2.0).dtype == nm.bfloat16  # a Python float stays weak
    assert (y + bf).dtype == expected


shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)


@FAST
@given(st.data())
def test_broadcasting_binary_ops_match_numpy(data):
    shape_a, shape_b = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3,
                                                                   max_side=4)).input_shapes
    dtype = data.draw(st.sampled_from(["int32", "int64", "float32", "float64"]))
    elements = st.integers(-50, 50) if "int" in dtype else st.floats(-50, 50, width=32)
    a = data.draw(hnp.arrays(dtype, shape_a, elements=elements))
    b = data.draw(hnp.arrays(dtype, shape_b, elements=elements))
    ta, tb = nm.asarray(a), nm.asarray(b)
    for op in ("add", "subtract", "multiply", "maximum", "less", "equal"):
        got = getattr(nm, op)(ta, tb)
        expected = getattr(np, op)(a, b)
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got.numpy(), expected)
    np.testing.assert_array_equal((ta - tb).numpy(), a - b)


@FAST
@given(hnp.arrays("float64", shapes, elements=st.floats(-50, 50)))
def test_unary_ops_match_numpy(a):
    t = nm.asarray(a)
    for op in ("abs", "exp", "sin", "tanh", "floor", "negative", "square", "sign"):
        np.testing.assert_array_equal(getattr(nm, op)(t).numpy(), getattr(np, op)(a))
    np.testing.assert_array_equal(nm.sqrt(nm.abs(t)).numpy(), np.sqrt(np.abs(a)))


@FAST
@given(hnp.arrays("float64", hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5),
                  elements=st.floats(-100, 100)), st.data())
def test_reductions_match_numpy(a, data):
    axis = data.draw(st.none() | st.integers(-a.ndim, a.ndim - 1))
    keepdims = data.draw(st.booleans())
    t = nm.asarray(a)
    for op in ("sum", "prod", "mean", "max", "min", "var", "std"):
        got = getattr(nm, op)(t, axis=axis, keepdims=keepdims)
        expected = getattr(np, op)(a, axis=axis, keepdims=keepdims)
        assert got.shape == np.shape(expected)
        np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12, atol=1e-12)
    for op in ("argmax", "argmin"):
        got = getattr(nm, op)(t, axis=axis, keepdims=keepdims)
        np.testing.assert_array_equal(got.numpy(), getattr(np, op)(a, axis=axis,
                                                                   keepdims=keepdims))
    np.testing.assert_array_equal(nm.any(t > 0, axis=axis).numpy(), np.any(a > 0, axis=axis))
    np.testing.assert_array_equal(nm.all(t > 0, axis=axis).numpy(), np.all(a > 0, axis=axis))
    np.testing.assert_allclose(t.sum(axis, keepdims=keepdims).numpy(),
                               a.sum(axis, keepdims=keepdims))


@pytest.mark.parametrize("dtype", ["bool", "int8", "uint16", "int32", "float32"])
def test_sum_dtype_follows_the_standard(dtype):
    a = np.ones((3, 4), dtype=dtype)
    got = nm.sum(nm.asarray(a), axis=0)
    assert got.dtype == np.sum(a, axis=0).dtype
    np.testing.assert_array_equal(got.numpy(), np.sum(a, axis=0))


def test_cumulative_sums_and_statistics():
    a = np.arange(1, 13, dtype=np.float64).reshape(3, 4)
    t = nm.asarray(a)
    np.testing.assert_array_equal(nm.cumulative_sum(t, axis=1).numpy(), np.cumsum(a, axis=1))
    np.testing.assert_array_equal(nm.cumulative_prod(t, axis=0).numpy(), np.cumprod(a, axis=0))
    np.testing.assert_array_equal(
        nm.cumulative_sum(t, axis=1, include_initial=True).numpy(),
        np.cumulative_sum(a, axis=1, include_initial=True))
    np.testing.assert_allclose(nm.var(t, axis=0, correction=1).numpy(), np.var(a, axis=0, ddof=1))


def test_out_writes_into_the_given_buffer():
    a, b = nm.asarray([1.0, 2.0, 3.0]), nm.asarray([10.0, 20.0, 30.0])
    out = nm.empty(3)
    pointer = out.data_ptr()
    result = nm.add(a, b, out=out)
    assert result is out and out.data_ptr() == pointer
    np.testing.assert_array_equal(out.numpy(), [11.0, 22.0, 33.0])
    nm.exp(a, out=out)
    np.testing.assert_array_equal(out.numpy(), np.exp([1.0, 2.0, 3.0]))
    assert out.data_ptr() == pointer
    total = nm.empty(())
    nm.sum(nm.reshape(a, (3, 1)), out=total)
    assert total.item() == 6.0
    col = nm.empty((3,))
    nm.max(nm.stack([a, b]), axis=0, out=col)
    np.testing.assert_array_equal(col.numpy(), [10.0, 20.0, 30.0])
    a += b  # in-place operators keep the buffer
    np.testing.assert_array_equal(a.numpy(), [11.0, 22.0, 33.0])


def test_out_is_checked_before_anything_is_written():
    a = nm.asarray([1.0, 2.0])
    wrong_dtype = nm.zeros(2, dtype=nm.float32)
    with pytest.raises(DTypeError, match=r"out: expected dtype float64, got float32"):
        nm.add(a, a, out=wrong_dtype)
    np.testing.assert_array_equal(wrong_dtype.numpy(), [0, 0])
    with pytest.raises(ShapeError, match=r"out: expected shape \(2,\), got \(3,\)"):
        nm.multiply(a, 2.0, out=nm.zeros(3))
    with pytest.raises(DTypeError, match="out: expected a Tensor, got ndarray"):
        nm.exp(a, out=np.zeros(2))
    with pytest.raises(ShapeError, match=r"out: expected shape \(\), got \(2,\)"):
        nm.sum(a, out=nm.zeros(2))


def test_broadcast_mismatch_names_both_shapes():
    with pytest.raises(ShapeError, match=r"add: shapes \(2, 3\) and \(4,\) cannot be broadcast"):
        nm.ones((2, 3)) + nm.ones(4)
    with pytest.raises(ShapeError, match=r"\(2, 3\) and \(4,\)"):
        nm.add(nm.ones((2, 3)), nm.ones(4), out=nm.ones((2, 3)))
    with pytest.raises(ShapeError, match=r"broadcast_shapes: shapes \(2,\) and \(3,\)"):
        nm.broadcast_shapes((2,), (3,))


def test_inplace_operators_cast_within_kind_only():
    x = nm.zeros(3, dtype=nm.float32)
    x += nm.ones(3, dtype=nm.float64)  # like NumPy and PyTorch: float64 into float32 is fine
    assert x.dtype == nm.float32
    np.testing.assert_array_equal(x.numpy(), [1, 1, 1])
    i = nm.zeros(3, dtype=nm.int64)
    with pytest.raises(DTypeError, match=r"add \(in place\): expected a result that casts to "
                                         r"the tensor's dtype int64 \(same_kind\), got a "
                                         "result of dtype float64"):
        i += 1.5
    np.testing.assert_array_equal(i.numpy(), [0, 0, 0])
    row = nm.zeros(3)
    with pytest.raises(ShapeError, match=r"add \(in place\): the result has shape \(2, 3\), "
                                         r"the tensor written into has shape \(3,\)"):
        row += nm.ones((2, 3))
    grid = nm.zeros((2, 3))
    grid += nm.arange(3.0)  # broadcasting into x's own shape is fine
    np.testing.assert_array_equal(grid.numpy(), np.zeros((2, 3)) + np.arange(3.0))


def test_mixing_devices_raises_device_error():
    info = nm.__array_namespace_info__()
    others = [d for d in info.devices() if d.type != "cpu"]
    if not others:
        pytest.skip("only the CPU backend is installed")
    other = nm.ones(2, device=others[0])
    with pytest.raises(DeviceError, match="different devices"):
        nm.ones(2) + other
    with pytest.raises(DeviceError, match="out: expected a tensor on cpu"):
        nm.add(nm.ones(2), nm.ones(2), out=nm.ones(2, device=others[0]))


def test_matmul_tensordot_vecdot_match_numpy():
    rng = np.random.default_rng(0)
    a, b = rng.random((2, 3, 4)), rng.random((2, 4, 5))
    np.testing.assert_allclose((nm.asarray(a) @ nm.asarray(b)).numpy(), a @ b)
    np.testing.assert_allclose(nm.tensordot(nm.asarray(a), nm.asarray(b[0]), axes=1).numpy(),
                               np.tensordot(a, b[0], axes=1))
    np.testing.assert_allclose(nm.vecdot(nm.asarray(a), nm.asarray(a)).numpy(),
                               np.vecdot(a, a))
    with pytest.raises(ShapeError, match="inner dimensions"):
        nm.asarray(a) @ nm.asarray(a)


def test_dlpack_with_numpy_both_ways():
    a = np.arange(6.0).reshape(2, 3)
    t = nm.from_dlpack(a)
    assert np.shares_memory(t.numpy(), a)
    back = np.from_dlpack(t)
    assert np.shares_memory(back, a)
    np.testing.assert_array_equal(back, a)


def test_dlpack_with_pytorch_both_ways():
    torch = pytest.importorskip("torch")
    source = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    t = nm.from_dlpack(source)
    t[0, 0] = 42.0  # shared memory: the write shows in the torch tensor
    assert source[0, 0].item() == 42.0
    back = torch.from_dlpack(nm.asarray([[1.0, 2.0]]))
    assert back.dtype == torch.float64
    np.testing.assert_array_equal(back.numpy(), [[1.0, 2.0]])


def test_bfloat16_crosses_dlpack_with_pytorch():
    torch = pytest.importorskip("torch")
    source = torch.tensor([1.5, -2.0], dtype=torch.bfloat16)
    shared = nm.from_dlpack(source)  # NumPy's DLPack has no bfloat16: int16 bits, viewed back
    assert shared.dtype == nm.bfloat16 and shared.tolist() == [1.5, -2.0]
    shared[0] = 3.0
    assert source[0].item() == 3.0  # the same memory
    mine = nm.asarray([1.25, 2.0], dtype=nm.bfloat16)
    theirs = torch.from_dlpack(mine.view(nm.int16)).view(torch.bfloat16)
    assert theirs.tolist() == [1.25, 2.0]
    joined = mine.view(nm.int32)  # two bfloat16 items read as one int32, as in PyTorch
    assert joined.shape == (1,)
    assert joined.item() == torch.from_dlpack(mine.view(nm.int16)).view(torch.int32).item()


@pytest.mark.parametrize(("shape", "source", "target"), [
    ((2, 4), "float64", "int32"),   # smaller item: the last axis grows
    ((2, 4), "float64", "uint8"),
    ((3, 8), "int8", "float32"),    # larger item: the last axis shrinks
    ((5, 2), "float32", "complex64"),
    ((4,), "int16", "float64"),
])
def test_view_as_dtype_of_another_size_matches_pytorch(shape, source, target):
    torch = pytest.importorskip("torch")
    values = np.arange(np.prod(shape), dtype=source).reshape(shape)
    mine = nm.asarray(values).view(getattr(nm, target))
    theirs = torch.from_numpy(values.copy()).view(getattr(torch, target))
    assert mine.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


def test_view_as_dtype_shares_memory_and_refuses_what_pytorch_refuses():
    source = nm.asarray(np.ones((2, 4)))
    split = source.view(nm.int32)
    split[0, :2] = 0  # the first float64's bytes
    assert source[0, 0].item() == 0.0 and source[0, 1].item() == 1.0
    with pytest.raises(DTypeError, match="view: dtype: expected a dtype of 8 bytes"):
        nm.asarray(1.0).view(nm.int32)  # 0-d: no last axis to rescale
    with pytest.raises(ShapeError, match="view: tensor: expected a contiguous last axis"):
        nm.asarray(np.ones((4, 2))).T.view(nm.int32)
    with pytest.raises(ShapeError, match="a multiple of 4 bytes"):
        nm.asarray(np.ones(3, dtype=np.int8)).view(nm.float32)
    assert nm.asarray(np.ones((4, 2))).T.view(nm.int64).shape == (2, 4)  # same size: any layout
    empty = np.ones((2, 0), dtype=np.float32)  # PyTorch refuses (stride 0); NumPy allows
    assert nm.asarray(empty).view(nm.float64).shape == empty.view(np.float64).shape


def test_array_namespace_and_info():
    t = nm.ones(2)
    assert t.__array_namespace__() is nm
    assert nm.__array_api_version__ == "2023.12"
    info = nm.__array_namespace_info__()
    assert info.capabilities()["boolean indexing"] is True
    assert info.default_dtypes()["real floating"] == nm.float64
    assert set(info.dtypes(kind="integral").values()) == {nm.int8, nm.int16, nm.int32,
                                                          nm.int64, nm.uint8, nm.uint16,
                                                          nm.uint32, nm.uint64}


_x = nm.asarray(np.arange(12.0).reshape(3, 4) - 5.0)
_i = nm.asarray(np.array([2, 0, 1]))
OUT_CASES = {
    "add": lambda out: nm.add(_x, 1.0, out=out),
    "exp": lambda out: nm.exp(_x, out=out),
    "round": lambda out: nm.round(_x / 3, decimals=1, out=out),
    "reciprocal": lambda out: nm.reciprocal(_x + 10.0, out=out),
    "clip": lambda out: nm.clip(_x, -1.0, 2.0, out=out),
    "sum": lambda out: nm.sum(_x, axis=1, out=out),
    "mean": lambda out: nm.mean(_x, axis=0, keepdims=True, out=out),
    "var": lambda out: nm.var(_x, axis=1, out=out),
    "std": lambda out: nm.std(_x, out=out),
    "argmax": lambda out: nm.argmax(_x, axis=0, out=out),
    "argsort": lambda out: nm.argsort(_x, axis=1, descending=True, out=out),
    "sort": lambda out: nm.sort(_x, axis=0, out=out),
    "cumulative_sum": lambda out: nm.cumulative_sum(_x, axis=1, out=out),
    "count_nonzero": lambda out: nm.count_nonzero(_x, axis=0, out=out),
    "searchsorted": lambda out: nm.searchsorted(nm.arange(5.0), _x, out=out),
    "matmul": lambda out: nm.matmul(_x, nm.matrix_transpose(_x), out=out),
    "tensordot": lambda out: nm.tensordot(_x, _x, axes=2, out=out),
    "vecdot": lambda out: nm.vecdot(_x, _x, out=out),
    "concat": lambda out: nm.concat([_x, _x], axis=0, out=out),
    "stack": lambda out: nm.stack([_x, _x], axis=1, out=out),
    "take": lambda out: nm.take(_x, _i, axis=0, out=out),
    "take_along_axis": lambda out: nm.take_along_axis(_x, nm.argsort(_x, axis=1), axis=1,
                                                      out=out),
    "where": lambda out: nm.where(_x > 0, _x, 0.0, out=out),
    "masked_fill": lambda out: nm.masked_fill(_x, _x > 0, 7.0, out=out),
    "roll": lambda out: nm.roll(_x, 1, axis=1, out=out),
    "repeat": lambda out: nm.repeat(_x, 2, axis=0, out=out),
    "tile": lambda out: nm.tile(_x, (2, 1), out=out),
    "diff": lambda out: nm.diff(_x, axis=1, out=out),
    "isin": lambda out: nm.isin(_x, nm.asarray([1.0, 2.0]), out=out),
    "tril": lambda out: nm.tril(_x, k=1, out=out),
    "unique_values": lambda out: nm.unique_values(_x, out=out),
}


@pytest.mark.parametrize("name", sorted(OUT_CASES))
def test_every_computing_function_writes_into_a_checked_out(name):
    call = OUT_CASES[name]
    expected = call(None)
    out = nm.empty(expected.shape, dtype=expected.dtype)
    pointer = out.data_ptr()
    assert call(out) is out and out.data_ptr() == pointer
    np.testing.assert_array_equal(out.numpy(), expected.numpy())
    other = nm.float32 if expected.dtype != nm.float32 else nm.float64
    with pytest.raises(DTypeError, match=f"out: expected dtype {expected.dtype}, got {other}"):
        call(nm.empty(expected.shape, dtype=other))
    with pytest.raises(ShapeError, match="out: expected shape"):
        call(nm.empty((*expected.shape, 2), dtype=expected.dtype))


def test_bfloat16_ops_keep_bfloat16_and_match_float32_math():
    rng = np.random.default_rng(5)
    a = rng.random((3, 4)).astype(ml_dtypes.bfloat16)
    b = rng.random((4, 2)).astype(ml_dtypes.bfloat16)
    ta, tb = nm.asarray(a), nm.asarray(b)
    ref = a.astype(np.float32) @ b.astype(np.float32)
    product = ta @ tb
    assert product.dtype == nm.bfloat16
    np.testing.assert_allclose(product.numpy().astype(np.float32), ref, rtol=1e-2)
    dots = nm.vecdot(ta, ta)
    assert dots.dtype == nm.bfloat16
    np.testing.assert_allclose(dots.numpy().astype(np.float32),
                               (a.astype(np.float32) ** 2).sum(-1), rtol=1e-2)
    for op in ("exp", "sqrt", "negative"):
        got = getattr(nm, op)(ta)
        assert got.dtype == nm.bfloat16
        np.testing.assert_allclose(got.numpy().astype(np.float32),
                                   getattr(np, op)(a.astype(np.float32)), rtol=1e-2)
    assert nm.sum(ta).dtype == nm.bfloat16
    assert "dtype=bfloat16" in repr(ta)


@FAST
@given(st.data())
def test_mixed_dtype_ops_promote_and_compute_like_numpy(data):
    da, db = (data.draw(st.sampled_from(NUMERIC)) for _ in range(2))
    shape_a, shape_b = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2,
                                                                   max_side=3)).input_shapes
    a = data.draw(hnp.arrays(da, shape_a, elements=st.integers(0, 3)
                             if np.dtype(da).kind != "b" else st.booleans()))
    b = data.draw(hnp.arrays(db, shape_b, elements=st.integers(0, 3) if np.dtype(db).kind != "b"
                             else st.booleans()))
    op = data.draw(st.sampled_from(["add", "multiply", "maximum", "equal", "less"]))
    if op in ("add", "multiply") and "bool" in (da, db) and da == db:
        op = "logical_and"
    expected = getattr(np, op)(a, b)
    got = getattr(nm, op)(nm.asarray(a), nm.asarray(b))
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got.numpy(), expected)
    scalar = data.draw(st.sampled_from([1, 2.0, True]))
    if np.dtype(da).kind in "fc" or isinstance(scalar, (bool, int)):
        with np.errstate(all="ignore"):
            expected = np.multiply(a, scalar)
        got = nm.asarray(a) * scalar
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got.numpy(), expected)
        np.testing.assert_array_equal((scalar * nm.asarray(a)).numpy(), expected)


def test_ops_undefined_for_a_dtype_raise_dtype_error_naming_it():
    with pytest.raises(DTypeError, match="bitwise_and: expected operands of dtypes it is "
                                         "defined for, got float64 and float64"):
        nm.bitwise_and(nm.ones(2), nm.ones(2))
    with pytest.raises(DTypeError, match="bitwise_invert: .* got float32"):
        ~nm.ones(2, dtype=nm.float32)
    with pytest.raises(TypeError):  # DTypeError is a TypeError too
        nm.ones(2) << 1


@pytest.mark.parametrize("call, words", [
    (lambda: nm.reshape(nm.ones(6), (4,)), r"reshape: .*size 6.* \(input shapes: \(6,\)\)"),
    (lambda: nm.concat([nm.ones((2, 3)), nm.ones((2, 4))]), r"\(2, 3\), \(2, 4\)"),
    (lambda: nm.stack(t for t in [nm.ones(2), nm.ones(3)]), r"stack: .*\(2,\), \(3,\)"),
    (lambda: nm.broadcast_to(nm.ones(3), (2, 4)), r"broadcast_to: .*\(3,\)"),
    (lambda: nm.permute_dims(nm.ones((2, 3)), (0, 0)), r"permute_dims: .*\(2, 3\)"),
])
def test_manipulation_errors_are_shape_errors_showing_the_inputs(call, words):
    with pytest.raises(ShapeError, match=words):
        call()


@FAST
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=6),
                  elements=st.sampled_from([0.0, -0.0, 1.0, 2.0, -1.0])), st.booleans())
def test_sorting_is_stable_both_ways_like_numpy(a, descending):
    t = nm.asarray(a)
    order = nm.argsort(t, axis=-1, descending=descending).numpy()
    keys = -a if descending else a
    np.testing.assert_array_equal(order, np.argsort(keys, axis=-1, kind="stable"))
    values = nm.sort(t, axis=-1, descending=descending).numpy()
    expected = np.take_along_axis(a, order, axis=-1)
    np.testing.assert_array_equal(values, expected)
    np.testing.assert_array_equal(np.signbit(values), np.signbit(expected))  # -0.0 vs 0.0
