"""Indexing against NumPy: basic keys give views, array and mask keys give copies."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import numeru.core as nm
from numeru.core.errors import DTypeError, ShapeError

FAST = settings(max_examples=60, deadline=None)
shapes = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5)


@FAST
@given(st.data())
def test_basic_indexing_is_a_view_matching_numpy(data):
    shape = data.draw(shapes)
    a = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    key = data.draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True))
    t = nm.asarray(a.copy())
    view = t[key]
    expected = a[key]
    np.testing.assert_array_equal(view.numpy(), expected)
    assert view.shape == np.shape(expected)
    if view.size:
        # Writing through the view changes the base tensor: the two share memory.
        view[...] = -1.0
        reference = a.copy()
        if isinstance(expected, np.ndarray):
            reference[key] = -1.0
        else:
            reference[key] = -1.0
        np.testing.assert_array_equal(t.numpy(), reference)


@FAST
@given(st.data())
def test_integer_array_indexing_copies_and_matches_numpy(data):
    shape = data.draw(shapes)
    a = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)
    index = data.draw(hnp.arrays(np.int64, st.integers(0, 6),
                                 elements=st.integers(-shape[0], shape[0] - 1)))
    t = nm.asarray(a.copy())
    picked = t[nm.asarray(index)]
    np.testing.assert_array_equal(picked.numpy(), a[index])
    if picked.size:
        picked[...] = -7
        np.testing.assert_array_equal(t.numpy(), a)  # a copy: the base is untouched
    np.testing.assert_array_equal(t[index.tolist()].numpy(), a[index.tolist()])


@FAST
@given(hnp.arrays(np.float64, shapes, elements=st.floats(-10, 10)))
def test_boolean_mask_indexing_and_assignment_match_numpy(a):
    t = nm.asarray(a.copy())
    mask = t > 0
    np.testing.assert_array_equal(t[mask].numpy(), a[a > 0])
    t[mask] = 0.0
    expected = a.copy()
    expected[a > 0] = 0.0
    np.testing.assert_array_equal(t.numpy(), expected)


def test_setitem_broadcasts_values_into_slices():
    a = np.zeros((3, 4))
    t = nm.asarray(a.copy())
    t[1:, ::2] = nm.asarray([5.0, 6.0])
    a[1:, ::2] = [5.0, 6.0]
    np.testing.assert_array_equal(t.numpy(), a)
    t[:, 1] = 9
    a[:, 1] = 9
    np.testing.assert_array_equal(t.numpy(), a)
    t[nm.asarray([0, 2])] = nm.asarray([[1.0], [2.0]])
    a[[0, 2]] = [[1.0], [2.0]]
    np.testing.assert_array_equal(t.numpy(), a)
    with pytest.raises(ShapeError, match=r"value of shape \(3,\) does not broadcast"):
        t[0] = nm.asarray([1.0, 2.0, 3.0])


def test_full_integer_index_is_a_zero_d_view():
    t = nm.asarray([[1.0, 2.0], [3.0, 4.0]])
    element = t[1, 0]
    assert element.shape == () and element.item() == 3.0
    element.fill_(30.0)
    assert t[1, 0].item() == 30.0


def test_negative_steps_and_views_alias():
    base = nm.arange(10.0)
    view = base[::-3]
    np.testing.assert_array_equal(view.numpy(), np.arange(10.0)[::-3])
    view += 100.0
    assert np.shares_memory(view.numpy(), base.numpy())
    np.testing.assert_array_equal(base.numpy()[[0, 3, 6, 9]], [100.0, 103.0, 106.0, 109.0])
    reshaped = nm.reshape(base, (2, 5))
    reshaped[0, 0] = -1.0
    assert base[0].item() == -1.0


def test_index_errors_are_clear():
    t = nm.zeros((2, 3))
    with pytest.raises(ShapeError, match=r"out of range for shape \(2, 3\)"):
        t[5]
    with pytest.raises(IndexError):
        t[0, 7]
    with pytest.raises(DTypeError, match="expected an integer or boolean tensor, got float64"):
        t[nm.asarray([0.0])]


def test_where_and_masked_fill_match_numpy():
    rng = np.random.default_rng(3)
    a, b = rng.random((3, 4)), rng.random((4,))
    cond = a > 0.5
    t = nm.asarray(a)
    np.testing.assert_array_equal(nm.where(nm.asarray(cond), t, nm.asarray(b)).numpy(),
                                  np.where(cond, a, b))
    np.testing.assert_array_equal(nm.where(nm.asarray(cond), t, 0.0).numpy(),
                                  np.where(cond, a, 0.0))
    column_mask = nm.asarray(np.array([True, False, True, False]))
    filled = t.masked_fill(column_mask, -1.0)
    np.testing.assert_array_equal(filled.numpy(), np.where([True, False, True, False], -1.0, a))
    np.testing.assert_array_equal(t.numpy(), a)  # masked_fill copies
    pointer = t.data_ptr()
    t.masked_fill_(column_mask, -2.0)  # masked_fill_ writes in place, mask broadcast
    assert t.data_ptr() == pointer
    np.testing.assert_array_equal(t.numpy(), np.where([True, False, True, False], -2.0, a))
    with pytest.raises(DTypeError, match="mask: expected a boolean tensor, got float64"):
        t.masked_fill_(nm.asarray([1.0, 0.0, 1.0, 0.0]), 0.0)
    with pytest.raises(ShapeError):
        t.masked_fill_(nm.asarray(np.ones((2, 4), dtype=bool)), 0.0)


@FAST
@given(st.data())
def test_setitem_with_basic_keys_and_broadcast_values_matches_numpy(data):
    shape = data.draw(shapes)
    key = data.draw(hnp.basic_indices(shape, allow_newaxis=False, allow_ellipsis=True))
    reference = np.zeros(shape)
    region = reference[key].shape
    # A value of the region's trailing shape (or a scalar) broadcasts into it.
    trailing = data.draw(st.integers(0, len(region)))
    value = data.draw(hnp.arrays(np.float64, region[len(region) - trailing:],
                                 elements=st.floats(-5, 5)))
    t = nm.zeros(shape)
    t[key] = nm.asarray(value)
    reference[key] = value
    np.testing.assert_array_equal(t.numpy(), reference)
    t[key] = 3.5
    reference[key] = 3.5
    np.testing.assert_array_equal(t.numpy(), reference)
