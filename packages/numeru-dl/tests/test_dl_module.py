"""Module API against torch.nn conventions: registration, traversal, modes, state dicts,
hooks, containers, devices, init."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import numeru.core as nm
import numeru.dl as dl
from numeru.dl import nn
from numeru.dl.nn import init

torch = pytest.importorskip("torch")


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)
        self.norm = nn.BatchNorm1d(3)
        self.scale = nn.Parameter(nm.ones((3,), dtype=nm.float32))
        self.register_buffer("steps", nm.zeros((), dtype=nm.int64))
        self.register_buffer("cache", nm.zeros((2,), dtype=nm.float32), persistent=False)

    def forward(self, x):
        return self.norm(self.fc(x)) * self.scale


class TorchBlock(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(4, 3)
        self.norm = torch.nn.BatchNorm1d(3)
        self.scale = torch.nn.Parameter(torch.ones(3))
        self.register_buffer("steps", torch.zeros((), dtype=torch.int64))
        self.register_buffer("cache", torch.zeros(2), persistent=False)


def test_named_parameters_buffers_and_state_dict_keys_match_torch():
    ours = nn.Sequential(OrderedDict(block=Block(), head=nn.Linear(3, 2)))
    theirs = torch.nn.Sequential(OrderedDict(block=TorchBlock(), head=torch.nn.Linear(3, 2)))
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_parameters(prefix="model")][0] == "model.block.scale"
    assert len(list(ours.children())) == 2
    assert len(list(ours.parameters(recurse=False))) == 0


def test_shared_parameters_are_listed_once():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, shared)
    assert len(list(model.parameters())) == 2


def test_shared_submodule_state_dict_has_every_path_like_torch():
    """A module reachable under two names is saved under both (torch.nn's state_dict), so
    a PyTorch state dict of the same structure loads with strict=True."""
    shared, shared_t = nn.Linear(2, 2), torch.nn.Linear(2, 2)
    ours = nn.Sequential(OrderedDict(a=shared, b=nn.ReLU(), c=shared))
    theirs = torch.nn.Sequential(OrderedDict(a=shared_t, b=torch.nn.ReLU(), c=shared_t))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    state = {k: v.numpy() for k, v in theirs.state_dict().items()}
    assert ours.load_state_dict(state) == ([], [])
    np.testing.assert_allclose(ours.c.weight.numpy(), state["c.weight"])


def test_load_state_dict_from_torch_and_strictness():
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3))
    ours = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3))
    state = {k: v.numpy() for k, v in theirs.state_dict().items()}
    weight_before = ours[0].weight
    assert ours.load_state_dict(state) == ([], [])
    assert ours[0].weight is weight_before  # loaded in place
    np.testing.assert_allclose(ours[0].weight.numpy(), state["0.weight"])
    partial = dict(state)
    del partial["1.running_mean"]
    partial["extra"] = np.zeros(1)
    with pytest.raises(ValueError, match="missing"):
        ours.load_state_dict(partial)
    result = ours.load_state_dict(partial, strict=False)
    assert result.missing_keys == ["1.running_mean"] and result.unexpected_keys == ["extra"]
    bad = dict(state)
    bad["0.weight"] = np.zeros((2, 2))
    with pytest.raises(ValueError, match="0.weight"):
        ours.load_state_dict(bad)


def test_train_eval_flags_propagate():
    model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(), nn.Sequential(nn.BatchNorm1d(2)))
    model.eval()
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())


def test_apply_and_init_functions():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))

    def zero_bias(m):
        if isinstance(m, nn.Linear):
            init.zeros_(m.bias)
            init.ones_(m.weight)

    model.apply(zero_bias)
    assert all(np.all(m.bias.numpy() == 0) for m in model if isinstance(m, nn.Linear))
    out = model(nm.asarray(np.ones((1, 3), dtype=np.float32)))
    np.testing.assert_allclose(out.numpy(), [[12.0, 12.0]])


@pytest.mark.parametrize("name,args,ours_kw,torch_kw", [
    ("xavier_uniform_", (200, 300), {}, {}),
    ("xavier_normal_", (200, 300), {"gain": 2.0}, {"gain": 2.0}),
    ("kaiming_uniform_", (300, 200), {"nonlinearity": "relu"}, {"nonlinearity": "relu"}),
    ("kaiming_normal_", (30, 20, 3, 3), {"mode": "fan_out"}, {"mode": "fan_out"}),
    ("uniform_", (300, 300), {"a": -2.0, "b": 3.0}, {"a": -2.0, "b": 3.0}),
    ("normal_", (300, 300), {"mean": 1.0, "std": 0.5}, {"mean": 1.0, "std": 0.5}),
])
def test_init_distributions_match_torch_statistics(name, args, ours_kw, torch_kw):
    dl.manual_seed(0)  # both streams fixed: the comparison of sample statistics is repeatable
    torch.manual_seed(0)
    ours = getattr(init, name)(nm.empty(args, dtype=nm.float64), **ours_kw).numpy()
    theirs = getattr(torch.nn.init, name)(torch.empty(args, dtype=torch.float64),
                                          **torch_kw).numpy()
    assert abs(ours.mean() - theirs.mean()) < 0.02 + 0.02 * abs(theirs.mean())
    assert abs(ours.std() - theirs.std()) / theirs.std() < 0.03
    assert abs(ours.min() - theirs.min()) / (theirs.max() - theirs.min()) < 0.05 or \
        name.endswith("normal_")


def test_calculate_gain_matches_torch():
    for nl, p in [("relu", None), ("tanh", None), ("leaky_relu", 0.2), ("linear", None),
                  ("selu", None)]:
        assert init.calculate_gain(nl, p) == pytest.approx(torch.nn.init.calculate_gain(nl, p))


def test_manual_seed_makes_initialisation_reproducible():
    dl.manual_seed(3)
    a = nn.Linear(5, 5).weight.numpy().copy()
    dl.manual_seed(3)
    b = nn.Linear(5, 5).weight.numpy().copy()
    np.testing.assert_array_equal(a, b)


def test_forward_hooks_and_pre_hooks():
    layer = nn.Linear(2, 2)
    calls = []
    h1 = layer.register_forward_pre_hook(lambda m, inputs: calls.append("pre"))
    h2 = layer.register_forward_hook(lambda m, inputs, out: out * 0.0)
    out = layer(nm.asarray(np.ones((1, 2), dtype=np.float32)))
    assert calls == ["pre"] and np.all(out.numpy() == 0)
    h1.remove()
    h2.remove()
    assert np.any(layer(nm.asarray(np.ones((1, 2), dtype=np.float32))).numpy() != 0)


def test_containers():
    lst = nn.ModuleList([nn.Linear(1, 1), nn.ReLU()])
    lst.append(nn.Tanh())
    assert len(lst) == 3 and isinstance(lst[2], nn.Tanh)
    assert [n for n, _ in lst.named_parameters()] == ["0.weight", "0.bias"]
    d = nn.ModuleDict({"a": nn.Linear(1, 2)})
    d["b"] = nn.ReLU()
    assert list(d.keys()) == ["a", "b"] and "a" in d
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert isinstance(seq[1:], nn.Sequential) and len(seq[1:]) == 2
    assert isinstance(seq[-1], nn.Linear)
    assert "Linear(in_features=2, out_features=3, bias=True)" in repr(seq)


def test_to_dtype_and_device_keeps_parameter_identity():
    layer = nn.Linear(2, 3)
    weight = layer.weight
    layer.to(nm.device("cpu"), dtype=nm.float64)
    assert layer.weight is weight and weight.dtype == np.float64
    layer.float()
    assert weight.dtype == np.float32


def test_zero_grad_and_requires_grad_toggle():
    layer = nn.Linear(2, 1)
    nm.sum(layer(nm.asarray(np.ones((3, 2), dtype=np.float32)))).backward()
    assert layer.weight.grad is not None
    layer.zero_grad(set_to_none=False)
    assert np.all(layer.weight.grad.numpy() == 0)
    layer.zero_grad()
    assert layer.weight.grad is None
    layer.requires_grad_(False)
    assert not layer(nm.asarray(np.ones((3, 2), dtype=np.float32))).requires_grad


def test_assigning_a_non_parameter_to_a_parameter_slot_is_refused():
    layer = nn.Linear(2, 1)
    with pytest.raises(ValueError, match="weight"):
        layer.weight = nm.zeros((1, 2))
    layer.bias = None
    assert [n for n, _ in layer.named_parameters()] == ["weight"]


def test_predict_restores_each_submodules_mode():
    from numeru.dl import training

    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Dropout(0.5), nn.Linear(4, 2))
    model.train()
    model[1].eval()  # a frozen normalisation layer inside a model in training
    before = [m.training for m in model.modules()]
    out = training.predict(model, np.random.default_rng(0).normal(size=(6, 3)))
    assert out.shape == (6,)
    assert [m.training for m in model.modules()] == before


@pytest.mark.parametrize("mean,std,a,b", [(0.0, 1.0, -2.0, 2.0), (1.0, 2.0, -1.0, 2.0),
                                          (0.0, 0.02, -2.0, 2.0), (0.0, 1.0, 0.5, 3.0)])
def test_trunc_normal_matches_torch_statistics_and_bounds(mean, std, a, b):
    dl.manual_seed(0)
    torch.manual_seed(0)
    ours = init.trunc_normal_(nm.empty((200, 300), dtype=nm.float64), mean, std, a, b).numpy()
    theirs = torch.nn.init.trunc_normal_(torch.empty(200, 300, dtype=torch.float64), mean, std,
                                         a, b).numpy()
    assert a <= ours.min() and ours.max() <= b
    standard_error = theirs.std() / np.sqrt(theirs.size)  # two samples: about 4 of theirs
    assert abs(ours.mean() - theirs.mean()) < 6 * standard_error
    assert abs(ours.std() - theirs.std()) < 0.02 * theirs.std()


@pytest.mark.parametrize("shape,gain", [((5, 5), 1.0), ((4, 7), 2.0), ((9, 3), 0.5),
                                        ((6, 2, 3, 3), 1.0)])
def test_orthogonal_is_orthogonal_with_torchs_layout(shape, gain):
    dl.manual_seed(1)
    q = init.orthogonal_(nm.empty(shape, dtype=nm.float64), gain=gain).numpy()
    flat = q.reshape(shape[0], -1)
    small = min(flat.shape)
    gram = flat @ flat.T if flat.shape[0] <= flat.shape[1] else flat.T @ flat
    np.testing.assert_allclose(gram, gain ** 2 * np.eye(small), atol=1e-12)
    theirs = torch.nn.init.orthogonal_(torch.empty(shape, dtype=torch.float64), gain).numpy()
    assert abs(q.std() - theirs.std()) < 0.25 * theirs.std()  # both Haar: the same spread
    with pytest.raises(ValueError, match="tensor: expected a tensor of at least 2"):
        init.orthogonal_(nm.empty((3,)))


def test_eye_and_dirac_match_torch():
    for shape in [(3, 3), (2, 4), (4, 2)]:
        np.testing.assert_array_equal(init.eye_(nm.empty(shape)).numpy(),
                                      torch.nn.init.eye_(torch.empty(shape)).numpy())
    for shape, groups in [((4, 3, 3, 3), 1), ((6, 2, 3), 2), ((4, 4, 2, 3, 3), 2),
                          ((2, 5, 4, 4), 1)]:
        np.testing.assert_array_equal(
            init.dirac_(nm.empty(shape), groups).numpy(),
            torch.nn.init.dirac_(torch.empty(shape), groups).numpy())
    x = np.random.default_rng(0).standard_normal((1, 3, 5, 5))
    w = init.dirac_(nm.empty((3, 3, 3, 3), dtype=nm.float64))
    np.testing.assert_allclose(nn.functional.conv2d(nm.asarray(x), w, padding=1).numpy(), x)


def test_init_arguments_are_checked_like_torch():
    for bad in (True, "x"):
        with pytest.raises(ValueError):
            torch.nn.init.calculate_gain("leaky_relu", bad)
        with pytest.raises(ValueError, match="param: expected a number"):
            init.calculate_gain("leaky_relu", bad)
    assert init.calculate_gain("leaky_relu", 0) == torch.nn.init.calculate_gain("leaky_relu", 0)
    with pytest.raises(ValueError, match="std: expected a non-negative number"):
        init.normal_(nm.empty((2, 2)), std=-1.0)
    with pytest.raises(ValueError, match="a: expected at most b=1"):
        init.uniform_(nm.empty((2, 2)), 2.0, 1.0)
    with pytest.raises(ValueError, match="groups: expected a positive divisor"):
        init.dirac_(nm.empty((3, 2, 3)), groups=2)
