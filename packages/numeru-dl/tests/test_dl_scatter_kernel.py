"""The CPU ``index_add`` kernel (gradients of take, repeat, embedding and interpolate) against
NumPy's ``add.at`` (the generic path: the same sums in the same order) and torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import numeru.core as nm
from numeru.core.errors import IndexOutOfRangeError
from numeru.dl import _scatter
from numeru.dl.ops._cpu_scatter import index_add


def _reference(g, index, axis, size):
    moved = np.moveaxis(g, axis, 0)
    out = np.zeros((size, *moved.shape[np.ndim(index):]), dtype=g.dtype)
    np.add.at(out, index, moved)
    return np.moveaxis(out, 0, axis)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64, np.complex128])
@pytest.mark.parametrize(("shape", "axis", "index", "size"), [
    ((6, 3), 0, [0, 2, 2, 5, 0, 2], 7),          # duplicates add up
    ((4, 5, 2), 1, [1, -1, 1, 0, -5], 5),         # negative indices wrap
    ((1, 4), 0, [[0, 1, 1], [2, 2, 0]], 3),       # a 2-D index: g's leading dims are its shape
    ((0, 3), 0, np.zeros(0, np.int64), 4),        # nothing to add
    ((3,), 0, [1, 1, 1], 2),                      # 1-D g: one value per index
])
def test_index_add_kernel_equals_add_at_bit_for_bit(dtype, shape, axis, index, size):
    rng = np.random.default_rng(0)
    index = np.asarray(index)
    if index.ndim > 1:  # the index's dims replace g's axis
        shape = shape[:axis] + index.shape + shape[axis + 1:]
    g = rng.standard_normal(shape).astype(dtype)
    if np.iscomplexobj(g):
        g = g + 1j * rng.standard_normal(shape).astype(dtype)
    got = index_add(g, index, axis, size)
    want = _reference(g, index, axis, size)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def test_index_add_matches_torch_index_add():
    rng = np.random.default_rng(1)
    g = rng.standard_normal((5, 40, 3))
    index = rng.integers(0, 7, 40)
    theirs = torch.zeros(5, 7, 3, dtype=torch.float64).index_add_(1, torch.tensor(index),
                                                                   torch.tensor(g))
    np.testing.assert_allclose(index_add(g, index, 1, 7), theirs.numpy(), rtol=1e-14)


def test_index_add_refuses_indices_out_of_range_before_writing():
    g = np.ones((3, 2))
    for bad in ([0, 1, 4], [0, -5, 1]):
        with pytest.raises(IndexOutOfRangeError, match="index_add: index: expected indices in "
                                                       r"\[-4, 4\)"):
            index_add(g, np.asarray(bad), 0, 4)


def test_other_dtypes_take_the_generic_path():
    g = np.arange(6, dtype=np.int32).reshape(3, 2)
    np.testing.assert_array_equal(index_add(g, np.asarray([0, 0, 2]), 0, 3),
                                  _reference(g, np.asarray([0, 0, 2]), 0, 3))


def test_take_gradient_goes_through_the_kernel_and_matches_torch():
    rng = np.random.default_rng(2)
    weights = rng.standard_normal((10, 4))
    ids = rng.integers(0, 10, (6, 5))
    mine = nm.asarray(weights, requires_grad=True)
    (nm.take(mine, nm.asarray(ids), axis=0) ** 2).sum().backward()
    theirs = torch.tensor(weights, requires_grad=True)
    (torch.nn.functional.embedding(torch.tensor(ids), theirs) ** 2).sum().backward()
    np.testing.assert_allclose(mine.grad.numpy(), theirs.grad.numpy(), rtol=1e-14)
    assert _scatter.INDEX_ADD.kernel(mine.device).__class__.__name__ == "_Lazy"  # the kernel
