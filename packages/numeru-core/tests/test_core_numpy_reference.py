"""Values, dtypes and errors of numeru.core against NumPy 2 (and the Array API where numeru
follows it): the cases a review found numeru answering differently or with NumPy's raw error."""

from __future__ import annotations

import numpy as np
import pytest

import numeru.core as nm
from numeru.core.errors import (
    DTypeError,
    IndexOutOfRangeError,
    OutOfBoundsError,
    ShapeError,
    ValidationError,
)


def _same(t, expected):
    got = t.numpy()
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)


# -- diff ----------------------------------------------------------------------------------

@pytest.mark.parametrize("prepend, append", [(0.0, None), (None, 9), (-1, 2.5),
                                             (np.float32(1), None)])
def test_diff_takes_scalar_prepend_and_append_like_numpy(prepend, append):
    x = np.arange(6.0).reshape(2, 3)
    edges = {k: v for k, v in (("prepend", prepend), ("append", append)) if v is not None}
    for axis in (0, -1):
        _same(nm.diff(nm.asarray(x), axis=axis, **edges), np.diff(x, axis=axis, **edges))


def test_diff_of_bool_is_not_equal_like_numpy():
    x = np.array([[True, False, False, True], [True, True, False, False]])
    for n in (1, 2):
        _same(nm.diff(nm.asarray(x), n=n), np.diff(x, n=n))


def test_diff_names_a_bad_axis_and_a_0d_input():
    x = nm.ones((2, 3))
    with pytest.raises(ShapeError, match=r"^diff: axis: expected an int in \[-2, 2\).*got 2"):
        nm.diff(x, axis=2)
    with pytest.raises(ShapeError, match=r"^diff: x: expected a tensor of at least one "):
        nm.diff(nm.asarray(1.0))
    with pytest.raises(ShapeError, match=r"^diff: "):
        nm.diff(x, prepend=nm.ones((3, 1)))


# -- take / take_along_axis / repeat / squeeze ---------------------------------------------

def test_take_out_of_range_and_float_indices_are_numeru_errors():
    x = nm.arange(5.0)
    np.testing.assert_array_equal(nm.take(x, nm.asarray([-1, 0])).numpy(),
                                  np.take(np.arange(5.0), [-1, 0]))
    for bad in ([5], [-6]):
        with pytest.raises(IndexError):
            np.take(np.arange(5.0), bad)
        with pytest.raises(IndexOutOfRangeError, match=r"^take: indices: expected values in "
                                                       r"\[-n, n\)"):
            nm.take(x, nm.asarray(bad))
    with pytest.raises(DTypeError, match=r"^take: indices: expected an integer tensor, got "
                                         r"float64"):
        nm.take(x, nm.asarray([1.0]))
    with pytest.raises(ShapeError, match=r"^take: axis 2 is out of bounds"):
        nm.take(nm.ones((2, 3)), nm.asarray([0]), axis=2)


def test_take_along_axis_out_of_range_and_float_indices_are_numeru_errors():
    x = nm.ones((2, 3))
    with pytest.raises(IndexOutOfRangeError, match=r"^take_along_axis: indices: .*axis 1"):
        nm.take_along_axis(x, nm.asarray([[3], [0]]), axis=1)
    with pytest.raises(DTypeError, match=r"^take_along_axis: indices: expected an integer"):
        nm.take_along_axis(x, nm.asarray([[0.0]]), axis=1)


def test_repeat_with_float_repeats_and_squeeze_with_a_repeated_axis():
    with pytest.raises(DTypeError, match=r"^repeat: repeats: expected an int or an integer "
                                         r"tensor, got float64"):
        nm.repeat(nm.ones((2, 3)), nm.asarray([1.0, 1.0, 1.0]), axis=1)
    with pytest.raises(ShapeError, match=r"^squeeze: axis: expected distinct axes, got \(0, 0\)"):
        nm.squeeze(nm.ones((1, 2)), axis=(0, 0))


# -- elementwise: NumPy's value errors in numeru's words -----------------------------------

def _raises_like_numpy(numpy_error, numeru_error, match, nm_call, np_call):
    with pytest.raises(numpy_error):
        np_call()
    with pytest.raises(numeru_error, match=match) as info:
        nm_call()
    assert isinstance(info.value, numpy_error)  # `except OverflowError` keeps working


@pytest.mark.parametrize("dtype, value", [("int8", 300), ("uint8", -1), ("uint8", 256),
                                          ("int64", 2**64)])
def test_python_int_out_of_the_tensors_range_raises_out_of_bounds(dtype, value):
    a = np.array([1, 2], dtype=dtype)
    t = nm.asarray(a)
    match = rf"^add: x2: expected a Python int within the range of {dtype}.*got {value}$"
    _raises_like_numpy(OverflowError, OutOfBoundsError, match, lambda: t + value,
                       lambda: a + value)
    _raises_like_numpy(OverflowError, OutOfBoundsError, match.replace("x2", "x1"),
                       lambda: value + t, lambda: value + a)
    _raises_like_numpy(OverflowError, OutOfBoundsError, match,
                       lambda: nm.add(t, value, out=nm.empty(2, dtype=dtype)),
                       lambda: np.add(a, value, out=np.empty(2, dtype=dtype)))
    for target in (t, nm.asarray(a[:1])):  # the in-place paths, one element and more

        def iadd(target=target):
            target += value

        _raises_like_numpy(OverflowError, OutOfBoundsError, match, iadd,
                           lambda: np.add(a, value, out=a))
    np.testing.assert_array_equal(t.numpy(), [1, 2])  # nothing was written


def test_integer_to_a_negative_integer_power_raises_validation_error():
    a = np.array([2, 3], dtype=np.int8)
    t = nm.asarray(a)
    match = r"^pow: x2: expected non-negative exponents for an integer base"
    for nm_call, np_call in [(lambda: t ** -1, lambda: a ** -1),
                             (lambda: 2 ** nm.asarray([-1]), lambda: 2 ** np.array([-1])),
                             (lambda: nm.pow(t, nm.asarray([-1, 1], dtype="int8")),
                              lambda: np.pow(a, np.array([-1, 1], np.int8))),
                             (lambda: nm.pow(t, -1, out=nm.empty(2, dtype="int8")),
                              lambda: np.pow(a, -1, out=np.empty(2, np.int8))),
                             (lambda: t.pow_(-1), lambda: np.pow(a, -1, out=a))]:
        _raises_like_numpy(ValueError, ValidationError, match, nm_call, np_call)
    # float bases are fine, as in NumPy
    _same(nm.pow(nm.asarray([2.0, 4.0]), -1), np.pow(np.array([2.0, 4.0]), -1))


def test_where_refuses_a_python_int_outside_the_other_operands_range():
    # The standard (array_api_strict raises) and numeru's `add`: NumPy's `where` alone wraps
    # 300 into int8 silently.
    cond = nm.asarray([True, False])
    with pytest.raises(OutOfBoundsError, match=r"^where: x2: expected a Python int within the "
                                                r"range of int8.*got 300"):
        nm.where(cond, nm.asarray([1, 2], dtype="int8"), 300)
    with pytest.raises(OutOfBoundsError, match=r"^where: x1: .*uint8.*got -1"):
        nm.where(cond, -1, nm.asarray([1, 2], dtype="uint8"))
    _same(nm.where(cond, nm.asarray([1, 2], dtype="int8"), 100),
          np.where([True, False], np.array([1, 2], np.int8), 100))
    with pytest.raises(ShapeError, match=r"^where: shapes \(2,\) and \(3,\)"):
        nm.where(cond, nm.ones(3), 0.0)


# -- sort / search / reductions: axis and rank errors -------------------------------------

def test_sort_argsort_name_a_bad_axis_and_a_0d_input():
    x = nm.ones((2, 2))
    for fn in ("sort", "argsort"):
        for descending in (False, True):
            with pytest.raises(ShapeError, match=rf"^{fn}: axis: expected an int in \[-2, 2\)"):
                getattr(nm, fn)(x, axis=-3, descending=descending)
    with pytest.raises(ShapeError, match=r"^sort: x: expected a tensor of at least one dim"):
        nm.sort(nm.asarray(1.0))


def test_nonzero_searchsorted_cumulative_sum_shape_errors_are_numeru_errors():
    with pytest.raises(ShapeError, match=r"^nonzero: x: expected a tensor of at least one"):
        nm.nonzero(nm.asarray(1.0))
    with pytest.raises(ShapeError, match=r"^searchsorted: x1: expected a 1-D sorted tensor, "
                                         r"got shape \(2, 2\)"):
        nm.searchsorted(nm.ones((2, 2)), nm.asarray([1.0]))
    for fn in ("cumulative_sum", "cumulative_prod"):
        with pytest.raises(ValueError):
            getattr(np, fn)(np.ones((2, 3)))
        with pytest.raises(ShapeError, match=rf"^{fn}: axis: expected an int for a tensor of "
                                             r"shape \(2, 3\).*got None"):
            getattr(nm, fn)(nm.ones((2, 3)))


def test_matmul_vecdot_tensordot_shape_errors_are_shape_errors():
    for call in (lambda: nm.matmul(nm.asarray(2.0), nm.ones((2, 3))),
                 lambda: nm.matmul(nm.ones((2, 2, 3)), nm.ones((3, 3, 4))),
                 lambda: nm.tensordot(nm.ones((2, 3)), nm.ones((3, 4)), axes=2),
                 lambda: nm.vecdot(nm.ones(3), nm.ones(4)),
                 lambda: nm.vecdot(nm.ones((2, 3)), nm.ones((2, 3)), axis=2)):
        with pytest.raises(ShapeError, match=r"^(matmul|tensordot|vecdot): [^:]"):
            call()


# -- creation and dtype info --------------------------------------------------------------

def test_creation_from_values_that_do_not_fit_the_dtype_names_them():
    with pytest.raises(OutOfBoundsError, match=r"^asarray: obj: expected values within the "
                                                r"range of int8, got \[300\]"):
        nm.asarray([300], dtype="int8")
    with pytest.raises(ValidationError, match=r"^asarray: obj: expected values that convert "
                                              r"to int64, got nan"):
        nm.asarray(float("nan"), dtype="int64")
    with pytest.raises(OutOfBoundsError, match=r"^full: fill_value: expected a value that "
                                                r"converts to uint8, got -1"):
        nm.full((2,), -1, dtype="uint8")
    with pytest.raises(ValidationError, match=r"^full: fill_value: .*int64, got nan"):
        nm.full((2,), float("nan"), dtype="int64")
    with pytest.raises(DTypeError, match=r"^full: fill_value: .*float64, got 1j"):
        nm.full((2,), 1j, dtype="float64")


def test_finfo_iinfo_refuse_the_other_kind_naming_it():
    with pytest.raises(DTypeError, match=r"^finfo: type: expected a floating or complex "
                                         r"dtype, got int8"):
        nm.finfo("int8")
    with pytest.raises(DTypeError, match=r"^iinfo: type: expected an integer dtype, got bool"):
        nm.iinfo("bool")
    assert nm.finfo(nm.bfloat16).bits == 16 and nm.iinfo(nm.uint8).max == 255
