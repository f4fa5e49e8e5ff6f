"""Tensor methods against NumPy and PyTorch, in-place methods, autograd fields."""

from __future__ import annotations

import numpy as np
import pytest

import numeru.core as nm
from numeru.core import dispatch
from numeru.core.elementwise import BINARY, UNARY
from numeru.core.errors import DTypeError, ShapeError

try:
    import torch
except ImportError:  # the PyTorch comparisons skip; the other tests still run
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is the reference here")


def _pair(shape=(2, 3, 4), seed=0):
    a = np.random.default_rng(seed).random(shape)
    return nm.asarray(a.copy()), torch.from_numpy(a.copy())


def test_every_namespace_elementwise_function_is_a_method():
    for name in UNARY + BINARY:
        if name in ("real", "imag"):
            continue
        assert callable(getattr(nm.Tensor, name)), name
        assert callable(getattr(nm.Tensor, name + "_")), name


@needs_torch
def test_shape_methods_match_pytorch():
    t, p = _pair()
    checks = [
        (t.reshape(6, 4), p.reshape(6, 4)), (t.reshape((4, -1)), p.reshape(4, -1)),
        (t.view(2, 12), p.view(2, 12)), (t.flatten(), p.flatten()),
        (t.flatten(1), p.flatten(1)), (t.permute(2, 0, 1), p.permute(2, 0, 1)),
        (t.transpose(0, 2), p.transpose(0, 2)), (t.unsqueeze(1), p.unsqueeze(1)),
        (t[:, :1].squeeze(), p[:, :1].squeeze()), (t[:1].squeeze(0), p[:1].squeeze(0)),
        (t[:1].expand(3, -1, -1), p[:1].expand(3, -1, -1)), (t.flip(0), p.flip(0)),
        (t.roll(1, 2), p.roll(1, 2)), (t.tile(2, 1, 1), p.repeat(2, 1, 1)),
        (t.movedim(0, 2), p.movedim(0, 2)), (t.swapaxes(0, 1), p.swapaxes(0, 1)),
    ]
    for mine, theirs in checks:
        assert mine.shape == tuple(theirs.shape)
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())
    assert t.view(24).data_ptr() == t.data_ptr()  # a view shares the buffer
    np.testing.assert_array_equal(t.repeat(2, axis=1).numpy(), np.repeat(t.numpy(), 2, axis=1))
    np.testing.assert_array_equal(t.transpose().numpy(), t.numpy().T)
    np.testing.assert_array_equal(t[0].T.numpy(), t.numpy()[0].T)
    np.testing.assert_array_equal(t.mT.numpy(), np.swapaxes(t.numpy(), -1, -2))
    with pytest.raises(ShapeError, match=r"squeeze: axis 0: expected size 1, got size 2"):
        t.squeeze(0)  # the Array API rule (PyTorch would silently do nothing)
    with pytest.raises(ShapeError, match="view"):
        t.permute(2, 1, 0).view(24)


@needs_torch
def test_reduction_methods_match_pytorch():
    t, p = _pair()
    np.testing.assert_allclose(t.sum().numpy(), p.sum().numpy())
    np.testing.assert_allclose(t.sum(1).numpy(), p.sum(1).numpy())
    np.testing.assert_allclose(t.mean(dim=2, keepdims=True).numpy(),
                               p.mean(dim=2, keepdim=True).numpy())
    np.testing.assert_allclose(t.std(0, correction=1).numpy(), p.std(0).numpy())
    np.testing.assert_allclose(t.var(axis=(0, 2)).numpy(), p.var((0, 2), unbiased=False).numpy())
    np.testing.assert_array_equal(t.max(1).numpy(), p.amax(1).numpy())
    np.testing.assert_array_equal(t.argmax(2).numpy(), p.argmax(2).numpy())
    np.testing.assert_allclose(t.cumsum(1).numpy(), p.cumsum(1).numpy())
    np.testing.assert_allclose(t.prod().numpy(), p.prod().numpy())
    assert (t > 0.5).any().item() == (p > 0.5).any().item()


@needs_torch
def test_elementwise_methods_match_pytorch():
    t, p = _pair()
    np.testing.assert_allclose(t.exp().numpy(), p.exp().numpy())
    np.testing.assert_allclose(t.log().numpy(), p.log().numpy())
    np.testing.assert_allclose(t.sqrt().numpy(), p.sqrt().numpy())
    np.testing.assert_allclose(t.clamp(0.2, 0.7).numpy(), p.clamp(0.2, 0.7).numpy())
    np.testing.assert_allclose(t.sub(1.0, alpha=None).numpy(), p.sub(1.0).numpy())
    np.testing.assert_allclose(t.add(t, alpha=0.5).numpy(), p.add(p, alpha=0.5).numpy())
    np.testing.assert_allclose((2.0 ** t).numpy(), (2.0 ** p).numpy())
    np.testing.assert_allclose((1 - t).numpy(), (1 - p).numpy())
    np.testing.assert_array_equal(t.eq(t).numpy(), p.eq(p).numpy())


@needs_torch
def test_inplace_methods_write_into_the_same_buffer_like_pytorch():
    t, p = _pair()
    pointer = t.data_ptr()
    t.add_(1.0).mul_(2.0).sub_(0.5).div_(3.0).pow_(2.0).exp_().neg_().abs_().sqrt_()
    p.add_(1.0).mul_(2.0).sub_(0.5).div_(3.0).pow_(2.0).exp_().neg_().abs_().sqrt_()
    assert t.data_ptr() == pointer
    np.testing.assert_allclose(t.numpy(), p.numpy())
    t.clamp_(1.5, 2.0)
    p.clamp_(1.5, 2.0)
    np.testing.assert_allclose(t.numpy(), p.numpy())
    t.add_(t, alpha=2.0)
    p.add_(p, alpha=2.0)
    np.testing.assert_allclose(t.numpy(), p.numpy())
    t.fill_(3.0)
    assert t.data_ptr() == pointer and (t.numpy() == 3.0).all()
    t.zero_()
    assert (t.numpy() == 0.0).all()
    t.copy_(nm.arange(4.0))  # broadcasts like torch's copy_
    p.copy_(torch.arange(4.0))
    np.testing.assert_array_equal(t.numpy(), p.numpy())
    with pytest.raises(DTypeError, match="expected dtype float64"):
        nm.zeros(3, dtype=nm.int32).exp_()


@needs_torch
def test_copy_contiguous_detach_and_requires_grad():
    t, _ = _pair()
    clone = t.clone()
    assert clone.data_ptr() != t.data_ptr() and clone.data_ptr() % 64 == 0
    np.testing.assert_array_equal(clone.numpy(), t.numpy())
    transposed = t.permute(2, 1, 0)
    assert not transposed.is_contiguous()
    dense = transposed.contiguous()
    assert dense.is_contiguous() and dense.numpy().flags.c_contiguous
    np.testing.assert_array_equal(dense.numpy(), transposed.numpy())
    assert t.contiguous() is t
    assert t.requires_grad is False and t.grad is None
    assert t.requires_grad_() is t and t.requires_grad
    detached = t.detach()
    assert detached.requires_grad is False and detached.data_ptr() == t.data_ptr()
    with pytest.raises(DTypeError, match="requires_grad: expected a floating or complex"):
        nm.ones(2, dtype=nm.int64).requires_grad_()


def test_tracer_records_ops_whose_inputs_require_grad():
    seen = []

    class Recorder:
        def record(self, name, inputs, params, output):
            seen.append((name, len(inputs), output.shape))

    previous = dispatch.set_tracer(Recorder())
    try:
        x = nm.ones((2, 3)).requires_grad_()
        y = nm.ones((2, 3))
        (x * 2.0).sum(axis=0)
        y + y  # no input requires grad: not recorded
        nm.exp(x)
        3.0 - x
        x[0]
    finally:
        dispatch.set_tracer(previous)
    assert [s[0] for s in seen] == ["multiply", "exp", "subtract", "getitem"]
    assert seen[0][2] == (2, 3)


def test_python_protocol():
    t = nm.asarray([[1, 2], [3, 4]])
    assert len(t) == 2 and [row.tolist() for row in t] == [[1, 2], [3, 4]]
    assert int(t[1, 1]) == 4 and float(t[0, 0]) == 1.0 and bool(t[0, 0])
    assert [10, 20, 30][t[0, 0]] == 20  # __index__
    assert t.real.tolist() == [[1, 2], [3, 4]]
    assert f"{nm.asarray(2.0) / 3:.3f}" == "0.667" and f"{t}" == repr(t)
    with pytest.raises(ShapeError, match="item: expected a tensor with one element"):
        t.item()


def test_tensor_subclasses_work_on_every_path_and_give_plain_tensors():
    class Parameter(nm.Tensor):
        pass

    seen = []

    class Recorder:
        def record(self, name, inputs, params, output):
            seen.append(name)

    weight = Parameter(np.arange(3.0))
    weight.requires_grad = True
    x = nm.ones(3)
    previous = dispatch.set_tracer(Recorder())
    try:
        results = [x * weight, weight + 1.0, 2.0 - weight, nm.exp(weight), weight.sum(),
                   weight[1:]]
    finally:
        dispatch.set_tracer(previous)
    assert seen == ["multiply", "add", "subtract", "exp", "sum", "getitem"]
    assert all(type(r) is nm.Tensor for r in results)
    np.testing.assert_array_equal(results[0].numpy(), np.arange(3.0))
    np.testing.assert_array_equal(results[2].numpy(), 2.0 - np.arange(3.0))
