"""The short call paths of dispatch against NumPy: reductions (``dispatch.reduce``), in-place
ops on one-element tensors, and elementwise ``out=``; values, dtypes, errors and tracing."""

from __future__ import annotations

import numpy as np
import pytest

import numeru.core as nm
from numeru.core import dispatch
from numeru.core.backends import cpu_kernels
from numeru.core.errors import DTypeError, ShapeError

REDUCTIONS = ("sum", "prod", "mean", "max", "min", "all", "any")
NUMPY_REDUCTION = {"sum": np.sum, "prod": np.prod, "mean": np.mean, "max": np.max,
                   "min": np.min, "all": np.all, "any": np.any}


class Recorder:
    def __init__(self):
        self.seen = []

    def record(self, name, inputs, params, output):
        self.seen.append((name, dict(params), output.shape))


@pytest.fixture
def recorder():
    rec = Recorder()
    previous = dispatch.set_tracer(rec)
    yield rec
    dispatch.set_tracer(previous)


def _check_same(got, expected):
    assert isinstance(got, nm.Tensor) and got.data.__class__ is np.ndarray
    assert got.dtype == np.asarray(expected).dtype
    assert got.shape == np.shape(expected)
    np.testing.assert_array_equal(got.numpy(), expected)


@pytest.mark.parametrize("name, dtype", [  # mean is defined for floating tensors only
    (name, dtype) for name in REDUCTIONS for dtype in ("float64", "float32", "int8", "uint16",
                                                       "bool")
    if name != "mean" or dtype.startswith("float")])
@pytest.mark.parametrize("shape, axis", [((), None), ((1,), None), ((1,), 0), ((3, 4), None),
                                         ((3, 4), -1), ((3, 4), (0, 1)), ((2, 3, 4), (0, 2))])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_match_numpy_from_functions_and_methods(name, dtype, shape, axis, keepdims):
    a = (np.arange(int(np.prod(shape))).reshape(shape) % 5 + 1).astype(dtype)
    expected = NUMPY_REDUCTION[name](a, axis=axis, keepdims=keepdims)
    t = nm.asarray(a)
    _check_same(getattr(nm, name)(t, axis=axis, keepdims=keepdims), expected)
    _check_same(getattr(t, name)(axis, keepdims=keepdims), expected)
    if name in ("sum", "mean", "max", "min"):  # PyTorch's dim= alias
        _check_same(getattr(t, name)(dim=axis, keepdims=keepdims), expected)


@pytest.mark.parametrize("name", ["sum", "prod"])
@pytest.mark.parametrize("dtype", [None, "float32", "int64", "uint8"])
def test_sum_and_prod_take_an_accumulator_dtype_as_numpy(name, dtype):
    a = np.arange(1, 7, dtype=np.int8).reshape(2, 3)
    for axis in (None, 0):
        expected = NUMPY_REDUCTION[name](a, axis=axis, dtype=dtype)
        _check_same(getattr(nm, name)(nm.asarray(a), axis=axis, dtype=dtype), expected)
        _check_same(getattr(nm.asarray(a), name)(axis, dtype=dtype), expected)


def test_reductions_of_subclasses_host_data_and_into_out():
    class Parameter(nm.Tensor):
        pass

    a = np.arange(6.0).reshape(2, 3)
    _check_same(nm.sum(Parameter(a), axis=0), a.sum(axis=0))
    _check_same(Parameter(a).max(), a.max())
    _check_same(nm.sum(a.tolist(), axis=1), a.sum(axis=1))  # host data: apply's path
    out = nm.empty(3)
    assert nm.sum(nm.asarray(a), axis=0, out=out) is out
    np.testing.assert_array_equal(out.numpy(), a.sum(axis=0))
    with pytest.raises(ShapeError, match="sum: out: expected shape"):
        nm.sum(nm.asarray(a), axis=1, out=out)
    with pytest.raises(DTypeError, match="max: out: expected dtype float64"):
        nm.asarray(a).max(axis=0, out=nm.empty(3, dtype=nm.float32))


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "prod", "all", "any"])
def test_reduction_errors_are_the_same_from_methods_and_functions(name):
    t = nm.ones((2, 3))
    for call in (lambda: getattr(nm, name)(t, axis=5), lambda: getattr(t, name)(5),
                 lambda: getattr(t, name)(axis=(0, 0))):
        with pytest.raises(ShapeError, match=rf"^{name}: axis: expected distinct axes in "
                                             r"\[-2, 2\) for a tensor of shape \(2, 3\)"):
            call()


@pytest.mark.parametrize("name", ["max", "min"])
def test_empty_reductions_without_identity_name_the_input_from_methods_too(name):
    empty = nm.ones((0, 3))
    for call in (lambda: getattr(nm, name)(empty), lambda: getattr(empty, name)()):
        with pytest.raises(ShapeError, match=rf"{name}: x: expected elements along the reduced"):
            call()
    _check_same(getattr(empty, name)(axis=1), np.ones((0, 3)).max(axis=1))


def test_reductions_report_their_params_to_the_tracer(recorder):
    x = nm.ones((2, 3)).requires_grad_()
    nm.sum(x, axis=0)
    x.sum(dim=1, keepdims=True)
    nm.mean(x)
    x.max(axis=-1)
    nm.prod(x, dtype=nm.float32)
    nm.ones(3).sum()  # no input requires grad: not recorded
    assert recorder.seen == [
        ("sum", {"axis": 0, "dtype": None, "keepdims": False}, (3,)),
        ("sum", {"axis": 1, "dtype": None, "keepdims": True}, (2, 1)),
        ("mean", {"axis": None, "keepdims": False}, ()),
        ("max", {"axis": -1, "keepdims": False}, (2,)),
        ("prod", {"axis": None, "dtype": nm.float32, "keepdims": False}, ()),
    ]


@pytest.mark.parametrize("name", ["sum", "prod", "max", "min"])
def test_reduction_kernels_give_arrays_without_numpy_out_ellipsis(monkeypatch, name):
    """On NumPy before 2.3 (no ``out=...``) the kernels wrap NumPy's scalar themselves."""
    a = np.array([[1.5, -2.0], [3.25, 4.0]])
    kernel = cpu_kernels.KERNELS[name]
    fast = kernel(a)
    monkeypatch.setattr(cpu_kernels, "_ARRAY_OUT", None)
    for got in (fast, kernel(a)):
        assert got.__class__ is np.ndarray and got.shape == ()
        assert got.dtype == np.float64 and got == NUMPY_REDUCTION[name](a)


# -- in place, one element -------------------------------------------------------------------

INPLACE = ["add", "subtract", "multiply", "divide", "floor_divide", "remainder", "pow",
           "maximum", "minimum", "bitwise_and", "bitwise_or", "bitwise_xor"]
NUMPY_UFUNC = {"pow": np.power, "bitwise_and": np.bitwise_and, "bitwise_or": np.bitwise_or,
               "bitwise_xor": np.bitwise_xor}


def _numpy_inplace(name, x, y):
    """What NumPy writes into ``x`` (a copy), or the exception class it raises."""
    ufunc = NUMPY_UFUNC.get(name) or getattr(np, name)
    target = x.copy()
    try:
        with np.errstate(all="ignore"):
            ufunc(target, y, out=target, casting="same_kind")
    except TypeError:
        return DTypeError
    except ValueError:
        return ShapeError
    return target


@pytest.mark.parametrize("name", INPLACE)
@pytest.mark.parametrize("shape", [(), (1,), (1, 1)])
@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "int8", "uint8", "bool"])
@pytest.mark.parametrize("other", ["same", "float64", "int32", "int", "float", "bool"])
def test_inplace_on_one_element_matches_numpy(name, shape, dtype, other):
    x = np.full(shape, 3, dtype=dtype) if dtype != "bool" else np.ones(shape, dtype=bool)
    if other == "same":
        y = np.full(shape, 2, dtype=dtype) if dtype != "bool" else np.ones(shape, dtype=bool)
    elif other in ("int", "float", "bool"):
        y = {"int": 2, "float": 2.5, "bool": True}[other]
    else:
        y = np.full(shape, 2, dtype=other)
    expected = _numpy_inplace(name, x, y)
    t = nm.asarray(x)
    address = t.data_ptr()
    operand = y if np.isscalar(y) else nm.asarray(y)
    if expected in (DTypeError, ShapeError):
        with pytest.raises(expected, match=rf"^{name}"), np.errstate(all="ignore"):
            getattr(t, name + "_")(operand)
        np.testing.assert_array_equal(t.numpy(), x)  # nothing written
        return
    with np.errstate(all="ignore"):
        result = getattr(t, name + "_")(operand)
    assert result is t and t.data_ptr() == address
    assert t.dtype == x.dtype and t.shape == shape
    np.testing.assert_array_equal(t.numpy(), expected)


@pytest.mark.parametrize("name", ["exp", "negative", "sqrt", "abs", "floor", "isnan"])
@pytest.mark.parametrize("shape", [(), (1,), (3,)])
@pytest.mark.parametrize("dtype", ["float64", "float32", "int16"])
def test_unary_inplace_matches_numpy(name, shape, dtype):
    x = np.full(shape, 2, dtype=dtype)
    ufunc = getattr(np, {"abs": "absolute"}.get(name, name))
    t = nm.asarray(x)
    address = t.data_ptr()
    with np.errstate(all="ignore"):
        expected = ufunc(x)
    if expected.dtype != x.dtype:
        with pytest.raises(DTypeError, match=rf"{name}: out: expected dtype"):
            getattr(t, name + "_")()
        np.testing.assert_array_equal(t.numpy(), x)
        return
    assert getattr(t, name + "_")() is t and t.data_ptr() == address
    np.testing.assert_array_equal(t.numpy(), expected)


@pytest.mark.parametrize("x_shape, y_shape", [((1,), (3,)), ((1,), (1, 1)), ((), (1,)),
                                              ((1, 1), (2, 1))])
def test_inplace_on_one_element_refuses_a_growing_result(x_shape, y_shape):
    t = nm.ones(x_shape)
    with pytest.raises(ShapeError, match=r"add \(in place\): the result has shape"):
        t += nm.ones(y_shape)
    with pytest.raises(ValueError, match="non-broadcastable output"):  # NumPy agrees
        np.add(np.ones(x_shape), np.ones(y_shape), out=np.ones(x_shape))
    np.testing.assert_array_equal(t.numpy(), np.ones(x_shape))


def test_inplace_on_one_element_writes_through_views_and_keeps_readonly_errors():
    base = nm.arange(5.0)
    view = base[2:3]
    view += 10.0
    view.mul_(nm.asarray([2.0]))
    np.testing.assert_array_equal(base.numpy(), [0.0, 1.0, 24.0, 3.0, 4.0])
    frozen = nm.asarray(np.ones(1))
    frozen.data.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        frozen += 1.0


def test_inplace_on_one_element_is_recorded_when_tracing(recorder):
    x = nm.ones(1).requires_grad_()
    x += 1.0  # x requires grad: the general path, which the tracer sees
    x.mul_(nm.asarray([3.0]))
    assert recorder.seen == [("add", {}, (1,)), ("multiply", {}, (1,))]
    np.testing.assert_array_equal(x.numpy(), [6.0])


# -- elementwise out= --------------------------------------------------------------------------

OUT_CASES = [  # x dtype, operand (dtype or Python value), out dtype
    ("float64", "float64", "float64"), ("float32", "float32", "float32"),
    ("int32", "float64", "float64"), ("float32", 2.5, "float32"), ("int64", 3, "int64"),
    ("float64", "float64", "float32"), ("int32", "int32", "float64"),
    ("float64", "float64", "float64"),
]


@pytest.mark.parametrize("name", ["add", "multiply", "divide", "maximum", "equal"])
def test_binary_out_matches_numpy_as_operand_dtypes_change(name):
    """The fast path remembers the last result dtype per op: alternate dtypes, twice."""
    for _ in range(2):
        for x_dtype, other, out_dtype in OUT_CASES:
            x = np.arange(1, 5, dtype=x_dtype)
            y = np.arange(2, 6, dtype=other) if isinstance(other, str) else other
            expected = getattr(np, name)(x, y)
            out = nm.empty(4, dtype=out_dtype)
            operand = nm.asarray(y) if isinstance(other, str) else y
            if expected.dtype != np.dtype(out_dtype):
                with pytest.raises(DTypeError, match=rf"{name}: out: expected dtype "
                                                     rf"{expected.dtype}, got {out_dtype}"):
                    getattr(nm, name)(nm.asarray(x), operand, out=out)
                continue
            assert getattr(nm, name)(nm.asarray(x), operand, out=out) is out
            np.testing.assert_array_equal(out.numpy(), expected)


def test_out_with_no_loop_for_the_dtypes_is_a_dtype_error():
    # NumPy's resolve gives no dtype, and ``None == float64`` holds in NumPy: such a call
    # must not reach the ufunc with out= (a bare TypeError before).
    a, c = nm.ones(3), nm.empty(3)
    with pytest.raises(DTypeError, match="bitwise_and: expected operands of dtypes"):
        nm.bitwise_and(a, a, out=c)
    with pytest.raises(DTypeError, match="bitwise_invert"):
        nm.bitwise_invert(a, out=c)


def test_binary_out_checks_shapes_and_devices():
    out = nm.empty(3)
    with pytest.raises(ShapeError, match=r"add: out: expected shape \(1,\), got \(3,\)"):
        nm.add(nm.ones(1), nm.ones(1), out=out)  # NumPy would broadcast into out
    with pytest.raises(ShapeError, match=r"add: out: expected shape \(2, 3\)"):
        nm.add(nm.ones(3), nm.ones((2, 3)), out=out)
    assert nm.add(nm.ones(3), 1, out=out) is out
    np.testing.assert_array_equal(out.numpy(), [2.0, 2.0, 2.0])
