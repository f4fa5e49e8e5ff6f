"""Each layer's forward and backward against PyTorch with copied weights (float64)."""

from __future__ import annotations

import numpy as np
import pytest

import numeru.core as nm
from numeru.dl import nn

torch = pytest.importorskip("torch")
tnn = torch.nn


def _copy_weights(ours, theirs):
    with torch.no_grad():
        for name, p in ours.named_parameters():
            dict(theirs.named_parameters())[name].copy_(torch.tensor(p.numpy()))


def _compare(ours, theirs, x, *, train=True, atol=1e-9, rtol=1e-7, integer_input=False):
    ours.double().train(train)
    theirs.double().train(train)
    _copy_weights(ours, theirs)
    if integer_input:
        xn, xt = nm.asarray(x), torch.tensor(x)
    else:
        xn = nm.asarray(x.copy(), requires_grad=True)
        xt = torch.tensor(x.copy(), requires_grad=True)
    y, yt = ours(xn), theirs(xt)
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=rtol, atol=atol)
    g = np.random.default_rng(9).standard_normal(tuple(yt.shape))
    y.backward(nm.asarray(g))
    yt.backward(torch.tensor(g))
    if not integer_input:
        np.testing.assert_allclose(xn.grad.numpy(), xt.grad.numpy(), rtol=rtol, atol=atol)
    theirs_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), theirs_params[name].grad.numpy(),
                                   rtol=rtol, atol=atol, err_msg=name)
    return ours, theirs


LAYERS = {
    "linear": (lambda: nn.Linear(5, 3), lambda: tnn.Linear(5, 3), (4, 5)),
    "linear_3d_nobias": (lambda: nn.Linear(5, 3, bias=False),
                         lambda: tnn.Linear(5, 3, bias=False), (2, 4, 5)),
    "conv1d": (lambda: nn.Conv1d(4, 6, 3, stride=2, padding=1, dilation=2, groups=2),
               lambda: tnn.Conv1d(4, 6, 3, stride=2, padding=1, dilation=2, groups=2),
               (2, 4, 11)),
    "conv2d": (lambda: nn.Conv2d(3, 4, 3), lambda: tnn.Conv2d(3, 4, 3), (2, 3, 7, 6)),
    "conv2d_strided": (lambda: nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 2),
                                         dilation=(1, 2), groups=2),
                       lambda: tnn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 2),
                                          dilation=(1, 2), groups=2), (2, 4, 9, 8)),
    "conv2d_depthwise": (lambda: nn.Conv2d(4, 4, 3, padding=1, groups=4, bias=False),
                         lambda: tnn.Conv2d(4, 4, 3, padding=1, groups=4, bias=False),
                         (1, 4, 5, 5)),
    "conv2d_same": (lambda: nn.Conv2d(2, 3, 5, padding="same"),
                    lambda: tnn.Conv2d(2, 3, 5, padding="same"), (1, 2, 6, 6)),
    # An even kernel pads one more on the right/bottom than on the left/top (PyTorch).
    "conv2d_same_even": (lambda: nn.Conv2d(2, 3, (4, 3), padding="same", dilation=(1, 2)),
                         lambda: tnn.Conv2d(2, 3, (4, 3), padding="same", dilation=(1, 2)),
                         (1, 2, 6, 7)),
    "conv2d_valid": (lambda: nn.Conv2d(2, 3, 3, padding="valid"),
                     lambda: tnn.Conv2d(2, 3, 3, padding="valid"), (1, 2, 5, 5)),
    "conv1d_same_even": (lambda: nn.Conv1d(2, 3, 4, padding="same"),
                         lambda: tnn.Conv1d(2, 3, 4, padding="same"), (2, 2, 7)),
    "conv_transpose2d": (lambda: nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1,
                                                    output_padding=1, groups=2),
                         lambda: tnn.ConvTranspose2d(4, 6, 3, stride=2, padding=1,
                                                     output_padding=1, groups=2), (2, 4, 5, 4)),
    "conv_transpose2d_dilated": (lambda: nn.ConvTranspose2d(3, 2, (2, 3), dilation=2),
                                 lambda: tnn.ConvTranspose2d(3, 2, (2, 3), dilation=2),
                                 (1, 3, 4, 4)),
    "max_pool2d": (lambda: nn.MaxPool2d(2), lambda: tnn.MaxPool2d(2), (2, 3, 6, 7)),
    "max_pool2d_padded": (lambda: nn.MaxPool2d(3, stride=2, padding=1, dilation=1),
                          lambda: tnn.MaxPool2d(3, stride=2, padding=1), (2, 2, 7, 7)),
    "max_pool2d_dilated": (lambda: nn.MaxPool2d(2, stride=1, dilation=2),
                           lambda: tnn.MaxPool2d(2, stride=1, dilation=2), (1, 2, 6, 6)),
    "avg_pool2d": (lambda: nn.AvgPool2d(2), lambda: tnn.AvgPool2d(2), (2, 3, 6, 6)),
    "avg_pool2d_pad_exclude": (lambda: nn.AvgPool2d(3, stride=2, padding=1,
                                                    count_include_pad=False),
                               lambda: tnn.AvgPool2d(3, stride=2, padding=1,
                                                     count_include_pad=False), (2, 2, 7, 6)),
    "avg_pool2d_divisor": (lambda: nn.AvgPool2d(2, divisor_override=3),
                           lambda: tnn.AvgPool2d(2, divisor_override=3), (1, 2, 4, 4)),
    "avg_pool2d_divisor_exclude": (lambda: nn.AvgPool2d(3, stride=2, padding=1,
                                                        count_include_pad=False,
                                                        divisor_override=2),
                                   lambda: tnn.AvgPool2d(3, stride=2, padding=1,
                                                         count_include_pad=False,
                                                         divisor_override=2), (1, 2, 5, 5)),
    "max_pool2d_ceil": (lambda: nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True),
                        lambda: tnn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True),
                        (2, 2, 6, 7)),
    "max_pool2d_ceil_dilated": (lambda: nn.MaxPool2d((2, 3), stride=(3, 2), dilation=(2, 1),
                                                     ceil_mode=True),
                                lambda: tnn.MaxPool2d((2, 3), stride=(3, 2), dilation=(2, 1),
                                                      ceil_mode=True), (1, 2, 8, 6)),
    "avg_pool2d_ceil": (lambda: nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True),
                        lambda: tnn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True),
                        (2, 2, 6, 7)),
    "avg_pool2d_ceil_exclude": (lambda: nn.AvgPool2d(2, stride=3, padding=1, ceil_mode=True,
                                                     count_include_pad=False),
                                lambda: tnn.AvgPool2d(2, stride=3, padding=1, ceil_mode=True,
                                                      count_include_pad=False), (1, 2, 7, 6)),
    "avg_pool2d_ceil_divisor": (lambda: nn.AvgPool2d(3, stride=2, ceil_mode=True,
                                                     divisor_override=4),
                                lambda: tnn.AvgPool2d(3, stride=2, ceil_mode=True,
                                                      divisor_override=4), (1, 2, 6, 6)),
    "adaptive_avg_pool2d": (lambda: nn.AdaptiveAvgPool2d((3, 2)),
                            lambda: tnn.AdaptiveAvgPool2d((3, 2)), (2, 3, 7, 5)),
    "adaptive_avg_pool2d_even": (lambda: nn.AdaptiveAvgPool2d(2),
                                 lambda: tnn.AdaptiveAvgPool2d(2), (2, 3, 4, 6)),
    "batchnorm1d": (lambda: nn.BatchNorm1d(4), lambda: tnn.BatchNorm1d(4), (6, 4)),
    "batchnorm1d_3d": (lambda: nn.BatchNorm1d(3), lambda: tnn.BatchNorm1d(3), (4, 3, 5)),
    "batchnorm2d": (lambda: nn.BatchNorm2d(3), lambda: tnn.BatchNorm2d(3), (4, 3, 5, 5)),
    "batchnorm1d_no_bias": (lambda: nn.BatchNorm1d(4, bias=False),
                            lambda: tnn.BatchNorm1d(4, bias=False), (6, 4)),
    "batchnorm2d_untracked_no_affine": (
        lambda: nn.BatchNorm2d(3, affine=False, track_running_stats=False),
        lambda: tnn.BatchNorm2d(3, affine=False, track_running_stats=False), (2, 3, 2, 3)),
    "layernorm": (lambda: nn.LayerNorm((3, 4)), lambda: tnn.LayerNorm((3, 4)), (2, 3, 4)),
    "layernorm_no_bias": (lambda: nn.LayerNorm([2, 3, 4], eps=0.3, bias=False),
                          lambda: tnn.LayerNorm([2, 3, 4], eps=0.3, bias=False), (2, 3, 4)),
    "layernorm_no_affine": (lambda: nn.LayerNorm(4, elementwise_affine=False),
                            lambda: tnn.LayerNorm(4, elementwise_affine=False), (2, 3, 4)),
    "groupnorm": (lambda: nn.GroupNorm(2, 4), lambda: tnn.GroupNorm(2, 4), (3, 4, 5, 2)),
    "groupnorm_per_channel_no_bias": (lambda: nn.GroupNorm(4, 4, eps=0.5, bias=False),
                                      lambda: tnn.GroupNorm(4, 4, eps=0.5, bias=False),
                                      (3, 4, 2, 2)),
    "groupnorm_one_group_no_affine": (lambda: nn.GroupNorm(1, 4, affine=False),
                                      lambda: tnn.GroupNorm(1, 4, affine=False), (3, 4)),
    "flatten": (lambda: nn.Flatten(), lambda: tnn.Flatten(), (2, 3, 4, 5)),
    "relu": (lambda: nn.ReLU(), lambda: tnn.ReLU(), (3, 5)),
    "leaky_relu": (lambda: nn.LeakyReLU(0.2), lambda: tnn.LeakyReLU(0.2), (3, 5)),
    "elu": (lambda: nn.ELU(0.7), lambda: tnn.ELU(0.7), (3, 5)),
    "gelu": (lambda: nn.GELU(), lambda: tnn.GELU(), (3, 5)),
    "gelu_tanh": (lambda: nn.GELU("tanh"), lambda: tnn.GELU("tanh"), (3, 5)),
    "silu": (lambda: nn.SiLU(), lambda: tnn.SiLU(), (3, 5)),
    "sigmoid": (lambda: nn.Sigmoid(), lambda: tnn.Sigmoid(), (3, 5)),
    "tanh": (lambda: nn.Tanh(), lambda: tnn.Tanh(), (3, 5)),
    "softplus": (lambda: nn.Softplus(beta=2.0, threshold=1.0),
                 lambda: tnn.Softplus(beta=2.0, threshold=1.0), (3, 5)),
    "softmax": (lambda: nn.Softmax(dim=1), lambda: tnn.Softmax(dim=1), (3, 5)),
    "log_softmax": (lambda: nn.LogSoftmax(dim=0), lambda: tnn.LogSoftmax(dim=0), (3, 5)),
    "sequential": (lambda: nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2),
                                         nn.Flatten(), nn.Linear(8, 3)),
                   lambda: tnn.Sequential(tnn.Conv2d(1, 2, 3), tnn.ReLU(), tnn.MaxPool2d(2),
                                          tnn.Flatten(), tnn.Linear(8, 3)), (2, 1, 6, 6)),
}


@pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel")
@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_matches_torch(name):
    make, make_torch, shape = LAYERS[name]
    x = np.random.default_rng(0).standard_normal(shape) * 2
    _compare(make(), make_torch(), x)


def test_batchnorm_running_stats_and_eval_match_torch():
    ours, theirs = nn.BatchNorm2d(3, momentum=0.3), tnn.BatchNorm2d(3, momentum=0.3)
    r = np.random.default_rng(1)
    for _ in range(3):
        _compare(ours, theirs, r.standard_normal((4, 3, 2, 2)) * 3 + 1)
    for name in ("running_mean", "running_var"):
        np.testing.assert_allclose(getattr(ours, name).numpy(), getattr(theirs, name).numpy(),
                                   rtol=1e-10)
    assert int(ours.num_batches_tracked.item()) == int(theirs.num_batches_tracked.item())
    _compare(ours, theirs, r.standard_normal((2, 3, 2, 2)), train=False)


def test_batchnorm_cumulative_average_without_momentum():
    ours, theirs = nn.BatchNorm1d(2, momentum=None), tnn.BatchNorm1d(2, momentum=None)
    r = np.random.default_rng(2)
    for _ in range(3):
        _compare(ours, theirs, r.standard_normal((5, 2)))
    np.testing.assert_allclose(ours.running_var.numpy(), theirs.running_var.numpy(), rtol=1e-10)


def test_batchnorm_eval_gradients_and_untracked_eval_match_torch():
    """Eval mode normalises with the running statistics (their gradient is the weight over
    sqrt(running_var + eps)); without tracked statistics eval uses the batch's."""
    r = np.random.default_rng(5)
    for kw in ({"momentum": None, "bias": False}, {"track_running_stats": False}):
        ours, theirs = nn.BatchNorm1d(3, eps=0.1, **kw), tnn.BatchNorm1d(3, eps=0.1, **kw)
        _compare(ours, theirs, r.standard_normal((4, 3, 2)) * 2 + 1)
        _compare(ours, theirs, r.standard_normal((4, 3, 2)), train=False)
        assert list(ours.state_dict()) == list(theirs.state_dict())


def test_max_pool2d_return_indices_match_torch():
    x = np.random.default_rng(6).standard_normal((2, 2, 7, 6))
    x[0, 0, :2, :2] = -np.inf  # a window of -inf: its first input position, not the padding
    for kw in ({"padding": 1}, {"dilation": 2, "ceil_mode": True}, {"stride": 2,
                                                                   "ceil_mode": True}):
        y, idx = nn.MaxPool2d(3, return_indices=True, **kw)(nm.asarray(x))
        yt, idx_t = tnn.MaxPool2d(3, return_indices=True, **kw)(torch.tensor(x))
        np.testing.assert_array_equal(y.numpy(), yt.numpy())
        np.testing.assert_array_equal(idx.numpy(), idx_t.numpy())
        assert idx.dtype == nm.int64
    _, idx = nn.functional.max_pool2d(nm.asarray(x[0]), 2, return_indices=True)  # (C, H, W)
    np.testing.assert_array_equal(idx.numpy(), torch.nn.functional.max_pool2d(
        torch.tensor(x[0]), 2, return_indices=True)[1].numpy())


def test_max_pool2d_of_minus_infinity_sends_the_gradient_to_the_input_like_torch():
    x = np.full((1, 1, 4, 4), -np.inf)
    x[0, 0, 3, 3] = 1.0
    _compare(nn.MaxPool2d(3, stride=2, padding=1), tnn.MaxPool2d(3, stride=2, padding=1), x)


def test_norm_and_pool_reprs_and_state_dicts_match_torch():
    pairs = [(nn.BatchNorm1d(3, momentum=None, bias=False), tnn.BatchNorm1d(3, momentum=None,
                                                                         bias=False)),
             (nn.BatchNorm2d(3, affine=False), tnn.BatchNorm2d(3, affine=False)),
             (nn.BatchNorm2d(3, track_running_stats=False),
              tnn.BatchNorm2d(3, track_running_stats=False)),
             (nn.LayerNorm((3, 4), bias=False), tnn.LayerNorm((3, 4), bias=False)),
             (nn.LayerNorm(4, elementwise_affine=False), tnn.LayerNorm(4,
                                                                      elementwise_affine=False)),
             (nn.GroupNorm(2, 4), tnn.GroupNorm(2, 4)),
             (nn.GroupNorm(2, 4, bias=False), tnn.GroupNorm(2, 4, bias=False)),
             (nn.MaxPool2d(2), tnn.MaxPool2d(2)),
             (nn.MaxPool2d((3, 2), 1, 1, 2, True, True), tnn.MaxPool2d((3, 2), 1, 1, 2, True,
                                                                      True)),
             (nn.AvgPool2d(3, padding=1), tnn.AvgPool2d(3, padding=1)),
             (nn.AdaptiveAvgPool2d((2, None)), tnn.AdaptiveAvgPool2d((2, None)))]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
        sd, sd_t = ours.state_dict(), theirs.state_dict()
        assert list(sd) == list(sd_t)
        for name, value in sd_t.items():
            assert tuple(sd[name].shape) == tuple(value.shape), name
            np.testing.assert_array_equal(sd[name].numpy(), value.numpy())
    assert nn.BatchNorm1d(3).state_dict()["num_batches_tracked"].dtype == nm.int64


def test_norm_and_pool_errors_name_the_argument():
    from numeru.core.errors import NumeruError, ShapeError

    x = nm.zeros((1, 2, 5, 5))
    cases = [(lambda: nn.MaxPool2d(2, stride=0)(x), "stride: expected positive ints"),
             (lambda: nn.AvgPool2d(0)(x), "kernel_size: expected positive ints"),
             (lambda: nn.MaxPool2d(3, padding=-1)(x), "padding: expected non-negative"),
             (lambda: nn.MaxPool2d(6)(x), "input: expected a spatial size"),
             (lambda: nn.AvgPool2d(3, stride=2)(nm.zeros((1, 1, 2, 2))),
              "input: expected a spatial size"),
             (lambda: nn.AdaptiveAvgPool2d((1, 2, 3))(x), "output_size: expected"),
             (lambda: nn.AdaptiveAvgPool2d(-1)(x), "output_size: expected"),
             (lambda: nn.GroupNorm(2, 4)(nm.zeros((3, 6))), "input: expected 4 channels"),
             (lambda: nn.functional.group_norm(nm.zeros((3, 6)), 2, nm.ones(4)),
              r"weight: expected shape \(6,\)"),
             (lambda: nn.functional.batch_norm(nm.zeros((3, 6)), nm.zeros(4), nm.ones(4)),
              r"running_mean: expected shape \(6,\)")]
    for make, message in cases:
        with pytest.raises(NumeruError, match=message):
            make()
    with pytest.raises(ShapeError):
        nn.MaxPool2d(6)(x)


def test_dropout_train_and_eval_like_torch():
    layer = nn.Dropout(0.3)
    x = nm.ones((200, 50), dtype=nm.float64)
    y = layer(x).numpy()
    kept = y != 0
    assert abs(kept.mean() - 0.7) < 0.02
    np.testing.assert_allclose(y[kept], 1 / 0.7)  # inverted dropout, as torch
    layer.eval()
    np.testing.assert_array_equal(layer(x).numpy(), x.numpy())
    assert np.all(nn.Dropout(1.0)(x).numpy() == 0)


def test_dropout_gradient_uses_the_same_mask():
    x = nm.asarray(np.ones((20, 20)), requires_grad=True)
    y = nn.functional.dropout(x, 0.5, training=True)
    nm.sum(y).backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.numpy())


def test_functional_dropout_takes_torchs_positional_order():
    import torch

    x = np.ones((4, 5))
    same = nn.functional.dropout(nm.asarray(x), 0.5, False, False)  # input, p, training, inplace
    np.testing.assert_array_equal(same.numpy(), torch.nn.functional.dropout(
        torch.from_numpy(x), 0.5, False, False).numpy())
    from numeru.core.errors import ValidationError

    with pytest.raises(ValidationError, match="inplace: expected False"):
        nn.functional.dropout(nm.asarray(x), 0.5, True, True)
    kept = [nn.functional.dropout(nm.asarray(x), 0.5, True, generator=3).numpy()
            for _ in range(2)]
    np.testing.assert_array_equal(kept[0], kept[1])  # one seed, one mask
    assert set(np.unique(kept[0])) == {0.0, 2.0}
    with pytest.raises(ValidationError, match="generator: expected None, a non-negative int"):
        nn.functional.dropout(nm.asarray(x), 0.5, True, generator="seed")


def test_embedding_matches_torch_with_padding_idx():
    ours, theirs = nn.Embedding(6, 3, padding_idx=1), tnn.Embedding(6, 3, padding_idx=1)
    idx = np.array([[0, 1, 5], [1, 1, 2]])
    _compare(ours, theirs, idx, integer_input=True)
    np.testing.assert_array_equal(ours.weight.grad.numpy()[1], 0)
    np.testing.assert_array_equal(nn.Embedding(4, 2, padding_idx=0).weight.numpy()[0], 0)


def test_unbatched_conv_and_pool_inputs():
    conv, tconv = nn.Conv2d(2, 3, 3).double(), tnn.Conv2d(2, 3, 3).double()
    _copy_weights(conv, tconv)
    x = np.random.default_rng(3).standard_normal((2, 5, 5))
    np.testing.assert_allclose(conv(nm.asarray(x)).numpy(),
                               tconv(torch.tensor(x)).detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(nn.MaxPool2d(2)(nm.asarray(x)).numpy(),
                               tnn.MaxPool2d(2)(torch.tensor(x)).numpy())
    up, tup = nn.ConvTranspose2d(2, 3, 2, stride=2).double(), tnn.ConvTranspose2d(2, 3, 2,
                                                                              stride=2).double()
    _copy_weights(up, tup)
    np.testing.assert_allclose(up(nm.asarray(x)).numpy(), tup(torch.tensor(x)).detach().numpy(),
                               atol=1e-12)


def test_default_parameter_dtype_is_float32():
    assert nn.Linear(3, 2).weight.dtype == np.float32
    assert nn.Conv2d(1, 2, 3).bias.dtype == np.float32
    assert nn.BatchNorm1d(3).running_mean.dtype == np.float32


def test_layer_errors_name_the_argument():
    with pytest.raises(ValueError, match="in_features"):
        nn.Linear(0, 3)
    with pytest.raises(ValueError, match="groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="input"):
        nn.Conv2d(3, 4, 3)(nm.zeros((1, 2, 5, 5), dtype=nm.float32))
    with pytest.raises(ValueError, match="padding.*stride"):  # PyTorch refuses it too
        nn.Conv2d(3, 4, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="padding"):  # a window entirely in the padding
        nn.AvgPool2d(2, padding=2)(nm.zeros((1, 1, 4, 4)))
    with pytest.raises(ValueError, match="padding"):
        nn.MaxPool2d(3, padding=2, dilation=2)(nm.zeros((1, 1, 6, 6)))
    with pytest.raises(ValueError, match="padding"):
        nn.functional.conv1d(nm.zeros((1, 3, 5)), nm.zeros((4, 3, 3)), padding="full")
    with pytest.raises(ValueError, match="p"):
        nn.Dropout(1.5)
    with pytest.raises(ValueError, match="input"):
        nn.Linear(3, 2)(nm.zeros((2, 4), dtype=nm.float32))


F = nn.functional
_G = np.random.default_rng(11)


def _t(*shape):
    return nm.asarray(_G.standard_normal(shape), requires_grad=True)


@pytest.mark.parametrize("name,fn,inputs", [
    ("conv2d_groups", lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1, groups=2),
     lambda: (_t(1, 4, 5, 5), _t(2, 2, 3, 3), _t(2))),
    ("conv1d", lambda x, w: F.conv1d(x, w, padding=1, dilation=2), lambda: (_t(2, 2, 6),
                                                                           _t(3, 2, 2))),
    ("conv_transpose2d", lambda x, w: F.conv_transpose2d(x, w, stride=2, output_padding=1),
     lambda: (_t(1, 2, 3, 3), _t(2, 3, 2, 2))),
    ("max_pool2d", lambda x: F.max_pool2d(x, 3, stride=2, padding=1), lambda: (_t(1, 2, 5, 5),)),
    ("avg_pool2d", lambda x: F.avg_pool2d(x, 2, stride=1, padding=1, count_include_pad=False),
     lambda: (_t(1, 2, 4, 4),)),
    ("adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, (2, 3)),
     lambda: (_t(1, 2, 5, 4),)),
    ("batch_norm", lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
     lambda: (_t(4, 3, 2), _t(3), _t(3))),
    ("layer_norm", lambda x, w, b: F.layer_norm(x, (3,), w, b), lambda: (_t(2, 3), _t(3),
                                                                         _t(3))),
    ("group_norm", lambda x, w: F.group_norm(x, 2, w), lambda: (_t(2, 4, 3), _t(4))),
    ("embedding", lambda w: F.embedding(nm.asarray(np.array([[0, 2], [2, 1]])), w),
     lambda: (_t(3, 2),)),
    ("gelu", F.gelu, lambda: (_t(3, 3),)),
    ("elu_leaky_silu", lambda x: F.elu(x) + F.leaky_relu(x, 0.1) + F.silu(x),
     lambda: (_t(3, 3),)),
    ("softplus", lambda x: F.softplus(x, beta=2.0), lambda: (_t(3, 3),)),
    ("cross_entropy", lambda x: F.cross_entropy(x, nm.asarray(np.array([1, 0, 2])),
                                                label_smoothing=0.1), lambda: (_t(3, 4),)),
    ("bce", lambda x, t: F.binary_cross_entropy(F.sigmoid(x), t * t * 0.9),
     lambda: (_t(2, 3), _t(2, 3))),
    ("bce_logits", lambda x: F.binary_cross_entropy_with_logits(
        x, nm.asarray(np.array([[0.0, 1.0], [1.0, 0.0]]))), lambda: (_t(2, 2),)),
])
def test_layer_functionals_pass_gradcheck(name, fn, inputs):
    import numeru.dl as dl

    assert dl.gradcheck(fn, inputs())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,weight,params", [
    ((2, 3, 7, 6), (4, 3, 3, 3), {"stride": (1, 1), "padding": (0, 0), "dilation": (1, 1),
                                  "groups": 1}),
    ((2, 4, 9, 8), (6, 2, 3, 2), {"stride": (2, 1), "padding": (1, 2), "dilation": (1, 2),
                                  "groups": 2}),
    ((1, 2, 5, 5), (2, 1, 5, 5), {"stride": (3, 2), "padding": (2, 2), "dilation": (1, 1),
                                  "groups": 2}),
])
def test_cpu_conv_kernels_agree_with_generic_code(dtype, shape, weight, params):
    from numeru.dl.ops import _cpu_conv, conv

    r = np.random.default_rng(3)
    x = r.standard_normal(shape).astype(dtype)
    w = r.standard_normal(weight).astype(dtype)
    y = conv._conv2d(np, x, w, **params)
    np.testing.assert_allclose(_cpu_conv.conv2d(x, w, **params), y, rtol=1e-5, atol=1e-5)
    g = r.standard_normal(y.shape).astype(dtype)
    np.testing.assert_allclose(_cpu_conv.conv2d_weight_grad(x, g, w.shape, **params),
                               conv._conv2d_weight_grad(np, x, g, w.shape, **params),
                               rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(_cpu_conv.conv2d_input_grad(g, w, x.shape, **params),
                               conv._conv2d_input_grad(np, g, w, x.shape, **params),
                               rtol=1e-5, atol=1e-5)
