"""Convolutions and ``F.pad`` against PyTorch: forward values and the gradients of input,
weight and bias (float64, copied weights) for each option, and the errors PyTorch raises."""

from __future__ import annotations

import numpy as np
import pytest

import numeru.core as nm
import numeru.dl as dl
from numeru.core.errors import NumeruError, ShapeError
from numeru.dl import nn
from numeru.dl.nn import functional as F

torch = pytest.importorskip("torch")
tnn, TF = torch.nn, torch.nn.functional


def _compare(ours, theirs, x, **forward_kwargs):
    ours.double()
    theirs.double()
    with torch.no_grad():
        params = dict(theirs.named_parameters())
        for name, p in ours.named_parameters():
            params[name].copy_(torch.tensor(p.numpy()))
    xn = nm.asarray(x, requires_grad=True)
    xt = torch.tensor(np.ascontiguousarray(x), requires_grad=True)
    y, yt = ours(xn, **forward_kwargs), theirs(xt, **forward_kwargs)
    assert tuple(y.shape) == tuple(yt.shape)
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = np.random.default_rng(9).standard_normal(tuple(yt.shape))
    y.backward(nm.asarray(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(xn.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), params[name].grad.numpy(), rtol=1e-10,
                                   atol=1e-12, err_msg=name)


def _x(*shape):
    return np.random.default_rng(0).standard_normal(shape)


@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("padding", [1, (1, 2), "same"])
def test_conv2d_padding_modes_match_torch(mode, padding):
    args = (3, 4, (3, 4))
    kwargs = {"padding": padding, "padding_mode": mode, "dilation": (1, 2) if padding == "same"
              else 1}
    _compare(nn.Conv2d(*args, **kwargs), tnn.Conv2d(*args, **kwargs), _x(2, 3, 6, 7))


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_conv1d_padding_modes_and_tuple_arguments_match_torch(mode):
    kwargs = {"stride": (2,), "padding": (2,), "dilation": (2,), "padding_mode": mode}
    _compare(nn.Conv1d(2, 4, 3, **kwargs), tnn.Conv1d(2, 4, 3, **kwargs), _x(2, 2, 9))
    _compare(nn.Conv1d(2, 4, 3, **kwargs), tnn.Conv1d(2, 4, 3, **kwargs), _x(2, 9))  # unbatched


def test_conv_attributes_and_reprs_match_torch():
    for ours, theirs in [
            (nn.Conv1d(3, 4, 4, padding="same"), tnn.Conv1d(3, 4, 4, padding="same")),
            (nn.Conv2d(3, 6, 3, padding="valid", groups=3, padding_mode="circular"),
             tnn.Conv2d(3, 6, 3, padding="valid", groups=3, padding_mode="circular")),
            (nn.ConvTranspose2d(2, 4, 3, stride=2, output_padding=1),
             tnn.ConvTranspose2d(2, 4, 3, stride=2, output_padding=1))]:
        assert repr(ours) == repr(theirs)  # padding=same, unquoted as in PyTorch
        for name in ("kernel_size", "stride", "padding", "dilation", "groups", "padding_mode",
                     "transposed", "output_padding", "_reversed_padding_repeated_twice"):
            value = getattr(theirs, name)
            assert getattr(ours, name) == (tuple(value) if isinstance(value, list) else value)
        assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == {
            k: tuple(v.shape) for k, v in theirs.state_dict().items()}


def test_conv_transpose2d_output_padding_below_dilation_has_torchs_gradients():
    # output_padding >= stride is allowed when below the dilation: the output is then longer
    # than the adjoint convolution covers (the backward used to fail on a shape mismatch).
    kwargs = {"stride": 1, "dilation": 3, "output_padding": 2, "padding": 1}
    _compare(nn.ConvTranspose2d(3, 4, 3, **kwargs), tnn.ConvTranspose2d(3, 4, 3, **kwargs),
             _x(2, 3, 4, 5))
    x, w = (nm.asarray(_x(1, 2, 3, 3), requires_grad=True),
            nm.asarray(_x(2, 1, 2, 2), requires_grad=True))
    assert dl.gradgradcheck(lambda a, b: F.conv_transpose2d(a, b, dilation=2,
                                                            output_padding=1), (x, w))


@pytest.mark.parametrize("output_size", [(8, 8), (7, 8), [2, 4, 8, 7]])
def test_conv_transpose2d_output_size_matches_torch(output_size):
    make = (lambda m: m.ConvTranspose2d(3, 4, 3, stride=2, padding=1))
    _compare(make(nn), make(tnn), _x(2, 3, 4, 4), output_size=output_size)
    with pytest.raises(ShapeError, match=r"output_size: expected sizes between \(7, 7\) and "
                                         r"\(8, 8\)"):
        make(nn)(nm.asarray(_x(2, 3, 4, 4)), output_size=(9, 9))


def test_zero_batch_and_non_contiguous_inputs_match_torch():
    _compare(nn.Conv2d(2, 3, 2), tnn.Conv2d(2, 3, 2), _x(0, 2, 3, 3))
    _compare(nn.Conv2d(5, 4, 2), tnn.Conv2d(5, 4, 2), _x(2, 5, 8, 8)[:, :, ::2, 1::2])


@pytest.mark.parametrize("call,match", [
    (lambda: F.conv2d(nm.zeros((1, 3, 4, 8)), nm.zeros((4, 3, 5, 5))),
     r"input: expected a padded spatial size \(4, 8\) of at least the dilated kernel size"),
    (lambda: F.conv1d(nm.zeros((1, 3, 3)), nm.zeros((4, 3, 2)), dilation=3),
     r"input: expected a padded spatial size \(3,\) of at least the dilated kernel size \(4,\)"),
    (lambda: F.conv2d(nm.zeros((1, 4, 5, 5)), nm.zeros((6, 2, 3, 3)), groups=2, stride=0),
     "stride: expected positive ints"),
    (lambda: F.conv2d(nm.zeros((1, 4, 5, 5)), nm.zeros((6, 2, 3, 3)), groups=2, padding=-1),
     "padding: expected non-negative ints"),
    (lambda: F.conv2d(nm.zeros((1, 4, 5, 5)), nm.zeros((6, 2, 3, 3)), groups=2, dilation=0),
     "dilation: expected positive ints"),
    (lambda: F.conv2d(nm.zeros((1, 4, 5, 5)), nm.zeros((6, 2, 3, 3)), groups=0),
     "groups: expected a positive int"),
    (lambda: F.conv2d(nm.zeros((1, 4, 5, 5)), nm.zeros((5, 2, 3, 3)), groups=2),
     "groups: expected a divisor of the weight's first dimension 5"),
    (lambda: F.conv2d(nm.zeros((1, 4, 5, 5)), nm.zeros((6, 2, 3, 3)), nm.zeros(5), groups=2),
     r"bias: expected shape \(6,\)"),
    (lambda: F.conv2d(nm.zeros((1, 4, 5, 5)), nm.zeros((6, 4, 3))),
     "weight: expected a 4-D tensor"),
    (lambda: F.conv_transpose2d(nm.zeros((1, 3, 4, 4)), nm.zeros((3, 2, 3, 3)), groups=2),
     "groups: expected a divisor of the weight's first dimension 3"),
    (lambda: F.conv_transpose2d(nm.zeros((1, 2, 3, 3)), nm.zeros((2, 3, 3, 3)), padding=3),
     "input: expected a spatial size giving a positive output size"),
    (lambda: nn.Conv2d(2, 2, 2, padding_mode="mirror"), "padding_mode: expected 'zeros'"),
    (lambda: nn.ConvTranspose2d(2, 2, 2, padding_mode="reflect"),
     "padding_mode: expected 'zeros'"),
    (lambda: nn.Conv2d(2, 2, 0), "kernel_size: expected positive ints"),
])
def test_conv_errors_name_the_argument_where_torch_raises(call, match):
    with pytest.raises(NumeruError, match=match):
        call()


@pytest.mark.parametrize("mode,pad,shape", [
    ("constant", (1, 2), (2, 3)), ("constant", (1, -1, 0, 2, 1, 1), (2, 3, 4)),
    ("reflect", (2, 1), (2, 5)), ("reflect", (1, 2, 2, 0), (1, 2, 3, 4)),
    ("reflect", (-1, 2), (1, 5)), ("replicate", (3, 1, 0, 2), (2, 3, 4)),
    ("replicate", (1, 1, 2, 2, 1, 0), (1, 2, 2, 3, 3)), ("circular", (2, 5), (1, 2, 5)),
    ("circular", (1, 2, 3, 0), (2, 3, 4)),
])
def test_pad_matches_torch_with_gradients(mode, pad, shape):
    x = _x(*shape)
    xn, xt = nm.asarray(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    kwargs = {"value": 1.5} if mode == "constant" else {}
    y, yt = F.pad(xn, pad, mode, **kwargs), TF.pad(xt, pad, mode, **kwargs)
    np.testing.assert_array_equal(y.numpy(), yt.detach().numpy())
    g = np.random.default_rng(1).standard_normal(tuple(yt.shape))
    y.backward(nm.asarray(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(xn.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("call,match", [
    (lambda: F.pad(nm.zeros((1, 5)), (5, 1), "reflect"), "pad: expected reflect padding"),
    (lambda: F.pad(nm.zeros((1, 5)), (6, 1), "circular"), "pad: expected circular padding"),
    (lambda: F.pad(nm.zeros((1, 5)), (1,)), "pad: expected an even number"),
    (lambda: F.pad(nm.zeros((5,)), (1, 1), "reflect"), "input: expected a 2-D or 3-D tensor"),
    (lambda: F.pad(nm.zeros((1, 5)), (1, 1), "wrap"), "mode: expected 'constant'"),
    (lambda: F.pad(nm.zeros((1, 5)), (-3, -3)), "pad: expected a crop of at most"),
])
def test_pad_errors_where_torch_raises(call, match):
    with pytest.raises(NumeruError, match=match):
        call()
