"""The torch.nn surface beyond layers and losses: containers, Module API details, activation
options, Flatten/Unflatten, Embedding options, reprs; each compared with PyTorch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import numeru.core as nm
from numeru.core.errors import ShapeError, ValidationError
from numeru.dl import nn
from numeru.dl.nn import functional as F
from numeru.dl.nn import init

torch = pytest.importorskip("torch")
tnn, TF = torch.nn, torch.nn.functional


def _kinds(container):
    return [(k, type(v).__name__) for k, v in container._modules.items()]


@pytest.mark.parametrize("alpha", [1.0, 0.7, -0.5])
def test_elu_gradient_at_zero_is_alpha_like_torch(alpha):
    x = np.array([-1.0, 0.0, 1e-3, 2.0])
    ours = nm.asarray(x, requires_grad=True)
    nm.sum(F.elu(ours, alpha)).backward()
    theirs = torch.tensor(x, requires_grad=True)
    TF.elu(theirs, alpha).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("shape", [(4,), (2, 3), (2, 3, 4), (2, 3, 4, 5)])
def test_softmax_without_dim_picks_torchs_implicit_axis(shape):
    x = np.random.default_rng(0).standard_normal(shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        pairs = [(nn.Softmax()(x), tnn.Softmax()(torch.tensor(x))),
                 (nn.LogSoftmax()(x), tnn.LogSoftmax()(torch.tensor(x))),
                 (F.softmax(x), TF.softmax(torch.tensor(x))),
                 (F.log_softmax(x), TF.log_softmax(torch.tensor(x)))]
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-12)
    with pytest.warns(UserWarning, match="Implicit dimension"):
        F.softmax(x)


def test_softmax_dtype_argument_casts_first():
    x = np.random.default_rng(1).standard_normal((3, 4)).astype(np.float32)
    y = F.softmax(x, dim=1, dtype=nm.float64)
    z = TF.softmax(torch.tensor(x), dim=1, dtype=torch.float64)
    assert y.dtype == np.float64
    np.testing.assert_allclose(y.numpy(), z.numpy(), rtol=1e-12)
    np.testing.assert_allclose(F.log_softmax(x, 1, dtype="float64").numpy(),
                               TF.log_softmax(torch.tensor(x), 1, dtype=torch.float64).numpy(),
                               rtol=1e-12)


def test_inplace_flags_are_accepted_when_false_and_refused_when_true():
    x = np.array([-1.0, 2.0])
    for mod in (nn.ReLU(inplace=False), nn.LeakyReLU(0.1, inplace=False),
                nn.ELU(inplace=False), nn.SiLU(inplace=False), nn.Dropout(0.2, inplace=False)):
        assert mod(x).shape == (2,)
    assert F.relu(x, False).numpy().tolist() == [0.0, 2.0]
    for make in (lambda: nn.ReLU(inplace=True), lambda: nn.LeakyReLU(inplace=True),
                 lambda: nn.ELU(inplace=True), lambda: nn.SiLU(inplace=True),
                 lambda: nn.Dropout(inplace=True), lambda: F.relu(x, inplace=True),
                 lambda: F.leaky_relu(x, 0.1, True), lambda: F.elu(x, 1.0, True),
                 lambda: F.silu(x, True)):
        with pytest.raises(ValidationError, match="inplace"):
            make()


def test_reprs_match_torch():
    ours = nn.Sequential(
        nn.Linear(2, 3), nn.ReLU(), nn.LeakyReLU(0.2), nn.ELU(), nn.Softplus(),
        nn.Softmax(dim=1), nn.LogSoftmax(), nn.Embedding(4, 2, padding_idx=0), nn.Flatten(),
        nn.Unflatten(1, (2, 3)), nn.Dropout(), nn.Conv2d(1, 2, 3),
        nn.Conv2d(2, 4, 3, stride=2, padding=1, groups=2, bias=False), nn.Identity())
    theirs = tnn.Sequential(
        tnn.Linear(2, 3), tnn.ReLU(), tnn.LeakyReLU(0.2), tnn.ELU(), tnn.Softplus(),
        tnn.Softmax(dim=1), tnn.LogSoftmax(), tnn.Embedding(4, 2, padding_idx=0), tnn.Flatten(),
        tnn.Unflatten(1, (2, 3)), tnn.Dropout(), tnn.Conv2d(1, 2, 3),
        tnn.Conv2d(2, 4, 3, stride=2, padding=1, groups=2, bias=False), tnn.Identity())
    assert repr(ours) == repr(theirs)

    class Ours(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(1, 1)

        def extra_repr(self):
            return "k=1"

    class Theirs(tnn.Module):
        def __init__(self):
            super().__init__()
            self.fc = tnn.Linear(1, 1)

        def extra_repr(self):
            return "k=1"

    assert repr(Ours()).replace("Ours", "Theirs") == repr(Theirs())


def test_module_to_with_a_positional_dtype_keeps_integer_buffers():
    ours = nn.BatchNorm1d(3).to(nm.float64)
    theirs = tnn.BatchNorm1d(3).to(torch.float64)
    assert ours.weight.dtype == np.float64 and ours.running_var.dtype == np.float64
    assert theirs.num_batches_tracked.dtype == torch.int64
    assert ours.num_batches_tracked.dtype == np.int64
    assert nn.BatchNorm1d(2).to("float64").num_batches_tracked.dtype == np.int64
    with pytest.raises(ValidationError, match="dtype"):
        nn.Linear(2, 2).to(dtype=nm.int32)
    with pytest.raises(TypeError):
        tnn.Linear(2, 2).to(dtype=torch.int32)
    half = nn.BatchNorm1d(2).half()
    assert half.weight.dtype == np.float16 and half.num_batches_tracked.dtype == np.int64


def test_registering_a_name_of_another_kind_raises_like_torch():
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(nm.ones((2,)))
            self.sub = nn.ReLU()
            self.register_buffer("b", nm.zeros((1,)))

    m = M()
    for register in (lambda: m.register_buffer("w", nm.zeros((2,))),
                     lambda: m.register_parameter("b", nn.Parameter(nm.ones((1,)))),
                     lambda: m.add_module("w", nn.Tanh()),
                     lambda: m.register_buffer("sub", nm.zeros((1,)))):
        with pytest.raises(ValidationError, match="name"):
            register()
    tm = tnn.Module()
    tm.w = tnn.Parameter(torch.ones(2))
    with pytest.raises(KeyError):
        tm.register_buffer("w", torch.zeros(2))
    # Re-registering within the same kind is allowed, as in PyTorch.
    m.register_buffer("b", nm.ones((1,)))
    m.register_parameter("w", nn.Parameter(nm.zeros((2,))))
    assert sorted(m.state_dict()) == ["b", "w"]
    # Assigning a Parameter over a non-persistent buffer makes it a saved parameter.
    m.register_buffer("tmp", nm.zeros((1,)), persistent=False)
    m.tmp = nn.Parameter(nm.ones((1,)))
    del m.tmp
    m.register_buffer("tmp", nm.zeros((1,)))
    assert "tmp" in m.state_dict()


def test_train_calls_each_childs_train_so_overrides_are_honoured():
    class FrozenNorm(nn.BatchNorm1d):
        def train(self, mode=True):
            return super().train(False)

    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(FrozenNorm(2), nn.Dropout()))
    model.eval()
    model.train()
    assert [m.training for m in model.modules()] == [True, True, True, False, True]


def test_sequential_editing_matches_torch():
    def build(lib):
        return lib.Sequential(lib.ReLU(), lib.Tanh(), lib.Sigmoid(), lib.ELU(), lib.SiLU())

    ours, theirs = build(nn), build(tnn)
    for seq, lib in ((ours, nn), (theirs, tnn)):
        del seq[1]
        seq.insert(-1, lib.GELU())
        seq.insert(4, lib.LeakyReLU())
        seq.extend([lib.Softplus()])
        popped = seq.pop(0)
        assert type(popped).__name__ == "ReLU"
        seq[-2] = lib.Identity()
        del seq[::3]
    assert _kinds(ours) == _kinds(theirs)
    assert len(ours) == len(theirs) == 4
    assert [t for _, t in _kinds(ours)] == ["ELU", "GELU", "Identity", "Softplus"]
    with pytest.raises(IndexError):
        ours[4]
    with pytest.raises(ValidationError, match="index"):
        ours[4]
    with pytest.raises(ValidationError, match="module"):
        ours[0] = 3


def test_modulelist_editing_matches_torch():
    ours = nn.ModuleList([nn.ReLU(), nn.Tanh(), nn.Sigmoid()])
    theirs = tnn.ModuleList([tnn.ReLU(), tnn.Tanh(), tnn.Sigmoid()])
    for ml, lib in ((ours, nn), (theirs, tnn)):
        del ml[0]
        ml += [lib.ELU()]
        ml.append(lib.SiLU())
        assert type(ml.pop(-1)).__name__ == "SiLU"
        ml.insert(1, lib.GELU())
    assert _kinds(ours) == _kinds(theirs)
    both = ours + nn.ModuleList([nn.Identity()])
    assert [k for k, _ in _kinds(both)] == ["0", "1", "2", "3", "4"]
    with pytest.raises(IndexError):
        ours[-6]


def test_moduledict_validates_assignment_and_clears():
    md = nn.ModuleDict({"a": nn.ReLU(), "b": nn.Tanh()})
    with pytest.raises(ValidationError, match="module"):
        md["a"] = "not a module"
    md["a"] = nn.Sigmoid()
    assert list(md) == ["a", "b"] and type(md["a"]).__name__ == "Sigmoid"
    md.clear()
    assert len(md) == 0 and list(md.parameters()) == []


@pytest.mark.parametrize("shape, start, end", [((2, 3, 4), 1, -1), ((2, 3, 4), 0, 1),
                                               ((5,), 0, -1), ((), 0, -1), ((2, 3), -1, -1)])
def test_flatten_matches_torch(shape, start, end):
    x = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    np.testing.assert_array_equal(F.flatten(x, start, end).numpy(),
                                  torch.flatten(torch.tensor(x), start, end).numpy())


def test_flatten_refuses_what_torch_refuses():
    x = np.zeros((2, 3, 4))
    with pytest.raises(IndexError):
        tnn.Flatten()(torch.zeros(3))
    with pytest.raises(ValidationError, match="start_dim"):
        nn.Flatten()(np.zeros(3))  # start_dim=1 is out of range for a 1-D input
    with pytest.raises(ValidationError, match="start_dim"):
        F.flatten(x, 4)
    with pytest.raises(ValidationError, match="start_dim"):
        F.flatten(x, 2, 1)


def test_unflatten_matches_torch():
    x = np.arange(24.0).reshape(2, 12)
    for dim, sizes in ((1, (3, 4)), (-1, (2, -1, 3)), (0, (1, 2))):
        np.testing.assert_array_equal(
            nn.Unflatten(dim, sizes)(x).numpy(),
            tnn.Unflatten(dim, sizes)(torch.tensor(x)).numpy())
    with pytest.raises(ShapeError, match="sizes"):
        F.unflatten(x, 1, (5, 3))


def test_embedding_max_norm_renormalises_like_torch():
    w = np.random.default_rng(2).standard_normal((6, 3)) * 3
    idx = np.array([[0, 2, 2], [5, 0, 1]])
    for norm_type in (2.0, 1.0):
        ours = nn.Embedding.from_pretrained(nm.asarray(w.copy()), freeze=False, max_norm=1.5,
                                            norm_type=norm_type)
        theirs = tnn.Embedding.from_pretrained(torch.tensor(w.copy()), freeze=False,
                                               max_norm=1.5, norm_type=norm_type)
        out, ref = ours(idx), theirs(torch.tensor(idx))
        np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(ours.weight.numpy(), theirs.weight.detach().numpy(),
                                   rtol=1e-12)
        nm.sum(out * nm.asarray(np.arange(18.0).reshape(2, 3, 3))).backward()
        ref.mul(torch.arange(18.0, dtype=torch.float64).reshape(2, 3, 3)).sum().backward()
        np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy())
    with pytest.raises(ValidationError, match="sparse"):
        nn.Embedding(3, 2, sparse=True)


@pytest.mark.parametrize("padding_idx", [None, 2])
def test_embedding_scale_grad_by_freq_matches_torch(padding_idx):
    w = np.random.default_rng(0).standard_normal((6, 3))
    idx = np.array([[0, 2, 2], [5, 2, 0]])
    kwargs = {"padding_idx": padding_idx, "scale_grad_by_freq": True}
    ours = nn.Embedding(6, 3, _weight=nm.asarray(w.copy()), **kwargs)
    theirs = tnn.Embedding(6, 3, _weight=torch.tensor(w.copy()), **kwargs)
    g = np.random.default_rng(1).standard_normal((2, 3, 3))
    out, ref = ours(idx), theirs(torch.tensor(idx))
    np.testing.assert_array_equal(out.numpy(), ref.detach().numpy())
    out.backward(nm.asarray(g))
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-12)
    assert repr(ours) == repr(theirs)


def test_activation_special_points_match_torch():
    x = np.array([0.0, -0.0, 1.0, -1.0, 1e308, -1e308, np.inf, -np.inf, np.nan])
    for ours, theirs in [(F.gelu, TF.gelu), (lambda t: F.gelu(t, "tanh"),
                                             lambda t: TF.gelu(t, approximate="tanh"))]:
        with np.errstate(all="ignore"):
            y = ours(nm.asarray(x)).numpy()
        # x * 0.5 first, as PyTorch: x * (1 + erf) overflowed to inf at 1e308.
        np.testing.assert_array_equal(y, theirs(torch.tensor(x)).numpy())


def test_dropout_of_an_integer_tensor_is_refused_like_torch():
    from numeru.core.errors import DTypeError

    with pytest.raises(DTypeError, match="input: expected a floating-point tensor"):
        F.dropout(nm.asarray(np.ones(3, dtype=np.int64)), 0.5)
    with pytest.raises(RuntimeError):
        TF.dropout(torch.ones(3, dtype=torch.int64), 0.5)


def test_linear_checks_weight_and_bias_shapes():
    x = nm.ones((2, 3))
    with pytest.raises(ShapeError, match=r"bias: expected shape \(4,\) or a scalar"):
        F.linear(x, nm.ones((4, 3)), nm.ones(5))
    with pytest.raises(ShapeError, match="weight: expected a 1-D or 2-D tensor"):
        F.linear(x, nm.ones((4, 3, 3)))
    for w, b in [(np.ones(3), None), (np.ones((4, 3)), np.ones(1)), (np.ones((4, 3)), None)]:
        ours = F.linear(x, nm.asarray(w), None if b is None else nm.asarray(b))
        ref = TF.linear(torch.ones(2, 3, dtype=torch.float64), torch.tensor(w),
                        None if b is None else torch.tensor(b))
        np.testing.assert_array_equal(ours.numpy(), ref.numpy())


def test_embedding_from_pretrained_shares_and_freezes_like_torch():
    w = nm.asarray(np.arange(6.0).reshape(3, 2))
    frozen = nn.Embedding.from_pretrained(w, padding_idx=1)
    assert not frozen.weight.requires_grad
    np.testing.assert_array_equal(frozen(np.array([1])).numpy(), [[2.0, 3.0]])  # kept as given
    w.data[0, 0] = 7.0
    assert frozen.weight.numpy()[0, 0] == 7.0
    assert nn.Embedding.from_pretrained(w, freeze=False).weight.requires_grad
    assert repr(frozen) == repr(tnn.Embedding.from_pretrained(torch.ones(3, 2), padding_idx=1))
    with pytest.raises(ShapeError, match="embeddings"):
        nn.Embedding.from_pretrained(nm.ones((3,)))


def test_kaiming_on_a_zero_element_tensor_is_a_no_op_like_torch():
    for fn in (init.kaiming_uniform_, init.kaiming_normal_):
        t = nm.ones((3, 0))
        with pytest.warns(UserWarning, match="zero-element"):
            assert fn(t) is t
    with pytest.warns(UserWarning, match="zero-element"):
        tnn.init.kaiming_uniform_(torch.ones(3, 0))
    with pytest.raises(ShapeError):
        init.kaiming_uniform_(nm.ones((3,)))
