"""Activations, channel and alpha dropout, one_hot and interpolate/Upsample added for PyTorch
ports: values and gradients against PyTorch in float64 (special points included), gradcheck,
reprs, state dicts and errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import numeru.core as nm
import numeru.dl as dl
from numeru.core.errors import DTypeError, ShapeError, ValidationError
from numeru.dl import nn
from numeru.dl.nn import functional as F

torch = pytest.importorskip("torch")
tnn, TF = torch.nn, torch.nn.functional

SPECIAL = np.concatenate([
    [np.nan, -np.inf, -800.0, -30.0, -7.0, -6.0, -3.0, -1.0, -1e-3, -1e-8, 0.0, 1e-8, 1e-3,
     0.7, 1.0, 3.0, 6.0, 7.0, 30.0, 800.0, np.inf],
    np.random.default_rng(0).uniform(-8.0, 8.0, 11)])
# 32 elements: PyTorch runs its vectorised kernels over all of them (a tensor's tail goes through
# scalar code whose gradient at NaN inputs sometimes differs; real tensors are vectorised).
assert SPECIAL.size == 32

ACTIVATIONS = {
    "relu6": (F.relu6, TF.relu6),
    "hardtanh": (lambda x: F.hardtanh(x, -3.0, 6.0), lambda x: TF.hardtanh(x, -3.0, 6.0)),
    "hardtanh_default": (F.hardtanh, TF.hardtanh),
    "hardsigmoid": (F.hardsigmoid, TF.hardsigmoid),
    "hardswish": (F.hardswish, TF.hardswish),
    "softsign": (F.softsign, TF.softsign),
    "mish": (F.mish, TF.mish),
    "logsigmoid": (F.logsigmoid, TF.logsigmoid),
    "celu": (F.celu, TF.celu),
    "celu_0.7": (lambda x: F.celu(x, 0.7), lambda x: TF.celu(x, 0.7)),
    "celu_negative": (lambda x: F.celu(x, -0.3), lambda x: TF.celu(x, -0.3)),
    "selu": (F.selu, TF.selu),
    "elu": (lambda x: F.elu(x, 0.6), lambda x: TF.elu(x, 0.6)),
    "threshold": (lambda x: F.threshold(x, 1.0, -5.0), lambda x: TF.threshold(x, 1.0, -5.0)),
    "threshold_at_zero": (lambda x: F.threshold(x, 0.0, 0.5),
                          lambda x: TF.threshold(x, 0.0, 0.5)),
    "prelu": (lambda x: F.prelu(x, nm.asarray(np.array([0.3], dtype=x.dtype))),
              lambda x: TF.prelu(x, torch.tensor([0.3], dtype=torch.float64))),
    "softmin": (lambda x: F.softmin(x, 0), lambda x: TF.softmin(x, 0)),
}


def _close(a, b, rtol=1e-12):
    np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-300, equal_nan=True)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_values_and_gradients_match_torch_at_special_points(name):
    ours, theirs = ACTIVATIONS[name]
    x0 = SPECIAL if name != "softmin" else np.random.default_rng(0).standard_normal(32)
    g = np.random.default_rng(1).standard_normal(x0.shape)
    x = nm.asarray(x0.copy(), requires_grad=True)
    with np.errstate(all="ignore"):
        y = ours(x)
        y.backward(nm.asarray(g))
    xt = torch.tensor(x0, requires_grad=True)
    yt = theirs(xt)
    yt.backward(torch.tensor(g))
    assert y.dtype == np.float64
    _close(y.numpy(), yt.detach().numpy())
    _close(x.grad.numpy(), xt.grad.numpy())


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activations_keep_float32(name):
    ours, theirs = ACTIVATIONS[name]
    x0 = np.random.default_rng(2).uniform(-5, 5, 40).astype(np.float32)
    y = ours(nm.asarray(x0))
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.numpy(), theirs(torch.tensor(x0, dtype=torch.float64)).numpy(),
                               rtol=1e-5, atol=1e-6)


SMOOTH = {
    "hardtanh": lambda x: F.hardtanh(x, -0.5, 0.5),
    "relu6": lambda x: F.relu6(x * 4.0),
    "hardsigmoid": lambda x: F.hardsigmoid(x * 3.0),
    "hardswish": lambda x: F.hardswish(x * 3.0),
    "softsign": F.softsign,
    "mish": F.mish,
    "logsigmoid": F.logsigmoid,
    "celu": lambda x: F.celu(x, 0.5),
    "selu": F.selu,
    "elu": F.elu,
    "threshold": lambda x: F.threshold(x, 0.1, 2.0),
    "softmin": lambda x: F.softmin(x, 1),
}


@pytest.mark.parametrize("name", sorted(SMOOTH))
def test_activations_pass_gradcheck_and_gradgradcheck(name):
    # Points away from the kinks, where finite differences are defined.
    r = np.random.default_rng(3)
    x0 = r.uniform(0.05, 0.9, (3, 4)) * r.choice([-1.0, 1.0], (3, 4))
    x = nm.asarray(x0, requires_grad=True)
    assert dl.gradcheck(SMOOTH[name], (x,))
    assert dl.gradgradcheck(SMOOTH[name], (x,))


def test_prelu_gradcheck_in_input_and_weight():
    r = np.random.default_rng(4)
    x = nm.asarray(r.uniform(0.1, 1.0, (2, 3, 4)) * r.choice([-1.0, 1.0], (2, 3, 4)),
                   requires_grad=True)
    w = nm.asarray([0.2, -0.4, 1.5], requires_grad=True)
    assert dl.gradcheck(F.prelu, (x, w))


@pytest.mark.parametrize("num,shape", [(1, (2, 3, 4, 5)), (3, (2, 3, 4, 5)), (3, (4, 3)),
                                       (1, (5,)), (1, ())])
def test_prelu_module_matches_torch(num, shape):
    r = np.random.default_rng(5)
    ours, theirs = nn.PReLU(num, init=0.1).double(), tnn.PReLU(num, init=0.1).double()
    with torch.no_grad():
        w0 = r.uniform(-0.5, 0.5, num)
        theirs.weight.copy_(torch.tensor(w0))
    ours.load_state_dict({"weight": w0})
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    x0 = r.standard_normal(shape)
    x0.flat[0] = 0.0
    x, xt = nm.asarray(x0.copy(), requires_grad=True), torch.tensor(x0, requires_grad=True)
    y, yt = ours(x), theirs(xt)
    assert y.shape == tuple(yt.shape)
    _close(y.numpy(), yt.detach().numpy())
    g = r.standard_normal(tuple(yt.shape))
    y.backward(nm.asarray(g))
    yt.backward(torch.tensor(g))
    _close(x.grad.numpy(), xt.grad.numpy())
    _close(ours.weight.grad.numpy(), theirs.weight.grad.numpy())


def test_prelu_defaults_and_errors():
    m = nn.PReLU()
    assert m.weight.shape == (1,) and m.weight.dtype == np.float32
    np.testing.assert_array_equal(m.weight.numpy(), np.float32(0.25))
    assert [n for n, _ in m.named_parameters()] == ["weight"]
    with pytest.raises(ShapeError, match="weight.*3 parameters"):
        F.prelu(np.ones((2, 3)), nm.asarray([0.1, 0.2]))
    with pytest.raises(ShapeError, match="weight"):
        F.prelu(np.ones((2, 3)), nm.ones((1, 3)))
    with pytest.raises(ValidationError, match="num_parameters"):
        nn.PReLU(0)


def test_reprs_match_torch():
    pairs = [
        (nn.ReLU6(), tnn.ReLU6()), (nn.Hardtanh(), tnn.Hardtanh()),
        (nn.Hardtanh(-2, 3), tnn.Hardtanh(-2, 3)), (nn.Hardswish(), tnn.Hardswish()),
        (nn.Hardsigmoid(), tnn.Hardsigmoid()), (nn.Softsign(), tnn.Softsign()),
        (nn.Mish(), tnn.Mish()), (nn.PReLU(3, 0.1), tnn.PReLU(3, 0.1)),
        (nn.LogSigmoid(), tnn.LogSigmoid()), (nn.CELU(), tnn.CELU()),
        (nn.CELU(0.5), tnn.CELU(0.5)), (nn.SELU(), tnn.SELU()),
        (nn.Threshold(0.1, 20), tnn.Threshold(0.1, 20)), (nn.Softmin(), tnn.Softmin()),
        (nn.Softmin(1), tnn.Softmin(1)), (nn.Dropout1d(0.3), tnn.Dropout1d(0.3)),
        (nn.Dropout2d(), tnn.Dropout2d()), (nn.AlphaDropout(0.2), tnn.AlphaDropout(0.2)),
        (nn.Dropout(), tnn.Dropout()), (nn.Upsample(scale_factor=2), tnn.Upsample(scale_factor=2)),
        (nn.Upsample(size=(3, 4), mode="bilinear", align_corners=True),
         tnn.Upsample(size=(3, 4), mode="bilinear", align_corners=True)),
        (nn.Upsample(scale_factor=(2, 3)), tnn.Upsample(scale_factor=(2, 3))),
        (nn.Upsample(size=5), tnn.Upsample(size=5)),
        (nn.UpsamplingNearest2d(scale_factor=2), tnn.UpsamplingNearest2d(scale_factor=2)),
        (nn.UpsamplingBilinear2d(size=4), tnn.UpsamplingBilinear2d(size=4)),
    ]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
    assert repr(nn.Sequential(nn.ReLU6(), nn.PReLU())) == repr(
        tnn.Sequential(tnn.ReLU6(), tnn.PReLU()))


def test_modules_match_their_functional_forms():
    x = np.random.default_rng(6).uniform(-8, 8, (2, 3, 5))
    for module, fn in [(nn.ReLU6(), F.relu6), (nn.Hardtanh(-2.0, 2.5),
                                                lambda v: F.hardtanh(v, -2.0, 2.5)),
                       (nn.Hardswish(), F.hardswish), (nn.Hardsigmoid(), F.hardsigmoid),
                       (nn.Softsign(), F.softsign), (nn.Mish(), F.mish),
                       (nn.LogSigmoid(), F.logsigmoid), (nn.CELU(0.3), lambda v: F.celu(v, 0.3)),
                       (nn.SELU(), F.selu), (nn.Threshold(0.5, -1.0),
                                             lambda v: F.threshold(v, 0.5, -1.0)),
                       (nn.Softmin(2), lambda v: F.softmin(v, 2))]:
        np.testing.assert_array_equal(module(x).numpy(), fn(x).numpy())


def test_inplace_is_accepted_when_false_and_refused_when_true():
    x = np.array([-1.0, 2.0])
    for make in (nn.ReLU6, nn.Hardtanh, nn.Hardswish, nn.Hardsigmoid, nn.Mish, nn.CELU,
                 nn.SELU, nn.Dropout1d, nn.Dropout2d, nn.AlphaDropout):
        make(inplace=False)
        with pytest.raises(ValidationError, match="inplace"):
            make(inplace=True)
    nn.Threshold(0.0, 1.0, inplace=False)
    with pytest.raises(ValidationError, match="inplace"):
        nn.Threshold(0.0, 1.0, inplace=True)
    for call in (lambda: F.relu6(x, True), lambda: F.hardtanh(x, -1.0, 1.0, True),
                 lambda: F.hardswish(x, True), lambda: F.hardsigmoid(x, True),
                 lambda: F.mish(x, True), lambda: F.celu(x, 1.0, True), lambda: F.selu(x, True),
                 lambda: F.threshold(x, 0.0, 1.0, True), lambda: F.dropout1d(x[None], 0.5, True,
                                                                            True),
                 lambda: F.dropout2d(np.ones((1, 2, 2)), 0.5, True, True),
                 lambda: F.alpha_dropout(x, 0.5, True, True)):
        with pytest.raises(ValidationError, match="inplace"):
            call()


def test_activation_argument_errors():
    with pytest.raises(ValidationError, match="max_val.*greater than min_val=1"):
        nn.Hardtanh(1.0, 1.0)
    with pytest.raises(ValidationError, match="min_val: expected at most max_val=1.0, got 2.0"):
        F.hardtanh(np.ones(2), 2.0, 1.0)
    with pytest.raises(ValidationError, match="alpha.*non-zero.*got 0"):
        F.celu(np.ones(2), 0.0)
    with pytest.raises(ValidationError, match="threshold"):
        F.threshold(np.ones(2), "a", 1.0)
    with pytest.warns(FutureWarning, match="min_value"):
        m = nn.Hardtanh(min_value=-2.0)
    assert m.min_val == -2.0


def test_softmin_dim_none_warns_like_torch_and_casts_after_negating():
    x = np.random.default_rng(7).standard_normal((2, 3, 4))
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmin"):
        y = F.softmin(x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        yt = TF.softmin(torch.tensor(x))
    _close(y.numpy(), yt.numpy())
    x32 = x.astype(np.float32)
    y = F.softmin(x32, 1, dtype=nm.float64)
    assert y.dtype == np.float64
    _close(y.numpy(), TF.softmin(torch.tensor(x32), 1, dtype=torch.float64).numpy())


# -- channel and alpha dropout ------------------------------------------------------------------

@pytest.mark.parametrize("fn,shape", [(F.dropout1d, (6, 40, 7)), (F.dropout2d, (6, 40, 3, 4)),
                                      (F.dropout1d, (40, 7))])
def test_channel_dropout_zeroes_whole_channels_and_scales_the_rest(fn, shape):
    dl.manual_seed(0)
    x = nm.asarray(np.random.default_rng(8).uniform(1.0, 2.0, shape), requires_grad=True)
    y = fn(x, 0.25)
    ratio = y.numpy() / x.numpy()
    per_channel = ratio.reshape(ratio.shape[:len(shape) - 1 if len(shape) < 3 else 2] + (-1,))
    first = per_channel[..., :1]
    np.testing.assert_allclose(per_channel, np.broadcast_to(first, per_channel.shape))
    assert set(np.round(np.unique(first), 12)) <= {0.0, round(1 / 0.75, 12)}
    dropped = float(np.mean(first == 0.0))
    assert 0.1 < dropped < 0.4
    nm.sum(y).backward()
    np.testing.assert_allclose(x.grad.numpy(), ratio)  # the gradient uses the same mask
    assert fn(x, 0.25, False) is x
    assert np.all(fn(x, 1.0).numpy() == 0.0)


def test_channel_dropout_modules_follow_train_and_eval():
    x = np.random.default_rng(9).standard_normal((4, 8, 5, 5))
    for module in (nn.Dropout2d(0.5), nn.Dropout1d(0.5)):
        data = x if isinstance(module, nn.Dropout2d) else x[:, :, :, 0]
        module.train()
        assert not np.array_equal(module(data).numpy(), data)
        module.eval()
        np.testing.assert_array_equal(module(data).numpy(), data)
    dl.manual_seed(3)
    a = nn.Dropout2d(0.5)(x).numpy()
    dl.manual_seed(3)
    np.testing.assert_array_equal(nn.Dropout2d(0.5)(x).numpy(), a)
    np.testing.assert_array_equal(F.dropout2d(x, 0.5, generator=5).numpy(),
                                  F.dropout2d(x, 0.5, generator=5).numpy())


def test_channel_dropout_ranks_warnings_and_errors_follow_torch():
    with pytest.raises(ShapeError, match="input.*2-D.*3-D"):
        F.dropout1d(np.ones((1, 2, 3, 4)))
    with pytest.warns(UserWarning, match="Received a 3D input to dropout2d"):
        y = F.dropout2d(np.ones((2, 3, 4)), 0.5)
    assert y.shape == (2, 3, 4)
    with pytest.warns(UserWarning, match="Received a 5-D input to dropout2d"):
        F.dropout2d(np.ones((2, 3, 4, 1, 1)), 0.5)
    with pytest.raises(ValidationError, match="p: expected a probability"):
        nn.Dropout1d(1.5)
    with pytest.raises(DTypeError, match="floating"):
        F.dropout2d(np.ones((2, 3, 4, 4), dtype=np.int64))


def test_alpha_dropout_affine_map_matches_torch():
    p = 0.3
    x0 = np.random.default_rng(10).standard_normal(4000)
    torch.manual_seed(0)
    yt = TF.alpha_dropout(torch.tensor(x0), p, training=True).numpy()
    y = F.alpha_dropout(x0, p, training=True).numpy()
    values_t, counts_t = np.unique(np.round(yt, 12), return_counts=True)
    d_t = values_t[np.argmax(counts_t)]  # the value every dropped element takes
    values, counts = np.unique(np.round(y, 12), return_counts=True)
    d = values[np.argmax(counts)]
    np.testing.assert_allclose(d, d_t, rtol=1e-12)
    kept_t, kept = np.round(yt, 12) != d_t, np.round(y, 12) != d
    a_t, b_t = np.polyfit(x0[kept_t], yt[kept_t], 1)
    a, b = np.polyfit(x0[kept], y[kept], 1)
    np.testing.assert_allclose([a, b], [a_t, b_t], rtol=1e-9)
    assert 0.25 < 1 - kept.mean() < 0.35
    # Training defaults to False in the functional form (PyTorch's), True in the module.
    assert F.alpha_dropout(nm.asarray(x0)).numpy() is not None
    np.testing.assert_array_equal(F.alpha_dropout(x0, p).numpy(), x0)
    xs = nm.asarray(x0, requires_grad=True)
    out = nn.AlphaDropout(p)(xs)
    nm.sum(out).backward()
    np.testing.assert_allclose(xs.grad.numpy(), np.where(np.round(out.numpy(), 12) == d, 0.0, a))
    assert np.all(F.alpha_dropout(x0, 1.0, True).numpy() == 0.0)


# -- one_hot ------------------------------------------------------------------------------------

@pytest.mark.parametrize("values,num_classes", [([0, 2, 1], -1), ([0, 2], 5), ([[1, 0], [3, 3]],
                                                                              -1),
                                                (3, 4), (np.zeros((2, 0), np.int64), 3)])
def test_one_hot_matches_torch(values, num_classes):
    a = np.asarray(values, dtype=np.int64)
    y = F.one_hot(nm.asarray(a), num_classes)
    yt = TF.one_hot(torch.tensor(a), num_classes)
    assert y.dtype == np.int64 and y.shape == tuple(yt.shape)
    np.testing.assert_array_equal(y.numpy(), yt.numpy())
    np.testing.assert_array_equal(F.one_hot(a.astype(np.int32), num_classes).numpy(), yt.numpy())


def test_one_hot_errors():
    with pytest.raises(ValidationError, match="tensor: expected non-negative class values, got -1"):
        F.one_hot(nm.asarray([-1, 2]))
    with pytest.raises(ValidationError, match="smaller than num_classes=2, got 2"):
        F.one_hot(nm.asarray([1, 2]), 2)
    with pytest.raises(ValidationError, match="num_classes.*empty"):
        F.one_hot(nm.asarray(np.zeros(0, np.int64)))
    with pytest.raises(ValidationError, match="num_classes"):
        F.one_hot(nm.asarray([1]), -2)
    with pytest.raises(DTypeError, match="tensor: expected an integer tensor"):
        F.one_hot(nm.asarray([1.0, 2.0]), 3)


# -- interpolate / Upsample ---------------------------------------------------------------------

INTERPOLATE = [
    # (input shape, kwargs)
    ((2, 3, 5), {"scale_factor": 2}),
    ((2, 3, 5), {"size": 7}),
    ((2, 3, 7), {"size": 3}),
    ((1, 2, 5), {"scale_factor": 1.7}),
    ((1, 2, 5), {"scale_factor": 1.7, "recompute_scale_factor": True}),
    ((1, 2, 6), {"scale_factor": 0.6}),
    ((2, 2, 4, 5), {"scale_factor": 2}),
    ((2, 2, 4, 5), {"size": (7, 3)}),
    ((1, 3, 5, 4), {"scale_factor": (1.5, 2.3)}),
    ((1, 3, 5, 4), {"scale_factor": (1.5, 2.3), "recompute_scale_factor": True}),
    ((1, 1, 6, 7), {"scale_factor": 0.45}),
    ((1, 1, 4, 4), {"size": (4, 6)}),
    ((1, 1, 3, 3), {"size": (1, 5)}),
    ((1, 1, 5, 5), {"size": 5}),
]


def _modes(ndim):
    linear = "linear" if ndim == 3 else "bilinear"
    return [("nearest", None), ("nearest-exact", None), (linear, False), (linear, True)]


@pytest.mark.parametrize("shape,kwargs", INTERPOLATE)
def test_interpolate_matches_torch_values_and_gradients(shape, kwargs):
    r = np.random.default_rng(11)
    x0 = r.standard_normal(shape)
    for mode, align in _modes(len(shape)):
        x = nm.asarray(x0.copy(), requires_grad=True)
        xt = torch.tensor(x0, requires_grad=True)
        y = F.interpolate(x, mode=mode, align_corners=align, **kwargs)
        yt = TF.interpolate(xt, mode=mode, align_corners=align, **kwargs)
        assert y.shape == tuple(yt.shape), (mode, align)
        np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=1e-12, atol=1e-14,
                                   err_msg=f"{mode} {align}")
        g = r.standard_normal(tuple(yt.shape))
        y.backward(nm.asarray(g))
        yt.backward(torch.tensor(g))
        np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-13,
                                   err_msg=f"{mode} {align}")


@pytest.mark.parametrize("n_in,n_out", [(3, 10), (10, 3), (7, 13), (13, 7), (4, 8), (5, 5),
                                        (33, 100), (100, 33)])
def test_interpolate_indices_match_torch_over_many_sizes(n_in, n_out):
    x = np.arange(float(n_in * 2)).reshape(1, 2, n_in)
    for mode, align in _modes(3):
        for kwargs in ({"size": n_out}, {"scale_factor": n_out / n_in}):
            y = F.interpolate(x, mode=mode, align_corners=align, **kwargs).numpy()
            yt = TF.interpolate(torch.tensor(x), mode=mode, align_corners=align, **kwargs)
            np.testing.assert_allclose(y, yt.numpy(), rtol=1e-12, atol=1e-12,
                                       err_msg=f"{mode} {align} {kwargs}")


def test_interpolate_float32_and_nan_like_torch():
    x0 = np.random.default_rng(12).standard_normal((1, 2, 4, 5)).astype(np.float32)
    x0[0, 0, 1, 2] = np.nan
    for mode, align in _modes(4):
        y = F.interpolate(x0, scale_factor=1.5, mode=mode, align_corners=align)
        yt = TF.interpolate(torch.tensor(x0), scale_factor=1.5, mode=mode, align_corners=align)
        assert y.dtype == np.float32
        np.testing.assert_allclose(y.numpy(), yt.numpy(), rtol=1e-6, atol=1e-6, equal_nan=True)


@pytest.mark.parametrize("mode,align", [("nearest", None), ("bilinear", False),
                                        ("bilinear", True)])
def test_interpolate_passes_gradcheck(mode, align):
    x = nm.asarray(np.random.default_rng(13).standard_normal((1, 2, 3, 4)), requires_grad=True)
    assert dl.gradcheck(lambda v: F.interpolate(v, size=(5, 3), mode=mode, align_corners=align),
                        (x,))
    assert dl.gradgradcheck(lambda v: F.interpolate(v, scale_factor=1.5, mode=mode,
                                                    align_corners=align), (x,))


def test_upsample_modules_match_torch():
    x0 = np.random.default_rng(14).standard_normal((2, 3, 4, 5))
    for ours, theirs in [(nn.Upsample(scale_factor=2), tnn.Upsample(scale_factor=2)),
                         (nn.Upsample(size=(3, 7), mode="bilinear"),
                          tnn.Upsample(size=(3, 7), mode="bilinear")),
                         (nn.UpsamplingBilinear2d(scale_factor=1.5),
                          tnn.UpsamplingBilinear2d(scale_factor=1.5)),
                         (nn.UpsamplingNearest2d(size=6), tnn.UpsamplingNearest2d(size=6))]:
        np.testing.assert_allclose(ours(x0).numpy(), theirs(torch.tensor(x0)).numpy(),
                                   rtol=1e-12, atol=1e-14)
        assert ours.state_dict() == {} and not list(ours.parameters())
    y = F.interpolate(x0, size=(4, 5))
    assert y.numpy() is not x0 and y.shape == x0.shape


def test_interpolate_errors_name_the_argument():
    x = np.ones((1, 2, 3, 4))
    cases = [
        (lambda: F.interpolate(x, size=2, scale_factor=2), ValidationError, "scale_factor"),
        (lambda: F.interpolate(x), ValidationError, "size"),
        (lambda: F.interpolate(x, size=(2,)), ValidationError, "size"),
        (lambda: F.interpolate(x, size=2, recompute_scale_factor=True), ValidationError,
         "recompute_scale_factor"),
        (lambda: F.interpolate(x, scale_factor=0.1), ShapeError, "size"),
        (lambda: F.interpolate(x, scale_factor=-2), ValidationError, "scale_factor"),
        (lambda: F.interpolate(x, size=2, align_corners=True), ValidationError,
         "align_corners"),
        (lambda: F.interpolate(x, size=2, mode="bicubic"), ValidationError, "mode"),
        (lambda: F.interpolate(x, size=2, mode="linear"), ShapeError, "input"),
        (lambda: F.interpolate(x[0], size=2, mode="bilinear"), ShapeError, "input"),
        (lambda: F.interpolate(np.ones((2, 3)), size=2), ShapeError, "input"),
        (lambda: F.interpolate(x, size=2, mode="bilinear", antialias=True), ValidationError,
         "antialias"),
        (lambda: F.interpolate(x.astype(np.int64), size=2, mode="bilinear"), DTypeError,
         "input"),
    ]
    for call, error, name in cases:
        with pytest.raises(error, match=f"^{name}: expected"):
            call()
    a = np.arange(6).reshape(1, 1, 2, 3)  # nearest takes integers (PyTorch's CPU refuses them)
    y = F.interpolate(a, scale_factor=2)
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y.numpy(), np.repeat(np.repeat(a, 2, axis=2), 2, axis=3))
