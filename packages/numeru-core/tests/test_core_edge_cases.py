"""Edge cases found in review, each checked against NumPy (the reference) or the README's rule."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

import numeru.core as nm
from numeru.core.errors import DTypeError, ShapeError, ValidationError

BF16 = np.dtype(ml_dtypes.bfloat16)


# -- var/std: the Numba kernel (>= 16384 elements) must refuse axes NumPy refuses ---------------

@pytest.mark.parametrize("fn", ["var", "std"])
@pytest.mark.parametrize("axis", [2, -3, 5, (0, 3), (3,)])
def test_large_var_std_reject_out_of_range_axes_like_numpy(fn, axis):
    a = np.random.default_rng(0).normal(size=(4, 5000))  # past the kernel's size threshold
    with pytest.raises(np.exceptions.AxisError):
        getattr(np, fn)(a, axis=axis)
    with pytest.raises(ShapeError, match=rf"{fn}: axis: expected distinct axes in \[-2, 2\)"):
        getattr(nm, fn)(nm.asarray(a), axis=axis)
    # In-range axes still agree with NumPy (and still take the kernel).
    np.testing.assert_allclose(getattr(nm, fn)(nm.asarray(a), axis=-1).numpy(),
                               getattr(np, fn)(a, axis=-1), rtol=1e-12)


def test_reduction_with_out_and_a_bad_axis_reports_the_axis_not_out():
    x = nm.asarray(np.arange(24.0).reshape(2, 3, 4))
    for axis, out_shape in [(3, (2, 3)), (-4, (3, 4)), ((0, 0), (3, 4))]:
        with pytest.raises(ShapeError, match=r"^sum: axis: expected distinct axes"):
            nm.sum(x, axis=axis, out=nm.zeros(out_shape))  # the axis is wrong, not out
    out = nm.zeros((3,))
    assert nm.sum(x, axis=(0, -1), out=out) is out
    np.testing.assert_array_equal(out.numpy(), np.arange(24.0).reshape(2, 3, 4).sum((0, 2)))


# -- arange/linspace with NumPy scalars and 0-d tensors -----------------------------------------

@pytest.mark.parametrize("args", [
    (0, np.float32(0.5), np.float32(0.125)),
    (np.float32(2.5),),
    (0, 1, np.float16(0.25)),
])
def test_arange_with_numpy_float_scalars_is_floating_like_numpy(args):
    got = nm.arange(*args)
    expected = np.arange(*(float(a) for a in args))
    assert got.dtype == nm.float64
    np.testing.assert_array_equal(got.numpy(), expected)


def test_arange_and_linspace_take_0d_tensors():
    np.testing.assert_array_equal(nm.arange(0, 2, nm.asarray(0.5)).numpy(), [0.0, 0.5, 1.0, 1.5])
    np.testing.assert_array_equal(nm.arange(nm.asarray(3)).numpy(), [0, 1, 2])
    assert nm.arange(nm.asarray(3)).dtype == nm.int64
    np.testing.assert_array_equal(nm.linspace(nm.asarray(0.0), np.float32(1.0), 3).numpy(),
                                  [0.0, 0.5, 1.0])
    with pytest.raises(ShapeError, match="bound"):
        nm.arange(nm.asarray([1, 2]))


# -- matmul promotes bfloat16 the same way from either side ---------------------------------------

@pytest.mark.parametrize("other", ["bool", "int8", "uint8", "float16", "float32"])
def test_matmul_with_bfloat16_promotes_symmetrically(other):
    a = nm.asarray(np.array([[1, 2], [3, 1]], dtype=BF16))
    b = nm.asarray(np.array([[1, 0], [1, 1]], dtype=other))
    expected = nm.result_type(a, b)
    left, right = nm.matmul(b, a), nm.matmul(a, b)
    assert left.dtype == right.dtype == expected
    ref = np.array([[1, 0], [1, 1]], dtype=np.float64)
    a64 = np.array([[1, 2], [3, 1]], dtype=np.float64)
    np.testing.assert_array_equal(left.numpy().astype(np.float64), ref @ a64)
    np.testing.assert_array_equal(right.numpy().astype(np.float64), a64 @ ref)


def test_matmul_takes_nested_lists_on_either_side():
    t = nm.asarray(np.array([[1.0, 2.0], [3.0, 4.0]]))
    m = [[0.0, 1.0], [1.0, 0.0]]
    np.testing.assert_array_equal((m @ t).numpy(), np.array(m) @ t.numpy())
    np.testing.assert_array_equal((t @ m).numpy(), t.numpy() @ np.array(m))


# -- setitem / fill_: a value that does not convert is not a shape error --------------------------

def test_setitem_nan_into_int_names_the_value_not_a_shape():
    t = nm.zeros(3, dtype=nm.int32)
    with pytest.raises(ValueError, match="cannot convert float NaN"):
        np.zeros(3, np.int32)[0] = float("nan")  # the reference refuses too
    with pytest.raises(ValidationError, match="value: expected values that convert") as info:
        t[0] = float("nan")
    assert not isinstance(info.value, ShapeError)
    with pytest.raises(ValidationError, match="int32"):
        t.fill_(float("nan"))
    np.testing.assert_array_equal(t.numpy(), [0, 0, 0])  # nothing written
    with pytest.raises(ShapeError, match=r"value of shape \(2,\)"):
        t[:] = nm.asarray([1, 2])  # a real broadcast failure stays a ShapeError


# -- dtypes given in big-endian byte order ---------------------------------------------------

def test_big_endian_dtype_objects_mean_the_native_dtype():
    assert nm.astype(nm.asarray([1.5, -2.0]), np.dtype(">f4")).dtype == nm.float32
    t = nm.asarray([1, 2], dtype=np.dtype(">i2"))
    assert t.dtype == nm.int16 and t.dtype.byteorder == "="
    np.testing.assert_array_equal(t.numpy(), [1, 2])
    assert nm.zeros(2, dtype=np.dtype(">c16")).dtype == nm.complex128
    assert nm.result_type(np.dtype(">f4"), 1.0) == nm.float32
    with pytest.raises(DTypeError):
        nm.asarray([1], dtype=np.dtype(">M8"))  # still not a numeru dtype


def test_asarray_copy_false_refuses_a_big_endian_array():
    be = np.arange(3, dtype=">i4")
    with pytest.raises(ValidationError, match="copy"):
        nm.asarray(be, copy=False)  # native order needs a copy: copy=False must not copy
    t = nm.asarray(be)
    assert t.dtype == nm.int32
    np.testing.assert_array_equal(t.numpy(), [0, 1, 2])


# -- flatten ---------------------------------------------------------------------------------------

def test_flatten_checks_its_dims_like_pytorch():
    t = nm.zeros((2, 3, 4))
    assert t.flatten().shape == (24,)
    assert t.flatten(1).shape == (2, 12)
    assert t.flatten(0, 1).shape == (6, 4)
    assert t.flatten(-2, -1).shape == (2, 12)
    assert t.flatten(1, 1).shape == (2, 3, 4)
    with pytest.raises(ShapeError, match="start_dim"):
        t.flatten(2, 1)  # was (2, 3, 1, 4): an extra axis made up from nothing
    with pytest.raises(ShapeError, match="start_dim"):
        t.flatten(3)
    with pytest.raises(ShapeError, match="end_dim"):
        t.flatten(0, -4)


# -- full with a tensor fill value ----------------------------------------------------------------

def test_full_with_a_tensor_fill_keeps_its_dtype_like_numpy():
    for value in (np.int8(3), np.float32(1.5), np.array(1.5, dtype=BF16)):
        got = nm.full((2,), nm.asarray(value))
        ref = np.full((2,), value)
        assert got.dtype == ref.dtype
        np.testing.assert_array_equal(got.numpy(), ref)
    assert nm.full((2,), nm.asarray(np.float32(1.5)), dtype=nm.float64).dtype == nm.float64


# -- errors of bfloat16 operands are numeru's ------------------------------------------------------

def test_bfloat16_with_complex_in_an_undefined_op_raises_dtype_error():
    t = nm.asarray(np.ones(2, dtype=BF16))
    for call in (lambda: t // 1j, lambda: 1j % t,
                 lambda: t // nm.asarray(np.ones(2, np.complex64))):
        with pytest.raises(DTypeError, match="bfloat16"):
            call()


@pytest.mark.parametrize("fn", ["max", "min", "argmax", "argmin"])
def test_reductions_without_identity_refuse_empty_inputs_naming_x(fn):
    with pytest.raises(ValueError):
        getattr(np, fn)(np.zeros((0, 3)), axis=0)
    with pytest.raises(ShapeError, match=rf"^{fn}: x: expected elements along the reduced "
                                         r"axes .*got shape \(0, 3\)"):
        getattr(nm, fn)(nm.zeros((0, 3)), axis=0)
    # along a non-empty axis an empty tensor is fine, as in NumPy
    assert getattr(nm, fn)(nm.zeros((0, 3)), axis=1).shape == getattr(np, fn)(
        np.zeros((0, 3)), axis=1).shape == (0,)


_WRITES = {
    "setitem": lambda x, a: x.__setitem__(0, 5.0),
    "mask setitem": lambda x, a: x.__setitem__(x > 0, 1.0),
    "fill_": lambda x, a: x.fill_(2.0),
    "add_": lambda x, a: x.add_(1.0),
    "iadd": lambda x, a: x.__iadd__(x),
    "out=": lambda x, a: nm.add(x, 1.0, out=x),
    "exp_": lambda x, a: x.exp_(),
    "exp out=": lambda x, a: nm.exp(nm.ones(a.shape), out=x),
    "clamp_": lambda x, a: x.clamp_(0.0, 1.0),
}


@pytest.mark.parametrize("size", [1, 3])
@pytest.mark.parametrize("write", list(_WRITES))
def test_writes_into_a_read_only_buffer_are_validation_errors(write, size):
    source = np.ones(size)
    source.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):  # NumPy refuses the same write
        np.add(source, 1.0, out=source)
    shared = nm.asarray(source, copy=False)
    with pytest.raises(ValidationError, match="expected a writable tensor, got a read-only"):
        _WRITES[write](shared, source)
    np.testing.assert_array_equal(source, np.ones(size))  # nothing was written
