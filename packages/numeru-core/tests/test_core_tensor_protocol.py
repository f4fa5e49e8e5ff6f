"""The Tensor's Python protocol against NumPy 2 (and PyTorch for torch-named methods):
``in``, ``bool``, copies, pickling, DLPack keywords, shapes given as NumPy integers."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import numeru.core as nm
from numeru.core.errors import DTypeError, SerializationError, ShapeError, ValidationError

try:
    import torch
except ImportError:  # the PyTorch comparisons skip; the other tests still run
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is the reference here")


def test_contains_compares_every_element_as_numpy():
    a = np.array([[1, 2], [3, 4]])
    t = nm.asarray(a)
    for value in (5, 2, 4.0, [1, 2], [9, 4]):
        assert (value in t) == (value in a), value
    assert (5 in nm.asarray(5)) == (5 in np.array(5))
    assert 2.5 not in nm.asarray([1.0, 2.0])


def test_bool_of_several_elements_names_the_ambiguity():
    for shape in ((2,), (0,)):
        with pytest.raises(ValueError):
            bool(np.ones(shape))
        with pytest.raises(ShapeError, match="ambiguous"):
            bool(nm.ones(shape))
    assert bool(nm.asarray([3])) is True


def test_pickling_is_refused():
    t = nm.asarray([1.0, 2.0])
    with pytest.raises(SerializationError, match="numeru never pickles"):
        pickle.dumps(t)
    with pytest.raises(TypeError):  # a TypeError, as Python's own refusals are
        pickle.dumps({"w": t})


def test_copy_and_deepcopy_give_new_buffers_on_the_interned_device():
    t = nm.asarray([1.0, 2.0])
    t.tag = "kept"
    for copied in (copy.copy(t), copy.deepcopy(t)):
        assert copied.device is t.device
        assert not np.shares_memory(copied.data, t.data)  # as ndarray.__copy__
        assert copied.tag == "kept"
        np.testing.assert_array_equal((copied + t).numpy(), [2.0, 4.0])  # same device
    grad = nm.asarray([1.0]).requires_grad_()
    assert copy.deepcopy(grad).requires_grad
    pair = copy.deepcopy([t, t])
    assert pair[0] is pair[1]  # the memo keeps shared references shared


def test_device_copies_are_the_interned_device():
    cpu = nm.device("cpu")
    assert copy.copy(cpu) is cpu
    assert copy.deepcopy({"device": cpu})["device"] is cpu
    assert pickle.loads(pickle.dumps(cpu)) is cpu


@needs_torch
def test_copy_into_refuses_a_source_that_would_grow_the_shape_as_torch():
    for src in (nm.zeros((1, 2)), np.zeros((1, 2)), [[1.0, 2.0]], nm.zeros((2, 2))):
        with pytest.raises(RuntimeError):
            torch.zeros(2).copy_(torch.as_tensor(np.asarray(src)))
        with pytest.raises(ShapeError, match="copy_: src"):
            nm.zeros(2).copy_(src)
    t = nm.zeros((2, 2))
    t.copy_([1.0, 2.0])  # broadcasting to the shape stays allowed
    np.testing.assert_array_equal(t.numpy(), [[1, 2], [1, 2]])


@needs_torch
def test_fill_takes_a_number_or_a_one_element_tensor_as_torch():
    for value in ([1.0, 2.0], np.array([1.0, 2.0]), "3", None):
        with pytest.raises(TypeError):
            torch.zeros(2).fill_(value)
        with pytest.raises(DTypeError, match="value"):
            nm.zeros(2).fill_(value)
    with pytest.raises(RuntimeError):
        torch.zeros(2).fill_(1j)
    with pytest.raises(DTypeError, match="fill_: value"):
        nm.zeros(2).fill_(1j)
    t = nm.zeros(2, dtype=nm.int64).fill_(np.float32(2.7))
    np.testing.assert_array_equal(t.numpy(), torch.zeros(2, dtype=torch.int64).fill_(2.7))
    assert nm.zeros(2).fill_(nm.asarray([[3.0]])).tolist() == [3.0, 3.0]


@needs_torch
def test_reshape_and_view_take_one_numpy_integer_as_torch():
    a = np.arange(4)
    t = nm.asarray(a)
    for method in ("reshape", "view"):
        expected = getattr(torch.arange(4), method)(np.int64(4))
        assert getattr(t, method)(np.int64(4)).shape == tuple(expected.shape)
    assert t.reshape(np.int64(2), np.int64(2)).shape == a.reshape(np.int64(2), 2).shape
    assert t.reshape(nm.asarray(4)).shape == (4,)


def test_mT_of_a_vector_is_a_shape_error():
    with pytest.raises(ValueError):
        np.matrix_transpose(np.ones(2))
    with pytest.raises(ShapeError, match="mT"):
        nm.ones(2).mT  # noqa: B018
    assert nm.ones((3, 2, 4)).mT.shape == np.ones((3, 2, 4)).mT.shape


def test_dlpack_does_not_drop_keywords_on_a_bad_argument():
    t = nm.asarray([1.0, 2.0])
    with pytest.raises(TypeError):
        np.ones(2).__dlpack__(max_version=1, copy=True)
    with pytest.raises(TypeError):  # retrying without copy=True would share memory
        t.__dlpack__(max_version=1, copy=True)
    assert not np.shares_memory(np.from_dlpack(t, copy=True), t.data)
    assert np.shares_memory(np.from_dlpack(t, copy=False), t.data)


class _OldArray(np.ndarray):
    """An array whose producer predates the 2023.12 ``__dlpack__`` keywords."""

    def __dlpack__(self, stream=None):
        return super().__dlpack__(stream=stream)


def test_dlpack_copy_with_a_producer_without_keywords_still_copies():
    base = np.array([1.0, 2.0])
    t = nm.Tensor(base.view(_OldArray))
    with pytest.raises(TypeError):
        base.view(_OldArray).__dlpack__(copy=True)
    assert not np.shares_memory(np.from_dlpack(t, copy=True), base)
    assert np.shares_memory(np.from_dlpack(t), base)


def test_array_namespace_refuses_an_unknown_version_with_a_numeru_error():
    t = nm.asarray([1.0])
    assert t.__array_namespace__(api_version="2023.12") is nm
    with pytest.raises(ValidationError, match="api_version"):
        t.__array_namespace__(api_version="2099.01")
